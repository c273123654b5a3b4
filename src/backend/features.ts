/**
 * WebAssembly feature detection by validating tiny modules, independent of tfjs's flags.
 *
 * @module
 */

// A module whose one function runs `i32.const 0; i8x16.splat; drop` (a 128-bit SIMD op).
const SIMD_PROBE = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x1a, 0x0b, // code
];

// A module with a shared memory (min 1, max 1 page) and one `i32.atomic.load` of address 0.
const THREADS_PROBE = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
  0x03, 0x02, 0x01, 0x00,
  0x05, 0x04, 0x01, 0x03, 0x01, 0x01, // memory: shared, min 1, max 1
  0x0a, 0x0b, 0x01, 0x09, 0x00, 0x41, 0x00, 0xfe, 0x10, 0x02, 0x00, 0x1a, 0x0b,
];

function validates(bytes: readonly number[]): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

/** Whether this JavaScript engine runs WebAssembly SIMD (128-bit) code. */
export function wasmSimdSupported(): boolean {
  return validates(SIMD_PROBE);
}

/**
 * Whether WebAssembly threads can run here: shared memories and atomics validate and
 * `SharedArrayBuffer` exists (in a browser, only in a cross-origin-isolated page).
 */
export function wasmThreadsSupported(): boolean {
  return typeof SharedArrayBuffer === "function" && validates(THREADS_PROBE);
}

/** Whether the bytes start with WebAssembly's magic word `00 61 73 6d` ("\0asm"). */
export function hasWasmMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}
