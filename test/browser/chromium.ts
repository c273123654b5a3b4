/**
 * Finds and launches Debian's Chromium for the browser tests. A missing Chromium is an
 * error that says how to install it or where to point CHROMIUM_PATH: never a skip.
 */
import { accessSync, constants, statSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Where Chromium is looked for when CHROMIUM_PATH is not set. */
export const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium", "/usr/bin/google-chrome"];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The Chromium to drive: $CHROMIUM_PATH, else the first of the usual Linux paths. */
export function chromiumPath(fromEnv = process.env.CHROMIUM_PATH, candidates: readonly string[] = CANDIDATES): string {
  if (fromEnv) {
    if (executable(fromEnv)) return fromEnv;
    throw new Error(`CHROMIUM_PATH is ${JSON.stringify(fromEnv)}, which is not an executable file. Point it to a Chromium or Chrome binary.`);
  }
  const found = candidates.find(executable);
  if (found) return found;
  throw new Error(
    "The browser tests need Chromium and found none (looked at " +
      candidates.join(", ") +
      "). Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set CHROMIUM_PATH to a Chromium/Chrome binary, " +
      "e.g. `CHROMIUM_PATH=/path/to/chrome npx vitest run test/browser`.",
  );
}

/**
 * Flags: a closed network (no background connections), and Chromium's software GPU
 * (SwiftShader) for WebGL and WebGPU; WebGPU on Linux also needs --enable-unsafe-webgpu.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--enable-unsafe-webgpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches headless Chromium with a fresh profile (Playwright makes a temporary one). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}
