/**
 * Training speed of the CIFAR ResNet-20 (section 4.2 of the paper) on the WASM backend with
 * the kernels of `src/train/kernels`, against the tfjs cpu backend and PyTorch. One step is
 * forward, backward and an SGD-with-momentum update (`model.trainOnBatch`) on random 32x32
 * images. Run with `npx tsx bench/train.ts`.
 *
 *   --batch=128       wasm batch size
 *   --steps=5         timed wasm steps per row (median reported), after --warmup=1 untimed
 *                     (CPU ms / step is the process's CPU time: steadier than wall time on a busy machine)
 *   --cpu-batch=8     cpu batch size: the cpu backend is about 3000x slower than PyTorch,
 *   --cpu-steps=1     so it is timed on one small step (images/s is per image either way)
 *   --no-cpu          skip the cpu row
 *   --torch           also time PyTorch live (/usr/bin/python3, torch.set_num_threads(1))
 *   --profile         print the wasm kernels that take the most time in one step
 *   --no-loop         skip the row of the library's own loop, `train()` (its steps, with the
 *                     yield to the event loop between them that lets an abort or Ctrl-C in)
 *
 * The ResNet-20 here is built by `resnet20` below from `basicBlock`; the library's own
 * `cifarResnet` (src/train/cifar) is written separately and can replace it once it lands.
 */
import "@tensorflow/tfjs-backend-cpu";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { execFileSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { basicBlock } from "resnet-blocks";
import { markdownTable } from "resnet-blocks/count";
import { registerWasmTrainingKernels } from "../src/train/kernels/index.js";
import { train } from "../src/train/loop/index.js";
import { machine, measure, median } from "./lib/measure.js";

/** PyTorch 1.13, one thread, batch 128, from /work/shared/notes/training-baselines.md. */
const PYTORCH_NOTES_IMAGES_PER_S = 172;

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key = "", value = "true"] = arg.replace(/^--/, "").split("=");
    return [key, value] as const;
  }),
);
const OPTIONS = ["batch", "steps", "warmup", "cpu-batch", "cpu-steps", "no-cpu", "torch", "profile", "no-loop"];
for (const key of args.keys()) {
  if (!OPTIONS.includes(key)) throw new RangeError(`unknown option --${key}; accepted: ${OPTIONS.map((o) => `--${o}`).join(", ")}`);
}
const intArg = (name: string, fallback: number, min = 1): number => {
  const value = Number(args.get(name) ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`--${name} must be an integer >= ${min}; got ${args.get(name)}`);
  return value;
};
const batch = intArg("batch", 128);
const steps = intArg("steps", 5);
const warmup = intArg("warmup", 1, 0);
const cpuBatch = intArg("cpu-batch", 8);
const cpuSteps = intArg("cpu-steps", 1);

const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor) => layer.apply(x) as tfl.SymbolicTensor;

/** CIFAR ResNet-20: 3x3 conv 16, three stages of three basic blocks (16, 32, 64), option A. */
function resnet20(seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [32, 32, 3] });
  const kernelInitializer = tfl.initializers.heNormal({ seed });
  let x = apply(tfl.layers.conv2d({ name: "conv1_conv", filters: 16, kernelSize: 3, padding: "same", useBias: false, kernelInitializer }), input);
  x = apply(tfl.layers.batchNormalization({ name: "conv1_bn", epsilon: 1e-5, momentum: 0.9 }), x);
  x = apply(tfl.layers.activation({ name: "conv1_relu", activation: "relu" }), x);
  [16, 32, 64].forEach((filters, stage) => {
    for (let block = 0; block < 3; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      x = basicBlock(x, { filters, stride, shortcut: "A", name: `conv${stage + 2}_block${block + 1}`, seed: seed + 10 * stage + block });
    }
  });
  x = apply(tfl.layers.globalAveragePooling2d({ name: "avg_pool" }), x);
  const output = apply(tfl.layers.dense({ name: "predictions", units: 10, activation: "softmax" }), x);
  return tfl.model({ inputs: input, outputs: output, name: "resnet20" });
}

/** Median wall and CPU ms of one training step of ResNet-20 at `size` on the current backend. */
async function stepMs(size: number, timed: number, warm: number, profile = false): Promise<{ wall: number; cpu: number }> {
  const model = resnet20(1);
  model.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: "categoricalCrossentropy" });
  const images = tf.randomUniform([size, 32, 32, 3], 0, 1, "float32", 2);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([size], 0, 10, "int32", 3), 10));
  const step = () => model.trainOnBatch(images, labels);
  const cpu: number[] = [];
  const timedStep = async () => {
    const start = process.cpuUsage();
    await step();
    const used = process.cpuUsage(start);
    cpu.push((used.user + used.system) / 1000);
  };
  const wall = await measure(timedStep, { warmup: warm, runs: timed });
  if (profile) await printProfile(step);
  tf.dispose([images, labels]);
  model.dispose();
  return { wall: median(wall), cpu: median(cpu.slice(warm)) };
}

/**
 * Median wall and CPU ms of one step of `train()` (the library's loop: its step, the checks
 * and bookkeeping between steps, and the yield to the event loop) on ResNet-20 at `size`.
 */
async function loopStepMs(size: number, timed: number, warm: number): Promise<{ wall: number; cpu: number }> {
  const model = resnet20(1);
  const n = size * (timed + warm);
  const x = tf.randomUniform([n, 32, 32, 3], 0, 1, "float32", 2) as tf.Tensor4D;
  const y = tf.randomUniform([n], 0, 10, "int32", 3) as tf.Tensor1D;
  const wall: number[] = [];
  const cpu: number[] = [];
  let last = { wall: performance.now(), cpu: process.cpuUsage() };
  await train(model, { x, y }, {
    epochs: 1,
    batchSize: size,
    shuffle: false,
    seed: 1,
    progress: false,
    callbacks: {
      onBatchEnd: () => {
        const used = process.cpuUsage(last.cpu);
        wall.push(performance.now() - last.wall);
        cpu.push((used.user + used.system) / 1000);
        last = { wall: performance.now(), cpu: process.cpuUsage() };
      },
    },
  });
  tf.dispose([x, y]);
  model.dispose();
  return { wall: median(wall.slice(warm)), cpu: median(cpu.slice(warm)) };
}

async function printProfile(step: () => Promise<number | number[]>): Promise<void> {
  const info = await tf.profile(step);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(k.kernelTimeMs);
    entry.calls++;
    byKernel.set(k.name, entry);
  }
  const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  const top = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  console.log(`\nwasm kernels of one step (${tf.getBackend()}), ${total.toFixed(0)} ms in kernels:`);
  console.log(
    markdownTable(
      ["kernel", "calls", "ms", "share"],
      top.map(([name, e]) => [name, String(e.calls), e.ms.toFixed(1), `${((100 * e.ms) / total).toFixed(1)}%`]),
      ["left", "right", "right", "right"],
    ),
  );
}

function torchImagesPerS(size: number, timed: number): number {
  const script = `
import time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1); torch.manual_seed(0)
class Block(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__(); s.stride, s.pad = stride, cout - cin
        s.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); s.b1 = nn.BatchNorm2d(cout)
        s.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(cout)
    def forward(s, x):
        y = s.b2(s.c2(F.relu(s.b1(s.c1(x)))))
        sc = x[:, :, ::s.stride, ::s.stride] if s.stride > 1 else x
        if s.pad: sc = F.pad(sc, (0, 0, 0, 0, 0, s.pad))
        return F.relu(y + sc)
layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
cin = 16
for stage, f in enumerate([16, 32, 64]):
    for b in range(3):
        layers.append(Block(cin, f, 2 if stage and not b else 1)); cin = f
net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
x = torch.rand(${size}, 3, 32, 32); y = torch.randint(0, 10, (${size},))
def step():
    opt.zero_grad(); F.cross_entropy(net(x), y).backward(); opt.step()
step()
ts = []
for _ in range(${timed}):
    t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
ts.sort(); print(${size} / ts[len(ts) // 2])
`;
  return Number(execFileSync("/usr/bin/python3", ["-c", script], { encoding: "utf8" }).trim());
}

tf.env().set("IS_TEST", false); // IS_TEST turns on a kernel leak check that wasm's copying Identity trips in fused-op gradients
const rows: { what: string; batch: number; ms: number; cpuMs?: number; perS: number; note?: string }[] = [];
const row = (what: string, size: number, ms: { wall: number; cpu?: number }, note?: string) =>
  rows.push({ what, batch: size, ms: ms.wall, cpuMs: ms.cpu, perS: (1000 * size) / ms.wall, note });

await tf.setBackend("wasm");
registerWasmTrainingKernels();
row("wasm: missing kernels added, tfjs's Conv2DBackpropInput", batch, await stepMs(batch, steps, warmup));
registerWasmTrainingKernels({ replaceSlowKernels: true });
row("wasm: + replaceSlowKernels (Conv2DBackpropInput, Tile)", batch, await stepMs(batch, steps, warmup, args.has("profile")));
if (!args.has("no-loop")) row("wasm: train() loop, same kernels", batch, await loopStepMs(batch, steps, warmup), "yields to the event loop each step");
if (!args.has("no-cpu")) {
  await tf.setBackend("cpu");
  row("cpu backend (baseline)", cpuBatch, await stepMs(cpuBatch, cpuSteps, 0), `${cpuSteps} step(s), no warm-up`);
}
row("PyTorch 1.13, 1 thread (notes file)", 128, { wall: (1000 * 128) / PYTORCH_NOTES_IMAGES_PER_S }, "training-baselines.md");
if (args.has("torch")) row("PyTorch, 1 thread (live)", batch, { wall: (1000 * batch) / torchImagesPerS(batch, steps) });

const cpu = rows.find((r) => r.what.startsWith("cpu"));
// Live PyTorch (same machine, same moment) is the fairer reference where measured.
const torch = rows.find((r) => r.what.startsWith("PyTorch, 1 thread (live)")) ?? rows.find((r) => r.what.startsWith("PyTorch"))!;
console.log(`machine: ${await machine()}; tfjs ${tf.version_core}; wasm threads ${getThreadsCount()}; ResNet-20, 32x32, SGD momentum 0.9`);
console.log(`median of ${steps} wasm step(s) after ${warmup} warm-up\n`);
console.log(
  markdownTable(
    ["what", "batch", "median ms / step", "CPU ms / step", "images / s", "vs cpu", "vs PyTorch", "note"],
    rows.map((r) => [
      r.what,
      String(r.batch),
      r.ms.toFixed(0),
      r.cpuMs === undefined ? "" : r.cpuMs.toFixed(0),
      r.perS.toFixed(r.perS < 10 ? 2 : 0),
      cpu ? `${(r.perS / cpu.perS).toFixed(0)}x` : "",
      `${(r.perS / torch.perS).toFixed(r.perS / torch.perS < 0.1 ? 4 : 2)}x`,
      r.note ?? "",
    ]),
    ["left", "right", "right", "right", "right", "right", "right", "left"],
  ),
);
