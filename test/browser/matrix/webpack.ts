// The webpack 5 entry: docs/backends.md's webpack recipe (asset modules: `new URL(..., import.meta.url)`
// makes webpack emit each binary and gives its URL; no plugin needed).
import { installHarness } from "./harness.js";

installHarness({
  "tfjs-backend-wasm.wasm": new URL("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm", import.meta.url).href,
  "tfjs-backend-wasm-simd.wasm": new URL("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm", import.meta.url).href,
  "tfjs-backend-wasm-threaded-simd.wasm": new URL("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm", import.meta.url).href,
});
