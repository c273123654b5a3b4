/**
 * Obstacles 1 and 2: the two scripts of the threaded WASM backend's pthread workers.
 *
 * tfjs-backend-wasm hands Emscripten both as `Blob`s: the worker script (from
 * `URL.createObjectURL`, which Node's `Worker` refuses) and the main script (the factory
 * function's source, which the worker turns into a `blob:` URL and reads with
 * `fs.readFileSync`, which fails too). Here both become real files in a temporary folder,
 * and the worker script gets a prelude that supplies what the main script's text expects
 * but a worker lacks: the names Rollup gave the bundle's modules (`require$$0` for `fs`,
 * ...), `commonjsGlobal`, and the tslib helpers of its down-levelled loops.
 *
 * A `Blob`'s text cannot be read synchronously in Node, and `URL.createObjectURL` must
 * answer at once, so the texts are recorded when tfjs constructs the blobs.
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The global name the main script defines and the worker script calls. */
const FACTORY_NAME = "WasmBackendModuleThreadedSimd";
const MAIN_SCRIPT_START = `var ${FACTORY_NAME} = `;

/** Rollup's names for the modules of `tf-backend-wasm.node.js` (4.22) that the factory's text uses. */
export const BUNDLE_MODULES: Readonly<Record<string, string>> = {
  require$$0: "fs",
  require$$1: "path",
  require$$3: "perf_hooks",
  require$$4: "os",
};

/** Prefix of the temporary folders, one per start, in `os.tmpdir()`. */
export const TEMP_FOLDER_PREFIX = "resnet-blocks-wasm-threads-";

/** The `require$$N` names that `mainScript` uses and {@link BUNDLE_MODULES} does not supply. */
export function unsuppliedBundleNames(mainScript: string): string[] {
  const used = new Set(mainScript.match(/\brequire\$\$\d+\b/g) ?? []);
  return [...used].filter((name) => !(name in BUNDLE_MODULES)).sort();
}

/** The code that runs in each worker before tfjs's worker script. */
export function workerPrelude(mainScriptPath: string): string {
  const modules = Object.entries(BUNDLE_MODULES)
    .map(([name, module]) => `globalThis.${name} = require(${JSON.stringify(module)});`)
    .join("\n");
  return `"use strict";
// Written by resnet-blocks (startWasmWithThreads) for one start of the threaded tfjs WASM
// backend in Node, and deleted once the backend has started.
// The names the main script (the factory's source, cut out of the tfjs-backend-wasm bundle) expects:
${modules}
globalThis.commonjsGlobal = globalThis;
// tslib helpers of the bundle's down-levelled loops (the main thread's code paths use them today).
globalThis.__values = function (items) { return items[Symbol.iterator](); };
globalThis.__read = function (items, n) {
  var out = [];
  for (var item of items) { if (n !== undefined && out.length >= n) break; out.push(item); }
  return out;
};
globalThis.__spreadArray = function (to, from) { return to.concat(Array.from(from)); };
// The main script arrives as a Blob, which the worker would import through a blob: URL; it is read from its file instead.
URL.createObjectURL = function () { return ${JSON.stringify(mainScriptPath)}; };
URL.revokeObjectURL = function () {};
`;
}

/** The two script files of one start, in a fresh temporary folder; {@link remove} deletes them. */
export class PthreadScriptFiles {
  /** The temporary folder. */
  readonly directory: string;
  /** What the pthread workers start from: the prelude, then tfjs's worker script. */
  readonly workerScriptPath: string;
  /** The factory's source, as tfjs made it for the workers. */
  readonly mainScriptPath: string;
  private readonly texts = new WeakMap<Blob, string>();
  private mainScript: string | null = null;
  private written = false;

  constructor(parent: string = tmpdir()) {
    this.directory = mkdtempSync(join(parent, TEMP_FOLDER_PREFIX));
    this.workerScriptPath = join(this.directory, "pthread-worker.cjs");
    this.mainScriptPath = join(this.directory, "pthread-main.js");
  }

  /** A subclass of `Base` that records the text of every blob made of strings (and spots the main script). */
  recordingBlobClass(Base: typeof Blob): typeof Blob {
    const files = this;
    return class RecordingBlob extends Base {
      constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
        super(parts, options);
        if (parts && parts.every((part) => typeof part === "string")) {
          const text = (parts as string[]).join("");
          files.texts.set(this, text);
          if (text.startsWith(MAIN_SCRIPT_START)) files.mainScript = text;
        }
      }
    };
  }

  /**
   * The file to use instead of a `blob:` URL for `blob`: the worker script's path when
   * `blob` is tfjs's pthread worker script (writing both files the first time), else `null`.
   */
  fileFor(blob: unknown): string | null {
    const text = blob instanceof Blob ? this.texts.get(blob) : undefined;
    if (text === undefined || !text.includes(FACTORY_NAME) || text.startsWith(MAIN_SCRIPT_START)) return null;
    if (!this.written) this.write(text);
    return this.workerScriptPath;
  }

  /** Deletes the folder and its files. */
  remove(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }

  private write(workerScript: string): void {
    if (this.mainScript === null) {
      throw new Error(
        "tfjs-backend-wasm asked for its pthread worker before making its main-script blob; this tfjs-backend-wasm " +
          "version starts its threads differently from 4.22, which startWasmWithThreads supports",
      );
    }
    const unsupplied = unsuppliedBundleNames(this.mainScript);
    if (unsupplied.length > 0) {
      throw new Error(
        `the threaded glue of this tfjs-backend-wasm refers to ${unsupplied.join(", ")}, bundle names that ` +
          `startWasmWithThreads does not supply (it knows those of tfjs-backend-wasm 4.22: ${Object.keys(BUNDLE_MODULES).join(", ")})`,
      );
    }
    writeFileSync(this.mainScriptPath, this.mainScript);
    writeFileSync(this.workerScriptPath, workerPrelude(this.mainScriptPath) + workerScript);
    this.written = true;
  }
}
