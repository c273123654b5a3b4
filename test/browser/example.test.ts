/**
 * The Vite example (examples/browser) builds with its own vite.config and, loaded in
 * Chromium, runs the network picked in a dedicated Web Worker (resnet-blocks/worker) or on
 * the page's thread, and shows the backend report, the forward-pass times and the page's
 * longest stall.
 */
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildApp, type BuiltApp } from "./buildApp.js";
import { launchChromium } from "./chromium.js";
import { startServer, type StaticServer } from "./server.js";

let app: BuiltApp;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  app = await buildApp(fileURLToPath(new URL("../../examples/browser", import.meta.url)), { configFile: "vite.config.js" });
  server = await startServer(app.outDir);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await app?.remove();
});

async function runAndWait(page: Page): Promise<void> {
  await page.click("#run");
  await page.waitForFunction(() => /^(Done|Failed)/.test(document.getElementById("status")!.textContent ?? ""), null, {
    timeout: 120_000,
  });
  expect(await page.textContent("#status")).toBe("Done.");
}

it("runs ResNet-18 in a Web Worker, then on the page's thread, showing the report, the times and the page's longest stall", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  try {
    await page.goto(`${server.url}coi/index.html`);
    await page.selectOption("#backend", "wasm");
    await page.selectOption("#depth", "18");
    expect(await page.inputValue("#where")).toBe("worker"); // the default
    await runAndWait(page);
    const report = JSON.parse((await page.textContent("#report"))!);
    expect(report).toMatchObject({ name: "wasm", simd: true, tried: [{ name: "wasm", ok: true }] });
    expect(report.threads).toBeGreaterThanOrEqual(1);
    expect(await page.textContent("#time")).toMatch(/^ResNet-18 on wasm in a Web Worker: first call \d+ ms .*, then \d+ ms, \d+ ms$/);
    expect(await page.textContent("#stall")).toMatch(/^Longest stall of the page in a Web Worker: \d+ ms$/);
    console.info(`example: ${await page.textContent("#stall")}`);
    expect(page.workers().filter((worker) => worker.url().includes("resnet.worker")), "dispose() ended the worker").toEqual([]);

    await page.selectOption("#where", "page");
    await runAndWait(page);
    expect(await page.textContent("#time")).toMatch(/^ResNet-18 on wasm on the page's thread: first call \d+ ms .*, then \d+ ms, \d+ ms$/);
    expect(await page.textContent("#stall")).toMatch(/^Longest stall of the page on the page's thread: \d+ ms$/);
    console.info(`example: ${await page.textContent("#stall")}`);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
}, 240_000);
