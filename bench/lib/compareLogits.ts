/**
 * The check every bench peer passes before it is timed: its outputs are the reference
 * logits, within a tolerance.
 *
 * @module
 */

/** Outputs below this probability are not compared in log space (float32 softmax loses them). */
const SMALLEST_PROBABILITY = 1e-30;

/** Result of {@link compareLogits}. */
export interface LogitsComparison {
  /** Largest absolute difference of the (log-space, for softmax outputs) values compared. */
  maxDiff: number;
  /** The tolerance it was held to. */
  tolerance: number;
  /** Whether `maxDiff <= tolerance` and both hold only finite numbers. */
  ok: boolean;
  /** Whether the arg-max class of every row agrees. */
  sameTopClass: boolean;
}

/**
 * Compares a peer's outputs with the reference, row by row (`classes` values per row).
 * For softmax outputs it compares log-probabilities: log p = logit - logsumexp(logits),
 * so this compares the logits up to the per-row constant that softmax ignores, and a
 * relative error of the probabilities becomes an absolute one of the logits.
 *
 * Tolerance: `relative` (default 1e-3) times the spread (max - min) of each reference
 * row's logits, plus `absolute` (default 1e-4). Float32 runtimes sum in different orders:
 * on the bench's ResNet-50 at 224x224 (log-probability spread about 49) fuse, the pool and
 * onnxruntime differ from tfjs predict by up to 8e-4, about 2e-5 of the spread (on
 * ResNet-18, spread about 47: up to 4e-5). A wrong layer (batch norm scale and offset swapped, a kernel transposed, a pad
 * shifted) moves the logits by a sizeable fraction of their spread: swapping batch norm's
 * scale and offset in the ONNX graph moved ResNet-18's (64x64) by 11 against a tolerance of 0.02.
 */
export function compareLogits(
  reference: Float32Array,
  actual: Float32Array,
  { classes, softmax, relative = 1e-3, absolute = 1e-4 }: { classes: number; softmax: boolean; relative?: number; absolute?: number },
): LogitsComparison {
  if (reference.length !== actual.length || reference.length % classes !== 0) {
    throw new RangeError(`outputs of different sizes: reference ${reference.length} values, actual ${actual.length}, ${classes} classes per row`);
  }
  let maxDiff = 0;
  let tolerance = Infinity;
  let finite = true;
  let sameTopClass = true;
  for (let row = 0; row < reference.length / classes; row++) {
    const ref = reference.subarray(row * classes, (row + 1) * classes);
    const got = actual.subarray(row * classes, (row + 1) * classes);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < classes; i++) {
      const [r, a] = [ref[i]!, got[i]!];
      if (!Number.isFinite(r) || !Number.isFinite(a)) finite = false;
      if (softmax && r < SMALLEST_PROBABILITY) continue;
      const lr = softmax ? Math.log(r) : r;
      const la = softmax ? Math.log(Math.max(a, SMALLEST_PROBABILITY)) : a;
      min = Math.min(min, lr);
      max = Math.max(max, lr);
      maxDiff = Math.max(maxDiff, Math.abs(lr - la));
    }
    tolerance = Math.min(tolerance, relative * (max - min) + absolute);
    if (argmax(ref) !== argmax(got)) sameTopClass = false;
  }
  return { maxDiff, tolerance, ok: finite && maxDiff <= tolerance, sameTopClass };
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
