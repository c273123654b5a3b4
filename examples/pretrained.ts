/**
 * A pretrained ResNet by name: downloads a timm checkpoint from the Hugging Face Hub (once;
 * then from ~/.cache/resnet-blocks/hub), prints its preprocessing and classifies images.
 *
 *   npx tsx examples/pretrained.ts [id] [image.jpg ...]
 *
 * id defaults to timm/resnet50.a1_in1k. HF_ENDPOINT (as for huggingface_hub) names a mirror;
 * RESNET_BLOCKS_CACHE moves the cache; OFFLINE=1 loads from the cache only.
 */
import { useBackend } from "resnet-blocks";
import { pretrained } from "resnet-blocks/pretrained";

const [id = "timm/resnet50.a1_in1k", ...images] = process.argv.slice(2);
const { name } = await useBackend();

let reported = 0;
const net = await pretrained(id, {
  ...(process.env.HF_ENDPOINT ? { host: process.env.HF_ENDPOINT } : {}),
  offline: process.env.OFFLINE === "1",
  onProgress: ({ file, loaded, total, status }) => {
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    if (status === "cached") console.log(`${file}: from the cache (${mb(loaded)} MB)`);
    else if (status === "done") console.log(`${file}: ${mb(loaded)} MB downloaded and checked`);
    else if (loaded === 0 || loaded - reported >= 10e6) {
      console.log(`${file}: ${mb(loaded)} of ${total === undefined ? "?" : mb(total)} MB`);
      reported = loaded;
    }
  },
});
const { inputSize, interpolation, cropPct, mean, std } = net.dataConfig;
console.log(`${id}: ${net.config.architecture}, ${net.config.numClasses} classes, on ${name}, from ${net.source}`);
console.log(`preprocessing: ${inputSize[1]}x${inputSize[2]}, ${interpolation}, crop ${cropPct}, mean ${mean.join("/")}, std ${std.join("/")}`);

for (const image of images) {
  const [top] = await net.classify(image, { topK: 5 });
  console.log(`\n${image}`);
  for (const { label, probability } of top!) console.log(`  ${(probability * 100).toFixed(1).padStart(5)}%  ${label}`);
}
net.dispose();
