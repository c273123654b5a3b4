/**
 * Docs tooling: parameters and FLOPs of every net of Table 1 without loading TensorFlow.js.
 * Run with `npx tsx examples/count-without-tfjs.ts`.
 */
import { count, DEPTHS, formatInteger, markdownTable } from "resnet-blocks/count";

const rows = DEPTHS.flatMap((depth) =>
  [true, false].map((residual) => {
    const report = count({ depth, residual });
    return [
      report.name,
      formatInteger(report.params.trainable),
      (report.macs / 1e9).toFixed(3),
      (report.flops / 1e9).toFixed(3),
      (report.extraFlops.total / 1e9).toFixed(3),
    ];
  }),
);
console.log(markdownTable(["net", "trainable params", "GMACs", "GFLOPs (2 x MACs)", "extra GFLOPs"], rows, ["left", "right", "right", "right", "right"]));
