/**
 * The Node file cache of Hub files: `<cacheDir>/<host>/<owner>/<name>/<revision>/<file>`,
 * the default folder `$RESNET_BLOCKS_CACHE`, else `$XDG_CACHE_HOME/resnet-blocks/hub`, else
 * `~/.cache/resnet-blocks/hub`. Writes go to a temporary file in the same folder, then a
 * rename, so a killed process leaves at most a `*.part` file that is never read.
 * Node modules are imported when first used, so browser bundles do not pull them in.
 *
 * @module
 */
import type { CacheKey, HubCache } from "./cache.js";

/** The environment variable that moves the default cache folder. */
export const CACHE_ENV = "RESNET_BLOCKS_CACHE";

type Fs = typeof import("node:fs/promises");
type Path = typeof import("node:path");

async function nodeModules(): Promise<{ fs: Fs; path: Path; os: typeof import("node:os") }> {
  const [fs, path, os] = await Promise.all([import("node:fs/promises"), import("node:path"), import("node:os")]);
  return { fs, path, os };
}

/** The default cache folder of this process (Node only). */
export async function defaultCacheDir(): Promise<string> {
  const { path, os } = await nodeModules();
  const fromEnv = process.env[CACHE_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "resnet-blocks", "hub");
}

function hostFolder(host: string): string {
  const url = new URL(host);
  return `${url.hostname}${url.port ? `_${url.port}` : ""}${url.pathname === "/" ? "" : url.pathname.replace(/\//g, "_")}`;
}

/** A cache in the folder `dir` (Node). */
export function createFileCache(dir: string): HubCache {
  let modules: ReturnType<typeof nodeModules> | undefined;
  const load = () => (modules ??= nodeModules());
  // Every part is checked (repoId.ts) to have no "..": the join stays inside dir.
  const parts = (key: CacheKey) => [dir, hostFolder(key.host), ...key.repo.split("/"), encodeURIComponent(key.revision), key.file];
  return {
    location: dir,
    describe: (key) => parts(key).join("/"),
    async get(key) {
      const { fs, path } = await load();
      try {
        return new Uint8Array(await fs.readFile(path.join(...parts(key))));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async put(key, bytes) {
      const { fs, path } = await load();
      const target = path.join(...parts(key));
      await fs.mkdir(path.dirname(target), { recursive: true });
      const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
      try {
        await fs.writeFile(temp, bytes);
        await fs.rename(temp, target);
      } catch (error) {
        await fs.rm(temp, { force: true });
        throw error;
      }
    },
  };
}
