/**
 * useBackend in a real Chromium, on cpu, wasm (threaded), webgl and webgpu (the last two on
 * SwiftShader, Chromium's software GPU): picks what it should, gives the logits of Node's
 * cpu backend, and leaks no tensors; `fuse(model)` on wasm (resnet-blocks' kernel) and webgl
 * likewise. Needs `npx tsup` first; see docs/backends.md.
 */
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackendName, BackendReport } from "../../src/backend/index.js";
import { buildApp, type BuiltApp } from "./buildApp.js";
import { launchChromium } from "./chromium.js";
import { nodeReferencesInChild, relativeError } from "./compare.js";
import type { Reference } from "./reference.js";
import { startServer, type StaticServer } from "./server.js";

/**
 * Largest logit difference allowed, relative to the largest reference logit (scale-free, as
 * random-weight logits of ResNet-18 and -50 differ in size). Every backend computes in
 * float32 but sums in its own order (XNNPACK's blocked GEMM, WebGL's packed textures,
 * WebGPU's tiled matmul, cpu's loops), so results differ by rounding: measured here
 * 0 (cpu: the same JavaScript kernels as Node), 0.9e-6 to 1.4e-6 (wasm, webgl, webgpu).
 * 1e-4 leaves a wide margin for other CPUs and GPU drivers, while a wrong kernel (padding,
 * layout, a dropped bias) moves logits by order 1e-1 to 1.
 */
const TOLERANCE = 1e-4;

let app: BuiltApp;
let server: StaticServer;
let browser: Browser;
let references: Promise<Map<string, Reference>>;

beforeAll(async () => {
  // The Node cpu references compute in a child process while the page builds and the browser runs.
  references = nodeReferencesInChild([[18, 224], [50, 224], [18, 64]]);
  references.catch(() => undefined); // awaited by the tests that need them
  app = await buildApp(fileURLToPath(new URL("./page", import.meta.url)), { build: { minify: false } });
  server = await startServer(app.outDir);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await app?.remove();
});

type Outcome = { ok: true; report: BackendReport } | { ok: false; message: string };

/** Opens the test page; `cores` emulates navigator.hardwareConcurrency (WASM threads use half of it). */
async function openPage(mode: "coi" | "plain" | "spa", cores?: number, init?: () => void): Promise<Page> {
  const page = await browser.newPage();
  if (cores !== undefined) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Emulation.setHardwareConcurrencyOverride", { hardwareConcurrency: cores });
  }
  if (init) await page.addInitScript(init);
  await page.goto(`${server.url}${mode}/index.html`);
  await page.waitForFunction(() => window.harness !== undefined);
  return page;
}

async function start(page: Page, preference?: BackendName | "auto", options: { threads?: number; wasmPaths?: boolean } = {}) {
  return page.evaluate(
    ([p, o]) => window.harness.useBackend(p, { ...(o.wasmPaths === false ? {} : { wasmPaths: window.harness.wasmPaths }), ...(o.threads ? { threads: o.threads } : {}) }),
    [preference, options] as const,
  ) as Promise<Outcome>;
}

function expectStarted(outcome: Outcome): BackendReport {
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.report;
}

describe("useBackend('auto') in Chromium", () => {
  it("picks webgpu when the browser gives an adapter", async () => {
    const page = await openPage("coi");
    try {
      const report = expectStarted(await start(page, "auto"));
      expect(report).toEqual({
        name: "webgpu",
        simd: false,
        threads: null,
        tried: [{ name: "webgpu", ok: true, reason: expect.stringMatching(/^WebGPU on \w/) }], // e.g. "on google swiftshader"
      });
    } finally {
      await page.close();
    }
  });

  it("falls through to webgl when the browser has no WebGPU, recording why", async () => {
    const page = await openPage("coi", undefined, () => {
      Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined, configurable: true });
    });
    try {
      const report = expectStarted(await start(page, "auto"));
      expect(report.name).toBe("webgl");
      expect(report.tried).toEqual([
        { name: "webgpu", ok: false, reason: expect.stringMatching(/^navigator\.gpu is undefined: this browser has no WebGPU/) },
        { name: "webgl", ok: true, reason: expect.stringMatching(/^WebGL 2 on \w/) }, // e.g. "on ANGLE (..., SwiftShader driver)"
      ]);
    } finally {
      await page.close();
    }
  });
});

describe("WASM threads and binaries in Chromium", () => {
  it("uses the thread count asked for, within tfjs's cap of half the logical cores", async () => {
    const page = await openPage("coi", 8);
    try {
      const report = expectStarted(await start(page, "wasm", { threads: 3 }));
      expect(report).toMatchObject({ name: "wasm", simd: true, threads: 3 });
    } finally {
      await page.close();
    }
  });

  it("runs one thread in a page that is not cross-origin isolated, and says which headers are missing", async () => {
    const page = await openPage("plain", 8);
    try {
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      const report = expectStarted(await start(page, "wasm"));
      expect(report).toMatchObject({ name: "wasm", simd: true, threads: 1 });
      expect(report.tried[0]!.reason).toMatch(
        /one thread: the page is not cross-origin isolated; serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/,
      );
      const binaries = await page.evaluate(() => window.harness.resourceNames().filter((n) => n.endsWith(".wasm")));
      expect(binaries).toEqual([expect.stringMatching(/tfjs-backend-wasm-simd-[\w-]+\.wasm$/)]);
    } finally {
      await page.close();
    }
  });

  it("names the URL when the server answers the .wasm request with an HTML page", async () => {
    const page = await openPage("spa");
    try {
      const outcome = await start(page, "wasm", { wasmPaths: false });
      expect(outcome.ok).toBe(false);
      const url = `${server.url}spa/tfjs-backend-wasm-threaded-simd.wasm`;
      expect((outcome as { message: string }).message).toContain(
        `wasm: the server answered ${url} with 200 text/html; charset=utf-8, starting 3c 21 64 6f ("<!do"), not a WebAssembly binary`,
      );
      expect((outcome as { message: string }).message).toContain("wasmPaths");
    } finally {
      await page.close();
    }
  });
});

describe.each(["cpu", "wasm", "webgl", "webgpu"] as const)("%s in Chromium", (name) => {
  it("is picked by name, matches Node's cpu logits for ResNet-18 and -50 (224x224, batch 2), and leaks no tensors", async () => {
    // 4 emulated logical cores: tfjs-backend-wasm then runs 4 / 2 = 2 threads on this 2-core machine.
    const page = await openPage("coi", name === "wasm" ? 4 : undefined);
    try {
      const report = expectStarted(await start(page, name));
      expect(report.name).toBe(name);
      expect(report.tried).toEqual([{ name, ok: true, reason: expect.any(String) }]);
      if (name === "wasm") {
        expect(report).toMatchObject({ simd: true, threads: 2 });
        const binaries = await page.evaluate(() => window.harness.resourceNames().filter((n) => n.endsWith(".wasm")));
        expect(binaries).toEqual([expect.stringMatching(/tfjs-backend-wasm-threaded-simd-[\w-]+\.wasm$/)]);
      }
      const baseline = await page.evaluate(() => window.harness.numTensors());
      for (const [depth, size, calls] of [[18, 224, 1], [50, 224, 1], [18, 64, 3]] as const) {
        const run = await page.evaluate(([d, c, s]) => window.harness.run(d, c, 2, s), [depth, calls, size] as const);
        const ref = (await references).get(`${depth}@${size}`)!;
        expect(run.backend).toBe(name);
        // Same seed, same weights: the initialisers draw in JavaScript, so bit for bit.
        expect(run.weights, `ResNet-${depth} weights`).toBe(ref.weights);
        const error = relativeError(run.logits, ref.logits);
        console.info(`${name} ResNet-${depth}@${size}: relative logit error ${error.toExponential(2)}, calls ${run.callMs.map((t) => t.toFixed(0)).join(", ")} ms`);
        expect(error, `ResNet-${depth}@${size} logits vs Node cpu`).toBeLessThan(TOLERANCE);
        expect(run.tensorsAfter, `tensors after each of ${calls} calls`).toEqual(run.tensorsAfter.map(() => run.tensorsBefore));
      }
      expect(await page.evaluate(() => window.harness.numTensors()), "tensors once the models are disposed").toBe(baseline);
    } finally {
      await page.close();
    }
  }, 900_000);
});

describe("fuse(model) in Chromium", () => {
  it("runs resnet-blocks' relaxed-SIMD kernel on single-threaded wasm, tfjs's on webgl, and both match Node's cpu logits", async () => {
    // Not cross-origin isolated: tfjs-backend-wasm runs one thread, whose memory the kernel can share.
    const page = await openPage("plain");
    try {
      expect(expectStarted(await start(page, "wasm"))).toMatchObject({ name: "wasm", threads: 1 });
      for (const [depth, size] of [[18, 64], [50, 224]] as const) {
        const run = await page.evaluate(([d, s]) => window.harness.runFused(d, 2, s), [depth, size] as const);
        expect(run.kernels).toBe("resnet-blocks");
        const error = relativeError(run.logits, (await references).get(`${depth}@${size}`)!.logits);
        console.info(`fuse on wasm ResNet-${depth}@${size}: relative logit error ${error.toExponential(2)}`);
        expect(error).toBeLessThan(TOLERANCE);
        expect(run.tensorsLeft).toBe(0);
      }
      expect(expectStarted(await start(page, "webgl")).name).toBe("webgl");
      const run = await page.evaluate(() => window.harness.runFused(18, 2, 64));
      expect(run.kernels).toBe("tfjs");
      expect(relativeError(run.logits, (await references).get("18@64")!.logits)).toBeLessThan(TOLERANCE);
      expect(run.tensorsLeft).toBe(0);
    } finally {
      await page.close();
    }
  }, 900_000);
});
