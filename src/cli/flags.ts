/**
 * The one flag parser of the `resnet-blocks` command: each command declares its flags,
 * and every unknown, repeated or malformed flag gets a message naming the flag, the value
 * and what is accepted (with the valid flags), never Node's `parseArgs` text.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** A mistake on the command line: the CLI prints it with a pointer to `--help` and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One flag of a command. */
export interface FlagSpec {
  /** `'string'` takes a value (`--input 224`), `'boolean'` takes none (`--json`). */
  readonly type: "string" | "boolean";
  /** For a string flag: what its value must be, for the message when it is missing. */
  readonly accepts?: string;
  /** One-letter alias (`h` for `-h`). */
  readonly short?: string;
}

/** The flags of one command, by long name (without `--`). */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** What {@link parseFlags} found. */
export interface ParsedFlags {
  /** The arguments that are not flags, in order. */
  readonly positionals: string[];
  /** Each given flag's value (`true` for a boolean flag), by long name. */
  readonly values: Readonly<Record<string, string | true>>;
}

/** `--help` and `-h`, accepted by every command. */
export const HELP_FLAG: FlagSpecs = { help: { type: "boolean", short: "h" } };

/**
 * Parses `argv` against `specs`. `where` names the command in messages (`"convert"`), or
 * is empty for the flags given before any command.
 *
 * @throws UsageError for an unknown flag (with the nearest valid one and the list), a
 *   string flag without a value, a boolean flag given a value, or a flag given twice.
 */
export function parseFlags(where: string, argv: readonly string[], specs: FlagSpecs): ParsedFlags {
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      Object.entries(specs).map(([name, { type, short }]) => [name, short === undefined ? { type } : { type, short }]),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals: string[] = [];
  const values: Record<string, string | true> = {};
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
    const flag = `--${token.name}`;
    if (spec === undefined) throw new UsageError(unknownFlag(token.rawName, where, specs));
    if (Object.hasOwn(values, token.name)) throw new UsageError(`${flag} is given twice`);
    if (spec.type === "boolean") {
      if (token.value !== undefined) throw new UsageError(`${flag} takes no value; got ${JSON.stringify(`${token.rawName}=${token.value}`)}`);
      values[token.name] = true;
      continue;
    }
    const accepts = spec.accepts ? `: ${spec.accepts}` : "";
    if (token.value === undefined) throw new UsageError(`${flag} needs a value${accepts}`);
    if (!token.inlineValue && token.value.startsWith("-")) {
      throw new UsageError(`${flag} needs a value${accepts}; got the flag ${token.value}`);
    }
    values[token.name] = token.value;
  }
  return { positionals, values };
}

function unknownFlag(raw: string, where: string, specs: FlagSpecs): string {
  const names = Object.keys(specs);
  const typed = raw.replace(/^-+/, "").split("=")[0]!;
  const nearest = names
    .map((name) => ({ name, distance: editDistance(typed, name) }))
    .filter(({ distance }) => distance <= 2 && distance < typed.length)
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = nearest ? ` (did you mean --${nearest.name}?)` : "";
  return `unknown flag ${raw.split("=")[0]}${where ? ` for ${where}` : ""}${hint}; valid flags: ${names.map((n) => `--${n}`).join(", ")}`;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The value of `--<flag>` if it is one of `allowed` (compared as text), else a UsageError listing them. */
export function oneOfFlag<T extends string | number>(flag: string, text: string, allowed: readonly T[]): T {
  const match = allowed.find((value) => String(value) === text);
  if (match !== undefined) return match;
  const shown = allowed.map((value) => (typeof value === "string" ? JSON.stringify(value) : String(value)));
  const got = typeof allowed[0] === "number" && /^\d+$/.test(text) ? text : JSON.stringify(text);
  throw new UsageError(`--${flag} must be one of ${shown.join(", ")}; got ${got}`);
}

/** Largest value of a whole-number flag: sizes beyond this are no image a tfjs tensor holds. */
export const MAX_FLAG_INTEGER = 1_000_000;

/** The value of a whole-number flag from `min` to {@link MAX_FLAG_INTEGER}, else a UsageError. */
export function integerFlag(flag: string, text: string, min: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= MAX_FLAG_INTEGER)) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${MAX_FLAG_INTEGER}; got ${JSON.stringify(text)}`);
  }
  return value;
}

/** `--input 224` or `--input 224x160` as `[height, width]`, each a whole number up to {@link MAX_FLAG_INTEGER}. */
export function sizeFlag(flag: string, text: string): [number, number] {
  const match = /^(\d+)(?:x(\d+))?$/.exec(text);
  const sides = match ? [Number(match[1]), Number(match[2] ?? match[1])] : [];
  if (sides.length !== 2 || !sides.every((side) => side <= MAX_FLAG_INTEGER)) {
    throw new UsageError(`--${flag} must be a size such as 224 or 224x160 (whole numbers up to ${MAX_FLAG_INTEGER}); got ${JSON.stringify(text)}`);
  }
  return [sides[0]!, sides[1]!];
}
