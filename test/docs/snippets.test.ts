// Every TypeScript/JavaScript block of README.md and docs/**/*.md type-checks against the BUILT
// package (imports of "resnet-blocks" resolve to dist/ through package.json's exports, as in a
// user's project) and runs with plain node, unless marked typecheck-only. Blocks marked
// `<!-- fragment: NAME -->` get the prelude NAME of test/docs/preludes.ts in front. The blocks
// are found anew on each run (test/docs/extract.ts), so a block added anywhere is checked.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractSnippets, isCode, repositorySnippets, type Snippet } from "./extract.js";
import { PRELUDES } from "./preludes.js";
import { compileSnippets, makeProject, ROOT, runSnippet, type CompiledSnippet } from "./project.js";

const snippets = repositorySnippets(ROOT);
const code = snippets.filter(isCode);

let dir: string;
let compiled: Map<Snippet, CompiledSnippet>;

beforeAll(() => {
  dir = makeProject();
  compiled = new Map(compileSnippets(dir, code).map((entry) => [entry.snippet, entry]));
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the Markdown's code blocks", () => {
  it("are found in README.md and every docs page", () => {
    const files = new Set(code.map((snippet) => snippet.file));
    for (const file of ["README.md", "docs/backends.md", "docs/inference.md", "docs/training.md", "docs/weights.md"]) expect(files).toContain(file);
    expect(code.length).toBeGreaterThanOrEqual(20);
  });

  it("name only known preludes", () => {
    const unknown = code.filter((snippet) => snippet.fragment !== null && !(snippet.fragment in PRELUDES)).map((snippet) => `${snippet.where}: ${snippet.fragment}`);
    expect(unknown).toEqual([]);
  });

  it.each(code.map((snippet) => [snippet.where, snippet] as const))("%s type-checks against dist/", (_where, snippet) => {
    expect(compiled.get(snippet)!.errors).toEqual([]);
  });

  const runnable = code.filter((snippet) => snippet.typecheckOnly === null);
  it.each(runnable.map((snippet) => [snippet.where, snippet] as const))(
    "%s runs with node",
    (_where, snippet) => {
      const entry = compiled.get(snippet)!;
      expect(entry.errors, "type errors (see the type-check test)").toEqual([]);
      const result = runSnippet(dir, entry);
      expect(result.status, `${snippet.where} exited with ${result.status}:\n${result.output.slice(-3000)}`).toBe(0);
    },
    240_000,
  );
});

describe("the check itself", () => {
  // A synthetic page: a block using an undefined name, one that throws when run, one that is fine.
  const page = [
    "```ts",
    "const probs = images.length;",
    "```",
    "",
    "```ts",
    'import { resnet18 } from "resnet-blocks";',
    "resnet18(); // no useBackend() first",
    "```",
    "",
    "<!-- typecheck-only: a browser page -->",
    "```js",
    'import { count } from "resnet-blocks/count";',
    "console.log(count({ depth: 18 }).macs);",
    "```",
  ].join("\n");
  const [undefinedName, noBackend, fine] = extractSnippets(page, "page.md");

  it("reads the blocks, their lines and markers", () => {
    expect([undefinedName!.where, noBackend!.where, fine!.where]).toEqual(["page.md:1", "page.md:5", "page.md:11"]);
    expect(fine!.typecheckOnly).toBe("a browser page");
    expect(fine!.language).toBe("js");
  });

  it("fails a block with an undefined name (type-check) and one that throws (run)", () => {
    const [a, b, c] = compileSnippets(dir, [undefinedName!, noBackend!, fine!]);
    expect(a!.errors.join("\n")).toMatch(/^page\.md:2:\d+: error TS\d+: Cannot find name 'images'/);
    expect(b!.errors).toEqual([]);
    expect(c!.errors).toEqual([]);
    const run = runSnippet(dir, b!);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/call await useBackend\(\) first/);
  }, 120_000);

  it("refuses a malformed marker rather than ignoring it", () => {
    expect(() => extractSnippets("<!-- typecheck only -->\n```ts\nx\n```\n", "bad.md")).toThrow(/bad\.md:2: malformed snippet marker/);
    expect(() => extractSnippets("<!-- fragment: a; runs: b -->\n```ts\nx\n```\n", "bad.md")).toThrow(/unknown snippet marker "runs"/);
  });
});
