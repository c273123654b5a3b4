// In a fresh Node process with no backend started, the calls that need one say what to do
// (`call await useBackend() first`) instead of tfjs's "No backend found in registry.".
// Runs against the built package (dist/), as a user's program would import it.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeProject } from "./project.js";

// A user's project with the built package installed (see project.ts).
let project: string;
beforeAll(() => {
  project = makeProject();
}, 330_000);
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});
const dist = (entry: string) => (entry === "index.js" ? "resnet-blocks" : `resnet-blocks/${entry.replace(/\.js$/, "")}`);

/** Runs an ES module in a fresh node and returns what it printed (one JSON line). */
function runFresh(source: string): Record<string, string> {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", source], { cwd: project, encoding: "utf8", timeout: 60_000 });
  return JSON.parse(out.trim().split("\n").pop()!) as Record<string, string>;
}

const catching = `
const messages = {};
const attempt = async (name, call) => { try { await call(); messages[name] = "no error"; } catch (e) { messages[name] = String(e && e.message); } };
`;

describe("calls that need a backend, with none started", () => {
  it("the model factories say to call await useBackend() first", () => {
    const messages = runFresh(`
      import { resnet, resnet18, plain34 } from ${JSON.stringify(dist("index.js"))};
      import { cifarResnet } from ${JSON.stringify(dist("train.js"))};
      ${catching}
      await attempt("resnet18", () => resnet18());
      await attempt("plain34", () => plain34({ inputShape: [32, 32, 3] }));
      await attempt("resnet", () => resnet({ depth: 50 }));
      await attempt("cifarResnet", () => cifarResnet({ depth: 8 }));
      console.log(JSON.stringify(messages));
    `);
    expect(messages.resnet18).toMatch(/^building resnet18 needs a TensorFlow\.js backend and none is ready.*: call await useBackend\(\) first/);
    expect(messages.plain34).toMatch(/^building plain34 needs a TensorFlow\.js backend .*call await useBackend\(\) first/);
    expect(messages.resnet).toMatch(/^building resnet50 needs .*call await useBackend\(\) first/);
    expect(messages.cifarResnet).toMatch(/^cifarResnet\(\) needs a TensorFlow\.js backend .*call await useBackend\(\) first/);
    for (const message of Object.values(messages)) expect(message).not.toMatch(/No backend found in registry/);
  });

  it("fuse and the weights loaders say so too once the backend is gone", () => {
    // Build with a backend, then remove it: the state of a program whose backend never started.
    const messages = runFresh(`
      import * as tf from "@tensorflow/tfjs-core";
      import { fuse, resnet18, useBackend } from ${JSON.stringify(dist("index.js"))};
      import { loadSafetensors, loadTfjsWeights, saveSafetensors } from ${JSON.stringify(dist("weights.js"))};
      ${catching}
      const { name } = await useBackend("wasm");
      const model = resnet18({ inputShape: [32, 32, 3], classes: 2 });
      const bytes = await saveSafetensors(model);
      tf.removeBackend(name);
      await attempt("fuse", () => fuse(model));
      await attempt("loadSafetensors", () => loadSafetensors(model, bytes));
      await attempt("loadTfjsWeights", () => loadTfjsWeights(model, { weightSpecs: [], weightData: new ArrayBuffer(0) }));
      console.log(JSON.stringify(messages));
    `);
    expect(messages.fuse).toMatch(/^fuse\(model\) needs a TensorFlow\.js backend and none is ready: call await useBackend\(\) first/);
    expect(messages.loadSafetensors).toMatch(/^loading weights needs a TensorFlow\.js backend .*call await useBackend\(\) first/);
    expect(messages.loadTfjsWeights).toMatch(/^loading weights needs a TensorFlow\.js backend .*call await useBackend\(\) first/);
  });

  it("a backend tfjs can start by itself (cpu imported, not set) is left to tfjs", () => {
    const messages = runFresh(`
      import "@tensorflow/tfjs-backend-cpu";
      import { resnet18 } from ${JSON.stringify(dist("index.js"))};
      ${catching}
      await attempt("resnet18", () => { resnet18({ inputShape: [32, 32, 3], classes: 2 }).dispose(); });
      console.log(JSON.stringify(messages));
    `);
    expect(messages.resnet18).toBe("no error");
  });
});
