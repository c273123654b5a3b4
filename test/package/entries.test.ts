/**
 * `resnet-blocks/count` loads no `@tensorflow` module: the built entries, copied where no
 * `node_modules` can be found, still count; the main entry, which needs tfjs, fails there.
 */
import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertDistBuilt, FIXTURES, makeTempDir, REPO_ROOT, relativeClosure, removeTempDir, run } from "./helpers.js";

/** ResNet-50's multiply-adds at 224x224 (exact figure from issue 2; Table 1 gives 3.8 x 10^9). */
const RESNET50_MACS = 3_857_973_248;

let tmp: string | undefined;
let pkgDir: string;

beforeAll(async () => {
  assertDistBuilt();
  tmp = await makeTempDir("entries");
  pkgDir = join(tmp, "resnet-blocks");
  await mkdir(pkgDir);
  await cp(join(REPO_ROOT, "dist"), join(pkgDir, "dist"), { recursive: true });
  // For `"type": "module"`, which makes dist/*.js ES modules.
  await copyFile(join(REPO_ROOT, "package.json"), join(pkgDir, "package.json"));
});

afterAll(() => removeTempDir(tmp));

/** Loads `entry` (relative to the copied package) in a child process with nothing to resolve packages from. */
function load(entry: string): ReturnType<typeof run> {
  const loader = join(FIXTURES, "entries", entry.endsWith(".cjs") ? "load.cjs" : "load.mjs");
  // No NODE_PATH or NODE_OPTIONS; HOME points at the temp folder so ~/.node_modules is not searched.
  const env = { PATH: process.env.PATH ?? "", HOME: tmp! };
  return run(process.execPath, [loader, join(pkgDir, entry)], { cwd: pkgDir, env });
}

describe("dist copied where no node_modules exists", () => {
  it("has no node_modules in the copy or above it", () => {
    const found: string[] = [];
    for (let dir = join(pkgDir, "dist"); ; dir = dirname(dir)) {
      if (existsSync(join(dir, "node_modules"))) found.push(join(dir, "node_modules"));
      if (dirname(dir) === dir) break;
    }
    expect(found).toEqual([]);
  });

  it.each(["count.js", "count.cjs"])("dist/%s loads and counts resnet50", async (file) => {
    const result = await load(`dist/${file}`);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`RESULT ${RESNET50_MACS}`);
  });

  it.each([
    ["index.js", /Cannot find package '@tensorflow\/tfjs-(core|layers)'[\s\S]*ERR_MODULE_NOT_FOUND/],
    ["index.cjs", /Cannot find module '@tensorflow\/tfjs-(core|layers)'[\s\S]*MODULE_NOT_FOUND/],
  ])("dist/%s (the main entry, which needs tfjs) fails to find @tensorflow", async (file, message) => {
    const result = await load(`dist/${file}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});

describe("static imports of the count entries", () => {
  it.each(["dist/count.js", "dist/count.cjs"])("nothing reachable from %s mentions @tensorflow", async (entry) => {
    const files = await relativeClosure(REPO_ROOT, entry);
    expect(files.length).toBeGreaterThan(1); // the entry and its shared chunk
    const mentions: string[] = [];
    for (const file of files) if ((await readFile(join(REPO_ROOT, file), "utf8")).includes("@tensorflow")) mentions.push(file);
    expect(mentions).toEqual([]);
  });

  it.each(["dist/worker.js", "dist/worker.cjs"])("nothing reachable from %s (resnet-blocks/worker, the main thread's side) mentions @tensorflow", async (entry) => {
    const files = await relativeClosure(REPO_ROOT, entry);
    const mentions: string[] = [];
    for (const file of files) if ((await readFile(join(REPO_ROOT, file), "utf8")).includes("@tensorflow")) mentions.push(file);
    expect(mentions).toEqual([]);
  });

  it.each(["dist/onnx.js", "dist/onnx.cjs"])("nothing reachable from %s (resnet-blocks/onnx) mentions @tensorflow or node:fs: no backend, no file system", async (entry) => {
    const files = await relativeClosure(REPO_ROOT, entry);
    const mentions: string[] = [];
    for (const file of files) if (/@tensorflow|node:fs|require\("fs"\)|from "fs"/.test(await readFile(join(REPO_ROOT, file), "utf8"))) mentions.push(file);
    expect(mentions).toEqual([]);
  });

  it("resnet-blocks/worker/serve (inside the worker) reaches @tensorflow", async () => {
    const files = await relativeClosure(REPO_ROOT, "dist/worker-serve.js");
    const texts = await Promise.all(files.map((file) => readFile(join(REPO_ROOT, file), "utf8")));
    expect(texts.some((text) => text.includes("@tensorflow"))).toBe(true);
  });

  it("the same scan finds @tensorflow from dist/index.js", async () => {
    const files = await relativeClosure(REPO_ROOT, "dist/index.js");
    const texts = await Promise.all(files.map((file) => readFile(join(REPO_ROOT, file), "utf8")));
    expect(texts.some((text) => text.includes("@tensorflow"))).toBe(true);
  });
});
