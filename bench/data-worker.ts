/**
 * One run of lib's ingest for bench/data.ts, in its own process (so its peak RSS is its own):
 * read + parse (loadTable), to matrix (toMatrix), to bins (the core's DMatrix + histogram binning, 0 rounds).
 * Prints one JSON line: { tool, phases: [{ name, wall, cpu }], maxRssMb, baselineRssMb, rows, check }.
 * Usage: data-worker.ts <file.csv> [threads] — loadTable's CSV threads (default 1: the one-thread reader).
 */
import * as lib from "ensemble-workbook";
import { DMatrix, train } from "node-xgboost-wasm";

new DMatrix(new Float32Array(1), { nrow: 1, ncol: 1 }).free(); // instantiate the core before the baseline

async function main(): Promise<void> {
  const file = process.argv[2];
  const threads = Number(process.argv[3] ?? 1);
  // the process's own footprint before any data (Node, lib, the core's WebAssembly module)
  const baselineRssMb = process.memoryUsage().rss / 1e6 / 1.048576;
  const phases: { name: string; wall: number; cpu: number }[] = [];
  const time = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const c0 = process.cpuUsage(), t0 = performance.now();
    const out = await f();
    const c = process.cpuUsage(c0);
    phases.push({ name, wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 });
    return out;
  };
  const table = await time("read + parse", () => lib.loadTable(file, { progress: false, threads }));
  const m = await time("to matrix", () => lib.toMatrix(table, { label: "y" }));
  const check = m.X[m.X.length - 1];
  await time("to bins", () => {
    const d = new DMatrix(m.X, { nrow: m.nrow, ncol: m.ncol, label: m.y });
    const b = train({ objective: "reg:squarederror", max_bin: 256, nthread: 1 }, d, { numBoostRound: 0 });
    b.free();
    d.free();
  });
  console.log(JSON.stringify({ tool: `ours, ${threads} thread${threads > 1 ? "s" : ""}: lib.loadTable → toMatrix → core DMatrix + bins`, phases, maxRssMb: process.resourceUsage().maxRSS / 1024, baselineRssMb, rows: m.nrow, check }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
