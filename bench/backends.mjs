// Forward-pass times of a ResNet per backend in headless Chromium: the first call (shader
// compilation, WASM warm-up, weight upload) and the steady calls after it.
//
//   npx tsup && npx tsx bench/backends.mjs [--depth=50] [--calls=4] [--backends=cpu,wasm,webgl,webgpu] [--cores=N]
//
// --cores=N emulates navigator.hardwareConcurrency = N: tfjs-backend-wasm runs N / 2 threads
// (it assumes two hardware threads per core), so on a 2-core machine --cores=4 gives 2 threads.
//
// WebGL and WebGPU run on Chromium's software GPU (SwiftShader) here: their figures are a
// smoke figure only (does it run, roughly how slow on a CPU), not what a real GPU does.
import { launchChromium } from "../test/browser/chromium.ts";
import { startServer } from "../test/browser/server.ts";
import { buildApp } from "../test/browser/buildApp.ts";
import { fileURLToPath } from "node:url";
import os from "node:os";

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value = "true"] = arg.replace(/^--/, "").split("=");
    return [key, value];
  }),
);
const depth = Number(args.depth ?? 50);
const calls = Number(args.calls ?? 4);
const backends = (args.backends ?? "cpu,wasm,webgl,webgpu").split(",");
const cores = args.cores === undefined ? undefined : Number(args.cores);
if (![18, 50].includes(depth) || !(calls >= 2)) throw new Error("usage: --depth=18|50 --calls=N (N >= 2)");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);

const app = await buildApp(fileURLToPath(new URL("../test/browser/page", import.meta.url)), { build: { minify: false } });
const server = await startServer(app.outDir);
const browser = await launchChromium();
const rows = [];
try {
  for (const name of backends) {
    const page = await browser.newPage();
    if (cores !== undefined) {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Emulation.setHardwareConcurrencyOverride", { hardwareConcurrency: cores });
    }
    await page.goto(`${server.url}coi/index.html`);
    await page.waitForFunction(() => window.harness !== undefined);
    const outcome = await page.evaluate((n) => window.harness.useBackend(n, { wasmPaths: window.harness.wasmPaths }), name);
    if (!outcome.ok) {
      rows.push({ name, note: outcome.message.replace(/\n/g, " ") });
    } else {
      const run = await page.evaluate(([d, c]) => window.harness.run(d, c), [depth, calls]);
      const { report } = outcome;
      rows.push({
        name,
        first: run.callMs[0],
        steady: median(run.callMs.slice(1)),
        build: run.buildMs,
        note: report.tried.at(-1).reason,
      });
    }
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
  await app.remove();
}

console.log(`ResNet-${depth}, 224x224, batch 2, Chromium ${browser.version()} headless, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"})`);
console.log(`steady = median of ${calls - 1} calls after the first${cores === undefined ? "" : `; navigator.hardwareConcurrency emulated as ${cores}`}\n`);
console.log("| backend | build | first call | steady call | what ran |");
console.log("|---|---|---|---|---|");
for (const r of rows) {
  if (r.first === undefined) console.log(`| ${r.name} | - | - | - | failed: ${r.note} |`);
  else console.log(`| ${r.name} | ${fmt(r.build)} | ${fmt(r.first)} | ${fmt(r.steady)} | ${r.note} |`);
}
console.log("\nwebgl and webgpu ran on SwiftShader, Chromium's software GPU: a smoke figure only, not a GPU speed.");
