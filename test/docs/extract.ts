/**
 * Finds every fenced code block in README.md and docs/*.md (docs/api excluded), with the
 * marker comment that may stand right before it. Generic on purpose: a block added anywhere
 * is picked up without touching the test.
 *
 * Markers (an HTML comment on the line before the block, blank lines allowed between):
 * - `<!-- fragment: NAME -->`: the block continues code shown elsewhere; the test puts the
 *   prelude NAME of test/docs/preludes.ts in front of it (and supplies its files).
 * - `<!-- typecheck-only: REASON -->`: type-checked, not run (a browser page, a download, hours of training).
 * - both, separated by `;`: `<!-- fragment: NAME; typecheck-only: REASON -->`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Languages whose blocks are TypeScript or JavaScript, so type-checked (and run unless marked). */
export const CODE_LANGUAGES = ["ts", "typescript", "js", "javascript", "mjs", "mts"] as const;

/** One fenced block of a Markdown file. */
export interface Snippet {
  /** `README.md:12`: the file (relative to the repository) and the line of the opening fence. */
  where: string;
  file: string;
  line: number;
  /** The info string's first word, lower case; `""` when the fence has none. */
  language: string;
  code: string;
  /** Prelude name from `<!-- fragment: NAME -->`, or null. */
  fragment: string | null;
  /** Reason from `<!-- typecheck-only: REASON -->`, or null (the block runs). */
  typecheckOnly: string | null;
}

const MARKER = /^<!--\s*((?:fragment|typecheck-only)\s*:[\s\S]*?)\s*-->$/;

/** The Markdown files whose blocks must run: README.md and docs/**\/*.md but docs/api. */
export function markdownFiles(root: string): string[] {
  const files = [join(root, "README.md")];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (relative(root, path) !== join("docs", "api")) walk(path);
      } else if (entry.name.endsWith(".md")) files.push(path);
    }
  };
  walk(join(root, "docs"));
  return files;
}

/** Every fenced block of one Markdown text. Throws on an unclosed fence or a malformed marker. */
export function extractSnippets(markdown: string, file: string): Snippet[] {
  const lines = markdown.split(/\r?\n/);
  const snippets: Snippet[] = [];
  let lastNonBlank = "";
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) {
      if (lines[i]!.trim() !== "") lastNonBlank = lines[i]!.trim();
      continue;
    }
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^\\s*${fence![0] === "`" ? "`" : "~"}{${fence!.length},}\\s*$`);
    while (j < lines.length && !close.test(lines[j]!)) body.push(lines[j++]!.slice(indent!.length));
    if (j >= lines.length) throw new Error(`${file}:${i + 1}: code block never closed`);
    const { fragment, typecheckOnly } = parseMarker(lastNonBlank, `${file}:${i + 1}`);
    snippets.push({ where: `${file}:${i + 1}`, file, line: i + 1, language: info!.toLowerCase(), code: body.join("\n"), fragment, typecheckOnly });
    lastNonBlank = "";
    i = j;
  }
  return snippets;
}

function parseMarker(line: string, where: string): { fragment: string | null; typecheckOnly: string | null } {
  const result = { fragment: null as string | null, typecheckOnly: null as string | null };
  if (!line.startsWith("<!--")) return result;
  const marker = MARKER.exec(line);
  if (!marker) {
    if (/^<!--\s*(fragment|typecheck|snippet|skip)/i.test(line)) throw new Error(`${where}: malformed snippet marker ${line}`);
    return result;
  }
  for (const part of marker[1]!.split(";")) {
    const [key, ...rest] = part.split(":");
    const value = rest.join(":").trim();
    const name = key!.trim();
    if (value === "") throw new Error(`${where}: snippet marker ${name} needs a value: ${line}`);
    if (name === "fragment") result.fragment = value;
    else if (name === "typecheck-only") result.typecheckOnly = value;
    else throw new Error(`${where}: unknown snippet marker ${JSON.stringify(name)} in ${line}; known: fragment, typecheck-only`);
  }
  return result;
}

/** Every block of the repository's Markdown, `where` relative to `root`. */
export function repositorySnippets(root: string): Snippet[] {
  return markdownFiles(root).flatMap((path) => extractSnippets(readFileSync(path, "utf8"), relative(root, path)));
}

/** Whether a block is TypeScript or JavaScript, so checked. */
export function isCode(snippet: Snippet): boolean {
  return (CODE_LANGUAGES as readonly string[]).includes(snippet.language);
}
