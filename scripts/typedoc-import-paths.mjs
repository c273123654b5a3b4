// typedoc plugin: names each entry point's page by the import path users type
// ("resnet-blocks", "resnet-blocks/pool", "resnet-blocks/backends/wasm") instead of its source
// path ("index", "infer/pool"). The map is tsconfig.json's "paths", the one the type-check and
// the tests use; an entry point missing there is an error, so a new entry cannot slip through.
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { Converter, ReflectionKind } from "typedoc";

/** Source file (absolute) -> import path, from tsconfig.json's compilerOptions.paths. */
function importPaths(tsconfigPath) {
  const tsconfig = JSON.parse(readFileSync(tsconfigPath, "utf8"));
  const base = resolve(tsconfigPath, "..");
  const exact = new Map();
  const patterns = [];
  for (const [specifier, [target]] of Object.entries(tsconfig.compilerOptions?.paths ?? {})) {
    if (specifier.includes("*")) patterns.push([specifier, resolve(base, target)]);
    else exact.set(resolve(base, target), specifier);
  }
  return (file) => {
    if (exact.has(file)) return exact.get(file);
    for (const [specifier, target] of patterns) {
      const [head, tail] = target.split("*");
      if (file.startsWith(head) && file.endsWith(tail)) return specifier.replace("*", file.slice(head.length, file.length - tail.length));
    }
    return undefined;
  };
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module) || reflection.parent !== context.project) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    if (!file) return;
    const lookup = importPaths(resolve(app.options.getValue("tsconfig")));
    const name = lookup(resolve(file));
    if (name === undefined) {
      app.logger.error(`typedoc-import-paths: entry point ${relative(process.cwd(), file)} has no import path in tsconfig.json's "paths"; add it there`);
      return;
    }
    reflection.name = name;
  });
}
