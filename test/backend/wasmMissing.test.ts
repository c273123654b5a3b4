import * as tf from "@tensorflow/tfjs-core";
import { expect, it } from "vitest";
import { BackendError, useBackend } from "../../src/backend/index.js";

tf.env().set("IS_TEST", true);

// Own file: a WASM backend that failed to start cannot be restarted in the same process.
it("fails with the reason and the fix when the WASM binaries are not where wasmPaths says", async () => {
  const error = await useBackend("wasm", { wasmPaths: "/nonexistent/wasm/" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BackendError);
  expect((error as Error).message).toMatch(/could not start backend 'wasm' in Node:\n {2}wasm: failed to start: /);
  expect((error as Error).message).toMatch(
    /It read \/nonexistent\/wasm\/tfjs-backend-wasm-simd\.wasm \(from options\.wasmPaths\): leave wasmPaths out in Node/,
  );
  // 'auto' in the same state falls through to cpu and keeps the WASM reason.
  const report = await useBackend(["wasm", "cpu"]);
  expect(report.name).toBe("cpu");
  expect(report.tried[0]!.ok).toBe(false);
});
