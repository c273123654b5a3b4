import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { packageDir } from "../browser/buildApp.js";

const run = promisify(execFile);

// The built package, in a fresh Node process per module format: useBackend's Node-only
// loading of optional backends must survive bundling (tsup) into both ESM and CJS.
describe.each([
  ["ESM", "--input-type=module", (dist: string) => `const { useBackend } = await import(${JSON.stringify(join(dist, "index.js"))});`],
  ["CJS", "--input-type=commonjs", (dist: string) => `const { useBackend } = require(${JSON.stringify(join(dist, "index.cjs"))});`],
] as const)("the built package (%s) in Node", (_format, inputType, load) => {
  it("loads wasm by itself under 'auto', with SIMD", async () => {
    const dist = join(packageDir(), "dist");
    const script = `${load(dist)} (async () => { process.stdout.write(JSON.stringify(await useBackend())); })();`;
    const { stdout } = await run(process.execPath, [inputType, "-e", script]);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ name: "wasm", simd: true, threads: 1 });
    expect(report.tried.map((t: { name: string; ok: boolean }) => [t.name, t.ok])).toEqual([
      ["tensorflow", false],
      ["wasm", true],
    ]);
  });
});
