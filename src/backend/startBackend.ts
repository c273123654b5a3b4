/**
 * One attempt: make a backend available, start it, check it computes, and describe it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { crossOriginIsolation, type Runtime } from "./environment.js";
import { notRegisteredReason, startFailureHint } from "./hints.js";
import { loadNodeBackend } from "./nodeLoader.js";
import { backendModule, type BackendModule, type WasmControls } from "./registry.js";
import { abandonStart, TIMED_OUT, withinTime } from "./timeLimit.js";
import { DEFAULT_START_TIMEOUT_MS, type BackendName, type UseBackendOptions, type WasmPaths } from "./types.js";
import { guardThreadedMainScript } from "./wasmMainScript.js";
import { checkWasmUrl, wasmBinaryFor, wasmUrl, wasmUrlsFetchedSince } from "./wasmFiles.js";

/** A started backend, as the report describes it. */
export interface StartedBackend {
  simd: boolean;
  threads: number | null;
  /** What runs, e.g. "WASM SIMD, 2 threads". */
  note: string;
}

/** The outcome of one attempt. */
export type StartOutcome = { ok: true; started: StartedBackend } | { ok: false; reason: string };

const COI_HEADERS =
  "serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp";

const THREADS_OFF_FIX =
  "use the tfjs-backend-wasm version resnet-blocks carries the worker script of, or exclude tfjs-backend-wasm from minification (see docs/backends.md)";

/** Why this page's WASM backend runs without threads, when useBackend turned them off (for later reports). */
let wasmThreadsOff: string | null = null;

/** The backend tfjs has selected and started, if any. */
function currentBackendName(): string | null {
  const engine = tf.engine();
  const name = engine.backendName;
  return name && name in engine.registry ? name : null;
}

/** What a start that ran out of time says: what happened, and what to do. */
function timedOutReason(name: BackendName, runtime: Runtime, limit: number): string {
  let what = `did not finish starting within ${limit} ms (options.startTimeout); the start was given up`;
  if (name === "wasm" && runtime === "browser" && crossOriginIsolation() === true) {
    what +=
      ". In a cross-origin-isolated page tfjs-backend-wasm starts threads: if the console shows 'worker sent an error!', " +
      "its pthread workers failed (e.g. a minified worker script); serve the page without COOP/COEP to run one thread";
  }
  return `${what}. If the start is only slow (a slow network fetching a binary), raise options.startTimeout; otherwise check the console for the backend's own errors`;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/** Wraps the registered factory so the error of a failed start is kept (tfjs only logs it). */
function captureStartError(name: BackendName): { error(): unknown; restore(): void } {
  const registry = tf.engine().registryFactory;
  const entry = registry[name];
  let captured: unknown;
  if (!entry) return { error: () => captured, restore: () => undefined };
  const original = entry.factory;
  entry.factory = () => {
    try {
      const backend = original();
      if (backend && typeof (backend as Promise<tf.KernelBackend>).then === "function") {
        return (backend as Promise<tf.KernelBackend>).catch((error: unknown) => {
          captured = error;
          throw error;
        });
      }
      return backend;
    } catch (error) {
      captured = error;
      throw error;
    }
  };
  return {
    error: () => captured,
    restore: () => {
      if (registry[name] === entry) entry.factory = original;
    },
  };
}

/** Finds or (in Node) loads the backend's module; a reason when it is not available. */
async function availability(name: BackendName, runtime: Runtime): Promise<BackendModule | undefined | string> {
  let module = backendModule(name);
  if (!module && runtime === "node") {
    // Also when the app imported the tfjs package itself: the import is then a cache hit
    // and gives useBackend the package's settings functions (wasmPaths, threads).
    const failure = await loadNodeBackend(name);
    if (failure !== null && tf.findBackendFactory(name) === null) return failure;
    module = backendModule(name);
  }
  if (module?.precheck) {
    const reason = await module.precheck();
    if (reason !== null) return reason;
  }
  if (tf.findBackendFactory(name) === null) {
    return module
      ? `${module.packageName} is loaded but registered no '${name}' backend here. ${startFailureHint(name, runtime)}`
      : notRegisteredReason(name, runtime);
  }
  return module;
}

/** Passes wasmPaths and threads to tfjs-backend-wasm before it starts; a reason when that is impossible. */
function applyWasmOptions(controls: WasmControls | undefined, options: UseBackendOptions): string | null {
  const { wasmPaths, threads } = options;
  if (wasmPaths === undefined && threads === undefined) return null;
  if (!controls) {
    return (
      "the 'wasm' backend was registered by @tensorflow/tfjs-backend-wasm directly, so wasmPaths and threads " +
      'cannot be passed to it: import "resnet-blocks/backends/wasm" instead'
    );
  }
  if ("wasm" in tf.engine().registry) return null; // already started: the options can no longer apply
  try {
    if (wasmPaths !== undefined) controls.setWasmPaths(wasmPaths);
    if (threads !== undefined) controls.setThreadsCount(threads);
  } catch (error) {
    return `${messageOf(error)} (a WASM backend that failed to start cannot take new wasmPaths: reload the page)`;
  }
  return null;
}

/** Where tfjs-backend-wasm fetches (browser) or reads (Node) its binary from under `wasmPaths`. */
async function expectedWasmUrl(wasmPaths: WasmPaths): Promise<string> {
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  const threads = (await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")) === true;
  const binary = wasmBinaryFor(simd, threads);
  const base = globalThis.document?.baseURI;
  return base ? wasmUrl(binary, wasmPaths, base) : typeof wasmPaths === "string" ? wasmPaths + binary : wasmPaths[binary];
}

/** Looks for a served HTML page (or other non-WASM answer) where tfjs fetched its binary. */
async function diagnoseWasmFetch(since: number, options: UseBackendOptions): Promise<string | null> {
  const urls = wasmUrlsFetchedSince(since);
  if (urls.length === 0 && options.wasmPaths !== undefined) urls.push(await expectedWasmUrl(options.wasmPaths));
  for (const url of urls) {
    const problem = await checkWasmUrl(url);
    if (problem !== null) return problem;
  }
  return null;
}

async function computes(): Promise<string | null> {
  try {
    const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
    const value = (await sum.data())[0];
    sum.dispose();
    return value === 3 ? null : `started, but computed 1 + 2 = ${value}`;
  } catch (error) {
    return `started, but its first computation failed: ${messageOf(error)}`;
  }
}

function withDevice(label: string, device: string | null): string {
  return device ? `${label} on ${device}` : label;
}

/** The GPU behind the WebGL backend (e.g. "ANGLE (..., SwiftShader driver)"), if the browser tells. */
function webglRenderer(): string | null {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    const info = gl?.getExtension("WEBGL_debug_renderer_info");
    const renderer: unknown = gl && info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : null;
    return typeof renderer === "string" && renderer.length > 0 ? renderer : null;
  } catch {
    return null;
  }
}

/** The WebGPU adapter's vendor and architecture (e.g. "google swiftshader"), if the browser tells. */
function webgpuAdapter(): string | null {
  try {
    const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
    const text = [info?.vendor, info?.architecture].filter((part) => part).join(" ");
    return text.length > 0 ? text : null;
  } catch {
    return null;
  }
}

/** Why the WASM backend runs fewer threads than asked for (or than the machine has), if it does. */
function wasmThreadsNote(threads: number | null, runtime: Runtime, options: UseBackendOptions, alreadyStarted: boolean): string | null {
  if (threads === null) return null;
  const asked = options.threads;
  if (runtime === "node") {
    if (asked === undefined || asked <= threads) return null;
    if (alreadyStarted) return `${asked} requested, but the backend was already running: threads applies only before its first start`;
    return `${asked} requested; tfjs-backend-wasm runs no threads in Node unless the app imports "resnet-blocks/backends/wasm-threads"`;
  }
  if (crossOriginIsolation() === false) return `one thread: the page is not cross-origin isolated; ${COI_HEADERS}`;
  if (alreadyStarted && asked !== undefined && asked !== threads) {
    return `${asked} requested, but the backend was already running: threads applies only before its first start`;
  }
  const logical = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency;
  const fewer = asked !== undefined ? asked > threads : threads === 1;
  if (fewer && logical !== undefined) {
    return `${asked === undefined ? "" : `${asked} requested; `}tfjs-backend-wasm uses at most half of navigator.hardwareConcurrency (${logical} here), and at most 8`;
  }
  return null;
}

async function describe(
  name: BackendName,
  module: BackendModule | undefined,
  runtime: Runtime,
  options: UseBackendOptions,
  alreadyStarted: boolean,
  threadsOff: string | null,
): Promise<StartedBackend> {
  switch (name) {
    case "wasm": {
      const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
      let threads: number | null = null;
      try {
        threads = module?.wasm?.getThreadsCount() ?? null;
      } catch {
        threads = null;
      }
      const count = threads === null ? "an unknown number of threads" : `${threads} thread${threads === 1 ? "" : "s"}`;
      const why =
        threadsOff !== null
          ? `threads off: ${threadsOff}; ${THREADS_OFF_FIX}`
          : wasmThreadsNote(threads, runtime, options, alreadyStarted);
      return { simd, threads, note: `WASM${simd ? " SIMD" : " (no SIMD)"}, ${count}${why ? ` (${why})` : ""}` };
    }
    case "cpu":
      return { simd: false, threads: 1, note: "plain JavaScript kernels on the main thread" };
    case "webgl":
      return { simd: false, threads: null, note: withDevice(`WebGL ${tf.env().getNumber("WEBGL_VERSION")}`, webglRenderer()) };
    case "webgpu":
      return { simd: false, threads: null, note: withDevice("WebGPU", webgpuAdapter()) };
    case "tensorflow":
      return { simd: false, threads: null, note: `native TensorFlow via ${module?.packageName ?? "@tensorflow/tfjs-node"}` };
  }
}

/** Whether to start WASM through `resnet-blocks/backends/wasm-threads`: Node, more than one thread asked, not started yet. */
function useNodeThreads(
  name: BackendName,
  runtime: Runtime,
  module: BackendModule | undefined,
  options: UseBackendOptions,
  alreadyStarted: boolean,
): boolean {
  return name === "wasm" && runtime === "node" && (options.threads ?? 1) > 1 && module?.startThreads !== undefined && !alreadyStarted;
}

/** Starts the threaded WASM backend in Node; the handle lives as long as the process (or until tfjs removes the backend). */
async function startThreaded(module: BackendModule, threads: number): Promise<boolean> {
  await module.startThreads!({ threads });
  return tf.getBackend() === "wasm";
}

/** Tries to ready one backend: never throws, says why it failed. */
export async function startBackend(name: BackendName, runtime: Runtime, options: UseBackendOptions): Promise<StartOutcome> {
  let module: BackendModule | undefined;
  try {
    const found = await availability(name, runtime);
    if (typeof found === "string") return { ok: false, reason: found };
    module = found;
  } catch (error) {
    return { ok: false, reason: `checking it failed: ${messageOf(error)}` };
  }
  if (name === "wasm") {
    const problem = applyWasmOptions(module?.wasm, options);
    if (problem !== null) return { ok: false, reason: problem };
  }

  const alreadyStarted = name in tf.engine().registry;
  const limit = options.startTimeout ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = now() + limit;
  const previous = currentBackendName();
  const since = now();
  const capture = captureStartError(name);
  let started: boolean | typeof TIMED_OUT = false;
  let thrown: unknown;
  let threadsOff: string | null = null;
  try {
    if (useNodeThreads(name, runtime, module, options, alreadyStarted)) {
      started = await withinTime(startThreaded(module!, options.threads!), limit);
    } else if (name === "wasm" && runtime === "browser" && !alreadyStarted) {
      const guard = guardThreadedMainScript(module?.wasm?.threadedScript, module?.wasm?.version, () => tf.setBackend(name));
      started = await withinTime(guard.run, limit);
      guard.release();
      if (started !== true && guard.outcome.action === "refused") {
        // Threads could only hang here: start the SIMD binary on one thread instead, and say why.
        threadsOff = guard.outcome.problem;
        wasmThreadsOff = threadsOff;
        tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
        started = await withinTime(tf.setBackend(name), deadline - now());
      }
    } else {
      started = await withinTime(tf.setBackend(name), limit);
    }
  } catch (error) {
    thrown = error;
  } finally {
    capture.restore();
  }
  if (started === TIMED_OUT) {
    await abandonStart(name, previous).catch(() => undefined);
    return { ok: false, reason: timedOutReason(name, runtime, limit) };
  }
  if (!started) {
    const error = capture.error() ?? thrown;
    let reason = error === undefined ? "failed to start" : `failed to start: ${messageOf(error)}`;
    if (name === "wasm" && runtime === "browser") {
      const fetchProblem = await diagnoseWasmFetch(since, options).catch(() => null);
      if (fetchProblem !== null) return { ok: false, reason: fetchProblem };
    }
    if (name === "wasm" && runtime === "node" && options.wasmPaths !== undefined) {
      const file = await expectedWasmUrl(options.wasmPaths);
      return {
        ok: false,
        reason: `${reason}. It read ${file} (from options.wasmPaths): leave wasmPaths out in Node, where the binaries are found in the installed package, or point it to a folder holding them`,
      };
    }
    reason += `. ${startFailureHint(name, runtime)}`;
    return { ok: false, reason };
  }
  const broken = await withinTime(computes(), deadline - now());
  if (broken === TIMED_OUT) {
    await abandonStart(name, previous).catch(() => undefined);
    return { ok: false, reason: `started, but its first computation (1 + 2) did not finish within ${limit} ms (options.startTimeout)` };
  }
  if (broken !== null) return { ok: false, reason: `${broken}. ${startFailureHint(name, runtime)}` };
  if (name === "wasm" && alreadyStarted) threadsOff = wasmThreadsOff;
  return { ok: true, started: await describe(name, module, runtime, options, alreadyStarted, threadsOff) };
}
