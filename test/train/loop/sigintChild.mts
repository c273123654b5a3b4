/**
 * Child process of abort.test.ts: trains a tiny net for many epochs with the documented
 * `process.on("SIGINT", () => controller.abort())`, printing `step <n>` after each step,
 * `sigint <n>` when the handler runs and `stopped <json>` or `finished` at the end.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { train } from "../../../src/train/loop/index.js";
import { tinyData, tinyResNet } from "./fixtures.js";

await tf.setBackend("cpu");
tf.env().set("IS_TEST", true);
const epochs = Number(process.argv[2] ?? 200);
const model = tinyResNet({ seed: 1 });
const data = tinyData(16, 2);
const controller = new AbortController();
let steps = 0;
process.on("SIGINT", () => {
  console.log(`sigint ${steps}`);
  controller.abort();
});
const history = await train(model, data, {
  epochs,
  batchSize: 8,
  seed: 1,
  progress: false,
  signal: controller.signal,
  callbacks: { onBatchEnd: () => void console.log(`step ${++steps}`) },
});
console.log(history.stopped ? `stopped ${JSON.stringify(history.stopped)}` : "finished");
