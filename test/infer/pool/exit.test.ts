// The process-level view: a script that uses a pool ends by itself, with or without close().
// A pool that kept an idle worker referenced would hang the script until the timeout.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("./fixtures/idlePool.ts", import.meta.url));
const run = promisify(execFile);

describe("a script using a pool (from the TypeScript sources, under tsx)", () => {
  it.each([[[]], [["--close"]]])("exits by itself when done (arguments %j)", async (args) => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", script, ...args], { timeout: 30_000 });
    expect(stdout.trim().split("\n")).toEqual(["outputs 6", ...(args.length ? ["closed"] : [])]);
  });
});
