/**
 * `resnet-blocks/backends/wasm`: registers TensorFlow.js's WebAssembly backend
 * (`@tensorflow/tfjs-backend-wasm`, an optional peer dependency) for `useBackend`,
 * which passes its `wasmPaths` and `threads` options to it before it starts. Import it
 * once, for its side effect, in the app's entry. (Node needs no import: `useBackend` loads
 * the installed package itself.)
 *
 * In a cross-origin-isolated page the WASM backend runs threads; its pthread workers get
 * tfjs-backend-wasm's own unminified glue (carried by this module, about 55 kB, 12 kB gzip)
 * instead of the text tfjs makes from the bundled, possibly minified, factory function.
 *
 * @example
 * ```ts
 * import "resnet-blocks/backends/wasm";
 * import { useBackend } from "resnet-blocks";
 * await useBackend("wasm", { wasmPaths: "/wasm/" });
 * ```
 * @module
 */
import { getThreadsCount, setThreadsCount, setWasmPaths, version_wasm } from "@tensorflow/tfjs-backend-wasm";
import { registerBackendModule } from "../registry.js";
import { THREADED_SCRIPT, THREADED_SCRIPT_VERSION } from "./wasmThreadedScript.js";

registerBackendModule({
  name: "wasm",
  packageName: "@tensorflow/tfjs-backend-wasm",
  wasm: {
    setWasmPaths,
    setThreadsCount,
    getThreadsCount,
    version: version_wasm,
    // Threads in a minified bundle: the workers get this text instead of the minified factory's.
    threadedScript: { version: THREADED_SCRIPT_VERSION, text: THREADED_SCRIPT },
  },
});
