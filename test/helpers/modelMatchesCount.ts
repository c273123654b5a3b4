import type * as tfl from "@tensorflow/tfjs-layers";
import { expect } from "vitest";
import type { CountReport } from "../../src/count/report.js";
import { countModel } from "../../src/models/countModel.js";

/**
 * The built model is the counted spec: the same parameters, the same layers with the same
 * output shapes, and `countModel` (which reads the tfjs layers' own configs) giving the spec's
 * figures.
 */
export function expectModelMatchesCount(model: tfl.LayersModel, report: CountReport): void {
  expect(model.countParams()).toBe(report.params.total);
  // The same layers with the same output shapes (tfjs orders a graph's layers its own way).
  const byName = (a: [string, unknown], b: [string, unknown]) => a[0].localeCompare(b[0]);
  const counted = report.layers.map((layer): [string, unknown] => [layer.name, [null, ...layer.outputShape]]);
  const built = model.layers.map((layer): [string, unknown] => [layer.name, layer.outputShape]);
  expect(built.sort(byName)).toEqual(counted.sort(byName));
  const fromModel = countModel(model);
  expect(fromModel.macs).toBe(report.macs);
  expect(fromModel.params).toEqual(report.params);
  expect(fromModel.extraFlops).toEqual(report.extraFlops);
  expect(fromModel.activations).toBe(report.activations);
  expect(fromModel.stages.map((s) => [s.name, s.macs])).toEqual(report.stages.map((s) => [s.name, s.macs]));
  expect(fromModel.uncounted).toEqual([]);
}
