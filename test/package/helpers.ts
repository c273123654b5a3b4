/**
 * Shared helpers of the packaging tests: child processes with explicit arguments, temporary
 * folders, and `npm pack` of the built package (dist/ must exist: `npx tsup` or `npm test`).
 *
 * @module
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The folder of this test suite's fixtures. */
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** A binary of the repository's `node_modules/.bin`. */
export function repoBin(name: string): string {
  return join(REPO_ROOT, "node_modules", ".bin", name);
}

/** Outcome of a child process; `code` is its exit status (non-zero does not throw). */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs `file` with `args` (no shell) and resolves with its exit code and output. */
export function run(file: string, args: readonly string[], { cwd, env, timeoutMs = 90_000 }: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { cwd, env: env ?? process.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(new Error(`${file} ${args.join(" ")} failed to run: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

/** Like {@link run}, but throws with the output when the exit code is not 0. */
export async function runOk(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(" ")} exited with ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result;
}

/** A fresh folder under the OS temporary folder; remove it with {@link removeTempDir}. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `resnet-blocks-${prefix}-`));
}

/** Removes a folder made by {@link makeTempDir}. */
export async function removeTempDir(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}

/** Throws a clear error when dist/ has not been built. */
export function assertDistBuilt(): void {
  for (const file of ["index.js", "index.cjs", "count.js", "count.cjs", "cli/main.js", "index.d.ts", "count.d.cts"]) {
    if (!existsSync(join(REPO_ROOT, "dist", file))) {
      throw new Error(`dist/${file} is missing: build first (npx tsup, or npm test which builds)`);
    }
  }
}

/** One file of `npm pack --json`. */
export interface PackedFile {
  path: string;
  size: number;
  mode: number;
}

/** A packed tarball. */
export interface Packed {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** The files in it, relative to the package root. */
  files: PackedFile[];
}

/** `npm pack` of the repository into `destination` (lifecycle scripts skipped: dist/ must be built). */
export async function packTarball(destination: string): Promise<Packed> {
  assertDistBuilt();
  const { stdout } = await runOk("npm", ["pack", "--pack-destination", destination, "--ignore-scripts", "--json"], {
    cwd: REPO_ROOT,
  });
  const [entry] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
  if (entry === undefined) throw new Error(`npm pack printed no entry:\n${stdout}`);
  return { tarball: join(destination, entry.filename), files: entry.files };
}

/** Unpacks a tarball made by {@link packTarball} so that `destination` is the package root; returns it. */
export async function unpackTarball(tarball: string, destination: string): Promise<string> {
  await mkdir(destination, { recursive: true });
  await runOk("tar", ["-xzf", tarball, "-C", destination, "--strip-components=1"]);
  return destination;
}

/** Files (relative to `root`) reachable from `entry` through relative imports and requires, `entry` included. */
export async function relativeClosure(root: string, entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = await readFile(join(root, file), "utf8");
    for (const match of code.matchAll(/(?:from\s*|import\s*\(?\s*|require\s*\(\s*)["'](\.\.?\/[^"']+)["']/g)) {
      queue.push(join(file, "..", match[1]!));
    }
  }
  return [...seen].sort();
}
