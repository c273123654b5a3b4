import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { BackendError, useBackend } from "../../src/backend/index.js";
import { wasmSimdSupported } from "../../src/backend/features.js";

tf.env().set("IS_TEST", true);
const require = createRequire(import.meta.url);

function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

const tfjsNodeInstalled = installed("@tensorflow/tfjs-node") || installed("@tensorflow/tfjs-node-gpu");

describe("useBackend('auto') in Node", () => {
  it("tries native TensorFlow first, then picks WASM with SIMD when tfjs-node is absent", async () => {
    expect(tfjsNodeInstalled, "this test expects @tensorflow/tfjs-node not to be installed").toBe(false);
    // Nothing registered a backend yet: useBackend must load one itself.
    expect(tf.engine().backendNames()).toEqual([]);
    const report = await useBackend();
    expect(tf.memory().numTensors).toBe(0); // the 1 + 2 check left nothing behind
    expect(report.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    // Node 20's V8 runs WebAssembly SIMD; the report must say so.
    expect(report.simd).toBe(true);
    expect(wasmSimdSupported()).toBe(true);
    // tfjs-backend-wasm runs no threads in Node (tensorflow/tfjs#3830): one thread.
    expect(report.threads).toBe(1);
    expect(report.tried.map((t) => [t.name, t.ok])).toEqual([
      ["tensorflow", false],
      ["wasm", true],
    ]);
    expect(report.tried[0]!.reason).toMatch(
      /^neither @tensorflow\/tfjs-node nor @tensorflow\/tfjs-node-gpu is installed .*: npm install @tensorflow\/tfjs-node /,
    );
    expect(report.tried[1]!.reason).toMatch(/WASM SIMD, 1 thread/);
  });

  it("is idempotent and computes on the picked backend", async () => {
    const before = tf.memory().numTensors;
    const report = await useBackend("auto");
    expect(tf.memory().numTensors).toBe(before);
    expect(report.name).toBe("wasm");
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
    expect(Array.from(await y.data())).toEqual([11]);
    y.dispose();
  });
});

describe("useBackend with a named backend or a list", () => {
  it("starts cpu by name and reports one thread, no SIMD", async () => {
    const report = await useBackend("cpu");
    expect(report).toEqual({
      name: "cpu",
      simd: false,
      threads: 1,
      tried: [{ name: "cpu", ok: true, reason: expect.stringContaining("JavaScript") }],
    });
    expect(tf.getBackend()).toBe("cpu");
  });

  it("rejects a named backend that cannot start, with the reason and the fix", async () => {
    const error = await useBackend("tensorflow").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toMatch(/could not start backend 'tensorflow' in Node/);
    expect((error as BackendError).message).toMatch(/npm install @tensorflow\/tfjs-node/);
    expect((error as BackendError).tried).toEqual([{ name: "tensorflow", ok: false, reason: expect.any(String) }]);

    const webgl = await useBackend("webgl").catch((e: unknown) => e);
    expect(webgl).toBeInstanceOf(BackendError);
    expect((webgl as Error).message).toMatch(/webgl runs only in a browser; in Node use 'tensorflow', 'wasm' or 'cpu'/);
    // A failed attempt leaves a working backend selectable.
    expect((await useBackend("cpu")).name).toBe("cpu");
  });

  it("goes down a list until one starts, recording why the others did not", async () => {
    const report = await useBackend(["webgpu", "webgl", "wasm"]);
    expect(report.name).toBe("wasm");
    expect(report.tried.map((t) => t.ok)).toEqual([false, false, true]);
    expect(report.tried[0]!.reason).toMatch(/only in a browser/);
  });

  it("records the error of a backend whose start throws or rejects, and falls through ('auto')", async () => {
    // Stand-ins for a broken native addon and a GPU without an adapter.
    tf.registerBackend("tensorflow", () => {
      throw new Error("libtensorflow.so: cannot open shared object file");
    });
    tf.registerBackend("webgpu", () => Promise.reject({ message: "no adapter here" }));
    try {
      const report = await useBackend("auto");
      expect(report.name).toBe("wasm");
      expect(report.tried[0]).toEqual({
        name: "tensorflow",
        ok: false,
        reason: expect.stringMatching(/failed to start: libtensorflow\.so: cannot open shared object file\. reinstall @tensorflow\/tfjs-node/),
      });
      const error = await useBackend(["webgpu"]).catch((e: unknown) => e);
      expect((error as BackendError).tried[0]!.reason).toMatch(/failed to start: no adapter here\. WebGPU needs/);
    } finally {
      tf.removeBackend("tensorflow");
      tf.removeBackend("webgpu");
    }
  });
});

describe("useBackend argument checks", () => {
  it("names the argument, the value and what is accepted", async () => {
    await expect(useBackend("gpu" as never)).rejects.toThrow(
      new RangeError(`preference must be 'auto', one of 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu', or a non-empty list of them; got "gpu"`),
    );
    await expect(useBackend([] as never)).rejects.toThrow(/preference must be .*; got \[\]/);
    await expect(useBackend(["wasm", "metal"] as never)).rejects.toThrow(/"metal" is not a backend/);
    await expect(useBackend(42 as never)).rejects.toThrow(TypeError);
    await expect(useBackend("wasm", { threads: 0 })).rejects.toThrow(/options.threads must be an integer >= 1; got 0/);
    await expect(useBackend("wasm", { wasmPath: "/x/" } as never)).rejects.toThrow(
      /options.wasmPath is not an option of useBackend; accepted: wasmPaths, threads/,
    );
    await expect(useBackend("wasm", { wasmPaths: { "tfjs-backend-wasm.wasm": "/a.wasm" } as never })).rejects.toThrow(
      /missing tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm-threaded-simd.wasm/,
    );
    await expect(useBackend("wasm", { wasmPaths: 3 as never })).rejects.toThrow(/options.wasmPaths must be a folder URL/);
  });
});
