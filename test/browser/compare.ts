/**
 * The test side of the same-answers check: gets the Node cpu references from a child
 * process and measures how far the browser's logits are from them.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Reference } from "./reference.js";

export { relativeError } from "../helpers/relativeError.js";

/**
 * Computes references in a child Node process (`node --import tsx referenceMain.ts`), keyed
 * `"<depth>@<size>"`, so that the work overlaps with the browser's.
 */
export async function nodeReferencesInChild(runs: readonly (readonly [18 | 50, number])[]): Promise<Map<string, Reference>> {
  const script = fileURLToPath(new URL("./referenceMain.ts", import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, JSON.stringify(runs)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const parsed = JSON.parse(stdout) as Record<string, { logits: number[]; weights: string; ms: number }>;
  return new Map(
    Object.entries(parsed).map(([key, { logits, weights, ms }]) => {
      console.info(`Node cpu reference ResNet-${key}: ${ms.toFixed(0)} ms`);
      return [key, { logits: Float32Array.from(logits), weights }];
    }),
  );
}

