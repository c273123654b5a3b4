/**
 * The `process` listeners that tfjs-backend-wasm's Emscripten glue touches. The glue adds an
 * `uncaughtException` and an `unhandledRejection` listener when a module starts, and its
 * `dispose` means to remove them again, but its filter keeps every listener, so it removes
 * all of them, the test runner's and the app's included. These helpers record the
 * listeners and put them back.
 *
 * @module
 */

const EVENTS = ["uncaughtException", "unhandledRejection"] as const;

/** The listeners of one moment, per event, as `process.rawListeners` gives them (once-wrappers kept). */
export type ListenerSnapshot = Record<(typeof EVENTS)[number], readonly Function[]>;

/** The current listeners of the events the glue touches. */
export function snapshotListeners(): ListenerSnapshot {
  return {
    uncaughtException: process.rawListeners("uncaughtException"),
    unhandledRejection: process.rawListeners("unhandledRejection"),
  };
}

/** The listeners of `after` that `before` lacks (those added in between). */
export function listenersAddedSince(before: ListenerSnapshot, after: ListenerSnapshot): ListenerSnapshot {
  return {
    uncaughtException: after.uncaughtException.filter((listener) => !before.uncaughtException.includes(listener)),
    unhandledRejection: after.unhandledRejection.filter((listener) => !before.unhandledRejection.includes(listener)),
  };
}

/** Sets each event's listeners to those of `snapshot` (in its order), leaving out those of `without`. */
export function restoreListeners(snapshot: ListenerSnapshot, without?: ListenerSnapshot): void {
  for (const event of EVENTS) {
    const wanted = snapshot[event].filter((listener) => !without?.[event].includes(listener));
    const current = process.rawListeners(event);
    if (current.length === wanted.length && current.every((listener, i) => listener === wanted[i])) continue;
    process.removeAllListeners(event);
    for (const listener of wanted) process.on(event, listener as (...args: unknown[]) => void);
  }
}

/** Runs `fn`, then gives back every listener that was there before it (undoing the glue's over-eager removal). */
export function keepingListeners<T>(fn: () => T): T {
  const before = snapshotListeners();
  try {
    return fn();
  } finally {
    restoreListeners(before);
  }
}
