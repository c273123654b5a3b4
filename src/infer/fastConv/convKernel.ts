/**
 * The tfjs kernel `ResnetBlocksConv2D` on the WASM backend: the relaxed-SIMD implicit GEMM of
 * `kernelSource.ts`, run in place on tfjs-backend-wasm's heap, with bias, an optional
 * residual input and ReLU applied before the results leave the registers.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { TILE_ROWS } from "./kernelSource.js";
import { backendMemory, convKernelFor } from "./runtime.js";

/**
 * Floats of gathered input per block of tiles: 64 KiB, which stays in L2 next to the weight
 * panel being applied. Measured on ResNet-50's convolutions (Zen 3): 16 Ki floats 0.57x of
 * XNNPACK's time in all, 8 Ki 0.58x, 32 Ki 0.62x, one tile per block 0.74x.
 */
const BLOCK_FLOATS = 16384;

/** The kernel's name in the tfjs registry. */
export const FAST_CONV_KERNEL = "ResnetBlocksConv2D";

/** Geometry of one convolution, as the kernel's attributes. */
export interface FastConvGeometry {
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  relu: boolean;
  /** Groups of a grouped convolution (1: ordinary); each group's output channels a multiple of 8. Default 1. */
  groups?: number;
}

interface BackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { _malloc(bytes: number): number; _free(pointer: number): void };
}

function offsetOf(backend: BackendWasm, info: tf.TensorInfo): number {
  const data = (backend as unknown as BackendInternals).dataIdMap.get(info.dataId);
  if (!data) throw new Error("internal: ResnetBlocksConv2D input is not on the wasm backend");
  return data.memoryOffset;
}

function convKernelFunc({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x, weights, residual } = inputs as { x: tf.TensorInfo; weights: tf.TensorInfo; residual?: tf.TensorInfo };
  const g = attrs as unknown as FastConvGeometry;
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const memory = backendMemory(wasm);
  if (typeof memory === "string") throw new Error(`ResnetBlocksConv2D cannot run: ${memory}`);
  const out = wasm.makeOutput([batch, g.outHeight, g.outWidth, g.outChannels], "float32");
  const heap = (wasm as unknown as BackendInternals).wasm;
  const groups = g.groups ?? 1;
  const tileFloats = (TILE_ROWS * g.kernelH * g.kernelW * channels) / groups;
  const pixels = batch * g.outHeight * g.outWidth;
  const blockTiles = Math.max(1, Math.min(Math.floor(BLOCK_FLOATS / tileFloats), Math.ceil(pixels / TILE_ROWS)));
  const scratch = heap._malloc(blockTiles * tileFloats * 4);
  try {
    // Offsets are read after every allocation above: the heap may have grown, never moved.
    convKernelFor(memory)(
      offsetOf(wasm, x), height, width, channels,
      offsetOf(wasm, weights), offsetOf(wasm, out), residual ? offsetOf(wasm, residual) : 0,
      batch, g.outHeight, g.outWidth, g.outChannels,
      g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft,
      scratch, blockTiles, g.relu ? 1 : 0, groups,
    );
  } finally {
    heap._free(scratch);
  }
  return out;
}

/** Registers {@link FAST_CONV_KERNEL} for the `wasm` backend (once). */
export function registerFastConvKernel(): void {
  if (tf.getKernel(FAST_CONV_KERNEL, "wasm")) return;
  tf.registerKernel({ kernelName: FAST_CONV_KERNEL, backendName: "wasm", kernelFunc: convKernelFunc as tf.KernelFunc });
}

/**
 * Runs the kernel: `relu?(conv(x, weights) + bias + residual?)`.
 *
 * @param x NHWC input on the wasm backend.
 * @param weights Panels from `packConvWeights`, as a float32 tensor.
 * @param geometry Kernel size, strides, padding and output size.
 * @param residual Tensor of the output's shape to add before the ReLU, or null.
 */
export function fastConv2d(x: tf.Tensor4D, weights: tf.Tensor1D, geometry: FastConvGeometry, residual: tf.Tensor4D | null): tf.Tensor4D {
  const inputs: tf.NamedTensorMap = residual ? { x, weights, residual } : { x, weights };
  return tf.engine().runKernel(FAST_CONV_KERNEL, inputs, geometry as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
