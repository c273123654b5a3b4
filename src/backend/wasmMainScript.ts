/**
 * The main script of tfjs-backend-wasm's pthread workers, made safe in minified bundles.
 *
 * To start its threaded binary in a browser, tfjs-backend-wasm sends every pthread worker the
 * Emscripten glue as a Blob made from the factory function's source text
 * (`"var WasmBackendModuleThreadedSimd = " + factory.toString()`). A minifier (Vite 8's,
 * webpack's terser) renames the names that function shares with its enclosing scope, so the
 * worker's copy refers to names that exist only in the bundle (`e is not defined`), every
 * worker fails, and the backend's start never settles (tfjs issues 4107, 4539).
 *
 * While the WASM backend starts, {@link guardThreadedMainScript} intercepts that one Blob (by its
 * exact prefix) and replaces its text with the package's own, unminified glue when it has the
 * copy for the running tfjs-backend-wasm version; without one, it checks the text and, if a
 * minifier changed it, aborts the threaded start so that `useBackend` starts the SIMD binary
 * on one thread instead and says why.
 *
 * @module
 */

/** How tfjs-backend-wasm begins the main script it hands its pthread workers. */
export const MAIN_SCRIPT_PREFIX = "var WasmBackendModuleThreadedSimd = ";

/** The unminified glue, and the tfjs-backend-wasm version it belongs to. */
export interface ThreadedScript {
  version: string;
  text: string;
}

/**
 * Why the factory text tfjs made cannot run on its own in a worker, or `null` when it can:
 * the unminified Emscripten glue names its parameter `WasmBackendModuleThreadedSimd` and reads
 * `_scriptDir` from its enclosing scope only behind a `typeof` guard; a minifier renames both
 * (the guard then refers to a name that does not exist in the worker).
 */
export function mainScriptProblem(text: string): string | null {
  const body = text.slice(MAIN_SCRIPT_PREFIX.length).trimStart();
  const untouched = /^function\s*\(\s*WasmBackendModuleThreadedSimd\b/.test(body) && body.includes('typeof _scriptDir !== "undefined"');
  if (untouched) return null;
  return (
    "the source text of tfjs-backend-wasm's threaded factory was changed by the bundler's minifier, so its pthread workers " +
    "cannot run it (tfjs issues 4107, 4539)"
  );
}

/** What happened to the main script during one guarded start. */
export interface GuardOutcome {
  /**
   * `'none'`: tfjs made no main script (no threads here); `'replaced'`: the workers got the
   * carried unminified glue; `'kept'`: tfjs's own text was fine; `'refused'`: see `problem`.
   */
  action: "none" | "replaced" | "kept" | "refused";
  /** Why the threaded start was refused. */
  problem: string | null;
}

/** Thrown from the intercepted Blob constructor to stop a threaded start that could only hang. */
export class RefusedThreadedStart extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedThreadedStart";
  }
}

/**
 * Runs `start` with `globalThis.Blob` wrapped so that the main script tfjs-backend-wasm makes
 * for its pthread workers is replaced by `script.text` (when `script.version` is `version`),
 * kept (when it is the unminified glue), or refused (an error thrown from the constructor,
 * before any worker starts). Every other Blob is made as usual. The wrapper is removed when
 * `start` settles, or when `release` is called (after a time limit), whichever comes first.
 */
export function guardThreadedMainScript<T>(
  script: ThreadedScript | undefined,
  version: string | undefined,
  start: () => Promise<T>,
): { run: Promise<T>; outcome: GuardOutcome; release(): void } {
  const outcome: GuardOutcome = { action: "none", problem: null };
  const Original = globalThis.Blob;
  if (typeof Original !== "function") return { run: start(), outcome, release: () => undefined };
  const usable = script !== undefined && version !== undefined && script.version === version;
  const Guarded: typeof Blob = new Proxy(Original, {
    construct(target, args: unknown[], newTarget): object {
      const parts = args[0];
      const first = Array.isArray(parts) && parts.length === 1 ? parts[0] : undefined;
      if (typeof first === "string" && first.startsWith(MAIN_SCRIPT_PREFIX)) {
        if (usable) {
          outcome.action = "replaced";
          args = [[script.text], ...args.slice(1)];
        } else {
          const problem = mainScriptProblem(first);
          if (problem !== null) {
            outcome.action = "refused";
            outcome.problem =
              problem +
              (script === undefined
                ? ""
                : `; resnet-blocks carries the unminified glue of tfjs-backend-wasm ${script.version} only, and ${version ?? "an unknown version"} is installed`);
            throw new RefusedThreadedStart(outcome.problem);
          }
          outcome.action = "kept";
        }
      }
      return Reflect.construct(target, args, newTarget === Guarded ? target : newTarget) as object;
    },
  });
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    if (globalThis.Blob === Guarded) globalThis.Blob = Original;
  };
  globalThis.Blob = Guarded;
  let run: Promise<T>;
  try {
    run = start();
  } catch (error) {
    release();
    throw error;
  }
  run.then(release, release);
  return { run, outcome, release };
}
