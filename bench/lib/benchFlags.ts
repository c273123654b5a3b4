/** Command-line flags of bench/inference.ts. */
import { PEER_IDS, type PeerId } from "./peers.js";

/** The bench's settings. */
export interface InferenceBenchFlags {
  /** Timed calls per batch size and row. */
  runs: number;
  /** Untimed calls before them (the first one is the logits check). */
  warmup: number;
  /** Depths to run, e.g. [18, 50]. */
  depths: (18 | 34 | 50 | 101 | 152)[];
  /** Preset of the models. */
  preset: "paper" | "keras" | "torchvision";
  /** Input height and width. */
  size: number;
  /** Rows to run. */
  peers: PeerId[];
}

/** Usage text. */
export const USAGE = `usage: tsx bench/inference.ts [--runs N] [--warmup W] [--models resnet18,resnet50] [--preset paper|keras|torchvision]
                             [--size 224] [--peers ${PEER_IDS.join(",")}] [--quick]
  --quick   runs 3, warmup 1, resnet18 only (unless --models/--runs/--warmup say otherwise): a smoke run`;

/** Parses `argv` (without node and the script); throws a RangeError naming a bad flag. */
export function parseFlags(argv: readonly string[]): InferenceBenchFlags | "help" {
  const given = new Map<string, string>();
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--quick") {
      quick = true;
      continue;
    }
    const match = /^--(runs|warmup|models|preset|size|peers)(?:=(.*))?$/.exec(arg);
    if (!match) throw new RangeError(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new RangeError(`--${match[1]} needs a value\n${USAGE}`);
    given.set(match[1]!, value);
  }
  const integer = (flag: string, fallback: number, min: number) => {
    const raw = given.get(flag);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new RangeError(`--${flag} must be an integer >= ${min}; got ${JSON.stringify(raw)}`);
    return value;
  };
  const list = (flag: string, fallback: string) => (given.get(flag) ?? fallback).split(",").map((s) => s.trim()).filter(Boolean);
  const depths = list("models", quick ? "resnet18" : "resnet18,resnet50").map((name) => {
    const match = /^resnet(18|34|50|101|152)$/.exec(name);
    if (!match) throw new RangeError(`--models takes resnet18, resnet34, resnet50, resnet101, resnet152; got ${JSON.stringify(name)}`);
    return Number(match[1]) as InferenceBenchFlags["depths"][number];
  });
  const preset = given.get("preset") ?? "paper";
  if (preset !== "paper" && preset !== "keras" && preset !== "torchvision") {
    throw new RangeError(`--preset must be paper, keras or torchvision; got ${JSON.stringify(preset)}`);
  }
  const peers = list("peers", PEER_IDS.join(",")).map((peer) => {
    if (!(PEER_IDS as readonly string[]).includes(peer)) throw new RangeError(`--peers takes ${PEER_IDS.join(", ")}; got ${JSON.stringify(peer)}`);
    return peer as PeerId;
  });
  return {
    runs: integer("runs", quick ? 3 : 10, 1),
    warmup: integer("warmup", quick ? 1 : 3, 1),
    depths,
    preset,
    size: integer("size", 224, 32),
    peers,
  };
}
