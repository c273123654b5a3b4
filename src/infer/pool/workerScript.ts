/**
 * Finds and starts the pool's worker script, both from the built package
 * (`dist/poolWorker.js`, beside the pool's own module) and from the TypeScript sources
 * (`src/infer/pool/poolWorker.ts`, under vitest or tsx, through tsx's loader). The CommonJS
 * build needs tsup's `shims: true`, which turns `import.meta.url` into the file's URL.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * URL of the worker script: `poolWorker.js` beside this module in the built package (a
 * tsup chunk of the pool lies in the same folder), `poolWorker.ts` beside this file in the
 * sources.
 */
export function workerScriptUrl(base: string = import.meta.url): URL {
  const fromSources = /\.[cm]?ts$/.test(new URL(base).pathname);
  return new URL(fromSources ? "./poolWorker.ts" : "./poolWorker.js", base);
}

/**
 * The parent's Node flags minus those that only concern how the main script was given
 * (`--input-type`, e.g. `node --input-type=module -e ...`): a worker refuses them.
 */
export function workerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i]!;
    if (flag === "--input-type") i++; // its value is the next argument
    else if (!flag.startsWith("--input-type=")) kept.push(flag);
  }
  return kept;
}

/**
 * `false` in the published build (tsup's `define`), which then leaves out the TypeScript
 * branch below and tsx's loader with it; undefined when running from the sources.
 */
declare const RESNET_BLOCKS_FROM_SOURCES: boolean | undefined;

/** Starts a worker on `script`; a `.ts` script (only when running from the sources) runs through tsx, a dev dependency, registered in the worker first. */
export function startWorkerThread(script: URL): Worker {
  const execArgv = workerExecArgv();
  const fromSources = typeof RESNET_BLOCKS_FROM_SOURCES === "undefined" || RESNET_BLOCKS_FROM_SOURCES;
  if (!fromSources || !script.pathname.endsWith(".ts")) return newWorker(script, { execArgv });
  const tsxApi = tsxApiUrl(script);
  // `--import tsx` in a worker's execArgv does not reach the worker's entry module in Node 20, so
  // the worker registers tsx's loader itself and then imports the script.
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((api) => api.register())` +
    `.then(() => import(${JSON.stringify(script.href)}));`;
  return newWorker(bootstrap, { eval: true, execArgv });
}

/**
 * `new Worker`, retried without the flags Node refuses in a worker's execArgv (V8 options such
 * as `--experimental-wasm-relaxed-simd`, which the parent may run with): V8 options apply
 * to the whole process, so the worker has them anyway. Node names the refused flags in its
 * error; there is no list to check against beforehand.
 */
function newWorker(target: URL | string, options: WorkerOptions & { execArgv: string[] }): Worker {
  try {
    return new Worker(target, options);
  } catch (error) {
    const refused = refusedExecArgv(error);
    if (!refused) throw error;
    const execArgv = options.execArgv.filter((arg) => !refused.has(arg) && !refused.has(arg.split("=")[0]!));
    return new Worker(target, { ...options, execArgv });
  }
}

/** The flags of an `ERR_WORKER_INVALID_EXEC_ARGV` error ("... invalid execArgv flags: --a, --b"), else null. */
function refusedExecArgv(error: unknown): Set<string> | null {
  if ((error as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") return null;
  const list = String((error as Error).message).split(": ").pop() ?? "";
  return new Set(list.split(",").map((flag) => flag.trim()).filter(Boolean));
}

/** URL of the ES module of `tsx/esm/api`, as installed for `from` (its CommonJS twin cannot register the loader). */
function tsxApiUrl(from: URL): string {
  try {
    const manifestPath = createRequire(from).resolve("tsx/package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      exports: Record<string, { import: string | { default: string } }>;
    };
    const entry = manifest.exports["./esm/api"]!.import;
    return new URL(typeof entry === "string" ? entry : entry.default, pathToFileURL(manifestPath)).href;
  } catch (error) {
    throw new Error(
      `resnet-blocks/pool: running the pool from its TypeScript sources needs tsx (npm install -D tsx): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
