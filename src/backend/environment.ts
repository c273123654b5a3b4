/**
 * Where the code runs, and the order in which `'auto'` tries backends there.
 *
 * @module
 */
import { env } from "@tensorflow/tfjs-core";
import type { BackendName } from "./types.js";

/** The kinds of runtime with different backend orders. */
export type Runtime = "browser" | "node";

/**
 * The order `useBackend('auto')` tries backends in, fastest first: native TensorFlow in
 * Node when `@tensorflow/tfjs-node` is installed, then WASM (SIMD, and threads where the
 * page allows them), and the plain JavaScript CPU backend last.
 */
export const AUTO_ORDER: Readonly<Record<Runtime, readonly BackendName[]>> = {
  browser: ["webgpu", "webgl", "wasm", "cpu"],
  node: ["tensorflow", "wasm", "cpu"],
};

/**
 * `'node'` in Node.js (not an Electron renderer or other page), `'browser'` otherwise
 * (pages, web workers, and any other JavaScript runtime: only what the app registered is tried there).
 */
export function currentRuntime(): Runtime {
  const e = env();
  return e.getBool("IS_NODE") && !e.getBool("IS_BROWSER") ? "node" : "browser";
}

/** `globalThis.crossOriginIsolated`, or `undefined` where the runtime has no such notion (Node). */
export function crossOriginIsolation(): boolean | undefined {
  const value = (globalThis as { crossOriginIsolated?: unknown }).crossOriginIsolated;
  return typeof value === "boolean" ? value : undefined;
}
