/**
 * Execute notebooks through a real Jupyter client:
 *   jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=tslab
 * with the project's tslab kernel (registered under <repo>/.jupyter), writing
 * the executed copies to out/notebooks/ (or --out-dir). Fails (exit 1) on any
 * cell error, naming the notebook, the cell and tslab's error text.
 *
 * Usage: npx tsx tools/execute-notebooks.ts [--out-dir DIR] [--timeout S] [--html] [notebook.ipynb ...]
 *   (no notebooks → every notebooks/NN-*.ipynb in order)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { jupyterEnv, registerKernel, repoRoot, KERNEL_NAME } from "./register-kernel";
import { spawnCollected } from "./spawn-collected";
import type { Notebook } from "./export-notebooks";

export const JUPYTER = process.env.JUPYTER ?? (fs.existsSync("/usr/bin/jupyter") ? "/usr/bin/jupyter" : "jupyter");

export interface ExecResult {
  notebook: string;
  output: string;
  seconds: number;
  ok: boolean;
  error?: string;
  log: string;
}

export function listNotebooks(root = repoRoot()): string[] {
  const dir = path.join(root, "notebooks");
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The first error output of an executed notebook, as text (for reports). */
export function firstError(nb: Notebook): string | undefined {
  for (const [i, cell] of (nb.cells ?? []).entries()) {
    for (const o of cell.outputs ?? []) {
      if (o.output_type === "error") {
        const tb = (o.traceback ?? []).join("\n").replace(/\x1b\[[0-9;]*m/g, "");
        return `cell ${i}: ${o.ename}: ${o.evalue}\n${tb}`;
      }
    }
  }
  return undefined;
}

function errorFromLog(log: string): string {
  const clean = log.replace(/\x1b\[[0-9;]*m/g, "");
  const at = clean.search(/CellExecutionError|CellTimeoutError|DeadKernelError|NoSuchKernel|Error:/);
  const tail = at >= 0 ? clean.slice(at) : clean;
  const lines = tail.split("\n").filter((l) => !/^\[NbConvertApp\] (DEBUG|WARNING \| Native kernel)/.test(l));
  return lines.slice(0, 80).join("\n").trim();
}

export interface ExecOptions {
  outDir?: string;
  timeout?: number;
  root?: string;
  quiet?: boolean;
  /** variables added to the kernel's environment (e.g. SAGEMAKER_LOCAL_STATE_DIR: a local SageMaker of its own) */
  env?: NodeJS.ProcessEnv;
}

/** The nbconvert command line for one notebook, and where its executed copy goes. */
function nbconvertCommand(notebook: string, opts: ExecOptions) {
  const root = opts.root ?? repoRoot();
  registerKernel(root);
  const outDir = path.resolve(opts.outDir ?? path.join(root, "out", "notebooks"));
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.basename(notebook, ".ipynb");
  const output = path.join(outDir, `${base}.ipynb`);
  const args = [
    "nbconvert",
    "--to", "notebook",
    "--execute",
    `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
    `--ExecutePreprocessor.timeout=${opts.timeout ?? 300}`,
    "--ExecutePreprocessor.startup_timeout=120",
    "--output-dir", outDir,
    "--output", base,
    "--debug",
    notebook,
  ];
  const env = { ...jupyterEnv(root), ENSEMBLE_WORKBOOK_MODE: process.env.ENSEMBLE_WORKBOOK_MODE ?? "local", ...opts.env };
  return { root, outDir, base, output, args, env };
}

/** The result of one nbconvert run: its log kept next to the output, the first cell error named. */
function execResult(
  notebook: string,
  c: ReturnType<typeof nbconvertCommand>,
  r: { status: number | null; stdout: string; stderr: string; error?: Error },
  seconds: number,
): ExecResult {
  const { output, outDir, base } = c;
  const log = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  fs.writeFileSync(path.join(outDir, `${base}.log`), log);
  const ok = r.status === 0 && fs.existsSync(output);
  let error: string | undefined;
  if (!ok) {
    error = r.error ? `could not run ${JUPYTER}: ${r.error.message}` : errorFromLog(log);
  } else {
    const e = firstError(JSON.parse(fs.readFileSync(output, "utf8")));
    if (e) return { notebook, output, seconds, ok: false, error: e, log };
  }
  return { notebook, output, seconds, ok, error, log };
}

export function executeNotebook(notebook: string, opts: ExecOptions = {}): ExecResult {
  const c = nbconvertCommand(notebook, opts);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(JUPYTER, c.args, { cwd: c.root, env: c.env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return execResult(notebook, c, r, Number(process.hrtime.bigint() - t0) / 1e9);
}

/** executeNotebook without blocking the event loop (so that other work can run meanwhile). */
export async function executeNotebookAsync(notebook: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const c = nbconvertCommand(notebook, opts);
  const r = await spawnCollected(JUPYTER, c.args, { cwd: c.root, env: c.env });
  return execResult(notebook, c, r, r.seconds);
}

/** nbconvert --to html of an executed notebook; returns the HTML path. */
export function notebookToHtml(executed: string, outDir = path.dirname(executed)): string {
  const base = path.basename(executed, ".ipynb");
  const r = spawnSync(JUPYTER, ["nbconvert", "--to", "html", "--output-dir", outDir, "--output", base, executed], {
    env: jupyterEnv(),
    encoding: "utf8",
  });
  const html = path.join(outDir, `${base}.html`);
  if (r.status !== 0 || !fs.existsSync(html)) throw new Error(`nbconvert --to html failed for ${executed}:\n${r.stderr}`);
  return html;
}

function main(argv: string[]): number {
  let outDir: string | undefined;
  let timeout: number | undefined;
  let html = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out-dir") outDir = argv[++i];
    else if (a === "--timeout") timeout = Number(argv[++i]);
    else if (a === "--html") html = true;
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
    else files.push(path.resolve(a));
  }
  const notebooks = files.length ? files : listNotebooks();
  if (notebooks.length === 0) throw new Error("no notebooks/NN-*.ipynb found");
  const results: ExecResult[] = [];
  const t0 = Date.now();
  for (const [i, nb] of notebooks.entries()) {
    console.log(`[${i + 1}/${notebooks.length}] executing ${path.relative(process.cwd(), nb)} (tslab kernel via nbconvert)…`);
    const r = executeNotebook(nb, { outDir, timeout });
    results.push(r);
    if (r.ok) {
      let extra = "";
      if (html) extra = `, html ${path.relative(process.cwd(), notebookToHtml(r.output))}`;
      console.log(`  ok in ${r.seconds.toFixed(1)} s → ${path.relative(process.cwd(), r.output)}${extra}`);
    } else {
      console.log(`  FAILED after ${r.seconds.toFixed(1)} s: ${path.basename(nb)}\n${r.error}`);
    }
  }
  console.log("\nnotebook                      seconds  result");
  for (const r of results) console.log(`${path.basename(r.notebook).padEnd(30)}${r.seconds.toFixed(1).padStart(7)}  ${r.ok ? "ok" : "FAILED"}`);
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 2;
  }
}
