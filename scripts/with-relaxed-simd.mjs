// Runs a TypeScript file with tsx in a Node that has WebAssembly relaxed SIMD: Node 20 needs
// --experimental-wasm-relaxed-simd (refused in NODE_OPTIONS), Node 22 and later have it on.
// Usage: node scripts/with-relaxed-simd.mjs file.ts [args...]
import { spawnSync } from "node:child_process";

const flag = Number(process.versions.node.split(".")[0]) < 22 ? ["--experimental-wasm-relaxed-simd"] : [];
const [script, ...args] = process.argv.slice(2);
const { status, signal } = spawnSync(process.execPath, [...flag, "--import", "tsx", script, ...args], { stdio: "inherit" });
process.exit(status ?? (signal ? 1 : 0));
