import type { Pad } from "./reference.js";

/** One convolution geometry of the gradient tests. */
export interface ConvCase {
  name: string;
  xShape: [number, number, number, number];
  kernel: number;
  stride: number;
  outChannels: number;
  pad: Pad;
}

const PADS = (kernel: number): [string, Pad][] => [
  ["same", "same"],
  ["valid", "valid"],
  ["pad 1", 1],
  [`explicit ${kernel >> 1}`, [[0, 0], [kernel >> 1, kernel >> 1], [kernel >> 1, kernel >> 1], [0, 0]]],
  ["explicit 1,0 / 0,2", [[0, 0], [1, 0], [0, 2], [0, 0]]],
];

/**
 * Strides 1 and 2, kernels 1, 3 and 7, five paddings, batch 1 and 8, an odd (11 x 9) and an
 * even (12 x 10) input: every convolution shape of the ResNets (7x7/2 stem, 3x3 and 1x1,
 * strided after explicit padding or 'same') at toy channel counts.
 */
export const CONV_CASES: ConvCase[] = [];
for (const stride of [1, 2])
  for (const kernel of [1, 3, 7])
    for (const [padName, pad] of PADS(kernel))
      for (const batch of [1, 8])
        for (const [height, width] of [
          [11, 9],
          [12, 10],
        ] as const) {
          CONV_CASES.push({
            name: `k${kernel} s${stride} ${padName} batch ${batch} ${height}x${width}`,
            xShape: [batch, height, width, 3],
            kernel,
            stride,
            outChannels: 4,
            pad,
          });
        }
