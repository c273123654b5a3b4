/**
 * Child-process entry (run with `node --import tsx`): computes the Node cpu references and
 * prints them as JSON on stdout, so that they compute on one core while Chromium works on the other.
 */
import { nodeReference } from "./reference.js";

const runs = JSON.parse(process.argv[2] ?? "[]") as [depth: 18 | 50, size: number][];
const out: Record<string, { logits: number[]; weights: string; ms: number }> = {};
for (const [depth, size] of runs) {
  const start = performance.now();
  const { logits, weights } = await nodeReference(depth, 2, size);
  out[`${depth}@${size}`] = { logits: Array.from(logits), weights, ms: performance.now() - start };
}
process.stdout.write(JSON.stringify(out));
