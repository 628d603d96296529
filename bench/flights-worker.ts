/**
 * One load of a flights file by lib's loadTable for bench/flights.ts, in its own process (so its peak RSS is its
 * own). Prints one JSON line: { tool, seconds, cpu, rows, maxRssMb, baselineRssMb, check }.
 */
import * as lib from "ensemble-workbook";

async function main(): Promise<void> {
  const file = process.argv[2];
  const baselineRssMb = process.memoryUsage().rss / 1048576; // Node + lib before any data
  const c0 = process.cpuUsage(), t0 = performance.now();
  const table = await lib.loadTable(file, { progress: false });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const delay = table.column("delay") as unknown as Float32Array;
  let sum = 0;
  for (let i = 0; i < delay.length; i++) sum += delay[i];
  console.log(JSON.stringify({
    tool: `ours: lib.loadTable (${file.endsWith(".parquet") ? "Parquet, hyparquet + hyparquet-compressors" : "CSV"})`,
    seconds, cpu: (c.user + c.system) / 1e6, rows: table.numRows(), maxRssMb: process.resourceUsage().maxRSS / 1024, baselineRssMb, check: sum,
  }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
