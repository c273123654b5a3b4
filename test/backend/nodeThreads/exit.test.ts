// The process-level view, in child processes (from the TypeScript sources, under tsx): a
// script that starts the threaded backend ends by itself, with or without dispose(); a
// 1-core machine still gets the threads it asks for; a start that fails (no .wasm binary
// where tfjs looks) leaves tfjs and the globals as they were, terminates its workers and
// deletes its temporary files.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { TEMP_FOLDER_PREFIX } from "../../../src/backend/nodeThreads/pthreadScripts.js";

const script = fileURLToPath(new URL("./fixtures/threadsScript.ts", import.meta.url));
const folders: string[] = [];

/** Runs the fixture in `mode` with its own TMPDIR; its JSON report and what it left in TMPDIR. */
async function runScript(mode: string): Promise<{ report: Record<string, unknown>; leftovers: string[] }> {
  const tmp = mkdtempSync(join(os.tmpdir(), "threads-exit-"));
  folders.push(tmp);
  // A script whose workers kept Node alive would run into the timeout (and fail the test).
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, mode], {
    timeout: 60_000,
    env: { ...process.env, TMPDIR: tmp },
  });
  const leftovers = readdirSync(tmp).filter((name) => name.startsWith(TEMP_FOLDER_PREFIX));
  return { report: JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>, leftovers };
}

const allRestored = { cpus: true, createObjectURL: true, blob: true, worker: true, flag: true };

describe.concurrent("a script using startWasmWithThreads (child process)", () => {
  afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

  it.each(["dispose", "no-dispose"])("runs 2 threads and exits by itself (%s)", async (mode) => {
    const { report, leftovers } = await runScript(mode);
    expect(report).toMatchObject({ threads: 2, getThreadsCount: 2, backend: "wasm", conv: [36, 36], tensors: 0 });
    expect(report.restoredAfterStart).toEqual(allRestored);
    if (mode === "dispose") expect(report.backendAfterDispose).toBe("cpu");
    expect(leftovers).toEqual([]);
  });

  it("gives 2 threads on a machine that reports 1 core (they share it)", async () => {
    const { report } = await runScript("one-core");
    expect(report).toMatchObject({ realCores: 1, threads: 2, getThreadsCount: 2, conv: [36, 36], backendAfterDispose: "cpu" });
    expect(report.restoredAtEnd).toEqual(allRestored); // os.cpus is the script's 1-core stand-in again
  });

  it("fails cleanly without the .wasm binary: clear error, tfjs and globals as before, files gone", async () => {
    const { report, leftovers } = await runScript("bad-binary");
    expect(report.error).toMatch(/^the threaded tfjs WASM backend failed to start: /);
    expect(report).toMatchObject({ backend: "cpu", factoryKept: true, listenersKept: true, tensors: 0 });
    expect(report.restoredAtEnd).toEqual(allRestored);
    expect(leftovers).toEqual([]);
  });
});
