/**
 * Nothing lost, at a small size: a training run killed with SIGKILL 30 times (at random
 * steps, and inside checkpoint writes at random points between creating the temporary file
 * and flushing the folder) resumes every time, and its final weights and history equal an
 * uninterrupted run's, bit for bit (cpu backend: deterministic). Stale temporary files of
 * the killed writes never pile up.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { train } from "../../../src/train/loop/index.js";
import { uniformGenerator } from "../../../src/train/loop/random.js";
import { useTestBackend } from "../../helpers/tf.js";
import { weightValues } from "./fixtures.js";
import { killRecipe, killRunData, killRunModel } from "./killRun.js";

const KILLS = 30;
const EPOCHS = 100; // 200 steps: more than 30 short-lived children get through (each saves at most 2 epochs)
let directory: string;

beforeAll(async () => {
  await useTestBackend("cpu");
  directory = mkdtempSync(join(tmpdir(), "resnet-blocks-sigkill-"));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/**
 * Runs the child once. `kill` is either `{ afterSteps }` (SIGKILL from here after that many
 * steps and a random few ms) or `{ inWrite, turns }` (the child kills itself inside a write).
 */
function runChild(path: string, kill: { afterSteps: number; delayMs: number } | { inWrite: number; turns: number }) {
  const args = ["--import", "tsx", fileURLToPath(new URL("./killChild.mts", import.meta.url)), path, String(EPOCHS)];
  if ("inWrite" in kill) args.push(`${kill.inWrite}:${kill.turns}`);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let steps = 0;
  child.stderr.on("data", (chunk) => (output += chunk));
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk;
    steps += (chunk.toString().match(/^step$/gm) ?? []).length;
    if ("afterSteps" in kill && steps >= kill.afterSteps && child.exitCode === null) {
      setTimeout(() => child.kill("SIGKILL"), kill.delayMs);
    }
  });
  const watchdog = setTimeout(() => child.kill("SIGTERM"), 120_000);
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on("exit", (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal, output });
    }),
  );
}

describe("SIGKILL at random moments and during checkpoint writes", () => {
  it(`${KILLS} kills, every resume works, final weights = an uninterrupted run's, bit for bit`, async () => {
    const seed = 20261201;
    const random = uniformGenerator(seed); // replayable from the seed in the messages
    const path = join(directory, "run.ckpt");
    let killed = 0;
    let inWrites = 0;
    let midWrite = 0;
    for (let attempt = 0; killed < KILLS; attempt++) {
      expect(attempt, `seed ${seed}: too many children ended without being killed`).toBeLessThan(KILLS + 10);
      const kill = attempt % 2 === 0 ? { afterSteps: Math.floor(random() * 4), delayMs: Math.floor(random() * 15) } : { inWrite: 1 + Math.floor(random() * 2), turns: Math.floor(random() * 9) };
      const result = await runChild(path, kill);
      if (result.signal === "SIGKILL") {
        killed++;
        if ("inWrite" in kill && result.output.includes(`writing ${kill.inWrite}`)) inWrites++;
      } else {
        // Not killed: it must have ended cleanly (a resume that fails exits with an error).
        expect(result.code, `seed ${seed}, attempt ${attempt}, ${JSON.stringify(kill)}:\n${result.output}`).toBe(0);
      }
      // At most the killed write's temporary file is left; the next run's open removes it.
      const left = readdirSync(directory).filter((name) => name.endsWith(".tmp")).length;
      expect(left).toBeLessThanOrEqual(1);
      if (result.signal === "SIGKILL" && left === 1) midWrite++;
    }
    expect(inWrites).toBeGreaterThanOrEqual(KILLS / 2 - 2);
    // Some kills landed between creating the temporary file and the rename (they left it behind).
    expect(midWrite, `seed ${seed}`).toBeGreaterThan(0);

    const data = killRunData();
    const resumed = killRunModel();
    const history = await train(resumed, data, { ...killRecipe, epochs: EPOCHS, checkpoint: path, resume: true });
    expect(readdirSync(directory).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    const whole = killRunModel();
    const expected = await train(whole, data, { ...killRecipe, epochs: EPOCHS });
    expect(history.epoch).toHaveLength(EPOCHS);
    expect(history).toEqual(expected);
    expect(await weightValues(resumed)).toEqual(await weightValues(whole));
    tf.dispose([data.x, data.y]);
    resumed.dispose();
    whole.dispose();
  }, 600_000);
});
