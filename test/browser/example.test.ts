/**
 * The Vite example (examples/browser) builds with its own vite.config and, loaded in
 * Chromium, starts the backend picked in the page, shows the report and a forward-pass time.
 */
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
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

it("shows the backend report and the forward-pass time of the backend picked in the page", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  try {
    await page.goto(`${server.url}coi/index.html`);
    await page.selectOption("#backend", "wasm");
    await page.selectOption("#depth", "18");
    await page.click("#run");
    await page.waitForFunction(() => /^(Done|Failed)/.test(document.getElementById("status")!.textContent ?? ""), null, {
      timeout: 120_000,
    });
    expect(await page.textContent("#status")).toBe("Done.");
    const report = JSON.parse((await page.textContent("#report"))!);
    expect(report).toMatchObject({ name: "wasm", simd: true, tried: [{ name: "wasm", ok: true }] });
    expect(report.threads).toBeGreaterThanOrEqual(1);
    expect(await page.textContent("#time")).toMatch(/^ResNet-18 on wasm: first call \d+ ms .*, then \d+ ms, \d+ ms$/);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
}, 180_000);
