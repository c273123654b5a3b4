/**
 * The figure of resnet-blocks/worker: the page's longest stall during one forward pass
 * (224x224, batch 2, wasm) on the page's thread and in a dedicated Web Worker, in Chromium,
 * on the page of worker.test.ts. A measurement, not a test:
 * `npx tsx test/browser/workerStall.ts 18 50` (needs `npx tsup` first).
 */
import { fileURLToPath } from "node:url";
import { buildApp } from "./buildApp.js";
import { launchChromium } from "./chromium.js";
import { startServer } from "./server.js";

const depths = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["18"]).map(Number) as (18 | 50)[];
const app = await buildApp(fileURLToPath(new URL("./worker", import.meta.url)), {
  worker: { format: "es" },
  resolve: { preserveSymlinks: true, alias: { "../page/fixtures.js": fileURLToPath(new URL("./page/fixtures.ts", import.meta.url)) } },
});
const server = await startServer(app.outDir);
const browser = await launchChromium();
try {
  for (const depth of depths) {
    const page = await browser.newPage(); // a fresh page per network: one backend start each
    await page.goto(`${server.url}coi/index.html`);
    await page.waitForFunction(() => window.workerHarness !== undefined);
    const main = await page.evaluate((d) => window.workerHarness.mainThread(d), depth);
    const started = await page.evaluate((d) => window.workerHarness.startWorker(d), depth);
    const worker = await page.evaluate(() => window.workerHarness.workerRun());
    const line = (where: string, s: { longestGapMs: number; workMs: number; ticks: number }) =>
      `ResNet-${depth}@224 batch 2, wasm, ${where}: longest stall ${s.longestGapMs.toFixed(0)} ms during a ${s.workMs.toFixed(0)} ms forward pass (${s.ticks} ticks of a 4 ms timer)`;
    console.log(line(`page's thread (${main.backend.threads} threads)`, main.stall));
    console.log(line(`Web Worker (${started.backend.threads} threads, fused ${started.fused})`, worker.stall));
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
  await app.remove();
}
