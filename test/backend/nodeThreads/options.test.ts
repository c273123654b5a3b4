import { describe, expect, it } from "vitest";
import { MAX_WASM_THREADS, startWasmWithThreads } from "../../../src/backend/nodeThreads/index.js";
import { checkWasmThreadsOptions } from "../../../src/backend/nodeThreads/options.js";

describe("startWasmWithThreads options", () => {
  it("accepts 1 to 8 threads (tfjs-backend-wasm's cap)", () => {
    expect(MAX_WASM_THREADS).toBe(8);
    for (let threads = 1; threads <= 8; threads++) expect(checkWasmThreadsOptions({ threads })).toBe(threads);
  });

  it.each([
    [{ threads: 0 }, RangeError, "got 0"],
    [{ threads: 9 }, RangeError, "got 9"],
    [{ threads: 1.5 }, RangeError, "got 1.5"],
    [{ threads: Number.NaN }, RangeError, "got NaN"],
    [{ threads: "2" }, TypeError, 'got "2"'],
    [{}, TypeError, "got undefined"],
  ])("rejects %j with a %o naming threads and the accepted range", async (options, ErrorType, got) => {
    const message = `threads must be an integer from 1 to 8 (tfjs-backend-wasm runs at most 8 XNNPACK threads); ${got}`;
    await expect(startWasmWithThreads(options as never)).rejects.toThrow(new ErrorType(message));
    await expect(startWasmWithThreads(options as never)).rejects.toBeInstanceOf(ErrorType);
  });

  it("rejects a missing options object", async () => {
    await expect(startWasmWithThreads(undefined as never)).rejects.toThrow(
      new TypeError("options must be an options object; got undefined"),
    );
    await expect(startWasmWithThreads(2 as never)).rejects.toThrow(new TypeError("options must be an options object; got 2"));
  });
});
