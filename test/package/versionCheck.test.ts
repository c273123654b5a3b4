/** `checkTfjsVersions`: a warning when tfjs-core and tfjs-layers differ at run time. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkTfjsVersions } from "../../src/versionCheck.js";
import { REPO_ROOT } from "./helpers.js";

async function installedVersion(name: string): Promise<string> {
  const text = await readFile(join(REPO_ROOT, "node_modules", "@tensorflow", name, "package.json"), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

afterEach(() => {
  vi.doUnmock("@tensorflow/tfjs-layers");
  vi.resetModules();
  vi.restoreAllMocks();
});

describe("checkTfjsVersions", () => {
  it("returns null for equal versions", () => {
    expect(checkTfjsVersions("4.22.0", "4.22.0")).toBeNull();
  });

  it("names both packages and both versions when they differ", () => {
    const message = checkTfjsVersions("4.22.0", "4.21.0");
    expect(message).toContain("@tensorflow/tfjs-core 4.22.0");
    expect(message).toContain("@tensorflow/tfjs-layers 4.21.0");
  });

  it("defaults to the versions loaded, which agree in this repository", async () => {
    expect(await installedVersion("tfjs-core")).toBe(await installedVersion("tfjs-layers"));
    expect(checkTfjsVersions()).toBeNull();
  });

  it("warns on import when the loaded tfjs-layers differs", async () => {
    vi.doMock("@tensorflow/tfjs-layers", async (importOriginal) => ({
      ...(await importOriginal<Record<string, unknown>>()),
      version_layers: "4.21.0",
    }));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    vi.resetModules();
    await import("../../src/versionCheck.js");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain(`@tensorflow/tfjs-layers 4.21.0`);
  });

  it("does not warn on import when they agree", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    vi.resetModules();
    await import("../../src/versionCheck.js");
    expect(warn).not.toHaveBeenCalled();
  });
});
