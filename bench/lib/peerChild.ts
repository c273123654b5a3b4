/**
 * One bench row in a process of its own: starts the peer, checks its outputs against the
 * reference, then times it and reports medians' raw data, CPU use and peak memory to the
 * parent (bench/inference.ts) over the IPC channel. A process per row keeps one runtime's
 * threads, heap and WASM memory from disturbing another's figures.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { compareLogits, type LogitsComparison } from "./compareLogits.js";
import { measure } from "./measure.js";
import { PeerUnavailable, startPeer, type PeerJob } from "./peers.js";

/** What the parent sends (as JSON in argv[2]). */
export interface ChildJob extends PeerJob {
  /** NHWC float32 images, the largest batch. */
  inputPath: string;
  /** Reference outputs of the largest batch (tfjs `model.predict`), float32. */
  referencePath: string;
  /** Batch sizes to time, e.g. [1, 8]. */
  batches: number[];
  /** Outputs per image. */
  classes: number;
  /** Whether the outputs are softmax probabilities (compared in log space). */
  softmax: boolean;
  /** Untimed calls before the timed ones, per batch size. */
  warmup: number;
  /** Timed calls per batch size. */
  runs: number;
}

/** Figures of one batch size. */
export interface BatchFigures {
  /** Batch size. */
  batch: number;
  /** Wall times of the timed calls, ms. */
  times: number[];
  /** Process CPU time (all threads) over wall time during the timed calls: the cores that actually worked. */
  cores: number;
  /** The check of this batch's outputs. */
  check: LogitsComparison;
}

/** What the child reports. */
export type ChildReport =
  | {
      kind: "result";
      batches: BatchFigures[];
      /** Resident set size when the child started, before loading any runtime, MiB. */
      startRssMiB: number;
      /** Peak resident set size of the child process (getrusage maxrss), MiB. */
      peakRssMiB: number;
      /** Threads the runtime says it started, where it says. */
      threadsReported?: number;
    }
  | { kind: "unavailable"; reason: string }
  | { kind: "mismatch"; batch: number; check: LogitsComparison }
  | { kind: "error"; message: string };

async function main(): Promise<void> {
  const startRssMiB = process.memoryUsage().rss / 2 ** 20;
  const job = JSON.parse(process.argv[2]!) as ChildJob;
  const images = readFloats(job.inputPath);
  const reference = readFloats(job.referencePath);
  let peer;
  try {
    peer = await startPeer(job, images, job.batches);
  } catch (error) {
    if (error instanceof PeerUnavailable) return send({ kind: "unavailable", reason: error.message });
    throw error;
  }
  const figures: BatchFigures[] = [];
  for (const batch of job.batches) {
    // The first call is the check; it also serves as the first warm-up.
    const output = await peer.run(batch);
    const check = compareLogits(reference.subarray(0, batch * job.classes), output, { classes: job.classes, softmax: job.softmax });
    if (!check.ok) {
      await peer.close();
      return send({ kind: "mismatch", batch, check });
    }
    await measure(() => peer.run(batch), { warmup: Math.max(job.warmup - 1, 0), runs: 0 });
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const times = await measure(() => peer.run(batch), { warmup: 0, runs: job.runs });
    const cpu = process.cpuUsage(cpuBefore);
    const cores = (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore);
    figures.push({ batch, times, cores, check });
  }
  await peer.close();
  await send({
    kind: "result",
    batches: figures,
    startRssMiB,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    ...(peer.threadsReported !== undefined ? { threadsReported: peer.threadsReported } : {}),
  });
}

function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function send(report: ChildReport): Promise<void> {
  return new Promise((resolve, reject) => process.send!(report, (error: Error | null) => (error ? reject(error) : resolve())));
}

// If the parent goes (Ctrl-C), go too rather than run on unseen.
process.on("disconnect", () => process.exit(1));

main().then(
  () => process.exit(0), // worker threads of some runtimes would keep the process alive
  async (error: unknown) => {
    await send({ kind: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }).catch(() => {});
    process.exit(1);
  },
);
