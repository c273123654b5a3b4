/**
 * A loopback HTTP server that answers like the Hugging Face Hub, for the pretrained tests:
 * `GET /<repo>/resolve/<revision>/<file>` answers small files (config.json) directly with
 * their git blob sha1 as ETag, and large ones (*.safetensors) with a 302 to `/cdn/<sha256>`
 * carrying `X-Linked-Etag` and `X-Linked-Size`, as the Hub does for LFS files. The CDN path
 * answers with `Content-Length`, `ETag` and Range requests (206). Every request is counted,
 * and each file can be made to misbehave: a truncated body, a wrong hash, 404, 500, an HTML
 * page, or a connection that stalls. It sends the Hub's CORS headers, so a page on another
 * origin can load from it.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What a file's answer does wrong. */
export type Fault = "truncate" | "wrong-hash" | "404" | "500" | "html" | "stall";

/** One request the server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  range?: string;
}

interface Entry {
  bytes: Uint8Array;
  sha256: string;
  gitSha1: string;
}

/** The server, started. */
export interface HubServer {
  /** `http://127.0.0.1:<port>`: the `host` option of pretrained(). */
  readonly url: string;
  /** Every request so far, in order. */
  readonly requests: SeenRequest[];
  /** Serves `files` as `<repo>` at `revision` (default "main"). */
  addRepo(repo: string, files: Record<string, Uint8Array>, revision?: string): void;
  /** Makes `file` of every repository misbehave (`undefined` to clear). */
  setFault(file: string, fault: Fault | undefined): void;
  /** Requests whose path ends with `suffix` (all when omitted). */
  count(suffix?: string): number;
  /** Forgets the requests seen. */
  resetCounts(): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const gitSha1 = (bytes: Uint8Array) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");

const HTML = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Proxy authentication required</body></html>\n";

/** Starts a Hub-like server on 127.0.0.1 and a free port. */
export async function startHubServer(): Promise<HubServer> {
  const repos = new Map<string, Entry>(); // "<repo>@<revision>/<file>" -> entry
  const bySha = new Map<string, Entry & { file: string }>();
  const faults = new Map<string, Fault>();
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();

  function answerFault(fault: Fault, file: string, entry: Entry, response: ServerResponse): boolean {
    if (fault === "404") {
      response.writeHead(404, { "content-type": "application/json", "x-error-code": "EntryNotFound" });
      response.end(JSON.stringify({ error: `Entry not found: ${file}` }));
      return true;
    }
    if (fault === "500") {
      response.writeHead(500, { "content-type": "text/plain" });
      response.end("Internal Server Error");
      return true;
    }
    if (fault === "html") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(HTML) });
      response.end(HTML);
      return true;
    }
    if (fault === "truncate") {
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": entry.bytes.length, etag: `"${entry.sha256}"` });
      response.write(entry.bytes.subarray(0, Math.floor(entry.bytes.length / 2)), () => response.socket?.destroy());
      return true;
    }
    if (fault === "stall") {
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": entry.bytes.length });
      response.write(entry.bytes.subarray(0, 1024)); // then nothing, until the client gives up
      return true;
    }
    return false;
  }

  function serveBytes(request: IncomingMessage, response: ServerResponse, entry: Entry, etag: string, fault: Fault | undefined): void {
    let body = entry.bytes;
    if (fault === "wrong-hash") {
      body = body.slice();
      body[body.length >> 1]! ^= 0xff; // same size, one byte flipped: only the hash can tell
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
    const headers = { "content-type": "application/octet-stream", etag: `"${etag}"`, "accept-ranges": "bytes" };
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      if (start > end) {
        response.writeHead(416, { "content-range": `bytes */${body.length}` });
        response.end();
        return;
      }
      response.writeHead(206, { ...headers, "content-length": end - start + 1, "content-range": `bytes ${start}-${end}/${body.length}` });
      response.end(body.subarray(start, end + 1));
      return;
    }
    response.writeHead(200, { ...headers, "content-length": body.length });
    response.end(body);
  }

  const server = createServer((request, response) => {
    // As the Hub: any origin may read the files and the integrity headers (browser tests).
    response.setHeader("access-control-allow-origin", "*");
    response.setHeader("access-control-expose-headers", "etag, x-linked-etag, x-linked-size, content-length, content-range, accept-ranges");
    const url = new URL(request.url ?? "/", "http://localhost");
    requests.push({ method: request.method ?? "GET", path: url.pathname, ...(request.headers.range ? { range: request.headers.range } : {}) });
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) {
      const entry = bySha.get(cdn[1]!);
      if (!entry) {
        response.writeHead(404).end();
        return;
      }
      const fault = faults.get(entry.file);
      if (fault && fault !== "wrong-hash" && answerFault(fault, entry.file, entry, response)) return;
      serveBytes(request, response, entry, entry.sha256, fault);
      return;
    }
    const resolve = /^\/(.+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const key = resolve ? `${resolve[1]}@${decodeURIComponent(resolve[2]!)}/${resolve[3]}` : "";
    const entry = repos.get(key);
    if (!resolve || !entry) {
      response.writeHead(404, { "content-type": "application/json", "x-error-code": resolve ? "EntryNotFound" : "RepoNotFound" });
      response.end(JSON.stringify({ error: "Entry not found" }));
      return;
    }
    const file = resolve[3]!;
    const fault = faults.get(file);
    if (file.endsWith(".safetensors")) {
      // LFS file: the Hub redirects to its CDN and names the hash and size on the redirect.
      if (fault === "404" || fault === "500") {
        answerFault(fault, file, entry, response);
        return;
      }
      response.writeHead(302, {
        location: `/cdn/${entry.sha256}?file=${encodeURIComponent(file)}`,
        "x-linked-etag": `"${entry.sha256}"`,
        "x-linked-size": String(entry.bytes.length),
        etag: `"${entry.sha256}"`,
      });
      response.end();
      return;
    }
    if (fault && fault !== "wrong-hash" && answerFault(fault, file, entry, response)) return;
    serveBytes(request, response, entry, entry.gitSha1, fault);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addRepo(repo, files, revision = "main") {
      for (const [file, bytes] of Object.entries(files)) {
        const entry = { bytes, sha256: sha256(bytes), gitSha1: gitSha1(bytes) };
        repos.set(`${repo}@${revision}/${file}`, entry);
        bySha.set(entry.sha256, { ...entry, file });
      }
    },
    setFault(file, fault) {
      if (fault) faults.set(file, fault);
      else faults.delete(file);
    },
    count: (suffix) => requests.filter((r) => suffix === undefined || r.path.endsWith(suffix)).length,
    resetCounts() {
      requests.length = 0;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
