/**
 * The bundler matrix's apps: test/browser/matrix built the way apps ship it, by Vite 8 (the
 * current `vite`), Vite 7 (`vite7`) and webpack 5 (its Node API and default production
 * minifier, terser), each as a minified production build and as a development build (Vite's
 * dev server; webpack's development mode), all against the built package.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { transform } from "esbuild";
import type { InlineConfig } from "vite";
import { stageApp, type StagedApp } from "./buildApp.js";

/** The bundlers of the matrix. */
export type Bundler = "vite8" | "vite7" | "webpack";
/** A minified production build, or a development build. */
export type BuildMode = "production" | "development";

/** Bundle size of one production build. */
export interface BundleSize {
  /** Bytes of all emitted JavaScript (source maps excluded). */
  js: number;
  /** The same, gzip level 9, file by file. */
  gzip: number;
  /** resnet-blocks' share of the bundled JavaScript before minification (its modules' rendered size over all). */
  ownShare: number;
}

/** One app of the matrix: where its page is, with or without cross-origin isolation. */
export interface MatrixApp {
  bundler: Bundler;
  mode: BuildMode;
  /** e.g. "Vite 8, production (minified)". */
  label: string;
  /** The page URL, served with COOP/COEP (`isolated`) or without. */
  url(isolated: boolean): string;
  /** Production builds only. */
  size?: BundleSize;
  /** Seconds the build (or the dev server's start) took. */
  buildSeconds: number;
  close(): Promise<void>;
}

const MATRIX = fileURLToPath(new URL("./matrix", import.meta.url));
const PAGE = fileURLToPath(new URL("./page", import.meta.url));
const OWN = /[\\/]node_modules[\\/]resnet-blocks[\\/]/;

const HTML = (script: string, module: boolean) => `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>resnet-blocks bundler matrix</title></head>
  <body>
    <pre id="status">loading</pre>
    <script ${module ? 'type="module" ' : ""}src="${script}"></script>
  </body>
</html>
`;

/** Copies the matrix app (TypeScript turned into plain JavaScript, as any bundler reads it: `matrix/*.js`) with the shared page modules (`page/run.js`, `page/fixtures.js`). */
export async function stageMatrixApp(): Promise<StagedApp> {
  const staged = await stageApp(MATRIX);
  const sources: [string, string][] = [
    ...["harness", "vite", "webpack"].map((name) => [join(MATRIX, `${name}.ts`), `matrix/${name}.js`] as [string, string]),
    [join(PAGE, "run.ts"), "page/run.js"],
    [join(PAGE, "fixtures.ts"), "page/fixtures.js"],
  ];
  await mkdir(join(staged.app, "matrix"));
  await mkdir(join(staged.app, "page"));
  for (const [file, target] of sources) {
    const { code } = await transform(await readFile(file, "utf8"), { loader: "ts", format: "esm", target: "es2022" });
    await writeFile(join(staged.app, target), code);
  }
  await writeFile(join(staged.app, "index.html"), HTML("./matrix/vite.js", true));
  return staged;
}

async function jsSize(dir: string, own: number, total: number): Promise<BundleSize> {
  let js = 0;
  let gzip = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.m?js$/.test(entry.name)) continue;
    const bytes = await readFile(join(entry.parentPath, entry.name));
    js += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { js, gzip, ownShare: total > 0 ? own / total : 0 };
}

const ISOLATION = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

function viteConfig(app: string): InlineConfig {
  return {
    root: app,
    base: "./",
    logLevel: "warn",
    configFile: false,
    // Resolve from the app's node_modules as laid out (as npm installs), not the links' targets.
    resolve: { preserveSymlinks: true },
  };
}

/** A Vite production build (Vite's default minifier) into `<app>/dist-<bundler>`, served by `serve`. */
export async function viteBuild(app: string, bundler: "vite8" | "vite7", serveUrl: string): Promise<MatrixApp> {
  const vite = bundler === "vite8" ? await import("vite") : ((await import("vite7")) as unknown as typeof import("vite"));
  const out = `dist-${bundler}`;
  const start = performance.now();
  const result = await vite.build({ ...viteConfig(app), build: { outDir: join(app, out), emptyOutDir: true, reportCompressedSize: false } });
  const buildSeconds = (performance.now() - start) / 1000;
  let own = 0;
  let total = 0;
  for (const output of [result].flat() as { output: { type: string; modules?: Record<string, { renderedLength: number }> }[] }[]) {
    for (const chunk of output.output) {
      for (const [id, info] of Object.entries(chunk.modules ?? {})) {
        total += info.renderedLength;
        if (OWN.test(id)) own += info.renderedLength;
      }
    }
  }
  const label = `${bundler === "vite8" ? "Vite 8" : "Vite 7"}, production (minified)`;
  return {
    bundler,
    mode: "production",
    label,
    url: (isolated) => `${serveUrl}${isolated ? "coi" : "plain"}/${out}/index.html`,
    size: await jsSize(join(app, out), own, total),
    buildSeconds,
    close: async () => undefined,
  };
}

/** Vite 8's dev server on the app, on 127.0.0.1 and an ephemeral port; `?coi` pages get COOP/COEP. */
export async function viteDevServer(app: string): Promise<MatrixApp> {
  const vite = await import("vite");
  const start = performance.now();
  const server = await vite.createServer({
    ...viteConfig(app),
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false, watch: null },
    plugins: [
      {
        name: "isolation-by-query",
        configureServer(dev) {
          dev.middlewares.use((request, response, next) => {
            if ((request.url ?? "").includes("coi=1")) for (const [k, v] of Object.entries(ISOLATION)) response.setHeader(k, v);
            next();
          });
        },
      },
    ],
  });
  await server.listen();
  const { port } = server.httpServer!.address() as AddressInfo;
  return {
    bundler: "vite8",
    mode: "development",
    label: "Vite 8, dev server",
    url: (isolated) => `http://127.0.0.1:${port}/index.html${isolated ? "?coi=1" : ""}`,
    buildSeconds: (performance.now() - start) / 1000,
    close: () => server.close(),
  };
}

interface WebpackModule {
  name?: string;
  size?: number;
  modules?: WebpackModule[];
}

/** A webpack 5 build of `matrix/webpack.js` (production: its default minifier, terser) into `<app>/dist-webpack-<mode>`. */
export async function webpackBuild(app: string, mode: BuildMode, serveUrl: string): Promise<MatrixApp> {
  const { default: webpack } = await import("webpack");
  const out = `dist-webpack-${mode}`;
  const start = performance.now();
  const compiler = webpack({
    mode,
    context: app,
    entry: "./matrix/webpack.js",
    output: { path: join(app, out), filename: "main.js", publicPath: "auto", clean: true },
    // As npm lays node_modules out (the links are this test's, not the app's).
    resolve: { symlinks: false },
    performance: { hints: false },
    infrastructureLogging: { level: "error" },
  });
  const stats = await new Promise<import("webpack").Stats>((resolve, reject) => {
    compiler.run((error, result) => {
      compiler.close(() => undefined);
      if (error) reject(error);
      else if (!result || result.hasErrors()) reject(new Error(`webpack ${mode} build failed:\n${result?.toString("errors-only")}`));
      else resolve(result);
    });
  });
  const buildSeconds = (performance.now() - start) / 1000;
  await writeFile(join(app, out, "index.html"), HTML("./main.js", false));
  let own = 0;
  let total = 0;
  const visit = (modules: WebpackModule[] | undefined): void => {
    for (const m of modules ?? []) {
      if (m.modules && m.modules.length > 0) visit(m.modules);
      else if (m.size !== undefined && m.name !== undefined && !/\.wasm$/.test(m.name)) {
        total += m.size;
        if (m.name.includes("node_modules/resnet-blocks/")) own += m.size;
      }
    }
  };
  visit(stats.toJson({ all: false, modules: true, nestedModules: true }).modules as WebpackModule[]);
  return {
    bundler: "webpack",
    mode,
    label: `webpack 5, ${mode === "production" ? "production (minified)" : "development"}`,
    url: (isolated) => `${serveUrl}${isolated ? "coi" : "plain"}/${out}/index.html`,
    ...(mode === "production" ? { size: await jsSize(join(app, out), own, total) } : {}),
    buildSeconds,
    close: async () => undefined,
  };
}
