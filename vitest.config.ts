import { defineConfig } from "vitest/config";

// Node 20 ships WebAssembly relaxed SIMD behind a flag (on by default from Node 22): with it,
// fuse() runs resnet-blocks' own convolution kernel on WASM, which the tests must cover.
const nodeMajor = Number(process.versions.node.split(".")[0]);
const relaxedSimdFlag = nodeMajor < 22 ? ["--experimental-wasm-relaxed-simd"] : [];

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file gets its own process: tfjs keeps global state (backend, tensor registry).
    pool: "forks",
    execArgv: relaxedSimdFlag,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
