// Vite config of the example. No import of "vite" needed: a plain object is a valid config.
import { fileURLToPath } from "node:url";

/** COOP + COEP make the page cross-origin isolated: SharedArrayBuffer, so WASM threads. */
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/** @type {import("vite").UserConfig} */
export default {
  server: { headers: isolation },
  preview: { headers: isolation },
  resolve: {
    // resnet-blocks is linked from ../.. (file:): make sure one copy of tfjs is bundled.
    dedupe: [
      "@tensorflow/tfjs-core",
      "@tensorflow/tfjs-layers",
      "@tensorflow/tfjs-backend-cpu",
      "@tensorflow/tfjs-backend-wasm",
      "@tensorflow/tfjs-backend-webgl",
      "@tensorflow/tfjs-backend-webgpu",
    ],
  },
  // The worker (resnet.worker.ts) as an ES module: tfjs's dynamic imports need it (Vite's default is "iife").
  worker: { format: "es" },
  // TensorFlow.js with four backends is a few MB of JavaScript: no "large chunk" warning.
  build: {
    target: "es2022",
    chunkSizeWarningLimit: 5000,
    // Two pages: the backends page and the pretrained classifier (pretrained.html).
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL("./index.html", import.meta.url)),
        pretrained: fileURLToPath(new URL("./pretrained.html", import.meta.url)),
      },
    },
  },
};
