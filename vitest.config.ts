import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

// Node 20 ships WebAssembly relaxed SIMD behind a flag (on by default from Node 22): with it,
// fuse() runs resnet-blocks' own convolution kernel on WASM, which the tests must cover.
const nodeMajor = Number(process.versions.node.split(".")[0]);
const relaxedSimdFlag = nodeMajor < 22 ? ["--experimental-wasm-relaxed-simd"] : [];

/**
 * Tests that need more than Node and the sources: Chromium, PyTorch, the built dist/ (bundles,
 * the packed tarball, the CLI bin, the doc snippets), or minutes of training. `npm test` runs
 * them all (project "integration"); `npm run test:unit` runs every other test file (project
 * "unit"), so a new test file is a unit test unless it matches a pattern here.
 */
const INTEGRATION = [
  "test/browser/**", // Chromium, Vite and webpack builds
  "test/package/**", // npm pack, installs into fresh projects
  "test/bench/**", // onnxruntime, bench harnesses
  "test/pretrained/**", // timm checkpoints made by PyTorch
  "test/docs/snippets.test.ts", // the Markdown's code blocks, against dist/
  "test/docs/noBackend.test.ts", // fresh processes importing dist/
  "test/weights/torchvision.test.ts", // PyTorch live
  "test/train/mnist.test.ts", // 250 training steps
  "test/backend/dist.test.ts", // dist/
  "test/infer/pool/dist.test.ts", // dist/
  "test/cli.test.ts", // dist/cli/main.js
  "test/onnx/**", // onnxruntime-node and -web
  "test/examples/**", // the demo, run as a user runs it
  "test/train/loop/sigkill.test.ts", // 30 killed and resumed training processes
  "test/infer/pool/pool.test.ts", // worker pools at full size
  "test/infer/pool/memory.test.ts", // WASM heaps run out of memory on purpose
];

export default defineConfig({
  test: {
    // Each file gets its own process: tfjs keeps global state (backend, tensor registry).
    pool: "forks",
    // vitest's default is one worker fewer than the cores: one on a 2-core CI machine, which
    // leaves a core idle while most test files run single-threaded WASM.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    execArgv: relaxedSimdFlag,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...INTEGRATION] } },
      { extends: true, test: { name: "integration", include: INTEGRATION.map((pattern) => (pattern.endsWith("/**") ? `${pattern}/*.test.ts` : pattern)) } },
    ],
  },
});
