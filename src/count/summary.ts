import { formatInteger, formatScaled, formatShape, markdownTable } from "./format.js";
import type { CountReport } from "./report.js";

/**
 * Renders a count as a per-stage Markdown table (output shape, parameters, MMACs, extra
 * MFLOPs), with a total row; a report counted with `options.convention` also gets a line with
 * that convention's total.
 *
 * @example
 * ```ts
 * console.log(summaryTable(count({ depth: 50, preset: "torchvision" })));
 * ```
 */
export function summaryTable(report: CountReport): string {
  const rows = report.stages.map((stage) => [
    stage.name,
    formatShape(stage.outputShape),
    formatInteger(stage.params.total),
    formatScaled(stage.macs, 1e6, 1),
    formatScaled(stage.extraFlops.total, 1e6, 1),
  ]);
  rows.push([
    "total",
    "",
    formatInteger(report.params.total),
    formatScaled(report.macs, 1e6, 1),
    formatScaled(report.extraFlops.total, 1e6, 1),
  ]);
  const table = markdownTable(
    ["stage", "output", "params", "MMACs", "extra MFLOPs"],
    rows,
    ["left", "left", "right", "right", "right"],
  );
  const totals = [
    `${report.name}, input ${formatShape(report.inputShape)}`,
    `params: ${formatInteger(report.params.total)} (trainable ${formatInteger(report.params.trainable)}, non-trainable ${formatInteger(report.params.nonTrainable)})`,
    `MACs: ${formatInteger(report.macs)} (${formatScaled(report.macs, 1e9, 3)} G); FLOPs = 2 x MACs: ${formatScaled(report.flops, 1e9, 3)} G`,
    `extra FLOPs (bias, batch norm, activations, adds, pooling, softmax): ${formatScaled(report.extraFlops.total, 1e9, 3)} G`,
    `activations (conv and dense outputs): ${formatInteger(report.activations)}`,
  ];
  const convention = report.convention;
  if (convention !== undefined) {
    totals.push(`${convention.convention} convention: ${formatInteger(convention.total)} ${convention.unit} (${formatScaled(convention.total, 1e9, 3)} G; see docs/flops.md)`);
  }
  return `${totals.join("\n")}\n\n${table}\n`;
}
