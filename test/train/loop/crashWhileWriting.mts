/**
 * Child process of resume.test.ts: starts an atomic checkpoint write of `size` bytes to
 * `path` and kills itself with SIGKILL (no cleanup, no finally) as soon as the temporary
 * file (`<path>.<random>.tmp`) has bytes in it, that is, in the middle of the write.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileCheckpointStore } from "../../../src/train/loop/fileStore.js";

const [path, sizeText] = process.argv.slice(2) as [string, string];
const bytes = new Uint8Array(Number(sizeText)).fill(0xab);
const folder = dirname(path);
const prefix = `${basename(path)}.`;
setInterval(() => {
  for (const entry of readdirSync(folder)) {
    if (entry.startsWith(prefix) && entry.endsWith(".tmp") && statSync(join(folder, entry)).size > 0) process.kill(process.pid, "SIGKILL");
  }
}, 0);
await fileCheckpointStore(path).write(bytes);
console.log("the write finished before the crash");
