/**
 * `resnet-blocks/backends/webgpu`: registers TensorFlow.js's WebGPU backend
 * (`@tensorflow/tfjs-backend-webgpu`, an optional peer dependency) for `useBackend`.
 * Browsers with WebGPU only. Import it once, for its side effect, in the app's entry.
 *
 * @example
 * ```ts
 * import "resnet-blocks/backends/webgpu";
 * ```
 * @module
 */
import "@tensorflow/tfjs-backend-webgpu";
import { registerBackendModule } from "../registry.js";

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<unknown>;
}

/** Says why WebGPU cannot start here (tfjs itself registers nothing without `navigator.gpu`). */
async function precheck(): Promise<string | null> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    return secure === false
      ? "navigator.gpu is undefined because the page is not a secure context: serve it over https or from http://localhost"
      : "navigator.gpu is undefined: this browser has no WebGPU, or it is turned off (Chrome/Edge 113+ have it; on Linux Chromium needs --enable-unsafe-webgpu)";
  }
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    return "navigator.gpu.requestAdapter() gave no adapter: the GPU is blocklisted or WebGPU is disabled for it (see chrome://gpu)";
  }
  return null;
}

registerBackendModule({ name: "webgpu", packageName: "@tensorflow/tfjs-backend-webgpu", precheck });
