/**
 * Inference bench (issue 4): plain tfjs-layers `predict`, `fuse`, tfjs with WASM threads in
 * Node, the worker pool, onnxruntime-web's WASM backend on 1 and 2 threads and
 * onnxruntime-node on 1 and 2 threads, on the same weights and the same input, in one run.
 * Prints one Markdown table per model. Run with `npm run bench` (`tsx bench/inference.ts`);
 * `--help` lists the flags, `--quick` is a smoke run.
 *
 * How: the parent builds each model once (seeded, batch norm randomised), writes its weights
 * to a temporary safetensors file, exports the same model to ONNX, draws the input images
 * and computes the reference outputs with tfjs `model.predict` (wasm). Each row then runs in
 * a child process of its own (bench/lib/peerChild.ts), which loads only its runtime, checks
 * its outputs against the reference (the bench aborts on a mismatch), and times batch 1 and
 * batch 8.
 */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "../src/count/format.js";
import { resnet, type ResNetBuildOptions } from "../src/models/resnet.js";
import { saveSafetensors } from "../src/weights/index.js";
import { parseFlags, USAGE, type InferenceBenchFlags } from "./lib/benchFlags.js";
import { perturbWeights } from "../test/helpers/perturbWeights.js";
import { machine, median } from "./lib/measure.js";
import type { ChildJob, ChildReport } from "./lib/peerChild.js";
import { PEER_INFO, type PeerId } from "./lib/peers.js";
import { exportOnnx } from "../src/onnx/index.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BATCHES = [1, 8];
const WEIGHT_SEED = 11;
const INPUT_SEED = 5;

interface Row {
  peer: PeerId;
  report: ChildReport;
}

async function main(): Promise<number> {
  let flags: InferenceBenchFlags | "help";
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (flags === "help") {
    console.log(USAGE);
    return 0;
  }
  tf.env().set("IS_TEST", true); // no "install tfjs-node" banner
  if (!(await tf.setBackend("wasm"))) throw new Error("could not start the tfjs wasm backend");

  const dir = mkdtempSync(join(tmpdir(), "resnet-blocks-bench-"));
  const models: { model: string; rows: Row[] }[] = [];
  let failed = false;
  try {
    for (const depth of flags.depths) {
      const options: ResNetBuildOptions = { depth, preset: flags.preset, inputShape: [flags.size, flags.size, 3], seed: 1 };
      const prepared = await prepare(options, join(dir, `resnet${depth}`));
      const rows: Row[] = [];
      for (const peer of flags.peers) {
        progress(`resnet${depth} ${peer}: running`);
        const report = await runChild({ ...prepared, peer, warmup: flags.warmup, runs: flags.runs });
        progress(`resnet${depth} ${peer}: ${summary(report)}`);
        if (report.kind === "mismatch") {
          console.error(
            `ABORT: ${peer} on resnet${depth} (batch ${report.batch}) does not give the reference logits: ` +
              `max |difference| ${report.check.maxDiff.toExponential(2)} > tolerance ${report.check.tolerance.toExponential(2)}` +
              ` (same top class: ${report.check.sameTopClass})`,
          );
          return 1;
        }
        if (report.kind === "error") failed = true;
        rows.push({ peer, report });
      }
      models.push({ model: `ResNet-${depth}`, rows });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(await header(flags));
  console.log(renderTable(models));
  console.log(FOOTNOTES);
  return failed ? 1 : 0;
}

/** Writes weights, ONNX graph, input and reference outputs of one model; returns the job fields they fill. */
async function prepare(options: ResNetBuildOptions, prefix: string): Promise<Omit<ChildJob, "peer" | "warmup" | "runs">> {
  progress(`resnet${options.depth}: building, exporting, computing the reference`);
  const model = resnet(options);
  perturbWeights(model, WEIGHT_SEED);
  const weightsPath = `${prefix}.safetensors`;
  writeFileSync(weightsPath, await saveSafetensors(model));
  const onnx = await exportOnnx(model, { inputLayout: "NCHW" });
  const onnxPath = `${prefix}.onnx`;
  writeFileSync(onnxPath, onnx.bytes);

  const batch = Math.max(...BATCHES);
  const images = tf.randomUniform([batch, ...options.inputShape!], 0, 1, "float32", INPUT_SEED);
  const output = model.predict(images) as tf.Tensor;
  const inputPath = `${prefix}.input.f32`;
  const referencePath = `${prefix}.reference.f32`;
  writeFileSync(inputPath, (await images.data()) as Float32Array);
  writeFileSync(referencePath, (await output.data()) as Float32Array);
  const classes = output.shape[1]!;
  tf.dispose([images, output]);
  model.dispose();
  return {
    model: options,
    weightsPath,
    onnxPath,
    onnxInput: onnx.input,
    onnxOutput: onnx.output,
    inputPath,
    referencePath,
    batches: BATCHES,
    classes,
    softmax: onnx.logits !== undefined,
  };
}

/** Node 20 has WebAssembly relaxed SIMD behind a flag; Node 22 and later have it on. */
const RELAXED_SIMD_FLAG = Number(process.versions.node.split(".")[0]) < 22 ? ["--experimental-wasm-relaxed-simd"] : [];

/** Runs one row in a child process; its console output goes to stderr, so stdout holds only the table. */
function runChild(job: ChildJob): Promise<ChildReport> {
  return new Promise((resolve) => {
    const child = fork(join(ROOT, "bench/lib/peerChild.ts"), [JSON.stringify(job)], {
      cwd: ROOT,
      execArgv: ["--import", "tsx", ...RELAXED_SIMD_FLAG],
      stdio: ["ignore", 2, 2, "ipc"],
    });
    let report: ChildReport | undefined;
    child.on("message", (message) => (report = message as ChildReport));
    child.on("error", (error) => (report ??= { kind: "error", message: error.message }));
    child.on("exit", (code, signal) => resolve(report ?? { kind: "error", message: `child exited (${signal ?? code}) without a report` }));
  });
}

function progress(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function summary(report: ChildReport): string {
  switch (report.kind) {
    case "result":
      return report.batches
        .map((b) => `batch ${b.batch} ${median(b.times).toFixed(1)} ms (max dlogit ${b.check.maxDiff.toExponential(1)}, tolerance ${b.check.tolerance.toExponential(1)})`)
        .join(", ");
    case "unavailable":
      return `n/a (${report.reason})`;
    case "mismatch":
      return "logits differ";
    case "error":
      return `error: ${report.message}`;
  }
}

function renderTable(models: readonly { model: string; rows: readonly Row[] }[]): string {
  const body = models.flatMap(({ model, rows }) => tableRows(model, rows));
  return markdownTable(
    [
      "model",
      "runtime",
      "threads (cores busy b1 / b8)",
      "batch 1 ms",
      "batch 8 img/s",
      "peak RSS MiB",
      "vs tfjs b1",
      "vs tfjs b8",
      "vs ort-web b1",
      "vs ort-web b8",
      "max dlogit",
    ],
    body,
    ["left", "left", "right", "right", "right", "right", "right", "right", "right", "right", "right"],
  );
}

/** One model's rows; the ratios compare rows of the same model. */
function tableRows(model: string, rows: readonly Row[]): string[][] {
  const figures = new Map<PeerId, { b1: number; b8: number }>();
  for (const { peer, report } of rows) {
    if (report.kind !== "result") continue;
    const ms = (batch: number) => median(report.batches.find((b) => b.batch === batch)!.times);
    figures.set(peer, { b1: ms(1), b8: (8 * 1000) / ms(8) });
  }
  const ratio = (peer: PeerId, to: PeerId, key: "b1" | "b8") => {
    const row = figures.get(peer);
    const base = figures.get(to);
    if (!row || !base) return "";
    return `${(key === "b1" ? base.b1 / row.b1 : row.b8 / base.b8).toFixed(2)}x`;
  };
  return rows.map(({ peer, report }) => {
    const info = PEER_INFO[peer];
    const start = [model, info.label];
    if (report.kind !== "result") {
      const why = report.kind === "unavailable" ? `n/a (${report.reason})` : `error (${firstLine(report.kind === "error" ? report.message : "")})`;
      return [...start, String(info.threads), why, ...Array<string>(7).fill("")];
    }
    const { b1, b8 } = figures.get(peer)!;
    let threads = `${info.threads} (${report.batches.map((b) => b.cores.toFixed(1)).join(" / ")})`;
    if (report.threadsReported !== undefined && report.threadsReported !== info.threads) threads += `, runtime says ${report.threadsReported}`;
    const diff = Math.max(...report.batches.map((b) => b.check.maxDiff));
    return [
      ...start,
      threads,
      b1.toFixed(b1 < 100 ? 1 : 0),
      b8.toFixed(1),
      (report.peakRssMiB - report.startRssMiB).toFixed(0),
      ratio(peer, "tfjs", "b1"),
      ratio(peer, "tfjs", "b8"),
      ratio(peer, info.ortWeb, "b1"),
      ratio(peer, info.ortWeb, "b8"),
      diff.toExponential(1),
    ];
  });
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

async function header(flags: InferenceBenchFlags): Promise<string> {
  const version = (name: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  return [
    `machine: ${await machine()}`,
    `tfjs ${tf.version_core}, onnxruntime-web ${version("onnxruntime-web")}, onnxruntime-node ${version("onnxruntime-node")}`,
    `${flags.preset} preset, input ${flags.size}x${flags.size}x3, medians of ${flags.runs} timed calls after ${flags.warmup} warm-up(s), one process per row`,
    "",
  ].join("\n");
}

const FOOTNOTES = `
- every row runs in Node with WebAssembly relaxed SIMD on (Node 20: --experimental-wasm-relaxed-simd; the
  default from Node 22). Only resnet-blocks' convolution kernel uses it (fuse-rb and the pool's workers);
  the WASM binaries of tfjs and onnxruntime-web are the same with or without it.
- batch 1 ms: median latency of one image; batch 8 img/s: 8 / median time of a batch of 8.
- threads: what the row asks for; in parentheses the cores the process kept busy, i.e. its CPU time (all
  threads) over wall time during the timed calls, at batch 1 / batch 8 (idle threads that spin count too).
- peak RSS MiB: the row's child process's peak resident set size (getrusage maxrss, worker threads and
  WASM memory included) minus its size at start, before any runtime was loaded.
- vs tfjs / vs ort-web: speed ratios (> 1 is faster) to plain tfjs-layers predict and to onnxruntime-web
  with the same number of threads (the pool's 2 workers count as 2 threads).
- max dlogit: largest difference from the reference logits (tfjs predict, wasm) before timing; log-probabilities
  for softmax outputs. Tolerance 1e-3 of the logits' spread + 1e-4; the bench aborts beyond it.
- onnxruntime rows run the ONNX graph exported from the same weights (resnet-blocks/onnx), batch norm unfolded
  (onnxruntime's own optimiser folds it), input NCHW, transposed from the shared NHWC images once before timing.`;

process.exitCode = await main();
