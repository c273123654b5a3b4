/**
 * `useBackend(preference?, options?)`: picks and readies a TensorFlow.js backend and says
 * what it picked and why.
 *
 * @module
 */
import { checkInteger, checkKnownKeys, checkOptionsObject, describeValue } from "../util/check.js";
import { AUTO_ORDER, currentRuntime } from "./environment.js";
import { startBackend } from "./startBackend.js";
import type { BackendAttempt, BackendName, BackendPreference, BackendReport, UseBackendOptions } from "./types.js";
import { WASM_BINARIES } from "./wasmFiles.js";

/** Every backend name `useBackend` accepts. */
export const BACKEND_NAMES: readonly BackendName[] = ["tensorflow", "webgpu", "webgl", "wasm", "cpu"];

/** Thrown when no backend of the preference starts; `tried` says why each failed and how to fix it. */
export class BackendError extends Error {
  /** Every backend tried, with its reason. */
  readonly tried: BackendAttempt[];
  constructor(message: string, tried: BackendAttempt[]) {
    super(message);
    this.name = "BackendError";
    this.tried = tried;
  }
}

const PREFERENCE_HELP = `'auto', one of ${BACKEND_NAMES.map((n) => `'${n}'`).join(", ")}, or a non-empty list of them`;

/** Checks a preference and turns it into the ordered list of names to try. */
export function candidates(preference: unknown, order: readonly BackendName[]): BackendName[] {
  if (preference === "auto") return [...order];
  if (typeof preference === "string" && (BACKEND_NAMES as readonly string[]).includes(preference)) {
    return [preference as BackendName];
  }
  if (Array.isArray(preference) && preference.length > 0) {
    for (const name of preference) {
      if (!(BACKEND_NAMES as readonly unknown[]).includes(name)) {
        throw new RangeError(`preference must be ${PREFERENCE_HELP}; got ${describeValue(preference)} (${describeValue(name)} is not a backend)`);
      }
    }
    return [...new Set(preference as BackendName[])];
  }
  const Err = typeof preference === "string" || Array.isArray(preference) ? RangeError : TypeError;
  throw new Err(`preference must be ${PREFERENCE_HELP}; got ${describeValue(preference)}`);
}

/** Checks the options bag of `useBackend`. */
export function checkUseBackendOptions(options: unknown): UseBackendOptions {
  checkOptionsObject("options", options);
  checkKnownKeys(options as object, ["wasmPaths", "threads", "startTimeout"], "useBackend");
  const { wasmPaths, threads, startTimeout } = options as UseBackendOptions;
  if (threads !== undefined) checkInteger("options.threads", threads, 1);
  if (startTimeout !== undefined) checkInteger("options.startTimeout", startTimeout, 1);
  if (wasmPaths !== undefined) {
    if (typeof wasmPaths === "string") {
      if (wasmPaths.length === 0) throw new RangeError(`options.wasmPaths must be a non-empty folder URL; got ""`);
    } else if (typeof wasmPaths === "object" && wasmPaths !== null && !Array.isArray(wasmPaths)) {
      const missing = WASM_BINARIES.filter((name) => typeof (wasmPaths as Record<string, unknown>)[name] !== "string");
      if (missing.length > 0) {
        throw new TypeError(
          `options.wasmPaths as an object must give a URL for each of ${WASM_BINARIES.join(", ")}; missing ${missing.join(", ")}`,
        );
      }
    } else {
      throw new TypeError(
        `options.wasmPaths must be a folder URL (string ending in "/") or an object mapping each .wasm file name to its URL; got ${describeValue(wasmPaths)}`,
      );
    }
  }
  return {
    ...(wasmPaths !== undefined ? { wasmPaths } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(startTimeout !== undefined ? { startTimeout } : {}),
  };
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Picks and readies a TensorFlow.js backend, and resolves to a report of what runs and why.
 *
 * - `'auto'` (default) tries, in a browser, `webgpu`, `webgl`, `wasm`, `cpu`; in Node,
 *   `tensorflow` (only when `@tensorflow/tfjs-node` or `-node-gpu` is installed), `wasm`,
 *   `cpu`. A backend that cannot start is skipped and its reason recorded in `tried`.
 * - One name: that backend or a {@link BackendError} saying why not and how to fix it.
 * - A list: tried in order, the first that starts is used.
 *
 * In a browser only the backends the app imported are available
 * (`import "resnet-blocks/backends/webgpu"`, `.../webgl`, `.../wasm`, `.../cpu`), so a
 * bundle carries only those. In Node, `useBackend` loads the installed backend packages
 * itself. Each started backend must compute 1 + 2 = 3 before it is reported, and each start
 * has a time limit (`options.startTimeout`, default 30 s): `useBackend` never hangs.
 *
 * @example
 * ```ts
 * import "resnet-blocks/backends/webgl";
 * import "resnet-blocks/backends/wasm";
 * import { useBackend } from "resnet-blocks";
 * const report = await useBackend(); // { name: 'webgl', simd: false, threads: null, tried: [...] }
 * ```
 * @param preference `'auto'`, a backend name, or an ordered list of names.
 * @param options WASM settings applied before the WASM backend first starts, and the start time limit.
 * @throws (rejects with) RangeError or TypeError for a bad argument; {@link BackendError} when nothing starts.
 */
export async function useBackend(preference: BackendPreference = "auto", options: UseBackendOptions = {}): Promise<BackendReport> {
  const runtime = currentRuntime();
  const names = candidates(preference, AUTO_ORDER[runtime]);
  const checked = checkUseBackendOptions(options);
  // One at a time: two interleaved tf.setBackend calls would undo each other.
  const run = queue.then(() => tryInOrder(preference, names, runtime, checked));
  queue = run.catch(() => undefined);
  return run;
}

async function tryInOrder(
  preference: BackendPreference,
  names: readonly BackendName[],
  runtime: ReturnType<typeof currentRuntime>,
  options: UseBackendOptions,
): Promise<BackendReport> {
  const tried: BackendAttempt[] = [];
  for (const name of names) {
    const outcome = await startBackend(name, runtime, options);
    if (outcome.ok) {
      tried.push({ name, ok: true, reason: outcome.started.note });
      return { name, simd: outcome.started.simd, threads: outcome.started.threads, tried };
    }
    tried.push({ name, ok: false, reason: outcome.reason });
  }
  const lines = tried.map((t) => `  ${t.name}: ${t.reason}`).join("\n");
  const what = typeof preference === "string" && preference !== "auto" ? `backend '${preference}'` : `any backend of ${describeValue(preference)}`;
  throw new BackendError(`useBackend could not start ${what} in ${runtime === "node" ? "Node" : "this browser"}:\n${lines}`, tried);
}
