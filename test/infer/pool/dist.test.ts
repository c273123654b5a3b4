/**
 * The built `resnet-blocks/pool` (dist/pool.js and dist/pool.cjs, which start dist/poolWorker.js)
 * in fresh Node processes: the worker script must be found beside the bundle in both formats.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTestBackend } from "../../helpers/tf.js";
import { images, MODEL, predictHere } from "./helpers.js";
import { resnet } from "../../../src/models/resnet.js";

const run = promisify(execFile);
const DIST = fileURLToPath(new URL("../../../dist/", import.meta.url));
const BATCH = 3;

const body = (load: string, inputFile: string) => `
${load}
(async () => {
  const pool = await createPool({ workers: 2, model: ${JSON.stringify(MODEL)} });
  const bytes = (await import("node:fs")).readFileSync(${JSON.stringify(inputFile)});
  const input = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const out = await pool.predict(input, [${BATCH}, 64, 64, 3]);
  await pool.close();
  process.stdout.write(JSON.stringify(Array.from(out)));
})();`;

describe.each([
  ["ESM", "--input-type=module", `const { createPool } = await import(${JSON.stringify(join(DIST, "pool.js"))});`],
  ["CJS", "--input-type=commonjs", `const { createPool } = require(${JSON.stringify(join(DIST, "pool.cjs"))});`],
] as const)("the built pool (%s)", (_format, inputType, load) => {
  it("starts its workers from dist/poolWorker.js and gives the seeded model's outputs", async () => {
    expect(existsSync(join(DIST, "poolWorker.js")), "build the package first (npx tsup)").toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "resnet-blocks-pool-"));
    const inputFile = join(dir, "input.f32");
    writeFileSync(inputFile, new Uint8Array(images(BATCH, 4).buffer));
    let stdout: string;
    try {
      ({ stdout } = await run(process.execPath, [inputType, "-e", body(load, inputFile)], { maxBuffer: 16 * 1024 * 1024 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const fromPool = Float32Array.from(JSON.parse(stdout) as number[]);
    await useTestBackend("wasm");
    const model = resnet(MODEL); // same seed, same weights: the pool shares its first worker's seeded weights
    const expected = predictHere(model, images(BATCH, 4));
    model.dispose();
    expect(fromPool.length).toBe(expected.length);
    expect(fromPool.length).toBe(BATCH * 10);
    const scale = Math.max(...expected.map(Math.abs));
    const worst = Math.max(...fromPool.map((v, i) => Math.abs(v - expected[i]!)));
    expect(worst / scale).toBeLessThan(1e-4); // fused batch norm: float32 rounding only (about 1e-6 measured)
  });
});
