/**
 * Temporary replacements of properties (a global, a module's function, a flag), each put
 * back exactly as it was (the same descriptor, or absent) by one `restore()`.
 *
 * @module
 */

/** A set of property replacements that `restore()` undoes, last first. */
export class ScopedOverrides {
  private readonly undo: (() => void)[] = [];

  /** Replaces `target[key]` with `value` (a plain writable property) until {@link restore}. */
  replace<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
    const before = Object.getOwnPropertyDescriptor(target, key);
    this.undo.push(() => putBack(target, key, before));
    Object.defineProperty(target, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: before?.enumerable ?? true, // as a plain assignment would make it
    });
  }

  /** Remembers `target[key]` as it is now and puts it back on {@link restore}, whatever has replaced it meanwhile. */
  keep(target: object, key: PropertyKey): void {
    const before = Object.getOwnPropertyDescriptor(target, key);
    this.undo.push(() => putBack(target, key, before));
  }

  /** Undoes every replacement, last first; safe to call twice. */
  restore(): void {
    const errors: unknown[] = [];
    while (this.undo.length > 0) {
      try {
        this.undo.pop()!();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, "could not restore every overridden property");
  }
}

function putBack(target: object, key: PropertyKey, descriptor: PropertyDescriptor | undefined): void {
  if (descriptor) Object.defineProperty(target, key, descriptor);
  else delete (target as Record<PropertyKey, unknown>)[key];
}
