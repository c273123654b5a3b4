/**
 * Export a ResNet to ONNX and serve it with onnxruntime-node from the file: builds ResNet-18
 * (torchvision preset; with `--weights file.safetensors` in torchvision layout, those weights),
 * writes `resnet18.onnx` (batch norm folded, input NCHW, dynamic batch), loads it in
 * onnxruntime-node, answers HTTP POSTs on 127.0.0.1 with each image's top-5 classes, sends
 * itself one request of a batch of 2 and stops. Run with `npx tsx examples/onnx-serve.ts`.
 * See docs/onnx.md for Triton and onnxruntime with CUDA.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { resnet18, useBackend } from "resnet-blocks";
import { toOnnx } from "resnet-blocks/onnx";
import { loadSafetensors } from "resnet-blocks/weights";

const { values } = parseArgs({ options: { weights: { type: "string" }, out: { type: "string" } } });
const path = values.out ?? join(tmpdir(), "resnet18.onnx");

// 1. Export (tfjs is needed only here; the server below runs onnxruntime alone).
await useBackend();
const model = resnet18({ preset: "torchvision" });
if (values.weights) loadSafetensors(model, readFileSync(values.weights), { layout: "torchvision" });
writeFileSync(path, await toOnnx(model, { foldBatchNorm: true, preset: "torchvision", weights: values.weights ?? "random init" }));
model.dispose();
console.log(`exported ${path}`);

// 2. Serve the file: POST a float32 body of [n, 3, 224, 224] values, get each image's top-5.
const session = await ort.InferenceSession.create(path, { graphOptimizationLevel: "all" });
const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const image = 3 * 224 * 224;
  const n = body.length / 4 / image;
  if (!Number.isInteger(n) || n < 1) {
    response.writeHead(400).end(`the body must hold n x 3 x 224 x 224 float32 values; got ${body.length} bytes\n`);
    return;
  }
  const input = new ort.Tensor("float32", new Float32Array(body.buffer, body.byteOffset, body.length / 4), [n, 3, 224, 224]);
  const { output } = await session.run({ input });
  const scores = output!.data as Float32Array;
  const classes = output!.dims[1]!;
  const top5 = Array.from({ length: n }, (_, i) =>
    Array.from(scores.subarray(i * classes, (i + 1) * classes))
      .map((score, index) => ({ index, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 5),
  );
  response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(top5));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as { port: number };
console.log(`serving ${path} with onnxruntime-node on http://127.0.0.1:${port}`);

// 3. One request: two random images.
const images = Float32Array.from({ length: 2 * 3 * 224 * 224 }, () => Math.random());
const reply = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: new Uint8Array(images.buffer), signal: AbortSignal.timeout(30_000) });
console.log("top-5 of each image:", JSON.stringify(await reply.json()));
server.close();
await session.release();
