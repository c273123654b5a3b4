import { expect, it } from "vitest";
import { chromiumPath } from "./chromium.js";

it("fails, saying how to install Chromium or set CHROMIUM_PATH, when none is found", () => {
  expect(() => chromiumPath(undefined, ["/nonexistent/chromium"])).toThrow(
    /found none \(looked at \/nonexistent\/chromium\)\. Install it \(Debian\/Ubuntu: `sudo apt-get install -y chromium`\) or set CHROMIUM_PATH/,
  );
  expect(() => chromiumPath("/nonexistent/chrome")).toThrow(/CHROMIUM_PATH is "\/nonexistent\/chrome", which is not an executable file/);
  expect(() => chromiumPath("/etc")).toThrow(/not an executable file/);
});

it("takes CHROMIUM_PATH first, then the usual paths", () => {
  expect(chromiumPath("/bin/sh", ["/nonexistent/chromium"])).toBe("/bin/sh");
  expect(chromiumPath(undefined, ["/nonexistent/chromium", "/bin/sh"])).toBe("/bin/sh");
});
