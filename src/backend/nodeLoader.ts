/**
 * Node only: loads an optional backend package that the app did not import itself, so that
 * `useBackend()` in Node needs no configuration. The specifier is a variable and the
 * import carries the bundlers' ignore comments, so Vite and webpack neither resolve nor
 * bundle these packages (a browser build never reaches this code: it runs only in Node).
 *
 * @module
 */
import { registerBackendModule, type WasmControls } from "./registry.js";
import type { BackendName } from "./types.js";

/** The npm packages that provide each backend in Node, tried in order. */
export const NODE_PACKAGES: Readonly<Record<BackendName, readonly string[]>> = {
  tensorflow: ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"],
  wasm: ["@tensorflow/tfjs-backend-wasm"],
  cpu: ["@tensorflow/tfjs-backend-cpu"],
  webgl: [],
  webgpu: [],
};

function importOptional(specifier: string): Promise<Record<string, unknown>> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<Record<string, unknown>>;
}

/**
 * Whether the import failed because the package itself is missing (not because something
 * inside it failed to load). Node says so with a code; Vite's SSR loader (vitest, Vite
 * servers) with "Could not resolve" when the package is a declared but absent optional peer.
 */
function isNotFound(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message !== "string") return false;
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return message.includes(`'${specifier}'`);
  return message.startsWith(`Could not resolve "${specifier}"`);
}

function wasmControls(namespace: Record<string, unknown>): WasmControls | undefined {
  for (const candidate of [namespace, namespace.default as Record<string, unknown> | undefined]) {
    if (candidate && typeof candidate.setWasmPaths === "function" && typeof candidate.getThreadsCount === "function") {
      return candidate as unknown as WasmControls;
    }
  }
  return undefined;
}

/**
 * Imports the first installed package of `name` and registers it. Resolves to `null` on
 * success, or to the reason it could not (not installed, or installed but failing to load).
 */
export async function loadNodeBackend(name: BackendName): Promise<string | null> {
  const packages = NODE_PACKAGES[name];
  if (packages.length === 0) return `${name} runs only in a browser; in Node use 'tensorflow', 'wasm' or 'cpu'`;
  const failures: string[] = [];
  for (const packageName of packages) {
    let namespace: Record<string, unknown>;
    try {
      namespace = await importOptional(packageName);
    } catch (error) {
      if (!isNotFound(error, packageName)) {
        failures.push(`${packageName} is installed but failed to load: ${(error as Error).message ?? String(error)}`);
      }
      continue;
    }
    const wasm = name === "wasm" ? wasmControls(namespace) : undefined;
    registerBackendModule({ name, packageName, ...(wasm ? { wasm } : {}) });
    return null;
  }
  if (failures.length > 0) return failures.join("; ");
  if (name === "tensorflow") {
    return (
      "neither @tensorflow/tfjs-node nor @tensorflow/tfjs-node-gpu is installed (optional peer dependencies of resnet-blocks): " +
      "npm install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu for CUDA) for native TensorFlow"
    );
  }
  return `${packages[0]} is not installed (an optional peer dependency of resnet-blocks): npm install ${packages[0]}`;
}
