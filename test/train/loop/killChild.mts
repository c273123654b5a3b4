/**
 * Child process of sigkill.test.ts: resumes (or starts) a small training run whose
 * checkpoint is the file `path`, printing `step` after each step and
 * `writing <n>` as the n-th checkpoint write of this process starts. With `killInWrite` =
 * `<n>:<turns>`, it kills itself with SIGKILL `turns` event-loop turns into its n-th
 * write: somewhere between creating the temporary file and flushing the folder after the
 * rename, in the real write's code path.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { fileCheckpointStore } from "../../../src/train/loop/fileStore.js";
import { train } from "../../../src/train/loop/index.js";
import { killRecipe, killRunData, killRunModel } from "./killRun.js";

await tf.setBackend("cpu");
tf.env().set("IS_TEST", true);
const [path, epochsText, killInWrite = ""] = process.argv.slice(2) as [string, string, string?];
const [killAt, turns] = killInWrite.split(":").map(Number) as [number, number];
const file = fileCheckpointStore(path);
let writes = 0;
const store = {
  open: () => file.open(),
  read: () => file.read(),
  async write(bytes: Uint8Array) {
    writes++;
    console.log(`writing ${writes}`);
    if (writes === killAt) {
      let left = turns;
      const tick = () => (left-- <= 0 ? process.kill(process.pid, "SIGKILL") : setImmediate(tick));
      setImmediate(tick);
    }
    await file.write(bytes);
  },
};
const data = killRunData();
const model = killRunModel();
console.log("ready");
await train(model, data, {
  ...killRecipe,
  epochs: Number(epochsText),
  checkpoint: store,
  resume: true,
  callbacks: { onBatchEnd: () => void console.log("step") },
});
console.log("finished");
