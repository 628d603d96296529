/**
 * Type-check notebooks as tslab compiles them, before anyone runs a cell.
 *
 * tslab compiles each cell with the TypeScript compiler (module ESNext, Node10 module
 * resolution, top-level await, the notebook's folder as rootDir) and runs it as CommonJS.
 * This tool puts a notebook's code cells, in order, into one .ts file next to the notebook
 * (so `ensemble-workbook` resolves through the project's node_modules as it does in the
 * kernel), adds tslab's implicit globals (CommonJS's require/module/exports), and
 * compiles it with tslab's options plus `strict` — so a misspelt hyperparameter, a wrong
 * field of a SageMaker answer or an `any` that hides one is an error here, reported as
 * `notebooks/NN-name.ipynb cell C line L`.
 *
 * Usage: npx tsx tools/typecheck-notebooks.ts [notebook.ipynb ...]   (default: every notebooks/NN-*.ipynb)
 * Exit 1 on any error.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { listNotebooks } from "./execute-notebooks";

/** tslab's compiler options (node_modules/tslab/dist/converter.js), made strict. */
const OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts"],
  types: ["node"],
  esModuleInterop: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  strict: true,
  noEmit: true,
};

/** What tslab's CommonJS executor gives every cell without an import. */
const GLOBALS = `// tslab runs cells as CommonJS: these exist in every cell.
declare var require: NodeJS.Require;
declare var module: NodeJS.Module;
declare var exports: Record<string, unknown>;
export {};
`;

export interface CellError {
  notebook: string;
  cell: number; // 1-based, counting code cells
  line: number; // 1-based, within the cell
  message: string;
}

interface Extracted {
  file: string;
  /** for each line of the .ts file: [code cell, line in cell] */
  origin: [number, number][];
}

function extract(notebook: string, dir: string): Extracted {
  const nb = JSON.parse(fs.readFileSync(notebook, "utf8"));
  const lines: string[] = [];
  const origin: [number, number][] = [];
  let cell = 0;
  for (const c of nb.cells ?? []) {
    if (c.cell_type !== "code") continue;
    cell++;
    const src: string = Array.isArray(c.source) ? c.source.join("") : String(c.source ?? "");
    src.split("\n").forEach((l, i) => {
      lines.push(l);
      origin.push([cell, i + 1]);
    });
    lines.push(";");
    origin.push([cell, 0]);
  }
  // `export {}` makes the file a module (top-level await, no clash between notebooks' names)
  lines.push("export {};");
  origin.push([cell, 0]);
  const file = path.join(dir, `.typecheck-${path.basename(notebook, ".ipynb")}.ts`);
  fs.writeFileSync(file, lines.join("\n"));
  return { file, origin };
}

/** Type-check notebooks; returns every error, mapped to its notebook cell. */
export function typecheckNotebooks(notebooks: string[]): CellError[] {
  const made: string[] = [];
  const byFile = new Map<string, { notebook: string; origin: [number, number][] }>();
  try {
    for (const nb of notebooks) {
      const dir = path.dirname(path.resolve(nb));
      const globals = path.join(dir, ".typecheck-tslab-globals.d.ts");
      if (!made.includes(globals)) {
        fs.writeFileSync(globals, GLOBALS);
        made.push(globals);
      }
      const x = extract(nb, dir);
      made.push(x.file);
      byFile.set(path.resolve(x.file), { notebook: nb, origin: x.origin });
    }
    const program = ts.createProgram([...made], OPTIONS);
    const errors: CellError[] = [];
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      const src = d.file && byFile.get(path.resolve(d.file.fileName));
      if (!d.file || !src || d.start === undefined) {
        errors.push({ notebook: d.file?.fileName ?? "(options)", cell: 0, line: 0, message });
        continue;
      }
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      const [cell, cellLine] = src.origin[line] ?? [0, 0];
      errors.push({ notebook: src.notebook, cell, line: cellLine, message });
    }
    return errors;
  } finally {
    for (const f of made) fs.rmSync(f, { force: true });
  }
}

export function formatCellError(e: CellError, root = process.cwd()): string {
  return `${path.relative(root, e.notebook)} cell ${e.cell} line ${e.line}: ${e.message}`;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const notebooks = args.length ? args : listNotebooks();
  const errors = typecheckNotebooks(notebooks);
  for (const e of errors) console.error(formatCellError(e));
  console.log(`typecheck-notebooks: ${notebooks.length} notebook(s), ${errors.length} error(s)`);
  process.exit(errors.length ? 1 : 0);
}
