/**
 * Our `.d.ts` files compile in a consumer project with `strict` and `skipLibCheck: false`,
 * under `moduleResolution` node16 (ESM and CJS files), bundler and node10, with the unpacked
 * tarball as `node_modules/resnet-blocks`.
 */
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { isAbsolute, join, resolve, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, packTarball, REPO_ROOT, removeTempDir, repoBin, run, unpackTarball } from "./helpers.js";

/** Uses the public API with the types a user would write; the last line must not compile. */
const CONSUMER_BODY = `
const options: ResNetOptions = { depth: 18, inputShape: [32, 32, 3], classes: 10 };
const model: LayersModel = resnet(options);
const big: LayersModel = resnet50({ preset: "torchvision", includeTop: false, pooling: "avg" });
const block: SymbolicTensor = basicBlock(input({ shape: [8, 8, 64] }), { filters: 64, stride: 2, shortcut: "A" });
const macs: number = countModel(model).macs + count({ depth: 50 }).macs;
const trainable: number = count(resnetSpec(options)).params.trainable;
const stageNames: string[] = resnetSpec({ depth: 152 }).stages.map((stage) => stage.name);
const markdown: string = table1();
const report: Promise<BackendReport> = useBackend(["wasm", "cpu"], { threads: 2 });
// @ts-expect-error 42 is not one of Table 1's depths
resnet({ depth: 42 });
`;

const ESM_IMPORTS = `
import { input, type LayersModel, type SymbolicTensor } from "@tensorflow/tfjs-layers";
import { resnet50, resnet, basicBlock, countModel, useBackend, type BackendReport, type ResNetOptions } from "resnet-blocks";
import { count, table1, resnetSpec } from "resnet-blocks/count";
import "resnet-blocks/backends/wasm";
`;

/** The consumer files, by name, and the tsconfig of each mode. */
const MODES = {
  node16: {
    files: {
      "esm.ts": `${ESM_IMPORTS}${CONSUMER_BODY}export { big, block, macs, trainable, stageNames, markdown, report };\n`,
      "cjs.cts": `${ESM_IMPORTS}${CONSUMER_BODY}export = { big, block, macs, trainable, stageNames, markdown, report };\n`,
    },
    compilerOptions: { module: "node16", moduleResolution: "node16" },
    // node16 picks the declarations by the importing file's format.
    declarations: ["dist/index.d.ts", "dist/count.d.ts", "dist/backends/wasm.d.ts", "dist/index.d.cts", "dist/count.d.cts", "dist/backends/wasm.d.cts"],
  },
  bundler: {
    files: { "bundler.ts": `${ESM_IMPORTS}${CONSUMER_BODY}export { big, block, macs, trainable, stageNames, markdown, report };\n` },
    compilerOptions: { module: "esnext", moduleResolution: "bundler" },
    declarations: ["dist/index.d.ts", "dist/count.d.ts", "dist/backends/wasm.d.ts"],
  },
  node10: {
    files: { "node10.ts": `${ESM_IMPORTS}${CONSUMER_BODY}export { big, block, macs, trainable, stageNames, markdown, report };\n` },
    compilerOptions: { module: "commonjs", moduleResolution: "node10" },
    declarations: ["dist/index.d.cts", "dist/count.d.cts", "dist/backends/wasm.d.cts"],
  },
} as const;

let tmp: string | undefined;
let project: string;

beforeAll(async () => {
  tmp = await makeTempDir("types");
  const { tarball } = await packTarball(tmp);
  project = join(tmp, "consumer");
  // Unpacked in place, as npm installs it: a symlink would resolve @tensorflow from its real path.
  await unpackTarball(tarball, join(project, "node_modules", "resnet-blocks"));
  await mkdir(join(project, "node_modules", "@tensorflow"), { recursive: true });
  await mkdir(join(project, "node_modules", "@types"), { recursive: true });
  for (const name of ["tfjs-core", "tfjs-layers"]) {
    await symlink(join(REPO_ROOT, "node_modules", "@tensorflow", name), join(project, "node_modules", "@tensorflow", name), "dir");
  }
  // What npm would hoist next to tfjs-core (its declarations use the global `Long`).
  for (const name of ["long", "offscreencanvas", "seedrandom"]) {
    await symlink(join(REPO_ROOT, "node_modules", "@types", name), join(project, "node_modules", "@types", name), "dir");
  }
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  for (const [mode, { files, compilerOptions }] of Object.entries(MODES)) {
    for (const [name, text] of Object.entries(files)) await writeFile(join(project, name), text);
    const tsconfig = {
      compilerOptions: { ...compilerOptions, strict: true, skipLibCheck: false, noEmit: true, target: "es2022" },
      files: Object.keys(files),
    };
    await writeFile(join(project, `tsconfig.${mode}.json`), JSON.stringify(tsconfig, null, 2));
  }
}, 60_000);

afterAll(() => removeTempDir(tmp));

/** A tsc diagnostic line of `--pretty false` output. */
interface Diagnostic {
  file: string | null;
  line: string;
}

/** Parses tsc's `--pretty false --listFiles` output into the program's files and its errors. */
function parseTscOutput(output: string): { files: string[]; errors: Diagnostic[] } {
  const files: string[] = [];
  const errors: Diagnostic[] = [];
  for (const line of output.split("\n")) {
    const located = /^(.+?)\(\d+,\d+\): error TS\d+/.exec(line);
    if (located !== null) errors.push({ file: resolve(project, located[1]!), line });
    else if (/^error TS\d+/.test(line)) errors.push({ file: null, line });
    else if (isAbsolute(line.trim())) files.push(line.trim());
  }
  return { files, errors };
}

/** TensorFlow.js's own declarations do not compile under `strict` with `skipLibCheck: false`; that is theirs, not ours. */
const isTfjsDeclaration = (file: string | null): boolean => file !== null && file.includes(`${sep}node_modules${sep}@tensorflow${sep}`);

describe.each(Object.entries(MODES))("consumer with moduleResolution %s", (mode, { files, declarations }) => {
  it("compiles our declarations and the consumer, and rejects depth 42", async () => {
    const result = await run(repoBin("tsc"), ["-p", `tsconfig.${mode}.json`, "--pretty", "false", "--listFiles"], {
      cwd: project,
      timeoutMs: 120_000,
    });
    const { files: program, errors } = parseTscOutput(`${result.stdout}\n${result.stderr}`);
    expect(errors.filter((error) => !isTfjsDeclaration(error.file)).map((error) => error.line)).toEqual([]);
    // The program holds the consumer files and exactly the declarations this mode should resolve.
    const ours = program
      .filter((file) => file.includes(`${sep}node_modules${sep}resnet-blocks${sep}`))
      .map((file) => file.slice(file.lastIndexOf(`${sep}dist${sep}`) + 1))
      .sort();
    // Declarations shared by several entries land in hashed chunks (dist/types-<hash>.d.ts);
    // those must match the mode's format (.d.ts for ESM, .d.cts for CJS) like the entries.
    const isChunk = (file: string): boolean => /^dist\/[\w]+-[\w-]+\.d\.c?ts$/.test(file);
    expect(ours.filter((file) => !isChunk(file))).toEqual([...declarations].sort());
    const formats = new Set(declarations.map((file) => file.endsWith(".d.cts")));
    for (const chunk of ours.filter(isChunk)) expect(formats.has(chunk.endsWith(".d.cts")), chunk).toBe(true);
    for (const name of Object.keys(files)) expect(program).toContain(join(project, name));
  }, 120_000);
});
