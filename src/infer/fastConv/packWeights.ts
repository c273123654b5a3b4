/**
 * The weight layout the kernel reads: 8-channel panels, each `[bias 8][depth][8]` with
 * depth = kernelH * kernelW * inChannels in tfjs's HWIO order.
 *
 * @module
 */
import { PANEL_WIDTH } from "./kernelSource.js";

/**
 * Packs an HWIO filter and its bias into panels.
 *
 * @param filter Values of a `[kernelH, kernelW, inChannels, outChannels]` filter.
 * @param outChannels Its last dimension; a multiple of {@link PANEL_WIDTH}.
 * @param bias `outChannels` values, or null for zeros.
 */
export function packConvWeights(filter: Float32Array, outChannels: number, bias: Float32Array | null): Float32Array {
  const depth = filter.length / outChannels;
  const panelLength = (depth + 1) * PANEL_WIDTH;
  const packed = new Float32Array((outChannels / PANEL_WIDTH) * panelLength);
  for (let panel = 0; panel < outChannels / PANEL_WIDTH; panel++) {
    const base = panel * panelLength;
    const firstChannel = panel * PANEL_WIDTH;
    if (bias) packed.set(bias.subarray(firstChannel, firstChannel + PANEL_WIDTH), base);
    for (let k = 0; k < depth; k++) {
      const row = k * outChannels + firstChannel;
      packed.set(filter.subarray(row, row + PANEL_WIDTH), base + PANEL_WIDTH * (k + 1));
    }
  }
  return packed;
}
