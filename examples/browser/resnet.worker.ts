// The worker's module: the backends the worker may start, then serveModel(). The page starts it with
// new Worker(new URL("./resnet.worker.ts", import.meta.url), { type: "module" }), which Vite bundles.
import "resnet-blocks/backends/webgpu";
import "resnet-blocks/backends/webgl";
import "resnet-blocks/backends/wasm";
import "resnet-blocks/backends/cpu";
import { serveModel } from "resnet-blocks/worker/serve";

serveModel();
