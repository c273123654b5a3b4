/**
 * The check that a TensorFlow.js backend is ready, made by the calls that create tensors
 * (the model factories, `fuse`, the weights loaders) before any work, so that a program that
 * forgot `await useBackend()` learns what to do instead of tfjs's `No backend found in registry.`
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** What of tfjs's engine the check reads (`pendingBackendInit` is private in tfjs's types). */
interface EngineState {
  backendName: string | null;
  registryFactory: Record<string, unknown>;
  pendingBackendInit?: unknown;
}

/**
 * Throws unless tfjs has a backend ready, or one registered that tfjs can start by itself
 * (a synchronous backend such as cpu, imported but not set).
 *
 * @param what The call that needs the backend, as messages name it: `resnet50()`, `fuse(model)`.
 * @throws Error `<what> needs a TensorFlow.js backend and none is ready: call await useBackend() first ...`
 *   when no backend is registered, when the registered ones must be awaited first (wasm,
 *   webgpu), or when one is still starting.
 */
export function requireBackend(what: string): void {
  const engine = tf.engine() as unknown as EngineState;
  if (engine.pendingBackendInit != null) {
    throw new Error(
      `${what} needs a TensorFlow.js backend and '${engine.backendName}' is still starting: ` +
        `call await useBackend() first (import { useBackend } from "resnet-blocks"), or await tf.ready()`,
    );
  }
  if (engine.backendName != null) return;
  const advice = `call await useBackend() first (import { useBackend } from "resnet-blocks"), which picks, starts and checks one`;
  if (Object.keys(engine.registryFactory).length === 0) {
    throw new Error(`${what} needs a TensorFlow.js backend and none is ready: ${advice}`);
  }
  // Registered but not set: tfjs starts the best one now if it can do so synchronously (cpu);
  // an asynchronous one (wasm, webgpu) cannot be used before it is awaited.
  try {
    void tf.engine().backend;
  } catch (error) {
    throw new Error(
      `${what} needs a TensorFlow.js backend and none is ready (${(error as Error).message}): ${advice}`,
      { cause: error },
    );
  }
}
