/**
 * The ResNet family beyond Table 1, from one description: Keras's ResNetV2, torchvision's wide
 * ResNets and ResNeXts, and the CIFAR nets of section 4.2. Counts each (no TensorFlow.js needed
 * for that), then builds ResNeXt-50 and ResNet-50 V2 at 64x64 and checks that `fuse` gives the
 * model's own outputs. Run with `npx tsx examples/family.ts`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { count, cifarResnetSpec, fuse, resnet50v2, resnext50_32x4d, useBackend, type ResNetOptions } from "resnet-blocks";
import { formatInteger, markdownTable } from "resnet-blocks/count";

const family: [string, ResNetOptions][] = [
  ["Keras ResNet50V2", { depth: 50, preset: "keras", preactivation: true }],
  ["Keras ResNet152V2", { depth: 152, preset: "keras", preactivation: true }],
  ["torchvision wide_resnet50_2", { depth: 50, preset: "torchvision", widthPerGroup: 128 }],
  ["torchvision resnext50_32x4d", { depth: 50, preset: "torchvision", groups: 32, widthPerGroup: 4 }],
  ["torchvision resnext101_32x8d", { depth: 101, preset: "torchvision", groups: 32, widthPerGroup: 8 }],
];
const rows = family.map(([label, options]) => {
  const report = count(options);
  return [label, report.name, formatInteger(report.params.total), formatInteger(report.params.trainable), (report.macs / 1e9).toFixed(2)];
});
for (const depth of [20, 56, 110]) {
  const report = count(cifarResnetSpec({ depth }));
  rows.push([`CIFAR ResNet-${depth} (section 4.2)`, report.name, formatInteger(report.params.total), formatInteger(report.params.trainable), (report.macs / 1e9).toFixed(4)]);
}
console.log(markdownTable(["net", "name", "params", "trainable", "GMACs"], rows, ["left", "left", "right", "right", "right"]));

await useBackend("wasm");
for (const factory of [resnext50_32x4d, resnet50v2]) {
  const model = factory({ inputShape: [64, 64, 3], classes: 10, classifierActivation: "linear", seed: 1 });
  const fused = fuse(model);
  const x = tf.randomUniform([2, 64, 64, 3], -1, 1, "float32", 2);
  const [plain, fast] = [model.predict(x) as tf.Tensor, fused.predict(x)];
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(plain, fast))).dataSync()[0]!);
  console.log(`${model.name}: ${model.layers.length} layers; fused in ${fused.steps.length} steps; max |predict - fused| = ${difference.toExponential(1)}`);
  tf.dispose([x, plain, fast]);
  fused.dispose();
  model.dispose();
}
