/**
 * A static file server on 127.0.0.1 and an ephemeral port, started and stopped by the tests.
 * The first path segment picks how it answers:
 * - `/coi/...`: with COOP/COEP, so the page is cross-origin isolated and WASM can use threads;
 * - `/plain/...`: without them (no SharedArrayBuffer, so one WASM thread);
 * - `/spa/...`: with COOP/COEP, and a missing file answered with index.html, as a
 *   single-page-app fallback does (the "magic word" failure of a .wasm request).
 */
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
};

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** A running server: its base URL (ending in `/`) and how to stop it. */
export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

async function fileOf(root: string, path: string): Promise<string | null> {
  const file = normalize(join(root, decodeURIComponent(path)));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    const info = await stat(file);
    if (info.isFile()) return file;
    if (info.isDirectory()) return (await stat(join(file, "index.html")).catch(() => null))?.isFile() ? join(file, "index.html") : null;
  } catch {
    // missing
  }
  return null;
}

/** Serves `root` as described above. */
export async function startServer(root: string): Promise<StaticServer> {
  const base = normalize(root);
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const [, mode = "", ...rest] = url.pathname.split("/");
    if (!["coi", "plain", "spa"].includes(mode)) {
      response.writeHead(404, { "content-type": "text/plain" }).end("unknown mode");
      return;
    }
    const headers: Record<string, string> = { "cache-control": "no-store", ...(mode === "plain" ? {} : ISOLATION) };
    let file = await fileOf(base, rest.join("/"));
    if (file === null && mode === "spa") file = join(base, "index.html");
    if (file === null) {
      response.writeHead(404, { ...headers, "content-type": "text/plain" }).end("not found");
      return;
    }
    const body = await readFile(file);
    response.writeHead(200, { ...headers, "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
