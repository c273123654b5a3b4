/**
 * The bundler matrix in Chromium: the app of test/browser/matrix built by Vite 8, Vite 7 and
 * webpack 5 (minified production builds; Vite 8's dev server and webpack's development build),
 * each served with and without cross-origin isolation. In every cell `useBackend("wasm")`
 * starts (2 threads where isolated, with 4 logical cores emulated; 1 thread otherwise), and
 * wasm and webgl give Node's cpu logits of ResNet-18 (64x64, batch 2) within the tolerance of
 * backends.test.ts, with no tensor left behind and no pthread worker error. Each app is built
 * once; one Chromium. Needs `npx tsup` first; see docs/backends.md.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackendReport } from "../../src/backend/index.js";
import type { StagedApp } from "./buildApp.js";
import { stageMatrixApp, viteBuild, viteDevServer, webpackBuild, type MatrixApp } from "./bundlers.js";
import { launchChromium } from "./chromium.js";
import { nodeReferencesInChild, relativeError } from "./compare.js";
import type { RunResult } from "./page/run.js";
import type { Reference } from "./reference.js";
import { startServer, type StaticServer } from "./server.js";

/** As in backends.test.ts: rounding differences are ~1e-6; a wrong kernel moves logits by ~0.1. */
const TOLERANCE = 1e-4;
const SIZE = 64;

let staged: StagedApp;
let server: StaticServer;
let browser: Browser;
let references: Promise<Map<string, Reference>>;
const apps = new Map<string, MatrixApp>();

const CELLS = [
  ["vite8", "production"],
  ["vite8", "development"],
  ["webpack", "production"],
  ["webpack", "development"],
  ["vite7", "production"],
] as const;

beforeAll(async () => {
  references = nodeReferencesInChild([[18, SIZE]]);
  references.catch(() => undefined);
  staged = await stageMatrixApp();
  server = await startServer(staged.app);
  for (const [bundler, mode] of CELLS) {
    const app =
      bundler === "webpack"
        ? await webpackBuild(staged.app, mode, server.url)
        : mode === "development"
          ? await viteDevServer(staged.app)
          : await viteBuild(staged.app, bundler, server.url);
    apps.set(`${bundler}/${mode}`, app);
    console.info(`${app.label}: built in ${app.buildSeconds.toFixed(1)} s${app.size ? `, JS ${app.size.js} B, gzip ${app.size.gzip} B, resnet-blocks ${(100 * app.size.ownShare).toFixed(1)} %` : ""}`);
  }
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  for (const app of apps.values()) await app.close();
  await server?.close();
  await staged?.remove();
});

type Outcome = { ok: true; report: BackendReport } | { ok: false; message: string };

/** Opens a matrix page with 4 logical cores emulated (tfjs-backend-wasm runs half: 2 threads); collects worker errors. */
async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setHardwareConcurrencyOverride", { hardwareConcurrency: 4 });
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { harness?: unknown }).harness !== undefined, undefined, { timeout: 120_000 });
  return { page, errors };
}

type Harness = {
  crossOriginIsolated: boolean;
  useBackend(name: string, options?: { startTimeout?: number }): Promise<Outcome>;
  run(depth: 18, calls: number, batch: number, size: number): Promise<RunResult>;
};

async function startAndRun(page: Page, backend: "wasm" | "webgl"): Promise<{ report: BackendReport; result: RunResult }> {
  const outcome = await page.evaluate(
    (name) => (window as unknown as { harness: Harness }).harness.useBackend(name, { startTimeout: 60_000 }),
    backend,
  );
  if (!outcome.ok) throw new Error(outcome.message);
  const result = await page.evaluate((size) => (window as unknown as { harness: Harness }).harness.run(18, 2, 2, size), SIZE);
  return { report: outcome.report, result };
}

function expectNodeLogits(result: RunResult, reference: Reference, backend: string): void {
  expect(result.backend).toBe(backend);
  expect(result.weights).toBe(reference.weights);
  expect(result.logits).toHaveLength(reference.logits.length);
  expect(relativeError(Float32Array.from(result.logits), reference.logits)).toBeLessThan(TOLERANCE);
  expect(result.tensorsAfter).toEqual(result.callMs.map(() => result.tensorsBefore));
}

describe.each(CELLS)("%s, %s build", (bundler, mode) => {
  it.each([true, false])("isolated %s: wasm (threads where isolated) and webgl give Node's logits", async (isolated) => {
    const app = apps.get(`${bundler}/${mode}`)!;
    const { page, errors } = await openPage(app.url(isolated));
    try {
      expect(await page.evaluate(() => (window as unknown as { harness: Harness }).harness.crossOriginIsolated)).toBe(isolated);
      const reference = (await references).get(`18@${SIZE}`)!;
      const wasm = await startAndRun(page, "wasm");
      expect(wasm.report).toMatchObject({ name: "wasm", simd: true, threads: isolated ? 2 : 1 });
      expect(wasm.report.tried.at(-1)!.reason).toMatch(isolated ? /^WASM SIMD, 2 threads$/ : /^WASM SIMD, 1 thread \(one thread: the page is not cross-origin isolated/);
      expectNodeLogits(wasm.result, reference, "wasm");
      const webgl = await startAndRun(page, "webgl");
      expect(webgl.report.name).toBe("webgl");
      expectNodeLogits(webgl.result, reference, "webgl");
      expect(errors.filter((e) => /worker sent an error|is not defined/.test(e))).toEqual([]);
      const [wasmFirst, wasmSteady] = wasm.result.callMs;
      const [glFirst, glSteady] = webgl.result.callMs;
      console.info(
        `${app.label}, ${isolated ? "isolated" : "not isolated"}: ResNet-18 ${SIZE}x${SIZE} batch 2, wasm first ${wasmFirst!.toFixed(0)} ms, ` +
          `steady ${wasmSteady!.toFixed(0)} ms; webgl first ${glFirst!.toFixed(0)} ms, steady ${glSteady!.toFixed(0)} ms`,
      );
    } finally {
      await page.close();
    }
  }, 300_000);
});
