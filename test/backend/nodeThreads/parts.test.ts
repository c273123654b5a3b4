// The small parts of the threaded start, each against the real thing it stands in for.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { coresNeededFor, cpusAtLeast } from "../../../src/backend/nodeThreads/coreCount.js";
import {
  keepingListeners,
  listenersAddedSince,
  restoreListeners,
  snapshotListeners,
} from "../../../src/backend/nodeThreads/processListeners.js";
import { BUNDLE_MODULES, PthreadScriptFiles, unsuppliedBundleNames, workerPrelude } from "../../../src/backend/nodeThreads/pthreadScripts.js";
import { ScopedOverrides } from "../../../src/backend/nodeThreads/scopedOverrides.js";

describe("ScopedOverrides", () => {
  it("puts back a value, an accessor and an absent property exactly", () => {
    const getter = () => 1;
    const target: Record<string, unknown> = { plain: "a" };
    Object.defineProperty(target, "accessor", { get: getter, configurable: true, enumerable: false });
    const before = Object.getOwnPropertyDescriptors(target);
    const overrides = new ScopedOverrides();
    overrides.replace(target, "plain", "b");
    overrides.replace(target, "accessor", 2);
    overrides.replace(target, "absent", 3);
    overrides.keep(target, "kept");
    target.kept = "set meanwhile";
    expect([target.plain, target.accessor, target.absent]).toEqual(["b", 2, 3]);
    overrides.restore();
    expect(Object.getOwnPropertyDescriptors(target)).toEqual(before);
    expect("absent" in target || "kept" in target).toBe(false);
    overrides.restore(); // nothing left to undo
    expect(Object.getOwnPropertyDescriptors(target)).toEqual(before);
  });
});

describe("the core count the glue sees", () => {
  it("pads os.cpus() to twice the threads, keeping the real entries", () => {
    expect(coresNeededFor(3)).toBe(6);
    const real = os.cpus();
    const padded = cpusAtLeast(real.length + 3, () => os.cpus())();
    expect(padded).toHaveLength(real.length + 3);
    expect(padded.slice(0, real.length).map((cpu) => cpu.model)).toEqual(real.map((cpu) => cpu.model));
    expect(cpusAtLeast(1, () => os.cpus())()).toHaveLength(real.length); // never fewer than the real ones
    expect(cpusAtLeast(4, () => [])()).toHaveLength(4); // a container whose os.cpus() is empty
  });
});

describe("process listeners", () => {
  it("restores the listeners of a snapshot, in order and with once-semantics, minus the left-out ones", () => {
    const mine = () => {};
    const once = () => {};
    const glue = () => {};
    process.on("unhandledRejection", mine);
    process.once("unhandledRejection", once);
    const before = snapshotListeners();
    process.on("unhandledRejection", glue);
    const added = listenersAddedSince(before, snapshotListeners());
    expect(added.unhandledRejection).toEqual([glue]);
    expect(added.uncaughtException).toEqual([]);
    process.removeAllListeners("unhandledRejection"); // what the glue's dispose does
    restoreListeners(snapshotListeners(), added);
    expect(process.rawListeners("unhandledRejection")).toEqual([]);
    restoreListeners(before);
    expect(process.rawListeners("unhandledRejection")).toEqual(before.unhandledRejection);
    expect(process.listeners("unhandledRejection")).toEqual([...before.unhandledRejection.slice(0, -2), mine, once]);
    const wrapper = process.rawListeners("unhandledRejection").at(-1) as { listener?: unknown };
    expect(wrapper.listener).toBe(once); // still Node's once-wrapper, not a plain listener
    process.off("unhandledRejection", mine);
    process.off("unhandledRejection", once);
  });

  it("keepingListeners undoes a removal of every listener", () => {
    const mine = () => {};
    process.on("uncaughtException", mine);
    const before = process.rawListeners("uncaughtException");
    keepingListeners(() => process.removeAllListeners("uncaughtException"));
    expect(process.rawListeners("uncaughtException")).toEqual(before);
    process.off("uncaughtException", mine);
  });
});

describe("the pthread scripts", () => {
  const bundlePath = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm");
  const bundle = readFileSync(bundlePath, "utf8");

  it("supplies exactly the module names of the installed tfjs-backend-wasm bundle", () => {
    const declared = Object.fromEntries([...bundle.matchAll(/^var (require\$\$\d+) = require\('([^']+)'\);$/gm)].map((m) => [m[1], m[2]]));
    expect(declared).toEqual(BUNDLE_MODULES);
    expect(bundle).toMatch(/^var commonjsGlobal = /m);
    expect(unsuppliedBundleNames(bundle)).toEqual([]);
    expect(unsuppliedBundleNames("f(require$$0, require$$2, require$$7)")).toEqual(["require$$2", "require$$7"]);
  });

  it("has a worker prelude that compiles and points the main-script blob at its file", () => {
    const prelude = workerPrelude("/tmp/x/pthread-main.js");
    expect(() => new Function("require", prelude)).not.toThrow();
    expect(prelude.startsWith('"use strict";')).toBe(true);
    expect(prelude).toContain('URL.createObjectURL = function () { return "/tmp/x/pthread-main.js"; };');
  });

  it("writes files only for tfjs's pthread worker blob, and removes them", () => {
    const files = new PthreadScriptFiles();
    try {
      const RecordingBlob = files.recordingBlobClass(Blob);
      const main = new RecordingBlob(["var WasmBackendModuleThreadedSimd = function () {}"]);
      expect(files.fileFor(main)).toBeNull();
      expect(files.fileFor(new RecordingBlob(["other"]))).toBeNull();
      expect(files.fileFor(new Blob(["WasmBackendModuleThreadedSimd(Module)"]))).toBeNull(); // not recorded
      const worker = new RecordingBlob(['"use strict";WasmBackendModuleThreadedSimd(Module)'], { type: "application/javascript" });
      expect(files.fileFor(worker)).toBe(files.workerScriptPath);
      expect(readFileSync(files.mainScriptPath, "utf8")).toBe("var WasmBackendModuleThreadedSimd = function () {}");
      const written = readFileSync(files.workerScriptPath, "utf8");
      expect(written.startsWith(workerPrelude(files.mainScriptPath))).toBe(true);
      expect(written.endsWith('"use strict";WasmBackendModuleThreadedSimd(Module)')).toBe(true);
    } finally {
      files.remove();
    }
    expect(() => readFileSync(files.workerScriptPath)).toThrow(/ENOENT/);
  });
});
