/**
 * The "how to fix it" part of the messages: per backend, what to install or import.
 *
 * @module
 */
import type { Runtime } from "./environment.js";
import type { BackendName } from "./types.js";

/** The npm package of each backend, as an app installs it. */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  tensorflow: "@tensorflow/tfjs-node",
  webgpu: "@tensorflow/tfjs-backend-webgpu",
  webgl: "@tensorflow/tfjs-backend-webgl",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
};

/** The `resnet-blocks/backends/*` subpath that registers each backend. */
export const BACKEND_SUBPATHS: Readonly<Record<BackendName, string>> = {
  tensorflow: "resnet-blocks/backends/node",
  webgpu: "resnet-blocks/backends/webgpu",
  webgl: "resnet-blocks/backends/webgl",
  wasm: "resnet-blocks/backends/wasm",
  cpu: "resnet-blocks/backends/cpu",
};

/** Why a backend is not available at all here, and what to do. */
export function notRegisteredReason(name: BackendName, runtime: Runtime): string {
  if (name === "tensorflow" && runtime === "browser") {
    return "native TensorFlow (tfjs-node) runs only in Node; in a browser use 'webgpu', 'webgl', 'wasm' or 'cpu'";
  }
  return (
    `not loaded: install ${BACKEND_PACKAGES[name]} and add \`import "${BACKEND_SUBPATHS[name]}";\` ` +
    `to the app's entry (backends are opt-in so that bundles only carry what they use)`
  );
}

/** The advice appended when a backend was loaded but failed to start. */
export function startFailureHint(name: BackendName, runtime: Runtime): string {
  switch (name) {
    case "webgpu":
      return "WebGPU needs a browser that exposes it (Chrome/Edge 113+, in a secure context: https or http://localhost) and a usable GPU adapter";
    case "webgl":
      return "WebGL needs hardware acceleration enabled in the browser (or a software fallback) and a GPU that is not blocklisted";
    case "wasm":
      return runtime === "browser"
        ? "the page must be able to fetch the .wasm binaries: in a bundled app pass useBackend(..., { wasmPaths }) (see docs/backends.md, \"WASM in a bundler\" for Vite and webpack)"
        : "reinstall @tensorflow/tfjs-backend-wasm (its dist/ folder must hold the .wasm binaries)";
    case "tensorflow":
      return "reinstall @tensorflow/tfjs-node (its native addon must match this Node version and platform)";
    case "cpu":
      return "reinstall @tensorflow/tfjs-backend-cpu at the version of @tensorflow/tfjs-core";
  }
}
