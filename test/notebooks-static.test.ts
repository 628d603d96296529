// Notebooks are committed clean (no outputs, no execution counts, tslab kernel), every
// committed script equals the export of its notebook, and every notebook starts with the mode cell.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { exportNotebook, notebookProblems, scriptPathFor, stripNotebook, tslabPitfalls } from "../tools/export-notebooks";
import { listNotebooks } from "../tools/execute-notebooks";

const root = path.resolve(__dirname, "..");
const notebooks = listNotebooks(root);
const read = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));

test("the five notebooks exist, in order", () => {
  const names = notebooks.map((f) => path.basename(f));
  for (const prefix of ["01-data", "02-train", "03-tune", "04-deploy", "05-beyond"]) {
    assert.ok(names.some((n) => n.startsWith(prefix)), `missing notebooks/${prefix}*.ipynb; have ${names.join(", ")}`);
  }
});

for (const file of notebooks) {
  const name = path.basename(file);
  test(`${name}: committed without outputs or execution counts, tslab kernel`, () => {
    assert.equal(notebookProblems(read(file)), []);
  });
  test(`${name}: no object shorthand for a variable from an earlier cell (tslab fails on it)`, () => {
    assert.equal(tslabPitfalls(read(file)), []);
  });
  test(`${name}: scripts/${name.replace(/\.ipynb$/, ".mts")} is in sync (npm run export)`, () => {
    const script = scriptPathFor(file, root);
    assert.ok(fs.existsSync(script), `${script} missing: run npm run export`);
    assert.fixture(fs.readFileSync(script, "utf8"), exportNotebook(read(file), `notebooks/${name}`));
  });
  test(`${name}: the opening code cell sets mode ("local" default) and imports lib by its package name; no require anywhere`, () => {
    const code = read(file).cells.filter((c: any) => c.cell_type === "code").map((c: any) => c.source.join(""));
    assert.match(code[0], /const mode[^=]*= .*"local"/);
    assert.match(code[0], /^import \* as lib from "ensemble-workbook";/m);
    for (const [i, src] of code.entries()) {
      assert.not.match(src, /\brequire\(/, `code cell ${i + 1} uses require(): import lib by name instead`);
      assert.not.match(src, /from "\.\.?\//, `code cell ${i + 1} imports a relative path: tslab rejects files outside the notebook folder`);
      assert.not.match(src, /:\s*any\b/, `code cell ${i + 1} annotates a value as any: lib's types should flow`);
    }
    const md = read(file).cells.filter((c: any) => c.cell_type === "markdown").map((c: any) => c.source.join("")).join("\n");
    assert.match(md, /docker push/, "the aws-mode explanation with the ECR push commands");
  });
}

test("the check catches outputs and execution counts, and strip removes them", () => {
  const nb = {
    metadata: { kernelspec: { name: "tslab" } },
    cells: [
      { cell_type: "markdown", metadata: {}, source: ["# t"] },
      { cell_type: "code", metadata: {}, execution_count: 3, outputs: [{ output_type: "stream", name: "stdout", text: ["1\n"] }], source: ["1"] },
    ],
  };
  assert.equal(notebookProblems(nb), ["cell 1 has 1 output(s)", "cell 1 has execution_count 3"]);
  assert.equal(notebookProblems(stripNotebook(nb)), []);
  assert.equal(notebookProblems({ ...nb, metadata: { kernelspec: { name: "python3" } } }), ['kernelspec is "python3", expected "tslab"']);
});

test("the tslab shorthand check: flags { a } of an earlier cell's a, not { a: a }, patterns, blocks, strings or same-cell names", () => {
  const nb = (cells: string[]) => ({ cells: cells.map((c) => ({ cell_type: "code", source: [c] })) });
  const found = tslabPitfalls(
    nb(["const a = 1;\nimport * as aq from 'arquero';", "const c = { a };\nf(x, a);\nconst { a: z } = q;\nif (x) { a }\nconst o = {\n  aq,\n  b: 2 };\n// { a }\nconst s = '{ a }';"]),
  );
  assert.equal(found.map((p) => p.slice(0, p.indexOf(":"))), ["code cell 1 line 1", "code cell 1 line 6"]);
  assert.match(found[0], /write \{ a: a \}/);
  assert.equal(tslabPitfalls(nb(["const s = 1;", "const t = { s: s };\nconst { s: u } = z;"])), []);
  assert.equal(tslabPitfalls(nb(["const s = 1;\nconst t = { s };"])), []);
});

test("export: code cells in order, markdown as comments", () => {
  const nb = {
    cells: [
      { cell_type: "markdown", source: ["# Title\n", "\n", "text"] },
      { cell_type: "code", source: ["const a = 1;"] },
      { cell_type: "code", source: ["await Promise.resolve(a);"] },
    ],
  };
  const s = exportNotebook(nb, "notebooks/09-x.ipynb");
  assert.ok(s.indexOf("// # Title") < s.indexOf("const a = 1;"));
  assert.ok(s.indexOf("const a = 1;") < s.indexOf("await Promise.resolve(a);"));
  assert.match(s, /\n\/\/\n\/\/ text\n/);
});

test.run();
