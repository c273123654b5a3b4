/**
 * The residual pass of the fuse compiler, run once every layer has its step: a sum (and its
 * ReLU) whose operand is a linear convolution on resnet-blocks' kernel read by nothing else
 * becomes that convolution with the other operand as its residual input, so the add and the
 * ReLU happen in the kernel's registers and the sum's step and its intermediate tensor go.
 *
 * @module
 */
import { fastConvStep, type FastConvStepArgs, type Step } from "./steps.js";

/** A linear fast convolution whose output only one layer reads: it may absorb a sum. */
export interface ResidualCandidate {
  /** Its step in the plan. */
  step: Step;
  /** What made the step, to make it again with a residual input. */
  args: FastConvStepArgs;
}

/** A sum of the plan: its step and what it adds. */
export interface SumSite {
  /** Its step in the plan. */
  step: Step;
  /** The layers the step computes (the add, and its ReLU when absorbed). */
  layers: readonly string[];
  /** Slots summed. */
  inputs: readonly number[];
  /** Slot written. */
  output: number;
  /** Whether a ReLU follows the sum. */
  relu: boolean;
}

/**
 * Rewrites `steps` in place: each sum of two operands, one of them a candidate, becomes the
 * candidate's convolution with the other operand as its residual, at the sum's position.
 *
 * @param candidates Candidates by output slot; each is used at most once (removed when used).
 */
export function fuseResiduals(steps: Step[], sums: readonly SumSite[], candidates: Map<number, ResidualCandidate>): void {
  for (const sum of sums) {
    if (sum.inputs.length !== 2) continue;
    // Of two candidates, take the one computed last: the fewest steps move.
    const position = (slot: number) => {
      const candidate = candidates.get(slot);
      return candidate ? steps.indexOf(candidate.step) : -1;
    };
    const convIndex = position(sum.inputs[1]!) > position(sum.inputs[0]!) ? 1 : 0;
    const convSlot = sum.inputs[convIndex]!;
    const residual = sum.inputs[1 - convIndex]!;
    if (position(convSlot) < 0 || residual === convSlot) continue;
    const { step, args } = candidates.get(convSlot)!;
    candidates.delete(convSlot);
    steps.splice(steps.indexOf(step), 1);
    const fused = fastConvStep({ ...args, layers: [...args.layers, ...sum.layers], residual, output: sum.output, relu: sum.relu });
    steps.splice(steps.indexOf(sum.step), 1, fused);
  }
}
