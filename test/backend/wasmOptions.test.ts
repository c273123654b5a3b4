import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { expect, it } from "vitest";
import { useBackend } from "../../src/backend/index.js";

tf.env().set("IS_TEST", true);

// Own file: WASM options apply only before the backend first starts (one process per file).
it("passes wasmPaths and threads through before the WASM backend starts (Node: one thread)", async () => {
  const dist = dirname(fileURLToPath(import.meta.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm")));
  const report = await useBackend("wasm", { wasmPaths: `${dist}/`, threads: 2 });
  expect(report.name).toBe("wasm");
  expect(report.simd).toBe(true);
  // tfjs-backend-wasm has no threads in Node: the report says what runs, and that 2 were asked for.
  expect(report.threads).toBe(1);
  expect(report.tried[0]!.reason).toMatch(/WASM SIMD, 1 thread \(2 requested; tfjs-backend-wasm runs no threads in Node unless the app imports "resnet-blocks\/backends\/wasm-threads"\)/);
});
