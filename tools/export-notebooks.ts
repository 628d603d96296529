/**
 * notebooks/NN-name.ipynb → scripts/NN-name.mts (runnable with `npx tsx scripts/NN-name.mts`).
 *
 * Code cells are copied in order; markdown cells become `//` comments. The
 * notebooks call lib functions (show, showTable, progress…) that already do
 * the right thing outside a kernel (HTML files under out/plots, text tables),
 * so cells need no rewriting: they import lib by its package name
 * (`ensemble-workbook`), which resolves the same from notebooks/ and scripts/.
 * Top-level await in cells is fine in .mts.
 *
 * Usage:
 *   npx tsx tools/export-notebooks.ts            write scripts/*.mts
 *   npx tsx tools/export-notebooks.ts --check    exit 1 if a committed script is out of sync
 *                                                or a notebook carries outputs / execution counts
 *   npx tsx tools/export-notebooks.ts --strip    clear outputs and execution counts in place
 */
import * as fs from "fs";
import * as path from "path";
import { listNotebooks } from "./execute-notebooks";
import { repoRoot } from "./register-kernel";

const RULE = "// " + "-".repeat(76);

/** The parts of a Jupyter notebook (nbformat 4) these tools read and write. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw" | string;
  source?: string | string[];
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  metadata?: Record<string, unknown>;
}
export interface NotebookOutput {
  output_type: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
export interface Notebook {
  cells?: NotebookCell[];
  metadata?: { kernelspec?: { name?: string } } & Record<string, unknown>;
}

function src(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
}

/** The script text for one notebook (deterministic: depends only on the cells' sources). */
export function exportNotebook(nb: Notebook, notebookRel: string): string {
  const out: string[] = [
    `// Exported from ${notebookRel} by \`npm run export\` — do not edit here: edit the notebook, then re-export.`,
    `// Run: npx tsx ${notebookRel.replace(/^notebooks\//, "scripts/").replace(/\.ipynb$/, ".mts")}`,
    `// Plots are written as standalone HTML under out/plots/ (the notebook shows them inline).`,
  ];
  let n = 0;
  for (const cell of nb.cells ?? []) {
    const text = src(cell).replace(/\s+$/, "");
    if (!text) continue;
    if (cell.cell_type === "markdown") {
      out.push("", RULE, ...text.split("\n").map((l) => (l ? `// ${l}` : "//")));
    } else if (cell.cell_type === "code") {
      n++;
      out.push("", `// [cell ${n}]`, text);
    }
  }
  return out.join("\n") + "\n";
}

export function scriptPathFor(notebook: string, root = repoRoot()): string {
  return path.join(root, "scripts", path.basename(notebook, ".ipynb") + ".mts");
}

/** Problems that make a notebook unfit to commit (outputs, execution counts, wrong kernel). */
export function notebookProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  (nb.cells ?? []).forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    if (cell.outputs && cell.outputs.length) problems.push(`cell ${i} has ${cell.outputs.length} output(s)`);
    if (cell.execution_count != null) problems.push(`cell ${i} has execution_count ${cell.execution_count}`);
  });
  const ks = nb.metadata?.kernelspec?.name;
  if (ks !== "tslab") problems.push(`kernelspec is ${JSON.stringify(ks)}, expected "tslab"`);
  return problems;
}

/** Blank out comments and string/template literals (keeps offsets), for the scanners below. */
function code(text: string): string {
  return text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`/g, (m) => m.replace(/[^\n]/g, " "));
}

/** Names a cell declares at its top level (const/let/var/function/class, imports, destructuring). */
export function declaredNames(text: string): string[] {
  const src = code(text);
  const names: string[] = [];
  for (const m of src.matchAll(/^(?:export\s+)?(?:const|let|var|function\*?|class|async\s+function)\s+([A-Za-z_$][\w$]*)/gm)) names.push(m[1]);
  for (const m of src.matchAll(/^(?:const|let|var)\s*\{([^}]*)\}\s*=/gm))
    for (const part of m[1].split(",")) {
      const n = /([A-Za-z_$][\w$]*)\s*$/.exec(part.split("=")[0].trim().replace(/^\.\.\./, ""));
      if (n) names.push(n[1]);
    }
  for (const m of src.matchAll(/^import\s+\*\s+as\s+([A-Za-z_$][\w$]*)/gm)) names.push(m[1]);
  for (const m of src.matchAll(/^import\s+([A-Za-z_$][\w$]*)\s*(?:,|from)/gm)) names.push(m[1]);
  for (const m of src.matchAll(/^import\s*(?:[A-Za-z_$][\w$]*\s*,\s*)?\{([^}]*)\}/gm))
    for (const part of m[1].split(",")) {
      const n = /([A-Za-z_$][\w$]*)\s*$/.exec(part.trim());
      if (n) names.push(n[1]);
    }
  return names;
}

/**
 * tslab (1.0.22) pitfall: an object-literal shorthand `{ name }` for a variable declared in an
 * EARLIER cell fails at run time ("name is not defined"); `{ name: name }` works. Reports each use.
 */
export function tslabPitfalls(nb: Notebook): string[] {
  const problems: string[] = [];
  const earlier = new Set<string>();
  (nb.cells ?? []).forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const text = src(cell);
    const clean = code(text);
    const own = new Set(declaredNames(text));
    // shorthand candidates: `{ name` or `, name` followed by `,` or `}`, inside braces that are not a declaration pattern
    for (const m of clean.matchAll(/([{,])\s*([A-Za-z_$][\w$]*)\s*(?=[,}])/g)) {
      const name = m[2];
      if (!earlier.has(name) || own.has(name)) continue;
      // find the enclosing brace and make sure it is an object literal, not a pattern or an import list
      let depth = 0;
      let j = m.index!;
      if (m[1] === "{") j = m.index!;
      else
        for (j = m.index! - 1; j >= 0; j--) {
          const c = clean[j];
          if (c === "}" || c === ")" || c === "]") depth++;
          else if (c === "{" || c === "(" || c === "[") {
            if (depth === 0) break;
            depth--;
          }
        }
      if (j < 0 || clean[j] !== "{") continue;
      const before = clean.slice(0, j).trimEnd();
      if (/(?:const|let|var|import|export)$/.test(before) || /\)\s*$/.test(before) || /=>$/.test(before)) continue; // pattern, import list, block
      const line = text.slice(0, m.index! + m[0].lastIndexOf(name)).split("\n").length;
      problems.push(`code cell ${i} line ${line}: shorthand { ${name} } refers to a variable from an earlier cell — tslab fails with "${name} is not defined"; write { ${name}: ${name} }`);
    }
    for (const n of own) earlier.add(n);
  });
  return problems;
}

export function stripNotebook(nb: Notebook): Notebook {
  for (const cell of nb.cells ?? []) {
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
    if (cell.metadata) {
      delete cell.metadata.execution;
      delete cell.metadata.collapsed;
      delete cell.metadata.scrolled;
    }
  }
  return nb;
}

function main(argv: string[]): number {
  const root = repoRoot();
  const check = argv.includes("--check");
  const strip = argv.includes("--strip");
  const notebooks = listNotebooks(root);
  let failures = 0;
  const expected = new Set<string>();
  for (const file of notebooks) {
    const rel = path.relative(root, file).split(path.sep).join("/");
    const nb = JSON.parse(fs.readFileSync(file, "utf8"));
    if (strip) {
      fs.writeFileSync(file, JSON.stringify(stripNotebook(nb), null, 1) + "\n");
      console.log(`stripped ${rel}`);
    }
    const script = scriptPathFor(file, root);
    expected.add(script);
    const text = exportNotebook(nb, rel);
    const srel = path.relative(root, script);
    if (check) {
      const problems = [...notebookProblems(nb), ...tslabPitfalls(nb)];
      for (const p of problems) console.log(`${rel}: ${p} (run \`npx tsx tools/export-notebooks.ts --strip\` or clear outputs in Jupyter)`);
      failures += problems.length;
      const have = fs.existsSync(script) ? fs.readFileSync(script, "utf8") : undefined;
      if (have !== text) {
        console.log(`${srel}: ${have === undefined ? "missing" : "out of sync with " + rel} (run \`npm run export\`)`);
        failures++;
      }
    } else {
      fs.mkdirSync(path.dirname(script), { recursive: true });
      fs.writeFileSync(script, text);
      console.log(`${rel} → ${srel}`);
    }
  }
  if (check) {
    const dir = path.join(root, "scripts");
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const p = path.join(dir, f);
      if (/^\d\d-.*\.mts$/.test(f) && !expected.has(p)) {
        console.log(`scripts/${f}: no notebook notebooks/${f.replace(/\.mts$/, ".ipynb")} (delete it or restore the notebook)`);
        failures++;
      }
    }
    console.log(failures ? `${failures} problem(s)` : `${notebooks.length} notebooks clean, scripts in sync`);
  }
  return failures ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
