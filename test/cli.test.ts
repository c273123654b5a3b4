import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnet18 } from "../src/models/resnet.js";
import { saveSafetensors } from "../src/weights/index.js";
import { useTestBackend } from "./helpers/tf.js";

// The built bin, as users run it (npm test builds dist/ first).
const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const REPO = fileURLToPath(new URL("..", import.meta.url));
// Every run has a time limit: a hung CLI fails the test instead of hanging the suite.
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });

/** Every entry under `dir` (recursively): kind, size, content hash and modification time, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (path: string, rel: string): void => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const stat = lstatSync(full);
      if (stat.isDirectory()) {
        entries[`${rel}${name}/`] = `dir ${stat.mtimeMs}`;
        walk(full, `${rel}${name}/`);
      } else {
        entries[rel + name] = `${stat.size} ${createHash("sha256").update(readFileSync(full)).digest("hex")} ${stat.mtimeMs}`;
      }
    }
  };
  walk(dir, "");
  return entries;
}

/** The names beside `target` that are not `target` (leftover temporary folders would show here). */
const siblings = (target: string): string[] => readdirSync(dirname(target)).filter((name) => name !== basename(target));

describe("resnet-blocks CLI", () => {
  it("summary --json gives torchvision ResNet-50's published per-stage MMACs", () => {
    const result = run("summary", "resnet50", "--preset", "torchvision", "--json");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.macs).toBe(4_089_184_256);
    expect(report.params.trainable).toBe(25_557_032);
    expect(report.stages.map((s: { macs: number }) => Number((s.macs / 1e6).toFixed(1)))).toEqual([
      118.0, 667.9, 1027.6, 1464.3, 809.2, 2.0,
    ]);
  });

  it("summary --convention fvcore adds fvcore's total (text and --json)", () => {
    const text = run("summary", "resnet50", "--preset", "torchvision", "--convention", "fvcore");
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^fvcore convention: 4,111,512,576 MACs \(4\.112 G; see docs\/flops\.md\)$/m);
    const json = run("summary", "resnet50", "--preset", "torchvision", "--convention", "fvcore", "--json");
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout).convention).toMatchObject({ convention: "fvcore", unit: "MACs", total: 4_111_512_576 });
    expect(run("summary", "resnet50").stdout).not.toContain("convention:");
  });

  it("summary prints a per-stage table with output shapes", () => {
    const result = run("summary", "plain34", "--input", "64");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\| conv5_x +\| 2x2x512 +\|/);
    expect(result.stdout).toMatch(/^plain34, input 64x64x3$/m);
  });

  it("summary counts the family by torchvision's and Keras's names, in their presets", () => {
    const resnext = run("summary", "resnext50_32x4d", "--json");
    expect(resnext.status).toBe(0);
    // torchvision's table: 25,028,904 parameters, 4.23 GMACs.
    const report = JSON.parse(resnext.stdout) as { name: string; params: { trainable: number }; macs: number };
    expect([report.name, report.params.trainable, Number((report.macs / 1e9).toFixed(2))]).toEqual(["resnext50_32x4d", 25_028_904, 4.23]);
    const v2 = run("summary", "resnet50v2", "--json");
    // Keras's summary of ResNet50V2: 25,613,800 parameters (its conv biases: the keras preset).
    expect((JSON.parse(v2.stdout) as { params: { total: number } }).params.total).toBe(25_613_800);
  });

  it("--help lists the commands", () => {
    const result = run("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("resnet-blocks summary <model>");
    expect(result.stdout).toContain("resnet-blocks table1");
  });

  it.each([
    [["summary", "resnet42"], /model must be one of resnet18, .*; got "resnet42"/],
    [["summary", "resnet18", "--input", "16"], /inputShape must be .*got \[16,16,3\]/],
    [["summary", "resnet18", "--preset", "caffe"], /preset must be one of "paper", "keras", "torchvision"; got "caffe"/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [[], /a command is needed/],
  ])("%o fails with exit code 2 and says why", (args, message) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("--help");
  });
});

describe("resnet-blocks convert", () => {
  it("turns a safetensors file into a tfjs model directory", async () => {
    await useTestBackend("cpu");
    const dir = mkdtempSync(join(tmpdir(), "resnet-blocks-cli-"));
    try {
      const model = resnet18({ inputShape: [32, 32, 3], classes: 10, preset: "torchvision", seed: 1 });
      writeFileSync(join(dir, "in.safetensors"), await saveSafetensors(model, { layout: "torchvision" }));
      model.dispose();
      const result = run("convert", join(dir, "in.safetensors"), join(dir, "out"), "--from", "torchvision", "--depth", "18", "--input", "32");
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^wrote .*model\.json and (\d+) shard\(s\): resnet18 \(residual, preset torchvision, 10 classes\)/);
      const modelJson = JSON.parse(readFileSync(join(dir, "out", "model.json"), "utf8"));
      const shards = modelJson.weightsManifest.flatMap((group: { paths: string[] }) => group.paths);
      expect(Number(/and (\d+) shard/.exec(result.stdout)![1])).toBe(shards.length);
      expect(modelJson.modelTopology.config.layers.length).toBeGreaterThan(50);
      for (const group of modelJson.weightsManifest) for (const path of group.paths) expect(existsSync(join(dir, "out", path))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says what is wrong with its arguments", () => {
    const result = run("convert", "in.safetensors", "out", "--from", "torch", "--depth", "18");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--from must be one of "native", "torchvision", "keras"; got "torch"/);
  });
});

describe("resnet-blocks convert writes atomically", () => {
  let dir: string;
  let input: string;
  const args = (output: string, ...more: string[]) => ["convert", input, output, "--from", "torchvision", "--depth", "18", "--input", "32", ...more];
  /** A folder holding a copy of an older model written with 1 MiB shards (43 of them), as a user's earlier run would leave it. */
  const olderModel = (name: string): string => {
    const output = join(dir, name, "model");
    cpSync(join(dir, "older"), output, { recursive: true });
    return output;
  };
  /** model.json and the shards it names: every file a converted folder should hold. */
  const modelFiles = (output: string): string[] => {
    const json = JSON.parse(readFileSync(join(output, "model.json"), "utf8"));
    return ["model.json", ...json.weightsManifest.flatMap((group: { paths: string[] }) => group.paths)].sort();
  };

  beforeAll(async () => {
    await useTestBackend("cpu");
    dir = mkdtempSync(join(tmpdir(), "resnet-blocks-cli-atomic-"));
    input = join(dir, "in.safetensors");
    const model = resnet18({ inputShape: [32, 32, 3], classes: 10, preset: "torchvision", seed: 7 });
    writeFileSync(input, await saveSafetensors(model, { layout: "torchvision" }));
    model.dispose();
    const older = run(...args(join(dir, "older"), "--shard-mb", "1"));
    expect(older.stderr).toBe("");
    expect(older.status).toBe(0);
    expect(older.stdout).toMatch(/and 43 shard\(s\)/);
    expect(readdirSync(join(dir, "older")).sort()).toEqual(modelFiles(join(dir, "older")));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a folder that holds files unless --force, and leaves it exactly as it was", () => {
    const output = olderModel("refuse");
    // The fault of issue 17: one shard path unwritable (a folder), which gave EISDIR and a mixed model.
    const shard5 = join(output, modelFiles(output).find((name) => name.startsWith("group1-shard5of"))!);
    unlinkSync(shard5);
    mkdirSync(shard5);
    const before = snapshot(output);
    const result = run(...args(output));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${output} is not empty`);
    expect(result.stderr).toContain("--force");
    expect(result.stderr).not.toMatch(/EISDIR|\n\s+at /);
    expect(snapshot(output)).toEqual(before);
    expect(siblings(output)).toEqual([]);
  });

  it("with --force replaces the older model and leaves only the new model's files", () => {
    const output = olderModel("force");
    const shard5 = join(output, modelFiles(output).find((name) => name.startsWith("group1-shard5of"))!);
    unlinkSync(shard5);
    mkdirSync(shard5);
    writeFileSync(join(output, "notes.txt"), "not part of the model");
    const result = run(...args(output, "--force"));
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/and 11 shard\(s\)/);
    expect(readdirSync(output).sort()).toEqual(modelFiles(output));
    expect(readdirSync(output)).toHaveLength(12);
    for (const name of readdirSync(output)) expect(lstatSync(join(output, name)).isFile()).toBe(true);
    expect(siblings(output)).toEqual([]);
  });

  it("a convert that fails (a truncated file) leaves the target exactly as it was", () => {
    const output = olderModel("truncated");
    const before = snapshot(output);
    const truncated = join(dir, "truncated.safetensors");
    writeFileSync(truncated, readFileSync(input).subarray(0, 100_000));
    const result = run("convert", truncated, output, "--from", "torchvision", "--depth", "18", "--input", "32", "--force");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/truncated|ends|bytes/i);
    expect(snapshot(output)).toEqual(before);
    expect(siblings(output)).toEqual([]);
  });

  it("a convert whose writes fail (file size limit: EFBIG) leaves the target exactly as it was", () => {
    const output = olderModel("efbig");
    const before = snapshot(output);
    // ulimit -f 2048: no file over 2 MiB, so the first 4 MiB shard fails half-written (Node ignores SIGXFSZ).
    const command = `ulimit -f 2048 && exec "$0" "$@"`;
    const result = spawnSync("bash", ["-c", command, process.execPath, CLI, ...args(output, "--force")], { encoding: "utf8", timeout: 120_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/EFBIG/);
    expect(result.stderr).toContain(`${output} is unchanged`);
    expect(snapshot(output)).toEqual(before);
    expect(siblings(output)).toEqual([]);
  });

  it("refuses a target that is a file or a symbolic link, before any work", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const result = run(...args(file, "--force"));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`<out-dir> must be a folder; ${file} is a file`);
    expect(readFileSync(file, "utf8")).toBe("x");
    const link = join(dir, "a-link");
    symlinkSync(join(dir, "older"), link);
    const linked = run(...args(link, "--force"));
    expect(linked.status).toBe(2);
    expect(linked.stderr).toContain(`<out-dir> must be a folder; ${link} is a symbolic link`);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});

describe("resnet-blocks flags", () => {
  it.each([
    [["convert", "in", "out", "--from", "torchvision", "--depth", "18", "--inptu", "64"], /unknown flag --inptu for convert \(did you mean --input\?\); valid flags: --from, --depth, .*--force, --help/],
    [["summary", "resnet18", "--jsno"], /unknown flag --jsno for summary \(did you mean --json\?\); valid flags: --input, .*--json, --help/],
    [["table1", "--json"], /unknown flag --json for table1; valid flags: --help/],
    [["--inptu"], /unknown flag --inptu; valid flags: --help, --version/],
    [["convert", "in", "out", "--from", "torchvision", "--depth", "18x"], /--depth must be one of 18, 34, 50, 101, 152; got "18x"/],
    [["convert", "in", "out", "--from", "torchvision", "--depth", "18", "--shard-mb", "0.0001"], /--shard-mb must be a number of MiB from 0\.001 to 1024; got "0\.0001"/],
    [["convert", "in", "out", "--from", "torchvision", "--depth", "18", "--shard-mb", "lots"], /--shard-mb must be a number of MiB from 0\.001 to 1024; got "lots"/],
    [["convert", "in", "out", "--from", "torchvision", "--depth", "18", "--input", "99999999999999999999"], /--input must be .*; got "99999999999999999999"/],
    [["convert", "in", "out", "--from", "torchvision", "--depth"], /--depth needs a value: one of 18, 34, 50, 101, 152/],
    [["summary", "resnet18", "--input", "--json"], /--input needs a value: a size such as 224 or 224x160; got the flag --json/],
    [["summary", "resnet18", "--json=yes"], /--json takes no value; got "--json=yes"/],
    [["summary", "resnet18", "--channels", "3", "--channels", "1"], /--channels is given twice/],
    [["summary", "resnet18", "--shortcut", "D"], /--shortcut must be one of "A", "B", "C"; got "D"/],
    [["summary", "resnet18", "--stride-in", "2x2"], /--stride-in must be one of "1x1", "3x3"; got "2x2"/],
    [["summary", "resnet18", "--preset", "Keras"], /--preset must be one of "paper", "keras", "torchvision"; got "Keras"/],
    [["summary", "resnet18", "--channels", "1e3"], /--channels must be a whole number from 1 to \d+; got "1e3"/],
    [["summary", "resnet18", "--convention", "flops"], /--convention must be one of "paper", "fvcore", "ptflops", "thop", "calflops", "torch-flop-counter", "keras-flops"; got "flops"/],
  ])("%o: our message, naming the flag", (args, message) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/Unknown option|shardBytes|NaN|ERR_PARSE_ARGS|\n\s+at /);
  });
});

describe("resnet-blocks in a project without TensorFlow.js", () => {
  let project: string;
  let bin: string;
  // Symlinks kept as they are, so that packages resolve from the project's node_modules, not the repository's.
  const runThere = (...args: string[]) =>
    spawnSync(process.execPath, ["--preserve-symlinks", "--preserve-symlinks-main", bin, ...args], { cwd: project, encoding: "utf8", timeout: 60_000 });

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "resnet-blocks-no-tfjs-"));
    const pkg = join(project, "node_modules", "resnet-blocks");
    mkdirSync(pkg, { recursive: true });
    symlinkSync(join(REPO, "package.json"), join(pkg, "package.json"));
    symlinkSync(join(REPO, "dist"), join(pkg, "dist"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    bin = join(pkg, manifest.bin["resnet-blocks"]);
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("has no @tensorflow package to find (the setup is what it claims)", () => {
    writeFileSync(join(project, "probe.mjs"), `import("@tensorflow/tfjs-core").then(() => console.log("found"), (e) => console.log(e.code));`);
    const probe = spawnSync(process.execPath, [join(project, "probe.mjs")], { cwd: project, encoding: "utf8", timeout: 60_000 });
    expect(probe.stdout.trim()).toBe("ERR_MODULE_NOT_FOUND");
    expect(runThere("table1").status).toBe(0);
  });

  it("convert --help works", () => {
    const result = runThere("convert", "--help");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("resnet-blocks convert <in.safetensors> <out-dir>");
  });

  it("convert says which packages to install, without a stack", () => {
    const out = join(project, "out");
    const result = runThere("convert", "in.safetensors", out, "--from", "torchvision", "--depth", "18");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("npm install @tensorflow/tfjs-core @tensorflow/tfjs-layers @tensorflow/tfjs-backend-wasm");
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});

describe("the CLI module", () => {
  it("can be imported without running, and main() runs a command", async () => {
    const exitCode = process.exitCode;
    const { main } = await import("../src/cli/main.js");
    expect(process.exitCode).toBe(exitCode);
    const out: string[] = [];
    expect(await main(["table1"], { write: (t: string) => out.push(t) }, { write: () => true })).toBe(0);
    expect(out.join("")).toBe(readFileSync(new URL("../docs/table1.md", import.meta.url), "utf8"));
  });
});

describe("docs/table1.md", () => {
  it("is what `resnet-blocks table1` prints now (regenerate with npm run table1)", () => {
    const fresh = execFileSync(process.execPath, [CLI, "table1"], { encoding: "utf8" });
    const committed = readFileSync(new URL("../docs/table1.md", import.meta.url), "utf8");
    expect(committed).toBe(fresh);
  });

  it("shows the paper's FLOPs beside the computed multiply-adds", () => {
    const committed = readFileSync(new URL("../docs/table1.md", import.meta.url), "utf8");
    for (const figure of ["1.8×10⁹", "11.3×10⁹", "1.814", "3.664", "3.858", "7.570", "11.282", "4.089", "11,689,512", "60,192,808"]) {
      expect(committed).toContain(figure);
    }
  });
});
