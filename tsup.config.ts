import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

/** One `resnet-blocks/backends/<name>` entry per backend module: importing it registers that backend. */
const BACKEND_MODULES = ["cpu", "wasm", "wasm-threads", "webgl", "webgpu", "node", "node-gpu"];

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      count: "src/count/index.ts",
      weights: "src/weights/index.ts",
      train: "src/train/index.ts",
      pool: "src/infer/pool/index.ts",
      pretrained: "src/pretrained/index.ts",
      // Beside pool.js and its chunks: the pool finds it with new URL("./poolWorker.js", import.meta.url).
      poolWorker: "src/infer/pool/poolWorker.ts",
      worker: "src/infer/browserWorker/index.ts", // resnet-blocks/worker: the main thread's side, no tfjs
      "worker-serve": "src/infer/browserWorker/serve.ts", // resnet-blocks/worker/serve: inside the Web Worker
      onnx: "src/onnx/index.ts", // resnet-blocks/onnx: toOnnx, no tfjs import at run time, no fs
      ...Object.fromEntries(BACKEND_MODULES.map((name) => [`backends/${name}`, `src/backend/modules/${name}.ts`])),
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    splitting: true,
    treeshake: true,
    shims: true, // import.meta.url in the CJS build (the pool locates its worker script with it)
    // The pool's TypeScript-sources path (tsx's loader in the worker) is for this repository's tests only.
    define: { RESNET_BLOCKS_FROM_SOURCES: "false" },
    external: [/^@tensorflow\//],
  },
  {
    entry: { main: "src/cli/bin.ts" }, // dist/cli/main.js, the "bin" of package.json; src/cli/main.ts exports main()
    outDir: "dist/cli",
    format: ["esm"],
    sourcemap: true,
    target: "es2022",
    platform: "node",
    banner: { js: "#!/usr/bin/env node" },
    define: { __VERSION__: JSON.stringify(version) },
    external: [/^@tensorflow\//],
  },
]);
