import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasWasmMagic, wasmSimdSupported, wasmThreadsSupported } from "../../src/backend/features.js";
import { checkWasmUrl, wasmBinaryFor, wasmUrl } from "../../src/backend/wasmFiles.js";

const simdBinary = readFileSync(
  fileURLToPath(import.meta.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm")),
);
const html = "<!DOCTYPE html><html><body>app</body></html>";

let server: Server;
let base: string;

beforeAll(async () => {
  // /good/ serves the real binary; everything else answers like an SPA fallback: index.html.
  server = createServer((request, response) => {
    if (request.url === "/good/tfjs-backend-wasm-simd.wasm") {
      response.writeHead(200, { "content-type": "application/wasm" }).end(simdBinary);
    } else {
      response.writeHead(200, { "content-type": "text/html" }).end(html);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the HTML-instead-of-WASM check", () => {
  it("is the failure WebAssembly reports as 'expected magic word 00 61 73 6d, found 3c 21 44 4f'", async () => {
    await expect(WebAssembly.compile(new TextEncoder().encode(html))).rejects.toThrow(
      /expected magic word 00 61 73 6d, found 3c 21 44 4f/,
    );
    expect(hasWasmMagic(new TextEncoder().encode(html))).toBe(false);
    expect(hasWasmMagic(simdBinary)).toBe(true);
  });

  it("names the URL that served HTML, what came back, and the fix", async () => {
    const url = `${base}/assets/tfjs-backend-wasm-simd.wasm`;
    const problem = await checkWasmUrl(url);
    expect(problem).toContain(`the server answered ${url} with 200 text/html, starting 3c 21 44 4f ("<!DO")`);
    expect(problem).toContain("serve node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm at that URL");
    expect(problem).toContain("wasmPaths");
  });

  it("passes a URL that serves the binary", async () => {
    expect(await checkWasmUrl(`${base}/good/tfjs-backend-wasm-simd.wasm`)).toBeNull();
  });

  it("reports an unreachable URL", async () => {
    const problem = await checkWasmUrl("http://127.0.0.1:1/tfjs-backend-wasm.wasm");
    expect(problem).toMatch(/^fetching http:\/\/127\.0\.0\.1:1\/tfjs-backend-wasm\.wasm failed/);
  });
});

describe("which binary, from where", () => {
  it("follows tfjs-backend-wasm's choice: threads only with SIMD", () => {
    expect(wasmBinaryFor(true, true)).toBe("tfjs-backend-wasm-threaded-simd.wasm");
    expect(wasmBinaryFor(true, false)).toBe("tfjs-backend-wasm-simd.wasm");
    expect(wasmBinaryFor(false, true)).toBe("tfjs-backend-wasm.wasm");
  });

  it("resolves a folder or a file map against the page", () => {
    expect(wasmUrl("tfjs-backend-wasm-simd.wasm", "/wasm/", "http://h/app/")).toBe("http://h/wasm/tfjs-backend-wasm-simd.wasm");
    expect(wasmUrl("tfjs-backend-wasm-simd.wasm", "wasm/", "http://h/app/")).toBe("http://h/app/wasm/tfjs-backend-wasm-simd.wasm");
    const map = {
      "tfjs-backend-wasm.wasm": "/a.wasm",
      "tfjs-backend-wasm-simd.wasm": "/assets/simd-1234.wasm",
      "tfjs-backend-wasm-threaded-simd.wasm": "/c.wasm",
    };
    expect(wasmUrl("tfjs-backend-wasm-simd.wasm", map, "http://h/")).toBe("http://h/assets/simd-1234.wasm");
  });
});

describe("feature detection", () => {
  it("finds SIMD and threads in Node 20's V8", () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(wasmThreadsSupported()).toBe(true);
  });

  it("agrees with the feature tfjs-backend-wasm's own binaries need: the SIMD binary compiles", async () => {
    await expect(WebAssembly.compile(simdBinary)).resolves.toBeInstanceOf(WebAssembly.Module);
  });
});
