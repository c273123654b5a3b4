/**
 * resnet-blocks/worker in a real Chromium: a seeded ResNet-18 (224x224, batch 2) run on the
 * page's own thread stalls it for the whole forward pass, the same network in a dedicated
 * Web Worker (its weights transferred as safetensors) leaves the page's timer ticking; the
 * worker's logits are Node's cpu logits; images (ImageBitmap, ImageData) and values give the
 * same outputs; errors of the worker arrive as errors with its message; dispose() rejects
 * what is pending and leaves no worker running. Needs `npx tsup` first.
 */
import { fileURLToPath } from "node:url";
import type { Browser, Page, Worker } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type BuiltApp } from "./buildApp.js";
import { launchChromium } from "./chromium.js";
import { nodeReferencesInChild, relativeError } from "./compare.js";
import type { Reference } from "./reference.js";
import { startServer, type StaticServer } from "./server.js";

/** As in backends.test.ts: float32 rounding of another summation order is ~1e-6; a wrong kernel ~1e-1. */
const TOLERANCE = 1e-4;

let app: BuiltApp;
let server: StaticServer;
let browser: Browser;
let references: Promise<Map<string, Reference>>;
let page: Page;
const workers = new Set<Worker>();

beforeAll(async () => {
  references = nodeReferencesInChild([[18, 224]]);
  references.catch(() => undefined);
  // Module workers in the bundle: Vite's default worker format (iife) cannot hold tfjs's dynamic imports.
  app = await buildApp(fileURLToPath(new URL("./worker", import.meta.url)), {
    worker: { format: "es" },
    // The page shares the seeded models and input of the backend tests (test/browser/page/fixtures.ts).
    resolve: { preserveSymlinks: true, alias: { "../page/fixtures.js": fileURLToPath(new URL("./page/fixtures.ts", import.meta.url)) } },
  });
  server = await startServer(app.outDir);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("worker", (worker) => {
    workers.add(worker);
    worker.on("close", () => workers.delete(worker));
  });
  await page.goto(`${server.url}coi/index.html`);
  await page.waitForFunction(() => window.workerHarness !== undefined);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await app?.remove();
});

/** The workers started since `before` (a snapshot of {@link workers}): a model's worker and its WASM threads' workers. */
function startedSince(before: ReadonlySet<Worker>): Worker[] {
  return [...workers].filter((worker) => !before.has(worker));
}

/** Waits (up to 5 s) until none of `these` runs; returns how many still do. */
async function stillRunning(these: readonly Worker[]): Promise<number> {
  const running = () => these.filter((worker) => workers.has(worker)).length;
  for (let i = 0; i < 100 && running() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return running();
}

/** The page's own workers (the WASM threads of its main-thread backend), and the model's. */
let pageWorkers: ReadonlySet<Worker> = new Set();
let modelWorkers: Worker[] = [];

describe("createWorkerModel in Chromium", () => {
  it("keeps the page's thread responsive during ResNet-18 inference, with Node's cpu logits, and leaks no tensors", async () => {
    const main = await page.evaluate(() => window.workerHarness.mainThread(18));
    expect(main.backend.name).toBe("wasm");
    pageWorkers = new Set(workers);
    const started = await page.evaluate(() => window.workerHarness.startWorker(18));
    modelWorkers = startedSince(pageWorkers);
    expect(started).toMatchObject({ fused: true, inputShape: [224, 224, 3], outputShape: [1000], bytesLeftHere: 0 }); // transferred, not copied
    expect(started.backend).toMatchObject({ name: "wasm", simd: true, tried: [{ name: "wasm", ok: true }] });
    // The worker inherits the page's cross-origin isolation: the threaded binary (tfjs sizes its pool from the real cores).
    expect(started.backend.threads).toBeGreaterThanOrEqual(1);
    expect(started.backend.tried[0]!.reason).not.toMatch(/not cross-origin isolated/);
    const inWorker = await page.evaluate(() => window.workerHarness.workerRun());

    const ref = (await references).get("18@224")!;
    expect(inWorker.shape).toEqual([2, 1000]);
    expect(relativeError(Float32Array.from(inWorker.logits), ref.logits), "worker logits vs Node cpu").toBeLessThan(TOLERANCE);
    expect(relativeError(Float32Array.from(main.logits), ref.logits), "page logits vs Node cpu").toBeLessThan(TOLERANCE);
    expect(inWorker.tensorsAfter, "tensors in the worker after a call").toBe(inWorker.tensorsBefore);

    const figure = (s: { longestGapMs: number; ticks: number; workMs: number }) =>
      `longest stall ${s.longestGapMs.toFixed(0)} ms (forward pass ${s.workMs.toFixed(0)} ms, ${s.ticks} ticks)`;
    console.info(`ResNet-18@224 batch 2 on the page's thread: ${figure(main.stall)}`);
    console.info(`ResNet-18@224 batch 2 in the worker (${started.backend.threads} threads): ${figure(inWorker.stall)}`);
    // On the page's thread the forward pass is one synchronous task: the timer cannot fire during it.
    expect(main.stall.longestGapMs).toBeGreaterThan(0.9 * main.stall.workMs);
    // With the worker, the timer keeps firing through the forward pass.
    expect(inWorker.stall.ticks).toBeGreaterThan(inWorker.stall.workMs / 4 / 4);
    expect(inWorker.stall.longestGapMs).toBeLessThan(main.stall.longestGapMs / 2);
  }, 300_000);

  it("reads ImageBitmap and ImageData inputs as RGB in [0, 1], transferring them", async () => {
    const run = await page.evaluate(() => window.workerHarness.workerImages());
    expect(run.shape).toEqual([1, 1000]);
    expect(relativeError(Float32Array.from(run.bitmap), Float32Array.from(run.values))).toBeLessThan(TOLERANCE);
    expect(relativeError(Float32Array.from(run.imageData), Float32Array.from(run.values))).toBeLessThan(TOLERANCE);
    expect(run).toMatchObject({ bitmapClosed: true, imageDataDetached: true, valuesDetached: true });
  }, 120_000);

  it("rejects an image of the wrong size at the call, naming the sizes", async () => {
    expect(await page.evaluate(() => window.workerHarness.badInput())).toEqual({
      name: "RangeError",
      message: expect.stringContaining("input is 32x16 (width x height); the model takes 224x224: resize it first"),
    });
  });

  it("dispose() rejects the call in flight and later calls, and terminates the worker", async () => {
    expect(modelWorkers.length, "the model's worker and its WASM threads' workers").toBeGreaterThan(0);
    const result = await page.evaluate(() => window.workerHarness.disposeWithPending());
    const closed = { name: "WorkerModelClosedError", message: "the worker model was disposed (dispose() terminated its worker)" };
    expect(result).toEqual({ pending: closed, after: closed, disposed: true });
    expect(await stillRunning(modelWorkers)).toBe(0);
    expect([...pageWorkers].filter((worker) => workers.has(worker)).length, "the page's own workers are not touched").toBe(pageWorkers.size);
  });

  it("surfaces an error thrown in the worker with its name and message, and stops that worker", async () => {
    const before = new Set(workers);
    const error = await page.evaluate(() => window.workerHarness.badWeights());
    expect(error).toMatchObject({ name: "WorkerModelError", remoteName: "WeightsFileError" });
    expect(error!.message).toMatch(/^resnet-blocks worker: WeightsFileError: /);
    expect(startedSince(before).length).toBeGreaterThan(0);
    expect(await stillRunning(startedSince(before))).toBe(0);
  }, 120_000);

  it("rejects a start that does not answer within startTimeoutMs, and a worker script that fails to load", async () => {
    const before = new Set(workers);
    const silent = await page.evaluate(() => window.workerHarness.silentWorker(300));
    expect(silent).toMatchObject({ name: "WorkerModelError", message: expect.stringMatching(/^resnet-blocks worker did not start within 300 ms \(options\.startTimeoutMs\)/) });
    const missing = await page.evaluate(() => window.workerHarness.missingScript());
    expect(missing).toMatchObject({ name: "WorkerModelError", message: expect.stringMatching(/^resnet-blocks worker: /) });
    expect(await stillRunning(startedSince(before))).toBe(0);
  }, 60_000);
});
