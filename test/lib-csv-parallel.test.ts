/**
 * loadTable's CSV parse in chunks on worker threads (lib/data/csvParallel.ts) reads exactly what the one-thread
 * reader reads — types, float32 values, category codes in first-appearance order, rows — on files with quoted
 * fields (commas, "" escapes, line ends inside quotes, one straddling a cut), CRLF, blank lines, a text column
 * that first appears in a late chunk and columns of numbers that turn text in a later chunk; both are checked
 * against pandas' read_csv (C engine) on the same file. Errors name the file's line and row, not the chunk's.
 * `minChunkBytes` is lowered so that files of a few hundred kilobytes are cut in up to 4 chunks a thread; `process.on("worker")`
 * counts the worker threads started; the test hook ENSEMBLE_WORKBOOK_TEST_CSV_WORKERS_ONLY leaves every chunk to the
 * workers, so their results (columns transferred by message) are checked too, whatever the threads' start-up times.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CategoricalColumn, loadCsv, loadTable, type Table } from "ensemble-workbook";
import { TEST_CSV_WORKERS_ONLY_ENV } from "../lib/data/csvParallel";
import { makeTicker } from "../lib/data/load";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lib-csv-parallel-"));
const file = (name: string, content: string | Uint8Array) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
};

let workersStarted = 0;
process.on("worker", () => workersStarted++);

/** loadTable with `threads` threads on chunks of ≥ 1 byte; returns the table and the worker threads it started. */
async function read(f: string, threads: number, opts: Parameters<typeof loadTable>[1] = {}): Promise<{ table: Table; workers: number }> {
  const before = workersStarted;
  const table = await loadTable(f, { ...opts, threads, minChunkBytes: 1, progress: false });
  return { table, workers: workersStarted - before };
}

/** Every column the same: kind, float32 bits (NaN included), codes and categories in order. */
function assertSameTable(a: Table, b: Table, what: string): void {
  assert.equal(b.columnNames(), a.columnNames(), `${what}: names`);
  assert.is(b.numRows(), a.numRows(), `${what}: rows`);
  for (const n of a.columnNames()) {
    const x = a.column(n) as unknown, y = b.column(n) as unknown;
    if (x instanceof Float32Array) {
      assert.ok(y instanceof Float32Array, `${what}: column ${n} numeric in both`);
      assert.ok(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength)), `${what}: column ${n} float32 values`);
    } else {
      assert.ok(x instanceof CategoricalColumn && y instanceof CategoricalColumn, `${what}: column ${n} text in both`);
      assert.equal(y.categories, x.categories, `${what}: column ${n} categories in order`);
      assert.equal(Array.from(y.codes), Array.from(x.codes), `${what}: column ${n} codes`);
    }
  }
}

/** Debian's pandas, the reference reader: missing, the pandas comparisons skip, naming the package (.ci/run installs it). */
const PANDAS = fs.existsSync("/usr/bin/python3") && spawnSync("/usr/bin/python3", ["-c", "import pandas"]).status === 0;
if (!PANDAS) console.log("  SKIP the pandas comparisons of lib-csv-parallel: `/usr/bin/python3 -c \"import pandas\"` failed — apt-get install python3-pandas");

/** pandas' read_csv of the file: per column numeric (float32 values, null = NaN) or text (strings, null = missing). */
function pandas(f: string): { name: string; numeric: boolean; values: (number | string | null)[] }[] | undefined {
  if (!PANDAS) return undefined;
  const py = `
import json, sys, math
import numpy as np, pandas as pd
df = pd.read_csv(sys.argv[1], low_memory=False)
out = []
for c in df.columns:
    s = df[c]
    if s.dtype.kind in "fiu":
        out.append({"name": c, "numeric": True, "values": [None if math.isnan(v) else float(v) for v in s.to_numpy(dtype=np.float32)]})
    else:
        out.append({"name": c, "numeric": False, "values": [None if (isinstance(v, float) and math.isnan(v)) else str(v) for v in s]})
print(json.dumps(out))
`;
  const r = spawnSync("/usr/bin/python3", ["-c", py, f], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`pandas failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function assertPandas(t: Table, f: string): void {
  const ref = pandas(f);
  if (!ref) return;
  assert.equal(t.columnNames(), ref.map((c) => c.name), "pandas: names");
  for (const c of ref) {
    const col = t.column(c.name) as unknown;
    if (c.numeric) {
      assert.ok(col instanceof Float32Array, `pandas reads ${c.name} as numbers`);
      const ours = Array.from(col as Float32Array, (v) => (Number.isNaN(v) ? null : v));
      assert.equal(ours, c.values, `pandas: ${c.name} values`);
    } else {
      assert.ok(col instanceof CategoricalColumn, `pandas reads ${c.name} as text`);
      assert.equal((col as CategoricalColumn).toArray(), c.values, `pandas: ${c.name} values`);
      // categories in order of first appearance, as pandas.unique gives them
      const firsts = [...new Set(c.values.filter((v) => v !== null))];
      assert.equal((col as CategoricalColumn).categories, firsts, `pandas: ${c.name} categories in first-appearance order`);
    }
  }
}

/**
 * n rows: id; x (decimals, exponents, missing); s (text with commas, "" escapes and line ends inside quotes);
 * late (missing, then text from row 0.8 n: text first seen in the last chunk); mixed (numbers, then text from the
 * middle: numbers then text within a chunk); tail (numbers, one text cell in the last rows: across chunks);
 * every third line ends CRLF, a blank line every 250 rows.
 */
function mixedCsv(n: number): string {
  const lines = ["id,x,s,late,mixed,tail"];
  for (let i = 0; i < n; i++) {
    const x = i % 17 === 0 ? "NA" : i % 13 === 0 ? `${(i % 9) + 1}.5e-3` : ((i * 0.37) % 100).toFixed(3);
    const s = i % 11 === 0 ? `"line ${i % 5}\nnext ""q"""` : i % 7 === 0 ? `"a, ${i % 4}"` : `w${i % 23}`;
    const late = i < 0.8 * n ? "" : `late-${i % 3}`;
    const mixed = i < n / 2 ? String(i % 10) : i % 2 ? `m${i % 4}` : String(i % 10);
    const tail = i === n - 3 ? "text" : String(i % 100);
    lines.push(`${i},${x},${s},${late},${mixed},${tail}${i % 3 === 0 ? "\r" : ""}`);
    if (i % 250 === 249) lines.push("");
  }
  return lines.join("\n") + "\n";
}

test("2, 3 and 4 chunks read the same table as one thread and as pandas: quotes with line ends, CRLF, blank lines, late text, numbers then text", async () => {
  const f = file("mixed.csv", mixedCsv(4000));
  const one = await read(f, 1);
  assert.is(one.workers, 0);
  assert.is(one.table.numRows(), 4000);
  assert.equal(
    one.table.columnNames().map((n) => (one.table.column(n) instanceof Float32Array ? "numeric" : "text")),
    ["numeric", "numeric", "text", "text", "text", "text"],
  );
  for (const threads of [2, 3, 4]) {
    const par = await read(f, threads);
    // this thread and threads − 1 workers, on each pass (the columns turning text after numbers are read again)
    assert.ok(par.workers >= threads - 1 && par.workers % (threads - 1) === 0, `${threads} threads: ${par.workers} workers started`);
    assertSameTable(one.table, par.table, `${threads} threads`);
  }
  // every chunk read on worker threads (the test hook keeps this thread from claiming any): their columns come by message
  process.env[TEST_CSV_WORKERS_ONLY_ENV] = "1";
  try {
    assertSameTable(one.table, (await read(f, 3)).table, "3 threads, chunks on the workers only");
  } finally {
    delete process.env[TEST_CSV_WORKERS_ONLY_ENV];
  }
  assertPandas(one.table, f);
});

// The chunks write their rows into their places in one shared slab and are joined there (csvParallel.ts
// sharedSlab, load.ts concatColumns): no copy of every cell into fresh memory. Each chunk's room comes from its own
// lines, sampled at four places spread over it. A chunk with more rows than its room (short lines between the
// samples) writes into a slab of its own, copied into the shared slab where it fits before the next chunk's place,
// else the column is joined by a copy. Each gives the table one thread reads, value for value.
test("chunks joined in their shared slab, a chunk's own slab copied into its place where it fits, else a join by a copy: the table one thread reads", async () => {
  const row = (i: number, wide: boolean) =>
    [i, (i * 0.37) % 101, -i / 7, wide ? `${(i * 1e-7).toFixed(12)}` : String(i % 5), i % 3 ? "" : "nan"].join(",");
  const even = file("even.csv", "a,b,c,d,e\n" + Array.from({ length: 60_000 }, (_, i) => row(i, false)).join("\n") + "\n");
  // ~1.3 MB of wide rows, then short ones: sized from the file's first megabyte, the later chunks had too little room,
  // and the column's rows were more than its whole stride held (a join by a copy); sized from their own lines, no chunk
  // outgrows its room
  const uneven = file("uneven.csv", "a,b,c,d,e\n" + Array.from({ length: 330_000 }, (_, i) => row(i, i < 30_000)).join("\n") + "\n");
  // 16 MB in periods of ~512 KB, each 256 KB of 100-byte lines then 256 KB of 6-byte ones: 2 threads cut it in 8
  // chunks of 4 periods, and a chunk's samples (256 KB at each quarter of it) fall on the long lines — the rows are
  // ~6× the room, more than the whole stride holds: a join by a copy
  const long = (i: number) => `${i},${(i % 1000) / 8},${"1".padStart(100 - String(i).length - String((i % 1000) / 8).length - 3, "0")}`;
  const periodic: string[] = [];
  for (let p = 0, i = 0; p < 32; p++) {
    for (let l = 0; l < 2560; l++) periodic.push(long(i++));
    for (let l = 0; l < 43_690; l++) periodic.push(`${i++ % 10},${l % 10},${p % 10}`);
  }
  const sampledWrong = file("sampled-wrong.csv", "a,b,c\n" + periodic.join("\n") + "\n");
  for (const [f, inSlab, threadCounts] of [[even, true, [2, 3]], [uneven, true, [2, 3]], [sampledWrong, false, [2]]] as const) {
    const one = await read(f, 1);
    for (const threads of threadCounts) {
      const par = await read(f, threads);
      assertSameTable(one.table, par.table, `${path.basename(f)}, ${threads} threads`);
      const a = par.table.column("a") as unknown as Float32Array;
      assert.is(a.buffer instanceof SharedArrayBuffer, inSlab, `${path.basename(f)}, ${threads} threads: column a ${inSlab ? "joined in the shared slab" : "copied"}`);
    }
  }
  // a first megabyte of blank lines (skipped) and 64 columns: the slab's room comes from at least a byte per column
  // a row — from the blank lines' 1 byte a row it took 1.4 GB of address space for this 5 MB file (and beyond 4 GiB,
  // where V8 posts views of shared memory wrongly, a larger file's table came out wrong or the read failed)
  const names = Array.from({ length: 64 }, (_, j) => `c${j}`);
  const blankFirst = file("blank-first.csv", names.join(",") + "\n" + "\n".repeat(1 << 20) + Array.from({ length: 20_000 }, (_, i) => names.map((_, j) => ((i * 31 + j) % 997) / 10).join(",")).join("\n") + "\n");
  const one = await read(blankFirst, 1);
  const par = await read(blankFirst, 2);
  assertSameTable(one.table, par.table, "blank first megabyte, 2 threads");
  const c0 = par.table.column("c0") as unknown as Float32Array;
  assert.ok(c0.buffer instanceof SharedArrayBuffer && c0.buffer.byteLength < 10 * fs.statSync(blankFirst).size, `the shared slab: ${c0.buffer.byteLength} bytes for a ${fs.statSync(blankFirst).size}-byte file`);

  // an increasing id (rows lengthen down the file): the first chunk's estimate from its first thousand short rows
  // exceeds its room, so it writes into a slab of its own — its parts are copied into the shared slab, where they
  // fit, and the other chunks' moved down: still joined there (it was every column copied, the whole table twice)
  const growing = file("growing.csv", "id,x,y\n" + Array.from({ length: 150_000 }, (_, i) => `${i},${i % 10},${(i % 7) / 4}`).join("\n") + "\n");
  const oneGrowing = await read(growing, 1);
  for (const threads of [2, 3]) {
    const par = await read(growing, threads);
    assertSameTable(oneGrowing.table, par.table, `growing ids, ${threads} threads`);
    for (const n of ["id", "x", "y"]) assert.ok((par.table.column(n) as unknown as Float32Array).buffer instanceof SharedArrayBuffer, `growing ids, ${threads} threads: column ${n} joined in the shared slab`);
  }

  // few rows a chunk, many columns: 1,024 rows of room per chunk and column would be most of a shared slab (and
  // touched in every column): the chunks use slabs of their own, joined by a copy into one of the table's size
  const wideNames = Array.from({ length: 2000 }, (_, j) => `w${j}`);
  const wide = file("wide.csv", wideNames.join(",") + "\n" + Array.from({ length: 300 }, (_, i) => wideNames.map((_, j) => (i + j) % 97).join(",")).join("\n") + "\n");
  const oneWide = await read(wide, 1);
  const parWide = await read(wide, 2);
  assertSameTable(oneWide.table, parWide.table, "wide, few rows, 2 threads");
  const w0 = parWide.table.column("w0") as unknown as Float32Array;
  assert.ok(!(w0.buffer instanceof SharedArrayBuffer) && w0.buffer.byteLength === 2000 * 300 * 4, `wide, few rows: the table's own slab (${w0.buffer.constructor.name}, ${w0.buffer.byteLength} bytes)`);
});

test("blank lines before the header that fill the first chunks: the table one thread reads, with a header and without", async () => {
  // cut in 8 chunks of ~4 KB: the first ones hold only blank lines (it failed: 'the file is empty')
  const blankHead = file("blank-head.csv", "\n".repeat(20_000) + "a,b\n" + Array.from({ length: 2000 }, (_, i) => `${i},${i % 3}`).join("\n") + "\n");
  const blankNoHeader = file("blank-no-header.csv", "\r\n".repeat(10_000) + Array.from({ length: 2000 }, (_, i) => `${i},${i % 3}`).join("\r\n") + "\r\n");
  for (const [f, header] of [[blankHead, true], [blankNoHeader, false]] as const) {
    const one = await read(f, 1, { header });
    assert.is(one.table.numRows(), 2000);
    for (const threads of [2, 4]) assertSameTable(one.table, (await read(f, threads, { header })).table, `${path.basename(f)}, ${threads} threads`);
  }
  // an error's line counts the blank lines (the file's line, on any number of threads)
  const ragged = file("blank-head-ragged.csv", "\n".repeat(20_000) + "a,b\n" + Array.from({ length: 2000 }, (_, i) => (i === 1500 ? `${i}` : `${i},${i % 3}`)).join("\n") + "\n");
  for (const threads of [1, 3]) {
    await read(ragged, threads).then(
      () => assert.unreachable("a ragged row accepted"),
      (e: Error) => assert.match(e.message, /line 21502 \(row 1501\)/, `${threads} threads: ${e.message}`),
    );
  }
});

test("a cut inside a quoted field with line ends: the file is read again on one thread, the same table", async () => {
  // the middle third of the file is one quoted field of 3000 lines: the cut at half the bytes falls inside it
  const head = Array.from({ length: 300 }, (_, i) => `${i},plain ${i}`);
  const field = `"${Array.from({ length: 3000 }, (_, i) => `inside ${i}, with "" and a comma`).join("\n")}"`;
  const f = file("straddle.csv", ["n,t", ...head, `300,${field}`, ...head.map((l) => `1${l}`)].join("\n") + "\n");
  const one = await read(f, 1);
  const two = await read(f, 2);
  assert.is(two.workers, 1);
  assertSameTable(one.table, two.table, "cut inside quotes");
  assert.is(two.table.numRows(), 601);
  assert.match(String(two.table.array("t")[300]), /^inside 0, with " and a comma\ninside 1,/);
  assertPandas(two.table, f);
});

test("no header (auto), a BOM, categories first seen in the second chunk, declared categorical columns, na_values", async () => {
  const rows = Array.from({ length: 5000 }, (_, i) => `${i % 50},${i < 3000 ? i % 3 : `z${i % 7}`},${i % 9 === 1 ? "?" : i / 4}`);
  const f = file("noheader.csv", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rows.join("\n") + "\n")]));
  for (const opts of [{ header: "auto" as const }, { header: false, categorical: ["c0"], na_values: ["?"] }]) {
    const one = await read(f, 1, opts);
    assert.equal(one.table.columnNames(), ["c0", "c1", "c2"]);
    assertSameTable(one.table, (await read(f, 3, opts)).table, `${JSON.stringify(opts)}, 3 threads`);
  }
  const cat = (await read(f, 3, { header: false, categorical: ["c0"] })).table.column("c1") as unknown as CategoricalColumn;
  assert.equal(cat.categories.slice(0, 4), ["0", "1", "2", `z${3000 % 7}`], "codes in first-appearance order over the whole file");
});

/** The error loadTable gives with `threads` threads. */
async function errorOf(f: string, threads: number): Promise<string> {
  try {
    await read(f, threads);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${f} read without an error on ${threads} threads`);
}

test("errors name the file's line and row, not the chunk's: a ragged row, an unclosed quote, a bare CR, a NUL byte in a later chunk; the first error in the file wins, on one thread as on several (a ragged row before a NUL byte)", async () => {
  const lines = ["a,b,c", ...Array.from({ length: 6000 }, (_, i) => `${i},${i % 7},"q${i}"`)];
  // line numbers are 1-based lines of the file: line k + 1 holds data row k (0-based) after the header
  const at = (row: number, text: string) => {
    const l = lines.slice();
    l[row + 1] = text;
    return l;
  };
  const cases: { name: string; content: string; message: RegExp }[] = [
    { name: "ragged", content: at(5000, "5000,1").join("\n") + "\n", message: /ragged\.csv: line 5002 \(row 5001\) has 2 fields, expected 3 as in the header: column 3 \(c\) is missing — ragged CSV/ },
    { name: "unclosed", content: at(5999, `5999,1,"open`).join("\n") + "\n", message: /unclosed\.csv: line 6001, column 3 \(c\): quoted field is not closed/ },
    { name: "bare-cr", content: at(4500, "4500,1\r2,3").join("\n") + "\n", message: /bare-cr\.csv: line 4502, column 2 \(b\): bare carriage return/ },
    { name: "nul", content: at(5500, "5500,\u0000,3").join("\n") + "\n", message: /nul\.csv: line 5502, column 2 \(b\): NUL byte/ },
    // a ragged row, then a NUL byte: the ragged row, on one thread (one block holds both) as on several (two chunks);
    // a NUL byte, then a ragged row: the NUL
    { name: "ragged-then-nul", content: at(1000, "1000,1").join("\n").replace("\n5500,", "\n5500,\u0000") + "\n", message: /ragged-then-nul\.csv: line 1002 \(row 1001\) has 2 fields/ },
    { name: "nul-then-ragged", content: at(5500, "5500,1").join("\n").replace("\n1000,", "\n1000,\u0000") + "\n", message: /nul-then-ragged\.csv: line 1002, column 2 \(b\): NUL byte/ },
    // a NUL inside a quoted field that spans lines: named at its line
    { name: "nul-quoted", content: at(3000, `3000,1,"two\nlines\u0000"`).join("\n") + "\n", message: /nul-quoted\.csv: line 3003, column 1 \(a\): NUL byte/ },
    // two ragged rows, one in each half: the first in the file is named
    { name: "two", content: at(1000, "1000").join("\n").replace("\n5000,", "\n5000,9,") + "\n", message: /two\.csv: line 1002 \(row 1001\) has 1 field, expected 3/ },
  ];
  for (const c of cases) {
    const f = file(`${c.name}.csv`, c.content);
    const one = await errorOf(f, 1);
    assert.match(one, c.message, `${c.name}, one thread`);
    for (const threads of c.name === "ragged" ? [2, 3] : [2]) assert.is(await errorOf(f, threads), one, `${c.name}, ${threads} threads: the same message`);
  }
  // the memory check from the first thousand rows: a clear error on 2 threads too (the rows estimated from a chunk)
  const fits = file("fits.csv", lines.join("\n") + "\n");
  const tooLarge = async (threads: number) => {
    try {
      await loadTable(fits, { threads, minChunkBytes: 1, progress: false, maxMemory: 100_000 });
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("maxMemory 100 kB accepted");
  };
  assert.match(await tooLarge(1), /fits\.csv: too large for this machine's memory: about [67],\d{3} rows × 3 columns/);
  assert.match(await tooLarge(2), /fits\.csv: too large for this machine's memory: about [67],\d{3} rows × 3 columns/);
  // a text column after numbers in the second chunk, then a ragged row: the ragged row is still the error
  const f = file("restart-then-ragged.csv", at(5900, "5900,1").map((l, i) => (i === 4000 ? "3999,text,x" : l)).join("\n") + "\n");
  assert.match(await errorOf(f, 2), /line 5902 \(row 5901\) has 2 fields/);
});

test("threads: an integer from 1 to 512, as nthread (a clear error otherwise: 10⁶ with minChunkBytes 1 would start a worker per byte); loadCsv reads on its own thread and says so; progress lines over every chunk", async () => {
  const f = file("small.csv", "a,b\n1,2\n3,4\n");
  for (const bad of [0, -1, 1.5, "2", 513, 1e6]) {
    try {
      await loadTable(f, { threads: bad as number, minChunkBytes: 1 });
      assert.unreachable(`threads ${JSON.stringify(bad)} accepted`);
    } catch (e) {
      assert.match((e as Error).message, /loadTable: threads must be an integer from 1 to 512 \(worker threads parsing a CSV file\), got /);
    }
  }
  await loadTable(f, { minChunkBytes: 0 }).then(
    () => assert.unreachable("minChunkBytes 0 accepted"),
    (e: Error) => assert.match(e.message, /minChunkBytes must be an integer ≥ 1/),
  );
  assert.throws(() => loadCsv(f, { threads: 2 } as Parameters<typeof loadCsv>[1]), /loadCsv: option threads is loadTable's/);
  // the default: a small file is read on this thread (no worker started) whatever the cores
  const before = workersStarted;
  assert.is((await loadTable(f)).numRows(), 2);
  assert.is(workersStarted - before, 0);
  // progress: the load's line counts the rows of every chunk
  const big = file("progress.csv", mixedCsv(3000));
  // … and the file's bytes once, however often its chunks report their ends (a 5 MB file on 2 threads in 1 MB chunks
  // was once closed with "10 MB": each report after its last chunk counted the file again)
  const numbers = file("numbers.csv", "a,b,c\n" + Array.from({ length: 300_000 }, (_, i) => `${i},${i * 0.5},x${i % 7}`).join("\n") + "\n");
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  try {
    await loadTable(big, { threads: 3, minChunkBytes: 1, progress: true });
    await loadTable(numbers, { threads: 2, minChunkBytes: 1e6, progress: true });
  } finally {
    process.stdout.write = write;
  }
  assert.ok(out.some((l) => /load progress\.csv: 3,000 rows, [\d.]+ MB in/.test(l)), `progress lines: ${out.join("")}`);
  const mb = (fs.statSync(numbers).size / 1e6).toFixed(1);
  assert.ok(out.some((l) => l.startsWith(`load numbers.csv: 300,000 rows, ${mb} MB in `)), `progress lines (file ${mb} MB): ${out.join("")}`);
  // the same without the race: a file's end reported twice (a chunk's last block, then its end) counts once
  const ticker = makeTicker([{ what: "/d/a.csv", file: "/d/a.csv", size: 5e6 }], true);
  out.length = 0;
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  try {
    ticker.tick(0)(2e6, 20);
    ticker.tick(0)(5e6, 50);
    ticker.tick(0)(5e6, 50);
    ticker.finish(50);
  } finally {
    process.stdout.write = write;
  }
  assert.ok(out.some((l) => l.startsWith("load a.csv: 50 rows, 5.0 MB in ")), `progress lines: ${out.join("")}`);
  // shown by default from 64 MB — of a compressed file, of what it announces it holds (a 5 MB .csv.gz of 70 MB of CSV
  // reads as long as the 70 MB file, and showed nothing), counted in its compressed bytes
  for (const announced of [undefined, 70e6]) {
    const gz = makeTicker([{ what: "/d/t.csv.gz", file: "/d/t.csv.gz", size: 5e6, announced }], undefined);
    out.length = 0;
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    try {
      gz.tick(0)(5e6, 50);
      gz.finish(50);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(out.some((l) => l.startsWith("load t.csv.gz: 50 rows, 5.0 MB in ")), announced !== undefined, `announced ${announced}: ${out.join("")}`);
  }

  // a file read again (a column of numbers that turns text near its end): the line says so and counts the second
  // read from the start — it stood at 100 % through the whole second read
  const late = file("late-text.csv", "a,b\n" + Array.from({ length: 200_000 }, (_, i) => `${i},${i === 199_990 ? "late" : i % 97}`).join("\n") + "\n");
  for (const threads of [1, 2]) {
    out.length = 0;
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    let table: Table;
    try {
      table = await loadTable(late, { threads, minChunkBytes: 1e5, progress: true });
    } finally {
      process.stdout.write = write;
    }
    assert.ok(table.column("b") instanceof CategoricalColumn, "b read as text");
    const again = out.findIndex((l) => /^load late-text\.csv: column "b" holds text after numbers: reading again with it as text\n$/.test(l));
    assert.ok(again >= 0, `${threads} threads, the note: ${out.join("")}`);
    // the second read's lines count from 0 % again (a one-thread read ticks every 4 MB: none for this 2 MB file)
    const after = out.slice(again + 1, -1);
    assert.ok(after.every((l) => /^load late-text\.csv: [\d.]+\/[\d.]+ MB \(\d+%\)/.test(l)), `${threads} threads, the second read's lines: ${after.join("")}`);
    if (threads > 1) assert.ok(after.length >= 3, `${threads} threads, the second read's lines: ${out.join("")}`);
    assert.match(out[out.length - 1], /^load late-text\.csv: 200,000 rows, /);
  }
});

// Each column turning text after numbers made the reader stop and read the whole file again: a file of 20 such
// columns was read 21 times (300,000 rows: 24 s where pandas took 1.9 s). The read now goes on to its end, naming
// every such column, and reads the file once more (a parallel read: once for the chunks' columns, and at most once
// more for a column that is text in one chunk and numbers in another).
test("columns turning text after numbers are all read again in one more read, on 1 and 2 threads, as pandas reads them", async () => {
  const ncol = 8, n = 40_000;
  const header = Array.from({ length: ncol }, (_, j) => `c${j}`).join(",");
  const lines = Array.from({ length: n }, (_, i) => Array.from({ length: ncol }, (_, j) => (i === n - 1 - j * 3000 ? `t${j}` : j === 0 && i === 5 ? "007" : String((i * (j + 1)) % 101))).join(","));
  const f = file("many-late.csv", header + "\n" + lines.join("\n") + "\n");
  const write = process.stdout.write;
  for (const threads of [1, 2]) {
    const out: string[] = [];
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    let table: Table;
    try {
      table = await loadTable(f, { threads, minChunkBytes: 100_000, progress: true });
    } finally {
      process.stdout.write = write;
    }
    const again = out.filter((l) => /holds? text after numbers: reading again/.test(l));
    assert.ok(again.length >= 1 && again.length <= (threads === 1 ? 1 : 2), `${threads} threads: read again ${again.length} times: ${again.join("")}`);
    if (threads === 1) assert.match(again[0], /columns "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7" hold text after numbers: reading again with them as text/);
    for (let j = 0; j < ncol; j++) assert.ok(table.column(`c${j}`) instanceof CategoricalColumn, `c${j} is text`);
    assert.is((table.column("c0") as CategoricalColumn).at(5), "007", "a number's spelling is kept");
    assertPandas(table, f);
  }
});

test.run();
