/**
 * The Vite example's pretrained page (examples/browser/pretrained.html) in Chromium, against
 * the loopback Hub (test/pretrained/hubServer.ts) serving a ResNet-18 checkpoint that PyTorch
 * writes in timm's format: the first load downloads with the progress bar reaching 100%; a
 * chosen file and a dropped file are classified with PyTorch's top 5 (torchvision's
 * preprocessing as the checkpoint's config says, computed live by pretrainedPage/reference.py);
 * a reload loads from the Cache API with no request to the Hub.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHubServer, type HubServer } from "../pretrained/hubServer.js";
import { makeTimmFixtures, repoFiles, torchPython } from "../pretrained/timmFixture.js";
import { buildApp, type BuiltApp } from "./buildApp.js";
import { launchChromium } from "./chromium.js";
import { startServer, type StaticServer } from "./server.js";

const REPO = "test/resnet18-page"; // not the page's default id: the test sets ?id= too
const REFERENCE = fileURLToPath(new URL("./pretrainedPage/reference.py", import.meta.url));

interface Reference {
  file: string;
  top: { index: number; probability: number }[];
}

let app: BuiltApp;
let server: StaticServer;
let hub: HubServer;
let browser: Browser;
let fixtures: string;
let references: Reference[];
let weightsSize: number;

beforeAll(async () => {
  const built = buildApp(fileURLToPath(new URL("../../examples/browser", import.meta.url)), { configFile: "vite.config.js" });
  fixtures = await makeTimmFixtures([{ depth: 18, tag: "a1_in1k", size: [224, 224], batch: 1, interpolation: "bicubic", cropPct: 0.95 }]);
  const checkpoint = join(fixtures, "resnet18.a1_in1k");
  const { stdout } = await promisify(execFile)(torchPython!, [REFERENCE, "--checkpoint", checkpoint, "--out", join(fixtures, "photos")]);
  references = JSON.parse(stdout) as Reference[];
  hub = await startHubServer();
  const files = repoFiles(fixtures, "resnet18.a1_in1k");
  weightsSize = files["model.safetensors"]!.length;
  hub.addRepo(REPO, files);
  app = await built;
  server = await startServer(app.outDir);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await hub?.close();
  await app?.remove();
  if (fixtures) rmSync(fixtures, { recursive: true, force: true });
});

async function waitForStatus(page: Page, pattern: RegExp, errors: string[]): Promise<string> {
  await page
    .waitForFunction((source) => new RegExp(source).test(document.getElementById("status")!.textContent ?? ""), `^(${pattern.source}|Failed)`, {
      timeout: 180_000,
    })
    .catch(async (error: Error) => {
      const status = await page.textContent("#status").catch(() => "?");
      throw new Error(`the page did not get to ${pattern}: status "${status}"; ${errors.join("; ") || error.message}`);
    });
  const status = (await page.textContent("#status"))!;
  expect(status, errors.join("; ")).toMatch(pattern);
  return status;
}

/** The page's table: class index and probability of each row. */
async function shownTop5(page: Page): Promise<{ index: number; probability: number; label: string }[]> {
  return page.$$eval("#top5 tr", (rows) =>
    rows.map((row) => ({
      index: Number((row as HTMLElement).dataset.index),
      probability: Number((row as HTMLElement).dataset.probability),
      label: row.lastElementChild!.textContent ?? "",
    })),
  );
}

/** The top 5 shown equals PyTorch's: same classes in the same order, probabilities within 1e-4 relative. */
function expectPyTorchTop5(shown: Awaited<ReturnType<typeof shownTop5>>, reference: Reference): void {
  const [sixth] = reference.top.slice(5);
  // The reference's order is decided by more than the tolerance, or the comparison means nothing.
  reference.top.slice(0, 5).forEach((r, i) => expect(r.probability - (reference.top[i + 1] ?? sixth)!.probability).toBeGreaterThan(1e-4 * r.probability));
  expect(shown.map((r) => r.index)).toEqual(reference.top.slice(0, 5).map((r) => r.index));
  shown.forEach((r, i) => expect(Math.abs(r.probability - reference.top[i]!.probability)).toBeLessThanOrEqual(1e-4 * reference.top[i]!.probability));
  expect(shown.every((r) => r.label.length > 0)).toBe(true);
}

it("downloads with a progress bar, classifies a chosen and a dropped photo as PyTorch does, and reloads from the Cache API", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  const query = new URLSearchParams({ host: hub.url, id: REPO, backend: "wasm" });
  const [photo, dropped] = references as [Reference, Reference];
  try {
    // First load: downloads config.json, then model.safetensors (302 to the CDN path), once each.
    const t0 = performance.now();
    await page.goto(`${server.url}coi/pretrained.html?${query}`);
    const first = await waitForStatus(page, /Loaded /, errors);
    const loadMs = performance.now() - t0;
    expect(first).toMatch(new RegExp(`^Loaded ${REPO} downloaded and cached in \\d+ ms: resnet18 on wasm, 224x224 bicubic, crop 0.95\\.`));
    expect(hub.count("/resolve/main/config.json")).toBe(1);
    expect(hub.count("/resolve/main/model.safetensors")).toBe(1);
    expect(hub.requests.filter((r) => r.path.startsWith("/cdn/"))).toHaveLength(1);
    const bar = await page.$eval("#progress", (p) => ({ value: (p as HTMLProgressElement).value, max: (p as HTMLProgressElement).max }));
    expect(bar).toEqual({ value: weightsSize, max: weightsSize });
    expect(await page.textContent("#bytes")).toBe(`model.safetensors: ${(weightsSize / 1e6).toFixed(1)} of ${(weightsSize / 1e6).toFixed(1)} MB (100%), downloaded and checked`);
    const cached = await page.evaluate(async () => (await (await caches.open("resnet-blocks-hub")).keys()).map((r) => r.url));
    expect(cached.sort()).toEqual([`${hub.url}/${REPO}/resolve/main/config.json`, `${hub.url}/${REPO}/resolve/main/model.safetensors`]);

    // A chosen file (<input type=file>), then a dropped one (a drop event carrying a File).
    await page.setInputFiles("#file", photo.file);
    await waitForStatus(page, /Classified photo\.png\./, errors);
    expectPyTorchTop5(await shownTop5(page), photo);
    const timings = [(await page.textContent("#timing"))!];
    const dataTransfer = await page.evaluateHandle(
      ({ base64, name }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type: "image/png" }));
        return transfer;
      },
      { base64: readFileSync(dropped.file).toString("base64"), name: basename(dropped.file) },
    );
    await page.dispatchEvent("#drop", "dragover", { dataTransfer });
    await page.dispatchEvent("#drop", "drop", { dataTransfer });
    await waitForStatus(page, /Classified dropped-grey\.png\./, errors);
    expectPyTorchTop5(await shownTop5(page), dropped);
    timings.push((await page.textContent("#timing"))!);
    for (const timing of timings) expect(timing).toMatch(/^preprocessing to 224x224: \d+\.\d ms; classify \(preprocessing, ResNet, softmax, top 5\): \d+ ms$/);
    console.info(`pretrained page: first load ${loadMs.toFixed(0)} ms; photo.png 640x480 ${timings[0]}; dropped-grey.png 200x300 ${timings[1]}`);

    // Reload: everything from the Cache API, no request to the Hub at all; the cached weights give the same answer.
    hub.resetCounts();
    const t1 = performance.now();
    await page.reload();
    const second = await waitForStatus(page, /Loaded /, errors);
    const cachedMs = performance.now() - t1;
    expect(second).toMatch(new RegExp(`^Loaded ${REPO} from cache in \\d+ ms: resnet18 on wasm`));
    expect(hub.requests).toEqual([]);
    expect(await page.textContent("#bytes")).toMatch(/^model\.safetensors: [\d.]+ of [\d.]+ MB \(100%\), from the cache$/);
    await page.setInputFiles("#file", photo.file);
    await waitForStatus(page, /Classified photo\.png\./, errors);
    expectPyTorchTop5(await shownTop5(page), photo);
    console.info(`pretrained page: cached load ${cachedMs.toFixed(0)} ms; photo.png 640x480 ${await page.textContent("#timing")}`);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
}, 300_000);
