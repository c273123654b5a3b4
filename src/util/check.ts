/**
 * Argument checks that fail at the call site with the argument, the value and what is accepted:
 * `RangeError: depth must be one of 18, 34, 50, 101, 152; got 42`.
 *
 * @module
 */

/** Renders a value for an error message: strings quoted, arrays and objects as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (typeof value === "function") return `a function${value.name ? ` (${value.name})` : ""}`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    // fall through for cyclic objects
  }
  const ctor = (value as object).constructor?.name;
  return ctor ? `a ${ctor}` : "an object";
}

/** A shape for an error message: `[3, 3, 64, 64]` (tables print sizes as `formatShape` does, `3x3x64x64`). */
export function describeShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Returns `value` if it is one of `allowed`, else throws a RangeError naming `argument`. */
export function checkOneOf<T>(argument: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(
      `${argument} must be one of ${allowed.map(describeValue).join(", ")}; got ${describeValue(value)}`,
    );
  }
  return value as T;
}

/** Returns `value` if it is an integer of at least `min`, else throws naming `argument`. */
export function checkInteger(argument: string, value: unknown, min: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`${argument} must be an integer >= ${min}; got ${describeValue(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${argument} must be an integer >= ${min}; got ${describeValue(value)}`);
  }
  return value;
}

/** Returns `value` if it is a boolean, else throws a TypeError naming `argument`. */
export function checkBoolean(argument: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${argument} must be true or false; got ${describeValue(value)}`);
  }
  return value;
}

/** Returns `value` if it is a finite number > 0, else throws naming `argument`. */
export function checkPositiveNumber(argument: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    const ErrorType = typeof value === "number" ? RangeError : TypeError;
    throw new ErrorType(`${argument} must be a finite number > 0; got ${describeValue(value)}`);
  }
  return value;
}

/** Throws a TypeError unless `value` is a plain object (an options bag). */
export function checkOptionsObject(argument: string, value: unknown): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${argument} must be an options object; got ${describeValue(value)}`);
  }
}

/**
 * Throws a TypeError naming the first key of `options` that is not in `accepted`, and the
 * accepted keys: `options.depht is not an option of train; accepted: model, data, ...`.
 *
 * @param fn The function whose options these are, as users call it (`train`); omitted where
 *   the options serve several functions (the net options of `resnet`, `resnetSpec`, `count`).
 * @param argument How the options are named in the message. Default `options`.
 */
export function checkKnownKeys(options: object, accepted: readonly string[], fn?: string, argument = "options"): void {
  for (const key of Object.keys(options)) {
    if (!accepted.includes(key)) {
      const of = fn === undefined ? "" : ` of ${fn}`;
      throw new TypeError(`${argument}.${key} is not an option${of}; accepted: ${accepted.join(", ")}`);
    }
  }
}
