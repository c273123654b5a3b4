/**
 * Compiles and runs Markdown code blocks as a user's project would: a folder with
 * `"type": "module"`, `node_modules/resnet-blocks` holding a copy of this repository's
 * package.json and BUILT dist/ (so imports of "resnet-blocks" resolve through the `exports` map,
 * and a rebuild by someone else mid-run changes nothing), and a strict tsconfig. tsc type-checks
 * every block and emits JavaScript, which plain `node` runs. tfjs resolves from this
 * repository's node_modules, one folder up.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Snippet } from "./extract.js";
import { PRELUDES, type Fixture } from "./preludes.js";

export const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** A compiled block: where it came from, its emitted JavaScript, and what tsc said about it. */
export interface CompiledSnippet {
  snippet: Snippet;
  /** The module file, relative to the project (`src/s003.ts`). */
  source: string;
  /** tsc's diagnostics for this file, with positions in the Markdown file. */
  errors: string[];
  /** The emitted module. */
  output: string;
}

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022", "DOM"],
    types: ["node", "vite/client"],
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    noEmitOnError: false,
    rootDir: "src",
    outDir: "out",
  },
  include: ["src"],
};

/** Makes a fresh project folder under .tmp/ and returns its path. */
export function makeProject(): string {
  if (!existsSync(join(ROOT, "dist", "index.js")) || !existsSync(join(ROOT, "dist", "index.d.ts"))) {
    throw new Error("dist/ is missing or incomplete: run npm run build first (the snippets are checked against the built package)");
  }
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "snippets-"));
  copyPackage(join(dir, "node_modules", "resnet-blocks"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "snippets", private: true, type: "module" }, null, 2));
  return dir;
}

let compilations = 0;

/** Copies package.json and dist/ to `target`, under the build lock where there is one (flock). */
function copyPackage(target: string): void {
  mkdirSync(target, { recursive: true });
  const copy = `cp ${JSON.stringify(join(ROOT, "package.json"))} ${JSON.stringify(target)}/ && cp -R ${JSON.stringify(join(ROOT, "dist"))} ${JSON.stringify(target)}/`;
  const locked = spawnSync("flock", ["-w", "300", "/tmp/resnet-build.lock", "sh", "-c", copy], { stdio: "pipe", timeout: 330_000 });
  if (locked.error || locked.status !== 0) {
    cpSync(join(ROOT, "package.json"), join(target, "package.json"));
    cpSync(join(ROOT, "dist"), join(target, "dist"), { recursive: true });
  }
  if (!existsSync(join(target, "dist", "index.js"))) throw new Error("dist/ changed while it was copied: run npm run build and the test again");
}

/** The code of a block as a module: its prelude, then the block, then `export {}`. */
export function moduleText(snippet: Snippet): { text: string; preludeLines: number } {
  let prelude = "";
  if (snippet.fragment !== null) {
    const found = PRELUDES[snippet.fragment];
    if (!found) throw new Error(`${snippet.where}: unknown fragment prelude ${JSON.stringify(snippet.fragment)}; known: ${Object.keys(PRELUDES).join(", ")}`);
    prelude = found.code === "" ? "" : `${found.code}\n`;
  }
  const preludeLines = prelude === "" ? 0 : prelude.split("\n").length - 1;
  return { text: `${prelude}${snippet.code}\nexport {};\n`, preludeLines };
}

/**
 * Type-checks and emits every block in one tsc run, in a folder of its own inside the project;
 * diagnostics point into the Markdown.
 */
export function compileSnippets(project: string, snippets: readonly Snippet[]): CompiledSnippet[] {
  const dir = join(project, `compile-${compilations++}`);
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
  const compiled = snippets.map((snippet, index) => {
    const name = `s${String(index).padStart(3, "0")}`;
    const { text, preludeLines } = moduleText(snippet);
    writeFileSync(join(dir, "src", `${name}.ts`), text);
    return { snippet, name, preludeLines, source: `src/${name}.ts`, errors: [] as string[], output: join(dir, "out", `${name}.js`) };
  });
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--pretty", "false"], { cwd: dir, encoding: "utf8", timeout: 180_000 });
  if (result.error) throw result.error;
  const byName = new Map(compiled.map((entry) => [entry.source, entry]));
  for (const line of `${result.stdout}${result.stderr}`.split("\n")) {
    const match = /^(src\/s\d+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
    if (!match) {
      if (/error TS/.test(line)) throw new Error(`tsc: ${line}`);
      continue;
    }
    const entry = byName.get(match[1]!)!;
    const lineInModule = Number(match[2]);
    const at = lineInModule <= entry.preludeLines ? `prelude ${entry.snippet.fragment} line ${lineInModule}` : `${entry.snippet.file}:${entry.snippet.line + lineInModule - entry.preludeLines}`;
    entry.errors.push(`${at}:${match[3]}: ${match[4]}`);
  }
  return compiled.map(({ snippet, source, errors, output }) => ({ snippet, source, errors, output }));
}

let fixtureDir: string | null = null;

/** Makes the fixture files once per test process (from the built package), in `dir`. */
function fixture(name: Fixture, dir: string): string {
  fixtureDir ??= (() => {
    const folder = join(dir, "fixtures");
    mkdirSync(folder, { recursive: true });
    return folder;
  })();
  const path = join(fixtureDir, name);
  if (existsSync(path)) return path;
  const depth = { "resnet50.safetensors": 50, "resnet18.safetensors": 18 }[name];
  if (depth !== undefined) {
    const script = [
      `import { writeFileSync, renameSync } from "node:fs";`,
      `import { resnet, useBackend } from "resnet-blocks";`,
      `import { saveSafetensors } from "resnet-blocks/weights";`,
      `await useBackend("wasm");`,
      `const model = resnet({ depth: ${depth}, preset: "torchvision", seed: 7 });`,
      `writeFileSync(${JSON.stringify(`${path}.part`)}, await saveSafetensors(model, { layout: "torchvision" }));`,
      `renameSync(${JSON.stringify(`${path}.part`)}, ${JSON.stringify(path)});`,
    ].join("\n");
    writeFileSync(join(dir, "make-fixture.mjs"), script);
    execFileSync(process.execPath, ["make-fixture.mjs"], { cwd: dir, stdio: "pipe", timeout: 120_000 });
    return path;
  }
  throw new Error(`unknown fixture ${String(name)}`);
}

/** Result of running one compiled block. */
export interface RunResult {
  status: number | null;
  output: string;
}

/** Runs one compiled block with plain node in its own empty folder, with its prelude's files. */
export function runSnippet(dir: string, compiled: CompiledSnippet, timeoutMs = 120_000): RunResult {
  const work = mkdtempSync(join(dir, "run-"));
  const files = compiled.snippet.fragment ? (PRELUDES[compiled.snippet.fragment]?.files ?? []) : [];
  for (const file of files) symlinkSync(fixture(file, dir), join(work, file));
  const result = spawnSync(process.execPath, [compiled.output], { cwd: work, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, NODE_OPTIONS: "" } });
  rmSync(work, { recursive: true, force: true });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? `\n${result.error.message}` : ""}`;
  return { status: result.status, output };
}
