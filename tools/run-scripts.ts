/**
 * Run every exported script (scripts/NN-*.mts) with tsx, in order, from the repository root —
 * what CI does after `npm run export -- --check`. Plots go to out/plots/ as standalone HTML.
 * Exit 1 if any script fails (its output is shown). Prints the time per script.
 *
 * Usage: npx tsx tools/run-scripts.ts [scripts/NN-name.mts ...]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "./register-kernel";
import { spawnCollected } from "./spawn-collected";

export function listScripts(root = repoRoot()): string[] {
  const dir = path.join(root, "scripts");
  return fs.readdirSync(dir).filter((f) => /^\d\d-.*\.mts$/.test(f)).sort().map((f) => path.join(dir, f));
}

export interface ScriptResult {
  ok: boolean;
  seconds: number;
  output: string;
}

function scriptCommand(file: string, root: string, env: NodeJS.ProcessEnv = {}) {
  return {
    args: [require.resolve("tsx/cli"), file],
    options: { cwd: root, env: { ...process.env, ENSEMBLE_WORKBOOK_DISPLAY: "file", ...env } },
  };
}

export function runScript(file: string, root = repoRoot(), env: NodeJS.ProcessEnv = {}): ScriptResult {
  const c = scriptCommand(file, root, env);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { ...c.options, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { ok: r.status === 0, seconds, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** runScript without blocking the event loop (so that other work can run meanwhile). */
export async function runScriptAsync(file: string, root = repoRoot(), env: NodeJS.ProcessEnv = {}): Promise<ScriptResult> {
  const c = scriptCommand(file, root, env);
  const r = await spawnCollected(process.execPath, c.args, c.options);
  const failedToStart = r.error ? `\ncould not run ${process.execPath}: ${r.error.message}` : "";
  return { ok: r.status === 0, seconds: r.seconds, output: `${r.stdout}${r.stderr}${failedToStart}` };
}

if (require.main === module) {
  const root = repoRoot();
  const files = process.argv.slice(2).map((f) => path.resolve(f));
  const scripts = files.length ? files : listScripts(root);
  if (!scripts.length) throw new Error("no scripts/NN-*.mts: run npm run export");
  const rows: string[] = [];
  let failed = 0;
  for (const [i, s] of scripts.entries()) {
    const rel = path.relative(root, s);
    console.log(`[${i + 1}/${scripts.length}] npx tsx ${rel}`);
    const r = runScript(s, root);
    if (!r.ok) {
      failed++;
      console.log(r.output);
      console.log(`  FAILED after ${r.seconds.toFixed(1)} s`);
    } else console.log(`  ok in ${r.seconds.toFixed(1)} s`);
    rows.push(`${path.basename(s).padEnd(20)}${r.seconds.toFixed(1).padStart(7)}  ${r.ok ? "ok" : "FAILED"}`);
  }
  console.log(`\nscript              seconds  result\n${rows.join("\n")}`);
  process.exitCode = failed ? 1 : 0;
}
