/**
 * Starts one threaded tfjs-backend-wasm backend instance in Node by calling tfjs's own
 * registered backend factory inside a short window in which the three obstacles are
 * worked around, then closes the window: every override is restored and the temporary
 * files are deleted before this resolves or rejects. The instance is not yet known to the
 * tfjs engine; `startWasmWithThreads` does that.
 *
 * @module
 */
import { BackendWasm, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import os from "node:os";
import { Worker as NodeWorker } from "node:worker_threads";
import { coresNeededFor, cpusAtLeast } from "./coreCount.js";
import {
  listenersAddedSince,
  restoreListeners,
  snapshotListeners,
  type ListenerSnapshot,
} from "./processListeners.js";
import { PthreadScriptFiles } from "./pthreadScripts.js";
import { ScopedOverrides } from "./scopedOverrides.js";

/** The tfjs flag that tfjs-backend-wasm forces to `false` in Node (tfjs issue 3830). */
export const MULTITHREAD_FLAG = "WASM_HAS_MULTITHREAD_SUPPORT";

/** How long the backend may take to start (compiling the binary, starting 8 workers) before the start fails. */
export const START_TIMEOUT_MS = 60_000;

/** The threaded backend's worker pool, as its Emscripten module exposes it. */
interface PThreadPool {
  unusedWorkers: NodeWorker[];
  runningWorkers: NodeWorker[];
}

/** A threaded backend instance, with what it brought along. */
export interface ThreadedBackend {
  /** The tfjs backend instance (a `BackendWasm` running the threaded SIMD binary). */
  readonly backend: BackendWasm;
  /** Every pthread worker its glue started. */
  readonly workers: readonly NodeWorker[];
  /** The `process` listeners its glue added. */
  readonly glueListeners: ListenerSnapshot;
}

/** The workers of `backend`'s pthread pool (none once the backend is disposed). */
export function pthreadWorkers(backend: BackendWasm): NodeWorker[] {
  const pool = (backend.wasm as { PThread?: PThreadPool } | null)?.PThread;
  return pool ? [...pool.unusedWorkers, ...pool.runningWorkers] : [];
}

/**
 * Calls `factory` (tfjs-backend-wasm's registered backend factory) so that it starts the
 * threaded SIMD binary with `threads` XNNPACK threads. Rejects, having terminated the
 * workers it started, if the backend fails to start or starts without threads.
 */
export async function startThreadedBackend(
  factory: () => tf.KernelBackend | Promise<tf.KernelBackend>,
  threads: number,
): Promise<ThreadedBackend> {
  const files = new PthreadScriptFiles();
  const workers: NodeWorker[] = [];
  const watch = new StartWatch(START_TIMEOUT_MS);
  const overrides = new ScopedOverrides();
  const listenersBefore = snapshotListeners();
  let backend: tf.KernelBackend | undefined;
  try {
    overrides.replace(tf.env().getFlags(), MULTITHREAD_FLAG, true);
    overrides.keep(globalThis, "Worker"); // the glue sets a global Worker when it starts
    overrides.replace(globalThis, "Blob", files.recordingBlobClass(globalThis.Blob));
    const createObjectURL = URL.createObjectURL;
    overrides.replace(URL, "createObjectURL", (blob: Blob) => {
      const file = files.fileFor(blob);
      if (file === null) return createObjectURL.call(URL, blob);
      recordNewWorkers((worker) => {
        workers.push(worker);
        worker.once("exit", watch.workerExited);
      });
      return file;
    });
    overrides.replace(os, "cpus", cpusAtLeast(coresNeededFor(threads), os.cpus.bind(os)));
    setThreadsCount(threads);
    const made = await watch.race(Promise.resolve().then(factory));
    backend = made;
    checkThreaded(made);
    for (const worker of workers) worker.unref(); // idle XNNPACK threads must not keep the process alive
    return { backend: made, workers, glueListeners: listenersAddedSince(listenersBefore, snapshotListeners()) };
  } catch (error) {
    const current = snapshotListeners();
    try {
      backend?.dispose();
    } finally {
      restoreListeners(current, listenersAddedSince(listenersBefore, current));
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
    throw startFailure(error);
  } finally {
    watch.end(workers);
    setThreadsCount(-1); // tfjs's default; the value set before cannot be read back
    try {
      overrides.restore();
    } finally {
      files.remove();
    }
  }
}

/**
 * Disposes a threaded backend (through `disposeBackend`, e.g. `tf.removeBackend('wasm')`),
 * removes the glue's `process` listeners while keeping everyone else's, and waits until
 * every pthread worker has exited.
 */
export async function stopThreadedBackend(started: ThreadedBackend, disposeBackend: () => void): Promise<void> {
  const workers = new Set([...started.workers, ...pthreadWorkers(started.backend)]);
  const before = snapshotListeners();
  try {
    disposeBackend();
  } finally {
    restoreListeners(before, started.glueListeners);
    await Promise.all([...workers].map((worker) => worker.terminate()));
  }
}

const RECORDING = Symbol("resnet-blocks recording Worker");

/**
 * Makes the global `Worker` (which the glue has just set to `worker_threads.Worker`)
 * report each worker it creates, so that a failed start can still terminate them.
 */
function recordNewWorkers(onWorker: (worker: NodeWorker) => void): void {
  const global = globalThis as unknown as { Worker?: typeof NodeWorker };
  const Base = global.Worker ?? NodeWorker;
  if (Object.prototype.hasOwnProperty.call(Base, RECORDING)) return;
  class RecordingWorker extends Base {
    static readonly [RECORDING] = true;
    constructor(...args: ConstructorParameters<typeof NodeWorker>) {
      super(...args);
      onWorker(this);
    }
  }
  global.Worker = RecordingWorker;
}

/**
 * Fails a start that takes too long or loses a worker. The glue waits for every worker's
 * "loaded" message; a worker that exits first would leave it waiting forever (and, once
 * the other workers are unreferenced, let Node exit silently with code 0). The timer is
 * referenced on purpose: it keeps the process alive while the start is awaited.
 */
class StartWatch {
  private fail: (error: Error) => void = () => {};
  private readonly failed = new Promise<never>((_, reject) => {
    this.fail = reject;
  });
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(ms: number) {
    this.failed.catch(() => {}); // a failure after the start has ended concerns nobody
    this.timer = setTimeout(() => this.fail(new Error(`it did not start within ${ms / 1000} s`)), ms);
  }

  /** An `exit` listener for the workers. */
  readonly workerExited = (code: number): void => {
    this.fail(new Error(`a pthread worker exited (code ${code}) before the backend had started`));
  };

  /** `promise`, unless the start fails first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failed]);
  }

  /** Stops watching. */
  end(workers: readonly NodeWorker[]): void {
    clearTimeout(this.timer);
    for (const worker of workers) worker.off("exit", this.workerExited);
  }
}

function checkThreaded(backend: tf.KernelBackend): asserts backend is BackendWasm {
  if (!(backend instanceof BackendWasm)) {
    throw new Error(
      "the 'wasm' backend factory did not make a BackendWasm of the @tensorflow/tfjs-backend-wasm that resnet-blocks " +
        "imports: two copies of the package are loaded (deduplicate them, e.g. with npm dedupe)",
    );
  }
  if (!("PThread" in backend.wasm)) {
    throw new Error(
      "tfjs-backend-wasm started its single-threaded binary: the threaded one needs WebAssembly SIMD, " +
        "and the deprecated setWasmPath() (unlike setWasmPaths) forces the single-threaded one",
    );
  }
}

function startFailure(error: unknown): Error {
  // tfjs rejects with a plain `{ message }` object when the binary cannot be loaded.
  const message = (error as { message?: unknown } | null)?.message;
  const reason = typeof message === "string" ? message : String(error);
  return new Error(`the threaded tfjs WASM backend failed to start: ${reason}`, { cause: error });
}
