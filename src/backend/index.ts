/**
 * Backend selection: {@link useBackend} and its report.
 *
 * @module
 */
export { useBackend, BackendError, BACKEND_NAMES } from "./useBackend.js";
export { AUTO_ORDER, type Runtime } from "./environment.js";
export { wasmSimdSupported, wasmThreadsSupported } from "./features.js";
export { registerBackendModule, type BackendModule, type ThreadedWasm, type WasmControls } from "./registry.js";
export { DEFAULT_START_TIMEOUT_MS } from "./types.js";
export type {
  BackendName,
  BackendPreference,
  BackendReport,
  BackendAttempt,
  UseBackendOptions,
  WasmPaths,
  WasmBinaryName,
} from "./types.js";
