/**
 * Time limits on backend starts: a start that does not settle in time is given up and made
 * obsolete in tfjs, so that `useBackend` never hangs and a late finish changes nothing.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** What {@link withinTime} resolves to when the time ran out. */
export const TIMED_OUT: unique symbol = Symbol("timed out");

/** `promise`'s value, or {@link TIMED_OUT} after `ms` milliseconds (a rejection passes through). */
export function withinTime<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * Makes a pending start of backend `name` obsolete: tfjs ignores its result if it ever
 * settles (`tf.removeBackend` bumps the pending-init id) and `tf.ready()` no longer waits for
 * it; the factory is registered again, so the backend can be tried later. Then re-selects
 * `previous`, the backend in use before, if it still runs.
 */
export async function abandonStart(name: string, previous: string | null): Promise<void> {
  const engine = tf.engine();
  const entry = engine.registryFactory[name];
  if (entry && !(name in engine.registry)) {
    tf.removeBackend(name);
    tf.registerBackend(name, entry.factory, entry.priority);
  }
  if (previous !== null && previous !== name && previous in engine.registry) await tf.setBackend(previous);
}
