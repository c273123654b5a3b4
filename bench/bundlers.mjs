// Bundle sizes and ResNet-18 forward times per bundler-matrix cell, in headless Chromium:
// the app of test/browser/matrix built by Vite 8 / Vite 7 / webpack 5 (production, minified;
// Vite 8's dev server and webpack's development build), each served with and without COOP/COEP.
//
//   npx tsup && npx tsx bench/bundlers.mjs [--cells=vite8/production,webpack/production] [--calls=4] [--size=64]
//
// Prints two markdown tables (docs/backends.md keeps the figures of record). 4 logical cores
// are emulated, so tfjs-backend-wasm runs 2 threads in the isolated cells.
import { stageMatrixApp, viteBuild, viteDevServer, webpackBuild } from "../test/browser/bundlers.ts";
import { launchChromium } from "../test/browser/chromium.ts";
import { startServer } from "../test/browser/server.ts";

const args = Object.fromEntries(process.argv.slice(2).map((a) => [a.replace(/^--/, "").split("=")[0], a.split("=")[1] ?? "true"]));
const ALL = ["vite8/production", "vite8/development", "webpack/production", "webpack/development", "vite7/production"];
const cells = (args.cells ?? ALL.join(",")).split(",");
const calls = Number(args.calls ?? 4);
const size = Number(args.size ?? 64);
for (const cell of cells) if (!ALL.includes(cell)) throw new Error(`--cells: ${cell} is not one of ${ALL.join(", ")}`);
if (!(calls >= 2) || !(size >= 32)) throw new Error("usage: --calls=N (N >= 2) --size=S (S >= 32)");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);
const kB = (b) => `${(b / 1000).toFixed(0)} kB`;

const staged = await stageMatrixApp();
const server = await startServer(staged.app);
const apps = [];
try {
  for (const cell of cells) {
    const [bundler, mode] = cell.split("/");
    apps.push(
      bundler === "webpack"
        ? await webpackBuild(staged.app, mode, server.url)
        : mode === "development"
          ? await viteDevServer(staged.app)
          : await viteBuild(staged.app, bundler, server.url),
    );
  }
  console.log("| bundler | build | JS | gzip | resnet-blocks' share |\n|---|---|---|---|---|");
  for (const app of apps.filter((a) => a.size)) {
    console.log(`| ${app.label} | ${app.buildSeconds.toFixed(1)} s | ${kB(app.size.js)} | ${kB(app.size.gzip)} | ${(100 * app.size.ownShare).toFixed(1)} % |`);
  }
  const browser = await launchChromium();
  console.log(`\nResNet-18, ${size}x${size}, batch 2; steady = median of the ${calls - 1} calls after the first.\n`);
  console.log("| cell | wasm | wasm first | wasm steady | webgl first | webgl steady |\n|---|---|---|---|---|---|");
  for (const app of apps) {
    for (const isolated of [true, false]) {
      const page = await browser.newPage();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Emulation.setHardwareConcurrencyOverride", { hardwareConcurrency: 4 });
      await page.goto(app.url(isolated));
      await page.waitForFunction(() => window.harness !== undefined, undefined, { timeout: 120_000 });
      const row = [];
      let what = "";
      for (const backend of ["wasm", "webgl"]) {
        const outcome = await page.evaluate((name) => window.harness.useBackend(name), backend);
        if (!outcome.ok) throw new Error(`${app.label}: ${outcome.message}`);
        if (backend === "wasm") what = outcome.report.tried.at(-1).reason;
        const { callMs } = await page.evaluate(([c, s]) => window.harness.run(18, c, 2, s), [calls, size]);
        row.push(ms(callMs[0]), ms(median(callMs.slice(1))));
      }
      console.log(`| ${app.label}, ${isolated ? "isolated" : "not isolated"} | ${what} | ${row.join(" | ")} |`);
      await page.close();
    }
  }
  await browser.close();
} finally {
  for (const app of apps) await app.close();
  await server.close();
  await staged.remove();
}
