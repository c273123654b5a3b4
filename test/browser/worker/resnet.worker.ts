// The app's one-line worker module, as docs/inference.md shows: the backend it may use, then serveModel().
import "resnet-blocks/backends/wasm";
import { serveModel } from "resnet-blocks/worker/serve";

serveModel();
