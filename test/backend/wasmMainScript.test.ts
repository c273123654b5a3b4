/**
 * The threaded WASM workers' main script: the copy resnet-blocks carries is the installed
 * tfjs-backend-wasm's, minified factory text is recognised (real minifiers: esbuild, terser),
 * and the Blob guard replaces, keeps or refuses exactly that one Blob.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { runInNewContext } from "node:vm";
import { transform } from "esbuild";
import { minify } from "terser";
import { describe, expect, it } from "vitest";
import { guardThreadedMainScript, MAIN_SCRIPT_PREFIX, mainScriptProblem, RefusedThreadedStart } from "../../src/backend/wasmMainScript.js";
import { THREADED_SCRIPT, THREADED_SCRIPT_VERSION } from "../../src/backend/modules/wasmThreadedScript.js";

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
const installedVersion = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string }).version;
const glue = readFileSync(join(pkgDir, "wasm-out", "tfjs-backend-wasm-threaded-simd.js"), "utf8");

/** What tfjs-backend-wasm sends its workers: the prefix and the factory's toString(), from `source`. */
function mainScriptFrom(source: string): string {
  const module = { exports: {} as unknown };
  runInNewContext(source, { module, exports: module.exports, document: undefined });
  return MAIN_SCRIPT_PREFIX + (module.exports as () => unknown).toString();
}

describe("the threaded main script", () => {
  it("is a verbatim copy of the installed tfjs-backend-wasm's glue (regenerate: node test/backend/writeThreadedScript.mjs)", () => {
    expect(THREADED_SCRIPT_VERSION).toBe(installedVersion);
    expect(THREADED_SCRIPT === glue).toBe(true);
  });

  it("accepts the unminified factory text and recognises minified ones (esbuild, terser)", async () => {
    expect(mainScriptProblem(mainScriptFrom(glue))).toBeNull();
    const byEsbuild = (await transform(glue, { minify: true })).code;
    const byTerser = (await minify(glue, { compress: true, mangle: true })).code!;
    for (const minified of [byEsbuild, byTerser]) {
      expect(minified.length).toBeLessThan(glue.length);
      expect(mainScriptProblem(mainScriptFrom(minified))).toMatch(/changed by the bundler's minifier/);
    }
  });
});

describe("guardThreadedMainScript", () => {
  const script = { version: THREADED_SCRIPT_VERSION, text: THREADED_SCRIPT };

  it("replaces tfjs's main-script Blob with the carried glue for the same version, and leaves other Blobs and Blob itself alone", async () => {
    const Original = globalThis.Blob;
    let made: Blob[] = [];
    const guard = guardThreadedMainScript(script, THREADED_SCRIPT_VERSION, async () => {
      made = [new Blob([MAIN_SCRIPT_PREFIX + "function(e){return t}"], { type: "text/javascript" }), new Blob(["other"])];
      return 7;
    });
    expect(await guard.run).toBe(7);
    expect(guard.outcome).toEqual({ action: "replaced", problem: null });
    expect(await made[0]!.text()).toBe(THREADED_SCRIPT);
    expect(made[0]!.type).toBe("text/javascript");
    expect(made[0]).toBeInstanceOf(Original);
    expect(await made[1]!.text()).toBe("other");
    expect(globalThis.Blob).toBe(Original);
  });

  it("refuses minified text when it has no copy for the installed version, before any worker could start", async () => {
    const minified = mainScriptFrom((await transform(glue, { minify: true })).code);
    const guard = guardThreadedMainScript(script, "9.9.9", async () => new Blob([minified]));
    await expect(guard.run).rejects.toBeInstanceOf(RefusedThreadedStart);
    expect(guard.outcome.action).toBe("refused");
    expect(guard.outcome.problem).toMatch(/minifier.*tfjs-backend-wasm 4\.22\.0 only, and 9\.9\.9 is installed$/);
    // Unminified text of another version is kept as tfjs made it.
    const kept = guardThreadedMainScript(script, "9.9.9", async () => new Blob([mainScriptFrom(glue)]).text());
    expect(await kept.run).toBe(mainScriptFrom(glue));
    expect(kept.outcome.action).toBe("kept");
  });
});
