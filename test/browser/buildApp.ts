/**
 * Builds a Vite app against the built package, installed the way an app installs it: the app
 * is copied to a temporary folder whose node_modules/resnet-blocks links to the package
 * (package.json + dist/, so its `exports` map is what resolves) and whose other
 * node_modules entries link to the repository's (tfjs and its dependencies).
 */
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type InlineConfig } from "vite";

export const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The package under test: $RESNET_BLOCKS_PACKAGE_DIR (e.g. an unpacked `npm pack`), else this repository. */
export function packageDir(): string {
  const dir = resolve(process.env.RESNET_BLOCKS_PACKAGE_DIR ?? REPO);
  const entries = ["dist/index.js", "dist/backends/wasm.js"];
  const missing = entries.filter((entry) => !existsSync(join(dir, entry)));
  if (missing.length > 0) {
    throw new Error(`${dir} has no ${missing.join(", ")}: build the package first (npx tsup), then run the browser tests.`);
  }
  return dir;
}

/** A built app: the folder to serve, and how to delete the temporary copy. */
export interface BuiltApp {
  outDir: string;
  remove(): Promise<void>;
}

/** An app copied to a temporary folder, with node_modules laid out as npm would install it. */
export interface StagedApp {
  /** The app's folder (the copy). */
  app: string;
  /** Deletes the temporary folder. */
  remove(): Promise<void>;
}

/**
 * Copies the app in `sourceDir` (without node_modules/ and dist/) to a temporary folder and
 * links its node_modules: resnet-blocks to the package under test, the rest to the repository's.
 */
export async function stageApp(sourceDir: string): Promise<StagedApp> {
  const dir = await mkdtemp(join(tmpdir(), "resnet-blocks-browser-"));
  const app = join(dir, "app");
  await cp(sourceDir, app, { recursive: true, filter: (path) => !/[\\/](node_modules|dist)$/.test(path) });
  await mkdir(join(app, "node_modules"), { recursive: true });
  // The package as npm installs it: package.json, dist/ and assets/ only (a link to the whole repository
  // would let its own node_modules/ give the app a second copy of tfjs).
  const pkg = packageDir();
  await mkdir(join(app, "node_modules", "resnet-blocks"));
  await symlink(join(pkg, "package.json"), join(app, "node_modules", "resnet-blocks", "package.json"), "file");
  for (const folder of ["dist", "assets"]) {
    if (existsSync(join(pkg, folder))) await symlink(join(pkg, folder), join(app, "node_modules", "resnet-blocks", folder), "dir");
  }
  // Everything else as npm would hoist it: tfjs and its own dependencies (long, seedrandom, ...).
  for (const entry of await readdir(join(REPO, "node_modules"))) {
    if (entry === "resnet-blocks" || entry.startsWith(".")) continue;
    await symlink(join(REPO, "node_modules", entry), join(app, "node_modules", entry), "dir");
  }
  return { app, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Copies the app in `sourceDir` (without node_modules/ and dist/) and builds it with Vite.
 * `config` is merged over a small default (relative base, so the app can be served under
 * a path prefix); pass `configFile` to use the app's own vite.config instead.
 */
export async function buildApp(sourceDir: string, config: InlineConfig = {}): Promise<BuiltApp> {
  const { app, remove } = await stageApp(sourceDir);
  const outDir = join(app, "dist");
  const configFile = typeof config.configFile === "string" ? join(app, config.configFile) : false;
  await build({
    root: app,
    base: "./",
    logLevel: "warn",
    // Resolve from the app's node_modules as laid out (as npm installs), not the links' targets.
    resolve: { preserveSymlinks: true },
    ...config,
    configFile,
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, ...config.build },
  });
  return { outDir, remove };
}
