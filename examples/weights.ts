/**
 * Weights in and out with safetensors.
 *
 *   npm run build && npx tsx examples/weights.ts                       # a round trip, no files needed
 *   npx tsx examples/weights.ts resnet50.safetensors 50                # a torchvision state dict
 *
 * A torchvision file comes from PyTorch with:
 *   from safetensors.torch import save_file
 *   save_file(torchvision.models.resnet50(weights="IMAGENET1K_V2").state_dict(), "resnet50.safetensors")
 */
import { readFileSync } from "node:fs";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { resnet } from "resnet-blocks";
import { decodeSafetensors, loadSafetensors, saveSafetensors } from "resnet-blocks/weights";

tf.env().set("IS_TEST", true); // no "install tfjs-node" banner
await tf.setBackend("cpu");

const [path, depthArgument = "50"] = process.argv.slice(2);

if (path) {
  // A torchvision (or timm) ResNet: stride on the 3x3, no conv bias, logits out.
  const depth = Number(depthArgument) as 18 | 34 | 50 | 101 | 152;
  const model = resnet({ depth, preset: "torchvision" });
  const { loaded, ignored } = loadSafetensors(model, readFileSync(path), { layout: "torchvision" });
  console.log(`loaded ${loaded} weights into resnet${depth}; skipped ${ignored.length} (num_batches_tracked)`);
  // torchvision's preprocessing: RGB in [0, 1], normalised per channel; NHWC for tfjs.
  const image = tf.tidy(() =>
    tf.div(tf.sub(tf.randomUniform([1, 224, 224, 3]), [0.485, 0.456, 0.406]), [0.229, 0.224, 0.225]),
  );
  const logits = model.predict(image) as tf.Tensor;
  const top = tf.topk(logits, 5);
  console.log("top-5 classes of a noise image:", Array.from(await top.indices.data()));
  tf.dispose([image, logits, top.values, top.indices]);
  model.dispose();
} else {
  // Save a ResNet-18 in torchvision's layout, look at the file, load it into another one.
  const a = resnet({ depth: 18, preset: "torchvision", inputShape: [64, 64, 3], classes: 10, seed: 1 });
  const bytes = await saveSafetensors(a, { layout: "torchvision", dtype: "float16" });
  const file = decodeSafetensors(bytes);
  console.log(`${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${file.tensors.length} tensors, metadata`, file.metadata);
  for (const t of file.tensors.slice(0, 6)) console.log(`  ${t.name.padEnd(24)} ${t.dtype} [${t.shape.join(", ")}]`);

  const b = resnet({ depth: 18, preset: "torchvision", inputShape: [64, 64, 3], classes: 10, seed: 2 });
  loadSafetensors(b, bytes, { layout: "torchvision" });
  const x = tf.randomNormal([1, 64, 64, 3], 0, 1, "float32", 3);
  const [ya, yb] = [a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor];
  const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]!);
  console.log(`largest logit difference after a float16 round trip: ${gap.toExponential(2)}`);
  tf.dispose([x, ya, yb]);
  a.dispose();
  b.dispose();
}
