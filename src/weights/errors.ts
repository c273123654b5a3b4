/**
 * The errors of the `weights` entry: one for a file that is broken (not valid
 * safetensors, or tfjs weight data that does not match its manifest), one for weights
 * that do not fit the model.
 *
 * @module
 */

/** A safetensors file, or tfjs weight data, that is truncated, corrupt or malformed. */
export class WeightsFileError extends Error {
  /** `"WeightsFileError"`. */
  override name = "WeightsFileError";
}

/** How many problems a {@link WeightsError} message lists before it summarises the rest. */
const LISTED_PROBLEMS = 12;

/**
 * Weights that do not fit the model: missing or extra tensors, shape mismatches, wrong
 * dtypes. Every problem found is in `problems`; the model's weights were left as they were.
 */
export class WeightsError extends Error {
  /** `"WeightsError"`. */
  override name = "WeightsError";
  /** One line per problem, each naming the tensor. */
  readonly problems: readonly string[];

  constructor(summary: string, problems: readonly string[], hint?: string) {
    const listed = problems.slice(0, LISTED_PROBLEMS).map((line) => `\n  ${line}`);
    const more = problems.length > LISTED_PROBLEMS ? `\n  ... and ${problems.length - LISTED_PROBLEMS} more` : "";
    super(`${summary}${listed.join("")}${more}${hint ? `\n${hint}` : ""}`);
    this.problems = problems;
  }
}

