/**
 * Smoke test of the packed tarball as a user gets it: `npm install` it with tfjs into a fresh
 * project, import it from Node ESM and CJS, build and run a ResNet-18 on the cpu backend, and
 * run the installed `resnet-blocks` bin.
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, makeTempDir, packTarball, removeTempDir, runOk } from "./helpers.js";

/** ResNet-50's multiply-adds at 224x224 (He et al. 2015, Table 1: 3.8 x 10^9; exact figure from issue 2). */
const RESNET50_MACS = 3_857_973_248;

const TFJS_VERSION = "4.22.0";

let tmp: string | undefined;
let project: string;

beforeAll(async () => {
  tmp = await makeTempDir("install");
  const { tarball } = await packTarball(tmp);
  project = join(tmp, "project");
  await mkdir(project);
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "smoke", private: true, version: "0.0.0" }));
  await runOk(
    "npm",
    [
      "install",
      tarball,
      `@tensorflow/tfjs-core@${TFJS_VERSION}`,
      `@tensorflow/tfjs-layers@${TFJS_VERSION}`,
      `@tensorflow/tfjs-backend-cpu@${TFJS_VERSION}`,
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
    ],
    { cwd: project, timeoutMs: 150_000 },
  );
  for (const name of ["smoke.mjs", "smoke.cjs"]) await copyFile(join(FIXTURES, "smoke", name), join(project, name));
}, 180_000);

afterAll(() => removeTempDir(tmp));

/** The JSON a smoke script prints after `RESULT `. */
function resultOf(stdout: string): unknown {
  const line = stdout.split("\n").find((text) => text.startsWith("RESULT "));
  if (line === undefined) throw new Error(`no RESULT line in:\n${stdout}`);
  return JSON.parse(line.slice("RESULT ".length));
}

describe("installed tarball", () => {
  it("satisfies its peer dependencies (npm ls is clean)", async () => {
    const { stdout } = await runOk("npm", ["ls", "--all", "--json"], { cwd: project });
    const tree = JSON.parse(stdout) as { dependencies: Record<string, { version: string; resolved?: string }>; problems?: string[] };
    expect(tree.problems ?? []).toEqual([]);
    expect(tree.dependencies["resnet-blocks"]?.resolved).toMatch(/^file:.*\.tgz$/);
  });

  it.each(["smoke.mjs", "smoke.cjs"])("%s builds resnet18, predicts [1, 10] on cpu and counts resnet50", async (script) => {
    const { stdout } = await runOk(process.execPath, [script], { cwd: project });
    expect(resultOf(stdout)).toEqual({ backend: "cpu", shape: [1, 10], macs: RESNET50_MACS });
  }, 60_000);

  it("runs the bin: resnet-blocks summary resnet50 prints 3.858 G MACs", async () => {
    const bin = join(project, "node_modules", ".bin", "resnet-blocks");
    const text = await runOk(bin, ["summary", "resnet50"], { cwd: project });
    expect(text.stdout).toContain("3,857,973,248");
    expect(text.stdout).toMatch(/3\.858 G/);
    const json = await runOk(bin, ["summary", "resnet50", "--json"], { cwd: project });
    expect((JSON.parse(json.stdout) as { macs: number }).macs).toBe(RESNET50_MACS);
  });
});
