/**
 * `resnet-blocks/backends/wasm`: registers TensorFlow.js's WebAssembly backend
 * (`@tensorflow/tfjs-backend-wasm`, an optional peer dependency) for `useBackend`,
 * which passes its `wasmPaths` and `threads` options to it before it starts. Import it
 * once, for its side effect, in the app's entry. (Node needs no import: `useBackend` loads
 * the installed package itself.)
 *
 * @example
 * ```ts
 * import "resnet-blocks/backends/wasm";
 * import { useBackend } from "resnet-blocks";
 * await useBackend("wasm", { wasmPaths: "/wasm/" });
 * ```
 * @module
 */
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerBackendModule } from "../backend/registry.js";

registerBackendModule({
  name: "wasm",
  packageName: "@tensorflow/tfjs-backend-wasm",
  wasm: { setWasmPaths, setThreadsCount, getThreadsCount },
});
