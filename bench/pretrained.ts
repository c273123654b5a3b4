/**
 * Load time of `pretrained()` for a timm-format ResNet-50 (float32, 102 MB) from a loopback
 * Hub (test/pretrained/hubServer.ts: a 302 to its CDN path, ETag and size headers), on the
 * WASM backend. Rows: cold (empty cache: download through the redirect, sha256 check, atomic
 * cache write, build, load), cached (file cache, no request), offline (cache only), a local
 * folder, and the build + load alone (no I/O) for reference. Run with `npx tsx bench/pretrained.ts`.
 *
 *   --repeats=3   timed runs per row (median reported); the cold row gets a fresh cache each time
 *
 * The checkpoint is made by PyTorch (scripts/make-timm-fixture.py with /usr/bin/python3).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useBackend } from "../src/backend/index.js";
import { resnet } from "../src/models/resnet.js";
import { pretrained } from "../src/pretrained/index.js";
import { loadSafetensors } from "../src/weights/index.js";
import { startHubServer } from "../test/pretrained/hubServer.js";

const repeats = Number(process.argv.find((a) => a.startsWith("--repeats="))?.split("=")[1] ?? 3);
const python = process.env.PYTHON ?? "/usr/bin/python3";
const root = mkdtempSync(join(tmpdir(), "resnet-blocks-bench-pretrained-"));
const name = "resnet50.a1_in1k";
const generator = new URL("../scripts/make-timm-fixture.py", import.meta.url).pathname;
execFileSync(python, [generator, "--depth", "50", "--tag", "a1_in1k", "--size", "224", "224", "--out", root], { stdio: "inherit" });
const folder = join(root, name);
const files = {
  "config.json": new Uint8Array(readFileSync(join(folder, "config.json"))),
  "model.safetensors": new Uint8Array(readFileSync(join(folder, "model.safetensors"))),
};

const { name: backend } = await useBackend("wasm");
const hub = await startHubServer();
hub.addRepo(`timm/${name}`, files);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Median wall ms and median CPU ms of this process (steadier on a busy machine) over `repeats` runs. */
async function time(run: () => Promise<void>): Promise<[number, number]> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    await run();
    const used = process.cpuUsage(startCpu);
    wall.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return [median(wall), median(cpu)];
}

let caches = 0;
const warmCache = join(root, "cache-warm");
(await pretrained(`timm/${name}`, { host: hub.url, cacheDir: warmCache })).dispose(); // fills the cache, warms tfjs up
hub.resetCounts();

const rows: Array<[string, [number, number], string]> = [];
rows.push(["cold: download + check + cache + build + load", await time(async () => {
  const cacheDir = join(root, `cache-cold-${caches++}`);
  (await pretrained(`timm/${name}`, { host: hub.url, cacheDir })).dispose();
  rmSync(cacheDir, { recursive: true, force: true });
}), `${hub.count()} requests over ${repeats} runs`]);
hub.resetCounts();
rows.push(["cached (file cache)", await time(async () => (await pretrained(`timm/${name}`, { host: hub.url, cacheDir: warmCache })).dispose()), `${hub.count()} requests`]);
rows.push(["offline (cache only)", await time(async () => (await pretrained(`timm/${name}`, { host: hub.url, cacheDir: warmCache, offline: true })).dispose()), `${hub.count()} requests`]);
rows.push(["local folder", await time(async () => (await pretrained(folder)).dispose()), "no Hub"]);
rows.push(["build + load only (bytes in memory)", await time(async () => {
  const model = resnet({ depth: 50, preset: "torchvision", classifierActivation: "linear" });
  loadSafetensors(model, files["model.safetensors"], { layout: "torchvision" });
  model.dispose();
}), "reference"]);

console.log(`\npretrained("timm/${name}") on ${backend}, ${(files["model.safetensors"].length / 1e6).toFixed(1)} MB, median of ${repeats}, Node ${process.version}\n`);
console.log("| load | wall ms | CPU ms | note |\n|------|---------|--------|------|");
for (const [row, [wall, cpu], note] of rows) console.log(`| ${row} | ${wall.toFixed(0)} | ${cpu.toFixed(0)} | ${note} |`);

await hub.close();
rmSync(root, { recursive: true, force: true });
