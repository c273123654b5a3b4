/**
 * The backends an app has made available by importing `resnet-blocks/backends/<name>`
 * (or, in Node, that `useBackend` loaded itself). Kept on `globalThis` so that an ESM and
 * a CJS copy of this package, or two bundled chunks, share one registry.
 *
 * @module
 */
import type { BackendName, WasmPaths } from "./types.js";

/** The configuration functions of `@tensorflow/tfjs-backend-wasm`, handed over by the module that imports it. */
export interface WasmControls {
  /** Where the `.wasm` binaries are fetched from (before the backend starts). */
  setWasmPaths(prefixOrFileMap: WasmPaths, usePlatformFetch?: boolean): void;
  /** How many threads the backend starts with (before it starts). */
  setThreadsCount(threads: number): void;
  /** How many threads the running backend uses. */
  getThreadsCount(): number;
  /** The installed tfjs-backend-wasm's version (its `version_wasm`). */
  version?: string;
  /**
   * The unminified main script of the threaded binary's workers, for that version only
   * (see `src/backend/wasmMainScript.ts`): replaces the one tfjs makes from minified code.
   */
  threadedScript?: {
    /** The tfjs-backend-wasm version the text belongs to; used only when it is the installed one. */
    version: string;
    /** The text of `wasm-out/tfjs-backend-wasm-threaded-simd.js`. */
    text: string;
  };
}

/** A WASM backend started with threads in Node, as `startWasmWithThreads` returns it. */
export interface ThreadedWasm {
  /** The threads it runs, the calling thread included. */
  readonly threads: number;
  /** Removes it from tfjs and terminates its worker threads. */
  dispose(): Promise<void>;
}

/** What a `resnet-blocks/backends/<name>` module registers. */
export interface BackendModule {
  /** The tfjs backend name the imported package registers. */
  name: BackendName;
  /** The npm package that provides it, for messages. */
  packageName: string;
  /**
   * Why the backend cannot start here, or `null` if it may: checked before starting it,
   * e.g. that WebGPU gives an adapter.
   */
  precheck?: () => Promise<string | null>;
  /** For `'wasm'`: tfjs-backend-wasm's configuration functions. */
  wasm?: WasmControls;
  /**
   * For `'wasm'` in Node: starts the backend with its own threads (see
   * `resnet-blocks/backends/wasm-threads`); used when `useBackend` is asked for more than one.
   */
  startThreads?: (options: { threads: number }) => Promise<ThreadedWasm>;
}

const KEY = Symbol.for("resnet-blocks.backendModules");

function modules(): Map<BackendName, BackendModule> {
  const holder = globalThis as { [KEY]?: Map<BackendName, BackendModule> };
  return (holder[KEY] ??= new Map());
}

/**
 * Records that a backend's package is loaded. Called by the `resnet-blocks/backends/*`
 * modules; apps do not need it unless they wire a backend package in themselves.
 */
export function registerBackendModule(module: BackendModule): void {
  modules().set(module.name, module);
}

/** The registered module of a backend, if any. */
export function backendModule(name: BackendName): BackendModule | undefined {
  return modules().get(name);
}
