/**
 * The demo: build ResNet-50, print its summary, run a forward pass on the default backend
 * (WASM with SIMD in Node, unless tfjs-node is installed) and print the top-5 classes and the
 * time. Run with `npm run demo`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { count, resnet50, summaryTable, useBackend } from "resnet-blocks";

const report = await useBackend(); // 'auto': the fastest backend that starts here
console.log(`backend: ${report.name} (${report.tried.at(-1)!.reason})`);
for (const skipped of report.tried.slice(0, -1)) console.log(`  skipped ${skipped.name}: ${skipped.reason}`);
console.log();

let start = performance.now();
const model = resnet50({ seed: 42 }); // random weights; see docs for loading trained ones
console.log(`built ResNet-50 in ${(performance.now() - start).toFixed(0)} ms\n`);
console.log(summaryTable(count({ depth: 50 })));

const image = tf.randomUniform([1, 224, 224, 3], 0, 1, "float32", 7);
const times: number[] = [];
let top5: number[] = [];
for (let run = 0; run < 3; run++) {
  start = performance.now();
  const probabilities = model.predict(image) as tf.Tensor;
  const { indices, values } = tf.topk(probabilities, 5);
  top5 = Array.from(await indices.data());
  times.push(performance.now() - start);
  tf.dispose([probabilities, indices, values]);
}
console.log(`top-5 class indices: ${top5.join(", ")} (random weights, random image)`);
console.log(`forward pass, batch 1, 224x224: first ${times[0]!.toFixed(0)} ms, then ${times.slice(1).map((t) => t.toFixed(0)).join(" ms, ")} ms`);

image.dispose();
model.dispose();
