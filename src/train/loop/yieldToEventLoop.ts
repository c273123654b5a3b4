/**
 * Lets the event loop run between two training steps, so that timers, I/O and signal
 * handlers (Ctrl-C's `process.on("SIGINT", ...)`, an `AbortController` aborted from a
 * timer or a button) get their turn while {@link train} runs. tfjs's `data()` on the cpu
 * and wasm backends resolves in a microtask, so without this a run never lets them in.
 *
 * @module
 */

type Resolve = () => void;

/**
 * A function that returns a promise resolved in a new macrotask of the event loop: through
 * `setImmediate` in Node (microseconds; no clamping), through a `MessageChannel` in
 * browsers and workers (not clamped to 4 ms as nested `setTimeout` is), else `setTimeout(0)`.
 */
export function eventLoopYielder(): () => Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === "function") return () => new Promise<void>((resolve) => void immediate(resolve));
  if (typeof MessageChannel === "function") {
    const waiting: Resolve[] = [];
    let channel: MessageChannel | null = null;
    return () =>
      new Promise<void>((resolve) => {
        if (channel === null) {
          channel = new MessageChannel();
          channel.port1.onmessage = () => waiting.shift()?.();
        }
        waiting.push(resolve);
        channel.port2.postMessage(null);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
}
