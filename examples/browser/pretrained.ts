/// <reference types="vite/client" />
// A pretrained ResNet from the Hugging Face Hub: downloaded once with a progress bar, kept in
// the browser's Cache API, and used to classify a photo that you drop or choose.
//
// Query parameters: ?id=<repository> (default timm/resnet18.a1_in1k), ?host=<mirror> (default
// the public Hub), ?backend=auto|webgpu|webgl|wasm|cpu (default auto).
import "resnet-blocks/backends/webgpu";
import "resnet-blocks/backends/webgl";
import "resnet-blocks/backends/wasm";
import "resnet-blocks/backends/cpu";
import { useBackend, type BackendName } from "resnet-blocks";
import { pretrained, type DownloadProgress, type Pretrained } from "resnet-blocks/pretrained";
// Vite emits the WASM binaries as assets and gives their URLs: pass them as wasmPaths.
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";

const wasmPaths = {
  "tfjs-backend-wasm.wasm": wasmPlain,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd,
};

const params = new URLSearchParams(location.search);
const id = params.get("id") ?? "timm/resnet18.a1_in1k";
const host = params.get("host"); // null: https://huggingface.co
const backend = (params.get("backend") ?? "auto") as "auto" | BackendName;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const progressBar = $<HTMLProgressElement>("progress");
const bytesOut = $("bytes");
const status = $("status");
const drop = $("drop");
const fileInput = $<HTMLInputElement>("file");
const preview = $<HTMLImageElement>("preview");
const timing = $("timing");
const table = $<HTMLTableElement>("top5");
$("id").textContent = id;

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** The files that came from the cache rather than the network. */
const fromCache = new Set<string>();

/** onProgress: the bar shows the file being fetched (config.json, then model.safetensors). */
function showProgress({ file, loaded, total, status: state }: DownloadProgress): void {
  if (state === "cached") fromCache.add(file);
  if (total === undefined) {
    progressBar.removeAttribute("value"); // size unknown: an indeterminate bar
    bytesOut.textContent = `${file}: ${mb(loaded)} MB`;
    return;
  }
  progressBar.max = total;
  progressBar.value = loaded;
  const how = state === "cached" ? "from the cache" : state === "done" ? "downloaded and checked" : "downloading";
  bytesOut.textContent = `${file}: ${mb(loaded)} of ${mb(total)} MB (${((100 * loaded) / Math.max(total, 1)).toFixed(0)}%), ${how}`;
}

async function load(): Promise<Pretrained> {
  const report = await useBackend(backend, { wasmPaths });
  status.textContent = `Loading ${id} on ${report.name}...`;
  const start = performance.now();
  // The browser's cache is the Cache API (cache "resnet-blocks-hub"): a second load makes no request.
  const net = await pretrained(id, {
    ...(host ? { host } : {}),
    onProgress: showProgress,
  });
  const ms = (performance.now() - start).toFixed(0);
  const where = fromCache.has("model.safetensors") ? "from cache" : "downloaded and cached";
  const cache = typeof caches === "object" ? "" : " (no Cache API here: it needs https or localhost)";
  const { inputSize, interpolation, cropPct } = net.dataConfig;
  status.textContent =
    `Loaded ${id} ${where} in ${ms} ms${cache}: ${net.config.architecture} on ${report.name}, ` +
    `${inputSize[1]}x${inputSize[2]} ${interpolation}, crop ${cropPct}. Drop a photo or choose a file.`;
  return net;
}

/** Classifies one image file and shows the top 5. */
async function classifyFile(net: Pretrained, file: File): Promise<void> {
  status.textContent = `Classifying ${file.name}...`;
  URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  // The checkpoint's preprocessing alone (decode, resize, centre crop, normalise), timed for
  // the line below; classify runs it again itself.
  let start = performance.now();
  (await net.transforms.apply(file)).dispose();
  const preprocessMs = performance.now() - start;
  start = performance.now();
  const [top5] = await net.classify(file, { topK: 5 }); // one list per image
  const classifyMs = performance.now() - start;
  table.replaceChildren(
    ...top5!.map(({ index, label, probability }) => {
      const row = table.ownerDocument.createElement("tr");
      row.dataset.index = String(index);
      row.dataset.probability = String(probability);
      row.innerHTML = `<td class="p">${(100 * probability).toFixed(1)}%</td><td></td>`;
      row.lastElementChild!.textContent = label;
      return row;
    }),
  );
  const [, h, w] = net.dataConfig.inputSize;
  timing.textContent = `preprocessing to ${h}x${w}: ${preprocessMs.toFixed(1)} ms; classify (preprocessing, ResNet, softmax, top 5): ${classifyMs.toFixed(0)} ms`;
  status.textContent = `Classified ${file.name}.`;
}

try {
  const net = await load();
  // One image at a time: a file chosen while another is classified waits for it.
  let queue = Promise.resolve();
  const enqueue = (file: File | undefined) => {
    if (!file) return;
    queue = queue.then(() => classifyFile(net, file)).catch((error: Error) => void (status.textContent = `Failed: ${error.message}`));
  };
  fileInput.disabled = false;
  fileInput.addEventListener("change", () => enqueue(fileInput.files?.[0]));
  drop.addEventListener("dragover", (event) => {
    event.preventDefault(); // allows the drop
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault(); // or the browser opens the file
    drop.classList.remove("over");
    enqueue(event.dataTransfer?.files[0]);
  });
} catch (error) {
  status.textContent = `Failed: ${(error as Error).message}`;
}
