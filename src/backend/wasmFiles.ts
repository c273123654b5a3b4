/**
 * Which WASM binary tfjs fetches, from where, and whether the server really sends a
 * WebAssembly file there. Catches the classic bundler failure: the server answers the
 * `.wasm` request with an HTML page (an SPA fallback or a 404 page), and WebAssembly says
 * "expected magic word 00 61 73 6d, found 3c 21 44 4f" (`<!DO`, of `<!DOCTYPE html>`).
 *
 * @module
 */
import { hasWasmMagic } from "./features.js";
import type { WasmBinaryName, WasmPaths } from "./types.js";

/** The binaries of `@tensorflow/tfjs-backend-wasm`. */
export const WASM_BINARIES: readonly WasmBinaryName[] = [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
];

/** The binary tfjs-backend-wasm loads for the given engine features (its own rule). */
export function wasmBinaryFor(simd: boolean, threads: boolean): WasmBinaryName {
  if (simd && threads) return "tfjs-backend-wasm-threaded-simd.wasm";
  return simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm";
}

/** The URL tfjs fetches `binary` from under `wasmPaths`, resolved against `base`. */
export function wasmUrl(binary: WasmBinaryName, wasmPaths: WasmPaths, base?: string): string {
  const path = typeof wasmPaths === "string" ? wasmPaths + binary : wasmPaths[binary];
  try {
    return new URL(path, base).href;
  } catch {
    return path;
  }
}

/** The `.wasm` URLs this page fetched since `since` (a `performance.now()` time), from Resource Timing. */
export function wasmUrlsFetchedSince(since: number): string[] {
  const perf = globalThis.performance as Performance | undefined;
  if (!perf || typeof perf.getEntriesByType !== "function") return [];
  const urls = perf
    .getEntriesByType("resource")
    .filter((entry) => entry.startTime >= since && /\.wasm(?:[?#]|$)/.test(entry.name))
    .map((entry) => entry.name);
  return [...new Set(urls)];
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

function printable(bytes: Uint8Array): string {
  return [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
}

/**
 * Fetches `url` and says what is wrong if it is not a WebAssembly binary: the status, the
 * content type and the first bytes, and which file must be served there. `null` when the
 * URL serves WebAssembly.
 */
export async function checkWasmUrl(url: string, fetchFn: typeof fetch = globalThis.fetch): Promise<string | null> {
  const binary = WASM_BINARIES.find((name) => url.split(/[?#]/)[0]!.endsWith(name)) ?? "tfjs-backend-wasm*.wasm";
  const fix =
    `serve node_modules/@tensorflow/tfjs-backend-wasm/dist/${binary} at that URL, ` +
    `or pass useBackend(..., { wasmPaths }) with the place the .wasm files are served from (see docs/backends.md, "WASM in a bundler")`;
  let response: Response;
  try {
    response = await fetchFn(url, { cache: "no-store" });
  } catch (error) {
    return `fetching ${url} failed (${(error as Error).message}): ${fix}`;
  }
  const contentType = response.headers.get("content-type") ?? "no content type";
  const bytes = new Uint8Array(await response.arrayBuffer()).subarray(0, 4);
  if (response.ok && hasWasmMagic(bytes)) return null;
  const start = bytes.length ? `starting ${hex(bytes)} ("${printable(bytes)}")` : "empty";
  return (
    `the server answered ${url} with ${response.status} ${contentType}, ${start}, ` +
    `not a WebAssembly binary (which starts 00 61 73 6d): ${fix}`
  );
}
