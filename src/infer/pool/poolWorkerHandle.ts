/**
 * One worker of the pool as the main thread sees it: starts the thread, sends requests and
 * matches the replies, and says when the thread stops unexpectedly.
 *
 * @module
 */
import type { Worker } from "node:worker_threads";
import { PoolWorkerError } from "./errors.js";
import type { WorkerReply, WorkerReplyValues, WorkerRequestBody } from "./protocol.js";
import { startWorkerThread } from "./workerScript.js";

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** A worker thread and its requests in flight. */
export class PoolWorkerHandle {
  private readonly thread: Worker;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private stopping = false;
  private lastError: Error | null = null;
  /** Set when the worker's WASM heap failed: the thread is being stopped and replaced. */
  private retiredFor: PoolWorkerError | null = null;
  private readonly exit: Promise<void>;
  /** Whether the thread is still running. */
  alive = true;

  /**
   * @param index 0-based index of the worker, for messages.
   * @param total Number of workers, for messages.
   * @param onCrash Called once if the thread stops without `terminate()`.
   */
  constructor(
    script: URL,
    readonly index: number,
    private readonly total: number,
    private readonly onCrash: (error: PoolWorkerError) => void,
  ) {
    this.thread = startWorkerThread(script);
    this.thread.on("message", (reply: WorkerReply) => this.settle(reply));
    this.thread.on("error", (error) => {
      this.lastError = error;
    });
    this.exit = new Promise((resolve) => {
      this.thread.once("exit", (code) => {
        this.alive = false;
        const crashed = !this.stopping && this.retiredFor === null; // a retired worker was reported already
        const error =
          this.retiredFor ??
          (crashed ? this.crashError(code) : new PoolWorkerError(`${this.label} was terminated`, { worker: index, exitCode: code }));
        for (const call of this.pending.values()) call.reject(error);
        this.pending.clear();
        resolve();
        if (crashed) onCrash(error);
      });
    });
  }

  /** `pool worker 2 of 4`. */
  get label(): string {
    return `pool worker ${this.index + 1} of ${this.total}`;
  }

  /** Sends a request; resolves with the worker's answer or rejects with its error. */
  call<B extends WorkerRequestBody>(body: B, transfer: ArrayBuffer[] = []): Promise<WorkerReplyValues[B["op"]]> {
    if (!this.alive) return Promise.reject(new PoolWorkerError(`${this.label} is not running`, { worker: this.index }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.thread.ref(); // a request in flight keeps the process alive
      this.thread.postMessage({ ...body, id }, transfer);
    });
  }

  /** Stops the thread (work in flight is rejected) and waits until it has exited. */
  async terminate(): Promise<void> {
    this.stopping = true;
    this.thread.ref();
    await this.thread.terminate();
    await this.exit;
  }

  /** @internal Stops the thread without warning, as a crash would (for the tests of crash recovery). */
  async simulateCrash(): Promise<void> {
    this.thread.ref();
    await this.thread.terminate();
    await this.exit;
  }

  private settle(reply: WorkerReply): void {
    const call = this.pending.get(reply.id);
    if (call === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.thread.unref(); // an idle worker does not keep the process alive
    if (reply.ok) {
      call.resolve(reply.value);
    } else {
      const { name, message, stack } = reply.error;
      const details = { worker: this.index, remoteName: name, ...(stack ? { remoteStack: stack } : {}) };
      if (name === "RuntimeError") {
        // A WebAssembly trap: the worker's WASM heap is corrupted (tfjs-backend-wasm out of
        // memory writes through a null pointer) and every later op would fail. Retire it.
        const error = new PoolWorkerError(
          `${this.label}: ${name}: ${message}: its WASM memory is corrupted (most likely tfjs-backend-wasm ran out of memory); ` +
            `the worker is retired`,
          details,
        );
        call.reject(error);
        this.retire(error);
        return;
      }
      call.reject(new PoolWorkerError(`${this.label}: ${name}: ${message}`, details));
    }
  }

  /** Stops a worker whose WASM heap failed and reports it to `onCrash` at once, so the pool replaces it. */
  private retire(error: PoolWorkerError): void {
    if (this.retiredFor !== null || this.stopping) return;
    this.retiredFor = error;
    this.alive = false; // no more requests: the pool does not hand it another chunk
    this.thread.ref();
    void this.thread.terminate();
    this.onCrash(error);
  }

  private crashError(code: number): PoolWorkerError {
    const reason = this.lastError ? `: ${this.lastError.name}: ${this.lastError.message}` : "";
    return new PoolWorkerError(`${this.label} stopped unexpectedly (exit code ${code})${reason}`, {
      worker: this.index,
      exitCode: code,
      ...(this.lastError ? { remoteName: this.lastError.name } : {}),
      ...(this.lastError?.stack ? { remoteStack: this.lastError.stack } : {}),
    });
  }
}
