/**
 * What a WebAssembly trap in a forward pass means, said to the user: tfjs-backend-wasm (or
 * resnet-blocks' own WASM kernel) ran out of memory and wrote through a null pointer, so its
 * heap is corrupted and every later op on that backend fails.
 *
 * @module
 */

/** Whether `error` is a WebAssembly trap (`RuntimeError: memory access out of bounds`, `table index is out of bounds`, ...). */
export function isWasmTrap(error: unknown): error is Error {
  return error instanceof WebAssembly.RuntimeError || (error instanceof Error && error.name === "RuntimeError");
}

/**
 * Runs `work`; a WebAssembly trap becomes an `Error` that says what happened and how to
 * recover, with the trap as its `cause`. Other errors pass through unchanged.
 *
 * @param what The call, for the message (`FusedModel.predict of 17000 images`).
 */
export function explainingWasmFaults<T>(what: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!isWasmTrap(error)) throw error;
    throw new Error(
      `${what} failed in WebAssembly (${error.name}: ${error.message}): the WASM backend most likely ran out of memory ` +
        `(tfjs-backend-wasm's heap holds at most 4 GiB) and its memory is now corrupted, so the backend is unusable in this ` +
        `process or worker; to recover, restart the process (or worker) and run smaller batches`,
      { cause: error },
    );
  }
}
