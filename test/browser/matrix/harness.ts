/**
 * The bundler-matrix app: what every bundler's entry shares. It follows docs/backends.md as
 * an app would (the backends it imports, `wasmPaths` from the bundler's asset URLs) and puts
 * a small harness on `window` for the Playwright tests.
 */
import "resnet-blocks/backends/webgl";
import "resnet-blocks/backends/wasm";
import { useBackend, type BackendPreference, type BackendReport, type UseBackendOptions, type WasmPaths } from "resnet-blocks";
import { runModel } from "../page/run.js";

type Outcome = { ok: true; report: BackendReport } | { ok: false; message: string };

/** Exposes `window.harness` with the app's `wasmPaths`. */
export function installHarness(wasmPaths: WasmPaths): void {
  const harness = {
    wasmPaths,
    async useBackend(preference: BackendPreference, options: UseBackendOptions = {}): Promise<Outcome> {
      try {
        return { ok: true, report: await useBackend(preference, { wasmPaths, ...options }) };
      } catch (error) {
        return { ok: false, message: (error as Error).message };
      }
    },
    run: runModel,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  };
  (window as unknown as { harness: typeof harness }).harness = harness;
  document.getElementById("status")!.textContent = "ready";
}
