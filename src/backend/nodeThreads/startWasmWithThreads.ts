/**
 * `startWasmWithThreads`: the tfjs WASM backend with its own XNNPACK threads in Node,
 * opt-in, as the tfjs engine's `'wasm'` backend.
 *
 * @module
 */
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { wasmSimdSupported, wasmThreadsSupported } from "../features.js";
import { checkWasmThreadsOptions, type WasmThreadsOptions } from "./options.js";
import { keepingListeners } from "./processListeners.js";
import { startThreadedBackend, stopThreadedBackend, type ThreadedBackend } from "./threadedBackend.js";

/** A running threaded WASM backend, from {@link startWasmWithThreads}. */
export interface WasmThreads {
  /** The XNNPACK threads the backend runs, the calling thread included (tfjs's `getThreadsCount()`). */
  readonly threads: number;
  /**
   * Removes the threaded backend from tfjs, terminates its worker threads and waits until
   * they have exited, registers tfjs-backend-wasm's own (single-threaded) `'wasm'` backend
   * again, and, if the threaded backend was still the active one, makes the backend that
   * was active before the start active again. Tensors still on the threaded backend
   * become unusable, as with `tf.removeBackend`. Calling it again does nothing more.
   */
  dispose(): Promise<void>;
}

type Engine = ReturnType<typeof tf.engine>;
type BackendFactory = Engine["registryFactory"][string];

interface Session {
  readonly started: ThreadedBackend;
  /** tfjs-backend-wasm's own registration of `'wasm'`, put back by dispose. */
  readonly original: BackendFactory;
  /** The factory registered for the threaded instance. */
  readonly factory: () => tf.KernelBackend;
  /** The engine's active backend before the start. */
  readonly previousBackend: string | null;
}

let active: { threads: number } | null = null;
let starting = false;

/**
 * Starts the tfjs WASM backend in Node with `threads` XNNPACK threads (tfjs normally runs
 * one thread in Node), on tfjs-backend-wasm's threaded SIMD binary, and makes it the
 * active backend (`tf.getBackend() === 'wasm'`).
 *
 * tfjs starts its pthread workers from `blob:` URLs, which Node refuses; this start gives
 * them real (temporary) files instead, supplies the bundle names their script expects, and
 * lets the glue see enough cores for the requested thread count (while it starts,
 * `os.cpus()` reports at least twice `threads` cores to the whole process). All of that is
 * confined to the start: the tfjs flag `WASM_HAS_MULTITHREAD_SUPPORT`, `os.cpus`,
 * `URL.createObjectURL`, the global `Blob` and `Worker` are as before once it resolves or
 * rejects, and the temporary files are deleted. Idle worker threads do not keep the
 * process alive; {@link WasmThreads.dispose} terminates them.
 *
 * If tfjs's own `'wasm'` backend has already started (single-threaded) and holds no
 * tensors, it is disposed and replaced; if it holds tensors, the start fails, because
 * they would be lost. On failure tfjs is left as it was. tfjs's `setThreadsCount` is left
 * at its default (-1), as a value set before cannot be read back.
 *
 * @example
 * ```ts
 * const wasm = await startWasmWithThreads({ threads: 2 });
 * const y = model.predict(x);          // convolutions on 2 threads
 * await wasm.dispose();                // workers terminated, single-threaded 'wasm' registered again
 * ```
 * @throws TypeError or RangeError for bad options; Error outside Node, without WebAssembly
 *   SIMD or threads, while another start is active, when the single-threaded backend
 *   holds tensors, or when the threaded backend fails to start.
 */
export async function startWasmWithThreads(options: WasmThreadsOptions): Promise<WasmThreads> {
  const threads = checkWasmThreadsOptions(options);
  checkEnvironment();
  if (active) {
    throw new Error(`the threaded WASM backend already runs with ${active.threads} threads: await dispose() of that start before starting again`);
  }
  if (starting) throw new Error("the threaded WASM backend is already starting: await that start (and its dispose()) before starting again");
  starting = true;
  try {
    const engine = tf.engine();
    const original = engine.registryFactory.wasm;
    if (!original) {
      throw new Error("no 'wasm' backend is registered: import @tensorflow/tfjs-backend-wasm (and do not tf.removeBackend('wasm'))");
    }
    checkNoTensors(engine);
    const previousBackend = engine.backendName ?? null;
    const started = await startThreadedBackend(original.factory, threads);
    const session: Session = { started, original, factory: () => started.backend, previousBackend };
    try {
      const achieved = getThreadsCount();
      if (achieved !== threads) throw new Error(`the threaded WASM backend runs ${achieved} threads, not the ${threads} asked for`);
      checkNoTensors(engine); // tensors may have appeared on the old backend during the start
      keepingListeners(() => tf.removeBackend("wasm"));
      tf.registerBackend("wasm", session.factory, original.priority);
      if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed with the threaded backend");
    } catch (error) {
      await handBack(session);
      throw error;
    }
    const state = { threads };
    active = state;
    let disposing: Promise<void> | undefined;
    return {
      threads,
      dispose: () =>
        (disposing ??= handBack(session).finally(() => {
          if (active === state) active = null;
        })),
    };
  } finally {
    starting = false;
  }
}

function checkEnvironment(): void {
  if (typeof process !== "object" || typeof process.versions?.node !== "string") {
    throw new Error(
      "startWasmWithThreads runs in Node only; in a browser, tfjs-backend-wasm starts threads itself when the page is cross-origin isolated",
    );
  }
  if (!wasmSimdSupported()) throw new Error("this Node's WebAssembly lacks SIMD, which tfjs's threaded WASM binary needs");
  if (!wasmThreadsSupported()) throw new Error("this Node's WebAssembly lacks threads (shared memory and atomics)");
}

function checkNoTensors(engine: Engine): void {
  const running = engine.registry.wasm;
  const count = running ? running.numDataIds() : 0;
  if (count > 0) {
    throw new Error(
      `the 'wasm' backend already runs single-threaded and holds ${count} tensor${count === 1 ? "" : "s"}, which restarting it ` +
        "with threads would lose: call startWasmWithThreads() before the first tf.setBackend('wasm') or tf.ready(), " +
        "or dispose those tensors (and models) first",
    );
  }
}

/** Takes the threaded backend out of tfjs and puts tfjs-backend-wasm's own registration (and the previous backend) back. */
async function handBack(session: Session): Promise<void> {
  const engine = tf.engine();
  const { backend } = session.started;
  const registered = engine.registryFactory.wasm?.factory === session.factory;
  const wasActive = engine.backendName === "wasm" && engine.registry.wasm === backend;
  await stopThreadedBackend(session.started, () => {
    if (registered) tf.removeBackend("wasm");
    else if (backend.wasm != null) backend.dispose(); // someone else removed or replaced it
  });
  if (!("wasm" in engine.registryFactory)) tf.registerBackend("wasm", session.original.factory, session.original.priority);
  const previous = session.previousBackend;
  if (wasActive && previous !== null && previous in engine.registryFactory && !(await tf.setBackend(previous))) {
    throw new Error(`the threaded WASM backend is gone, but the backend active before it ('${previous}') failed to start again`);
  }
}
