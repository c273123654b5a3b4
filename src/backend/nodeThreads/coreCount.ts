/**
 * Obstacle 3, the thread clamp. tfjs-backend-wasm's C++ caps XNNPACK threads at
 * `emscripten_num_logical_cores() / 2` (meant for hyper-threading), a figure its Emscripten
 * glue takes from `os.cpus().length` in Node and reads once, while the module starts. On
 * a 2-vCPU machine that cap is 1. For the duration of the start, `os.cpus` reports at
 * least twice the requested threads.
 *
 * @module
 */
import type { CpuInfo } from "node:os";

const UNKNOWN_CPU: CpuInfo = { model: "unknown", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } };

/** Logical cores the glue must see so that the clamp lets `threads` threads through. */
export function coresNeededFor(threads: number): number {
  return 2 * threads;
}

/**
 * A stand-in for `os.cpus` that returns what `realCpus` returns, padded with copies of
 * its entries up to `count` entries.
 */
export function cpusAtLeast(count: number, realCpus: () => CpuInfo[]): () => CpuInfo[] {
  return () => {
    const cpus = realCpus();
    const templates = cpus.length > 0 ? [...cpus] : [UNKNOWN_CPU];
    for (let i = 0; cpus.length < count; i++) {
      const template = templates[i % templates.length]!;
      cpus.push({ ...template, times: { ...template.times } });
    }
    return cpus;
  };
}
