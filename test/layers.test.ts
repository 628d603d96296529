/**
 * The folders' dependency picture (README "Layers"): every import between top-level folders, read from the
 * sources, points one way — no folder cycle, nothing imports a test, the core imports no other folder, lib
 * imports only the core and the local SageMaker, the local SageMaker only the core. Relative imports and
 * the workspace packages' names (ensemble-workbook → lib/, @ensemble-workbook/sagemaker-local →
 * sagemaker-local/, node-xgboost-wasm → wasm/) both count.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const FOLDERS = ["wasm", "lib", "sagemaker-local", "trainer", "tools", "bench", "scripts", "notebooks", "test"];
const PACKAGES: Record<string, string> = {
  "node-xgboost-wasm": "wasm",
  "ensemble-workbook": "lib",
  "@ensemble-workbook/sagemaker-local": "sagemaker-local",
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist" || e.name === "build" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(m?ts|ipynb)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** the top-level folder an import of `spec` from `file` lands in (undefined: a dependency or a built-in) */
function target(file: string, spec: string): string | undefined {
  if (spec.startsWith(".")) return path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep)[0];
  const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
  return PACKAGES[name];
}

function edges(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>(FOLDERS.map((f) => [f, new Set<string>()]));
  const IMPORT = /(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g;
  for (const folder of FOLDERS) {
    const dir = path.join(ROOT, folder);
    if (!fs.existsSync(dir)) continue;
    for (const file of sources(dir)) {
      const text = fs.readFileSync(file, "utf8").replace(/\\"/g, '"'); // notebook cells are JSON strings
      for (const m of text.matchAll(IMPORT)) {
        const to = target(file, m[1] ?? m[2] ?? m[3]);
        if (to && to !== folder && FOLDERS.includes(to)) graph.get(folder)!.add(to);
      }
    }
  }
  return graph;
}

test("imports between folders point one way: no cycle, nothing imports test/, the core and lib stay at the bottom", () => {
  const graph = edges();
  const picture = [...graph].map(([f, to]) => `${f} → ${[...to].sort().join(", ") || "(nothing)"}`).join("\n");
  console.log(picture.replace(/^/gm, "    "));
  // depth-first search for a cycle, naming it
  const state = new Map<string, "open" | "done">();
  const visit = (f: string, trail: string[]): void => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") assert.unreachable(`folder cycle: ${[...trail.slice(trail.indexOf(f)), f].join(" → ")}`);
    state.set(f, "open");
    for (const to of graph.get(f) ?? []) visit(to, [...trail, f]);
    state.set(f, "done");
  };
  for (const f of FOLDERS) visit(f, []);
  for (const [f, to] of graph) assert.not.ok(to.has("test"), `${f} imports from test/`);
  assert.equal([...graph.get("wasm")!], [], "the core imports no other folder");
  for (const to of graph.get("lib")!) assert.ok(["wasm", "sagemaker-local"].includes(to), `lib imports ${to}/`);
  for (const to of graph.get("sagemaker-local")!) assert.ok(["wasm"].includes(to), `sagemaker-local imports ${to}/`);
  for (const nb of ["notebooks", "scripts"]) for (const to of graph.get(nb)!) assert.ok(to === "lib", `${nb} import ${to}/`);
});

test.run();
