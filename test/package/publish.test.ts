/**
 * The packed tarball as npm would publish it: package.json fields, the files in it, an honest
 * `sideEffects`, publint and `@arethetypeswrong/cli`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, packTarball, relativeClosure, removeTempDir, repoBin, run, unpackTarball, type Packed } from "./helpers.js";

/**
 * attw profile. `strict` checks node10 too: `resnet-blocks/count` then needs `typesVersions`
 * (node10 ignores `exports`). Were that dropped, `node16` is the profile attw documents for
 * packages that leave node10 out.
 */
const ATTW_PROFILE = "strict";

interface PackageJson {
  name: string;
  main?: string;
  module?: string;
  types?: string;
  bin?: Record<string, string>;
  files?: string[];
  sideEffects?: boolean | string[];
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  typesVersions?: Record<string, Record<string, string[]>>;
}

let tmp: string | undefined;
let packed: Packed;
let pkgDir: string;
let pkg: PackageJson;
let packedPaths: Set<string>;

beforeAll(async () => {
  tmp = await makeTempDir("publish");
  packed = await packTarball(tmp);
  pkgDir = await unpackTarball(packed.tarball, join(tmp, "unpacked"));
  pkg = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8")) as PackageJson;
  packedPaths = new Set(packed.files.map((file) => file.path));
}, 60_000);

afterAll(() => removeTempDir(tmp));

/** Every string leaf of an `exports` map. */
function exportTargets(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (node !== null && typeof node === "object") return Object.values(node).flatMap(exportTargets);
  return [];
}

/** Whether `file` (relative to the package root) matches a `sideEffects` glob, as webpack reads them. */
function matchesSideEffectsPattern(pattern: string, file: string): boolean {
  const glob = pattern.replace(/^\.\//, "");
  const subject = glob.includes("/") ? file : file.slice(file.lastIndexOf("/") + 1);
  const regex = glob
    .split(/(\*\*\/?|\*|\?)/)
    .map((part) => {
      if (part === "**/" || part === "**") return ".*";
      if (part === "*") return "[^/]*";
      if (part === "?") return "[^/]";
      return part.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${regex}$`).test(subject);
}

/** Code that must run on import: the serialisation registration and the version warning. */
/** Top-level statements (column 0 of the bundled code) that register or warn on import. */
const SIDE_EFFECT_MARKERS = [
  /^[\w$.]*\b(registerClass|registerKernel|registerBackendModule|registerZeroPadShortcut|registerWasmTrainingKernels)\s*\(/m,
  /^(?:var |const |let )?[\w$]*\s*=?\s*[\w$.]*\bcheckTfjsVersions\(\)/m,
];

describe("package.json of the tarball", () => {
  it("has tfjs as caret-range peer dependencies and nothing from @tensorflow in dependencies", () => {
    expect(pkg.name).toBe("resnet-blocks");
    expect(pkg.peerDependencies?.["@tensorflow/tfjs-core"]).toMatch(/^\^4\.22\.\d+$/);
    expect(pkg.peerDependencies?.["@tensorflow/tfjs-layers"]).toMatch(/^\^4\.22\.\d+$/);
    expect(Object.keys(pkg.dependencies ?? {}).filter((name) => name.startsWith("@tensorflow/"))).toEqual([]);
  });

  it("points main, module, types, bin and every exports target at files in the tarball", () => {
    const targets = [pkg.main, pkg.module, pkg.types, ...Object.values(pkg.bin ?? {}), ...exportTargets(pkg.exports)];
    const missing = targets
      .filter((target): target is string => target !== undefined)
      .map((target) => target.replace(/^\.\//, ""))
      .filter((target) => !packedPaths.has(target));
    expect(missing).toEqual([]);
    expect(Object.keys(pkg.exports ?? {})).toEqual(expect.arrayContaining([".", "./count"]));
  });

  it("ships dist/ and no sources or tests", () => {
    // assets/: the demo's MNIST ResNet and its record (scripts/train-demo-model.ts), named one by one.
    expect([...packedPaths].filter((path) => !/^(dist\/|README\.md$|LICENSE|package\.json$|assets\/mnist-resnet8\.(safetensors|json)$)/.test(path))).toEqual([]);
    expect(packedPaths.has("dist/index.d.ts") && packedPaths.has("dist/count.d.cts")).toBe(true);
    expect(packedPaths.has("assets/mnist-resnet8.safetensors") && packedPaths.has("assets/mnist-resnet8.json")).toBe(true);
  });

  it("has a bin with a node shebang", async () => {
    const bin = pkg.bin?.["resnet-blocks"];
    expect(bin).toBeDefined();
    const head = (await readFile(join(pkgDir, bin!), "utf8")).slice(0, 40);
    expect(head.startsWith("#!/usr/bin/env node")).toBe(true);
  });

  it("declares sideEffects honestly: every file that registers or warns on import is listed, the counters are not", async () => {
    expect(Array.isArray(pkg.sideEffects), `sideEffects is ${JSON.stringify(pkg.sideEffects)}; expected a list of files`).toBe(true);
    const patterns = pkg.sideEffects as string[];
    const listed = (file: string): boolean => patterns.some((pattern) => matchesSideEffectsPattern(pattern, file));
    const code = [...packedPaths].filter((path) => /\.(c|m)?js$/.test(path) && path !== pkg.bin?.["resnet-blocks"]?.replace(/^\.\//, ""));
    const withEffects: string[] = [];
    for (const file of code) {
      const text = await readFile(join(pkgDir, file), "utf8");
      if (SIDE_EFFECT_MARKERS.some((marker) => marker.test(text))) withEffects.push(file);
    }
    // The markers must be found at all, or this test proves nothing.
    expect(withEffects).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.cjs"]));
    expect(withEffects.filter((file) => !listed(file))).toEqual([]);
    const counters = [...(await relativeClosure(pkgDir, "dist/count.js")), ...(await relativeClosure(pkgDir, "dist/count.cjs"))];
    expect(counters.filter(listed)).toEqual([]);
  });
});

describe("publint", () => {
  let messages: { type: string; text: string }[];

  beforeAll(async () => {
    const tarball = await readFile(packed.tarball);
    const result = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) as ArrayBuffer },
      level: "suggestion",
      strict: false,
    });
    messages = result.messages.map((message) => ({ type: message.type, text: formatMessage(message, result.pkg) ?? message.code }));
  }, 60_000);

  it("finds no errors or warnings in the tarball", () => {
    expect(messages.filter((message) => message.type !== "suggestion")).toEqual([]);
  });

  it("has no suggestions either", () => {
    expect(messages).toEqual([]);
  });
});

describe("@arethetypeswrong/cli", () => {
  interface Resolution {
    resolution?: { fileName: string };
    implementationResolution?: { fileName: string };
  }
  interface AttwJson {
    problems?: Record<string, unknown[]>;
    analysis: { entrypoints: Record<string, { resolutions: Record<string, Resolution> }> };
  }
  let code: number;
  let report: AttwJson;

  beforeAll(async () => {
    const result = await run(repoBin("attw"), [packed.tarball, "--profile", ATTW_PROFILE, "--format", "json"]);
    code = result.code;
    report = JSON.parse(result.stdout) as AttwJson;
  }, 90_000);

  it(`finds no problems (profile ${ATTW_PROFILE})`, () => {
    expect(report.problems ?? {}).toEqual({});
    expect(code).toBe(0);
  });

  it.each([
    [".", "index"],
    ["./count", "count"],
    ["./backends/wasm", "backends/wasm"],
  ])("resolves %s to the right declarations and code under each resolution mode", (entry, base) => {
    const resolutions = report.analysis.entrypoints[entry]?.resolutions ?? {};
    const relative = (fileName: string | undefined): string | undefined => fileName?.replace(/^.*\/resnet-blocks\//, "");
    const found = Object.fromEntries(
      Object.entries(resolutions).map(([kind, r]) => [kind, { types: relative(r.resolution?.fileName), code: relative(r.implementationResolution?.fileName) }]),
    );
    const expected: Record<string, { types: string; code?: string }> = {
      "node16-cjs": { types: `dist/${base}.d.cts`, code: `dist/${base}.cjs` },
      "node16-esm": { types: `dist/${base}.d.ts`, code: `dist/${base}.js` },
      bundler: { types: `dist/${base}.d.ts`, code: `dist/${base}.js` },
    };
    // node10 is TypeScript's `moduleResolution: node`; Node itself (>= 20, see engines) reads `exports`.
    if (ATTW_PROFILE === "strict") expected.node10 = { types: `dist/${base}.d.cts` };
    expect(found).toMatchObject(expected);
  });
});
