/**
 * loadTable and column types: every format reads the same table; pandas' missing tokens; categorical
 * detection; channels of several files; and every bad input is an Error naming the file, row and column.
 * Parquet files are written by hyparquet-writer and Arrow files by flechette's writer (independent of the
 * reading code here); the vega-datasets files were written by other tools (flights-200k.arrow and .json
 * are the same flights, flights-3m.parquet is ZSTD-compressed as Polars writes it).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { spawnSync } from "child_process";
import { createRequire } from "module";
import * as aq from "arquero";
import { float32, tableFromArrays, tableToIPC } from "@uwdata/flechette";
import { parquetWriteBuffer } from "hyparquet-writer";
import { CategoricalColumn, columnTypeRows, listTableFiles, loadCsv, loadTable, NA_VALUES, toMatrix, trainTestSplit, vegaDataset, type Table } from "ensemble-workbook";
import { MAX_COLUMNS, MAX_RECORD_BYTES, parseCsv } from "../lib/data/csvParse";
import { announcedSize } from "../lib/data/compressed";
import { Rng } from "node-xgboost-wasm";
import { hasSklearn, python } from "./lib-sklearn";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lib-tables-"));
const file = (name: string, content: string | Uint8Array | ArrayBuffer) => {
  const p = path.join(tmp, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content instanceof ArrayBuffer ? new Uint8Array(content) : content);
  return p;
};

async function rejects(f: () => Promise<unknown>, ...patterns: RegExp[]): Promise<string> {
  try {
    await f();
  } catch (e) {
    const msg = (e as Error).message;
    for (const p of patterns) assert.match(msg, p);
    return msg;
  }
  throw new Error(`expected an error matching ${patterns.join(", ")}`);
}

/** The reference table: numbers with a missing cell, text with a missing cell, an integer column, a text label. */
const ROWS = [
  { x: 1.5, city: "Oslo", n: 3, label: "yes" },
  { x: null, city: "Lima", n: 1, label: "no" },
  { x: -2.25, city: null, n: 2, label: "yes" },
  { x: 1e6, city: "Oslo", n: 3, label: "no" },
];
const NAMES = ["x", "city", "n", "label"];

function csvText(header: boolean): string {
  const lines = ROWS.map((r) => NAMES.map((n) => (r[n as keyof typeof r] ?? "")).join(","));
  return (header ? [NAMES.join(","), ...lines] : lines).join("\n") + "\n";
}

/** A table's content, comparable across formats: each column's type and its values (null for missing). */
function content(t: Table) {
  return t.columnNames().map((name) => {
    const values = Array.from(t.array(name) as ArrayLike<unknown>, (v) => (typeof v === "number" && Number.isNaN(v) ? null : v));
    return { name, type: columnTypeRows(t).find((r) => r.column === name)!.type, values };
  });
}

const EXPECTED = [
  { name: "x", type: "numeric", values: [1.5, null, -2.25, 1e6] },
  { name: "city", type: "categorical", values: ["Oslo", "Lima", null, "Oslo"] },
  { name: "n", type: "numeric", values: [3, 1, 2, 3] },
  { name: "label", type: "categorical", values: ["yes", "no", "yes", "no"] },
];

// gzip'd tables (t.csv.gz, a Spark part-00000.gz) were an Error asking to decompress them first; pandas' read_csv
// infers the compression, and reads them: pandas is the reference for what they hold. bzip2, xz and zip stay an Error
// naming the compression (a CSV of binary column names before that); zstd is read (the next test).
test("a gzip file is read as what it holds, as pandas reads it (t.csv.gz, part-00000.gz, a gzip'd .tsv, bytes); bzip2, xz and zip are an Error naming the compression", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compressed-"));
  try {
    const csv = 'a,b,name\n1,2,"x,y"\n3,,z\n5.5,6,Ünïcode\n';
    const gz = path.join(dir, "t.csv.gz");
    fs.writeFileSync(gz, zlib.gzipSync(csv));
    const cells = (t: Table) => Object.fromEntries(t.columnNames().map((c) => [c, Array.from(t.array(c) as ArrayLike<unknown>, (v) => (typeof v === "number" && Number.isNaN(v) ? null : v))]));
    const ours = cells(await loadTable(gz));
    if (hasSklearn()) {
      const ref = python(`import pandas as pd\ndf = pd.read_csv(data["f"])\nprint(json.dumps({c: [None if pd.isna(v) else v for v in df[c].tolist()] for c in df.columns}))`, { f: gz });
      assert.equal(ours, ref, "pandas read_csv of the .csv.gz (compression inferred)");
    }
    // the same from a Spark-style part without a name (two gzip members, as concatenated parts are), bytes, a gzip'd
    // .tsv (tabs from its name without .gz), JSON Lines
    const part = path.join(dir, "part-00000.gz");
    fs.writeFileSync(part, Buffer.concat([zlib.gzipSync(csv.slice(0, 14)), zlib.gzipSync(csv.slice(14))]));
    assert.equal(cells(await loadTable(part)), ours, "two members");
    assert.equal(cells(await loadTable(new Uint8Array(zlib.gzipSync(csv)))), ours, "bytes");
    const tsv = path.join(dir, "t.tsv.gz");
    fs.writeFileSync(tsv, zlib.gzipSync("a\tb\n1\t2\n"));
    assert.equal((await loadTable(tsv)).columnNames(), ["a", "b"]);
    // a local .tsv.gz already decompressed (gunzip without renaming it): read by the name inside, as a URL's .gz whose
    // Content-Encoding fetch undid — it was read with commas (its name's extension, .gz, is no format)
    const plainTsv = path.join(dir, "plain.tsv.gz");
    fs.writeFileSync(plainTsv, "a\tb\n1\t2\n");
    assert.equal((await loadTable(plainTsv)).columnNames(), ["a", "b"], "plain bytes named .tsv.gz");
    const jsonl = path.join(dir, "rows.jsonl.gz");
    fs.writeFileSync(jsonl, zlib.gzipSync('{"a": 1}\n{"a": 2}\n'));
    assert.equal(Array.from((await loadTable(jsonl)).array("a") as ArrayLike<number>), [1, 2]);
    // a cut-off gzip file, a gzip of a gzip, a gzip too large for the memory given
    const cut = path.join(dir, "cut.csv.gz");
    fs.writeFileSync(cut, zlib.gzipSync(csv).subarray(0, 20));
    await rejects(() => loadTable(cut), /cut\.csv\.gz is not a whole gzip file: unexpected end of file/);
    const twice = path.join(dir, "twice.csv.gz");
    fs.writeFileSync(twice, zlib.gzipSync(zlib.gzipSync(csv)));
    await rejects(() => loadTable(twice), /twice\.csv\.gz is gzip-compressed twice/);
    // a CSV is read as a stream (the table's estimate is checked against the memory); JSON Lines is decompressed whole
    await rejects(() => loadTable(gz, { maxMemory: 40 }), /t\.csv\.gz: too large for this machine's memory: about 3 rows × 3 columns/);
    await rejects(() => loadTable(jsonl, { maxMemory: 20 }), /rows\.jsonl\.gz decompresses to more than 10 bytes, half the memory the load may use \(maxMemory\): JSON Lines is read from one buffer, decompressed whole/);
    // a folder of gzip'd parts, as Spark writes them, read part by part
    const parts = path.join(dir, "parts");
    fs.mkdirSync(parts);
    fs.writeFileSync(path.join(parts, "part-00000.csv.gz"), zlib.gzipSync(csv));
    fs.writeFileSync(path.join(parts, "part-00001.csv.gz"), zlib.gzipSync(csv));
    const both = cells(await loadTable(parts));
    assert.equal(both.a, [...(ours.a as unknown[]), ...(ours.a as unknown[])]);
    for (const [kind, magic] of [["bzip2", [0x42, 0x5a, 0x68, 0x39]], ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]], ["zip", [0x50, 0x4b, 0x03, 0x04]]] as const) {
      const f = path.join(dir, `x.${kind}`);
      fs.writeFileSync(f, Buffer.from([...magic, 1, 2, 3, 4, 5, 6, 7, 8]));
      await rejects(() => loadTable(f), new RegExp(`x\\.${kind} is ${kind}-compressed: the table reader reads uncompressed, gzip- and zstd-compressed CSV, Parquet, Arrow and JSON files — decompress it first`));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// A gzip'd CSV was decompressed whole into one buffer (at most half of maxMemory: a 1 GB .csv.gz of 8 GB of CSV could
// not be read) and zstd was refused; pandas' read_csv reads both, as streams. Each is now read as a stream into the CSV
// reader: the table is pandas' (run here on the .gz; this pandas has no zstandard, so the .zst — written by the zstd
// command line where installed — must give the same table), read with a maxMemory the whole decompressed file would
// have exceeded; every gzip member and zstd frame is read (Node's zstd decompressor alone stops at the first frame),
// and a file cut off is an Error naming it, not a shorter table (Node's zstd decompressor alone says nothing).
test("gzip and zstd CSV are read as a stream, as pandas reads them: every member and frame, a cut-off file an Error, memory bounded by the chunks", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamed-"));
  try {
    const rng = new Rng(3);
    const words = ["alpha", "beta", "NA", "", '"delta,epsilon"', "zeta"];
    const lines = ["id,x,word,note,y"];
    for (let i = 0; i < 30000; i++) {
      const word = words[Math.floor(rng.next() * words.length)];
      lines.push(`${i},${(rng.next() * 100 - 50).toFixed(3)},${word},n${i.toString(36).repeat(40)},${rng.next() < 0.1 ? "" : Math.floor(rng.next() * 5)}`);
    }
    const csv = Buffer.from(lines.join("\n") + "\n"); // ~5 MB: several of the reader's 1 MB chunks and its 4 MB sample
    const plain = path.join(dir, "t.csv");
    fs.writeFileSync(plain, csv);
    const gz = path.join(dir, "t.csv.gz");
    fs.writeFileSync(gz, zlib.gzipSync(csv));
    const cells = (t: Table) => Object.fromEntries(t.columnNames().map((c) => [c, Array.from(t.array(c) as ArrayLike<unknown>, (v) => (typeof v === "number" && Number.isNaN(v) ? null : v))]));
    // half of maxMemory, the old whole read's limit, is under the decompressed size; the table's estimate fits
    const maxMemory = csv.length;
    // the progress line counts the compressed bytes, as a plain file's counts its bytes
    const said: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const tty = process.stderr.isTTY;
    process.stderr.isTTY = false;
    process.stdout.write = ((s: string) => (said.push(String(s)), true)) as typeof process.stdout.write;
    let table: Table;
    try {
      table = await loadTable(gz, { maxMemory, progress: true });
    } finally {
      process.stdout.write = write;
      process.stderr.isTTY = tty;
    }
    assert.match(said.join(""), /load t\.csv\.gz: [\d.]+\/[\d.]+ MB \(\d+%\), [\d,]+ rows/);
    assert.match(said.join(""), /load t\.csv\.gz: 30,000 rows, [\d.]+ MB in [\d.]+ s/);
    const ours = cells(table);
    assert.is(ours.id.length, 30000);
    if (hasSklearn()) {
      const ref = python(
        `import pandas as pd\ndf = pd.read_csv(data["f"], compression="gzip")\nprint(json.dumps({c: [None if pd.isna(v) else (float(np.float32(v)) if isinstance(v, float) else v) for v in df[c].tolist()] for c in df.columns}))`,
        { f: gz },
      );
      assert.equal(ours, ref, "pandas read_csv(compression='gzip')");
    } else assert.equal(cells(await loadTable(plain, { maxMemory })), ours, "the plain file");
    // gzip members cut mid-record, as concatenated parts are (bytes)
    const members = Buffer.concat([csv.subarray(0, 1000), csv.subarray(1000, 2_500_000), csv.subarray(2_500_000)].map((b) => zlib.gzipSync(b)));
    assert.equal(cells(await loadTable(new Uint8Array(members), { maxMemory })), ours, "three gzip members");
    // zstd: one frame, two frames (a file cut in two, each compressed: cat a.zst b.zst) with a skippable frame between
    const zstdCli = spawnSync("zstd", ["--version"]).status === 0;
    const zstd = (b: Uint8Array) => (zstdCli ? spawnSync("zstd", ["-q", "-c"], { input: b, maxBuffer: 1 << 30 }).stdout : (zlib as unknown as { zstdCompressSync(b: Uint8Array): Buffer }).zstdCompressSync(b));
    const zst = path.join(dir, "t.csv.zst");
    fs.writeFileSync(zst, zstd(csv));
    assert.equal(cells(await loadTable(zst, { maxMemory })), ours, "zstd");
    // the decompressed size a file announces (whether its load shows progress, as a plain file's size): gzip's trailer,
    // the zstd frame header's content size (the CLI writes it for a file, not for a pipe)
    const zstFile = path.join(dir, "file.csv.zst");
    if (zstdCli) spawnSync("zstd", ["-q", "-f", plain, "-o", zstFile]);
    else fs.writeFileSync(zstFile, zstd(csv));
    const announced = (kind: "gzip" | "zstd", b: Buffer) => announcedSize(kind, b.subarray(0, 18), b.subarray(b.length - 4));
    assert.equal([announced("gzip", fs.readFileSync(gz)), announced("zstd", fs.readFileSync(zstFile))], [csv.length, csv.length]);
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const frames = path.join(dir, "part-00000"); // no telling name: the format from the decompressed bytes
    fs.writeFileSync(frames, Buffer.concat([zstd(csv.subarray(0, 3_000_000)), skippable, zstd(csv.subarray(3_000_000))]));
    assert.equal(cells(await loadTable(frames, { maxMemory })), ours, "two zstd frames and a skippable one");
    assert.equal(cells(loadCsv(frames)), ours, "loadCsv (decompressed whole)");
    // a skippable frame first, as pzstd writes its files: still zstd (it was read as a CSV of binary bytes)
    const pzstd = path.join(dir, "part-00001");
    fs.writeFileSync(pzstd, Buffer.concat([skippable, zstd(csv.subarray(0, 3_000_000)), zstd(csv.subarray(3_000_000))]));
    assert.equal(cells(await loadTable(pzstd, { maxMemory })), ours, "a skippable frame first");
    // zero bytes after the last member are padding, as Python's gzip (pandas) reads them; other bytes after a zero
    // an Error naming the offset (zlib stops its output at them: the read failed with a bare AbortError, or not, by a race)
    const padded = path.join(dir, "padded.csv.gz");
    fs.writeFileSync(padded, Buffer.concat([fs.readFileSync(gz), Buffer.alloc(100)]));
    assert.equal(cells(await loadTable(padded, { maxMemory })), ours, "zero padding");
    const smallGz = zlib.gzipSync(Buffer.from("a,b\n1,2\n3,4\n"));
    assert.is((await loadTable(new Uint8Array(Buffer.concat([smallGz, Buffer.alloc(7)])))).numRows(), 2);
    const junk = path.join(dir, "junk.csv.gz");
    fs.writeFileSync(junk, Buffer.concat([smallGz, Buffer.from("\0JUNK")]));
    await rejects(() => loadTable(junk), new RegExp(`junk\\.csv\\.gz is not a whole gzip file: the bytes at offset ${smallGz.length + 1} follow its last gzip member`));
    // cut off: an Error naming the file, after the rows before the cut were read
    const cutGz = path.join(dir, "cut.csv.gz");
    fs.writeFileSync(cutGz, fs.readFileSync(gz).subarray(0, 200_000));
    await rejects(() => loadTable(cutGz), /cut\.csv\.gz is not a whole gzip file: unexpected end of file/);
    const cutZst = path.join(dir, "cut.csv.zst");
    fs.writeFileSync(cutZst, fs.readFileSync(zst).subarray(0, 200_000));
    await rejects(() => loadTable(cutZst), /cut\.csv\.zst is not a whole zstd file: it ends inside a frame \(cut off\?\) at 200000 bytes/);
    assert.throws(() => loadCsv(cutZst), /cut\.csv\.zst is not a whole zstd file: it ends inside a frame/);
    const trailing = path.join(dir, "trailing.csv.zst");
    fs.writeFileSync(trailing, Buffer.concat([fs.readFileSync(zst), Buffer.from("not zstd")]));
    await rejects(() => loadTable(trailing), /trailing\.csv\.zst is not a whole zstd file: the bytes at offset \d+ are not a zstd frame/);
    // a frame written with zstd --long (its window over zstd's default 128 MB, as the header's descriptor 0x90 says),
    // which the zstd command line and pandas refuse without being told; a corrupt one (its checksum)
    const small = Buffer.from(zstd(Buffer.from("a,b\n1,2\n")));
    if (small[4] >> 5 === 0 && (small[4] & 0xc0) === 0) {
      small[5] = 0x90; // Window_Descriptor: 2^(10 + 18) bytes
      await rejects(() => loadTable(small), /buffer: a zstd frame needs a window of more than 128 MB to decode \(written with zstd --long\)/);
    }
    const corrupt = Buffer.from(fs.readFileSync(zst));
    corrupt[corrupt.length - 2] ^= 0xff;
    await rejects(() => loadTable(corrupt), /buffer is not a valid zstd file: /);
    const inside = path.join(dir, "inside.csv.gz");
    fs.writeFileSync(inside, zlib.gzipSync(zstd(Buffer.from("a\n1\n"))));
    await rejects(() => loadTable(inside), /inside\.csv\.gz is gzip-compressed, and what it holds zstd-compressed: the table reader reads uncompressed, gzip- and zstd-compressed/);
    // a name that says nothing and a head compressing more than 16:1 (its format was sniffed from a 64 KB head
    // decompressed into at most 1 MB: "Cannot create a Buffer larger than 1048576 bytes")
    const dense = path.join(dir, "part-00001.gz");
    fs.writeFileSync(dense, zlib.gzipSync("a,b\n" + "1,2\n".repeat(300_000)));
    assert.is((await loadTable(dense)).numRows(), 300_000);
    // sep "auto": the separator from the stream's first line
    const semicolons = path.join(dir, "semicolons.csv.gz");
    fs.writeFileSync(semicolons, zlib.gzipSync("a;b\n" + "1;2\n".repeat(300_000)));
    const auto = await loadTable(semicolons, { sep: "auto" });
    assert.equal([auto.columnNames(), auto.numRows()], [["a", "b"], 300_000]);
    // the columns are told after the first rows, not once the file is read: a refusal comes before the ragged last line
    const ragged = path.join(dir, "ragged.csv.gz");
    fs.writeFileSync(ragged, zlib.gzipSync(Buffer.concat([csv, Buffer.from("1,2,3,4,5,6\n")])));
    await rejects(() => loadTable(ragged, { onColumns: () => { throw new Error("no label column"); } }), /^no label column$/);
    await rejects(() => loadTable(ragged), /ragged\.csv\.gz: line 30002 \(row 30001\) has 6 fields, expected 5/);
    // a Node without zstd (before 22.15): an Error naming the version needed (zlib's own module object, as lib sees it)
    const z = createRequire(__filename)("zlib");
    const had = Object.getOwnPropertyDescriptor(z, "createZstdDecompress")!;
    try {
      Object.defineProperty(z, "createZstdDecompress", { value: undefined, configurable: true });
      await rejects(() => loadTable(zst), /t\.csv\.zst is zstd-compressed: reading zstd needs Node 22\.15 or later \(this is Node [\d.]+\)/);
    } finally {
      Object.defineProperty(z, "createZstdDecompress", had);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("every format reads the same table: CSV with and without header, JSON, JSON Lines, Parquet, Arrow (file and Buffer)", async () => {
  const parquet = parquetWriteBuffer({
    columnData: [
      { name: "x", data: ROWS.map((r) => r.x), type: "DOUBLE" },
      { name: "city", data: ROWS.map((r) => r.city), type: "STRING" },
      { name: "n", data: ROWS.map((r) => r.n), type: "INT32" },
      { name: "label", data: ROWS.map((r) => r.label), type: "STRING" },
    ],
  });
  const arrow = tableToIPC(
    tableFromArrays({ x: ROWS.map((r) => r.x), city: ROWS.map((r) => r.city), n: Int32Array.from(ROWS, (r) => r.n), label: ROWS.map((r) => r.label) }),
    { format: "file" },
  )!;
  const sources: [string, () => Promise<Table>][] = [
    ["csv", () => loadTable(file("t.csv", csvText(true)))],
    ["csv without header", async () => (await loadTable(file("t-nohead.csv", csvText(false)), { header: false })).rename({ c0: "x", c1: "city", c2: "n", c3: "label" })],
    ["csv header auto", () => loadTable(file("t-auto.csv", csvText(true)), { header: "auto" })],
    ["json", () => loadTable(file("t.json", JSON.stringify(ROWS)))],
    ["jsonl", () => loadTable(file("t.jsonl", ROWS.map((r) => JSON.stringify(r)).join("\n")))],
    ["parquet", () => loadTable(file("t.parquet", parquet))],
    ["parquet by contentType, no extension", () => loadTable(file("part-00000", parquet), { contentType: "application/x-parquet" })],
    ["arrow", () => loadTable(file("t.arrow", arrow))],
    ["arrow Buffer, sniffed", () => loadTable(Buffer.from(arrow))],
    ["csv Buffer with format", () => loadTable(Buffer.from(csvText(true)), { format: "csv" })],
    ["sync loadCsv", async () => loadCsv(path.join(tmp, "t.csv"))],
  ];
  for (const [name, load] of sources) {
    const t = await load();
    assert.equal(content(t), EXPECTED, name);
  }
  // "auto": a first row of numbers (or missing cells) is data
  const noHeaderAuto = await loadTable(file("numbers.csv", "1.5,,3\n2,4,NA\n"), { header: "auto" });
  assert.equal(noHeaderAuto.columnNames(), ["c0", "c1", "c2"]);
  assert.is(noHeaderAuto.numRows(), 2);
});

test("numbers read exactly as Math.fround(parseFloat(text)), whatever the chunk boundaries", () => {
  const rng = Rng.fromSeed(7);
  const forms = [
    () => (rng.next() * 2 - 1).toFixed(1 + Math.floor(rng.next() * 9)),
    () => String(Math.floor(rng.next() * 1e6)),
    () => (rng.next() * 1e9).toExponential(Math.floor(rng.next() * 12)),
    () => String(rng.next() * 1e-7),
    () => `${rng.next() < 0.5 ? "+" : "-"}${(rng.next() * 100).toFixed(17)}`,
    () => `.${Math.floor(rng.next() * 1e8)}`,
    () => `${Math.floor(rng.next() * 1e18)}${rng.next() < 0.5 ? "." : ""}`,
    () => ` ${(rng.next() * 10).toFixed(3)} `,
    () => `"${(rng.next() * 10).toFixed(4)}"`,
    () => ["inf", "-inf", "1e400", "-0", "0.0000000000000000000001"][Math.floor(rng.next() * 5)],
  ];
  const rows = Array.from({ length: 3000 }, () => Array.from({ length: 6 }, () => forms[Math.floor(rng.next() * forms.length)]()));
  const text = "a,b,c,d,e,f\r\n" + rows.map((r) => r.join(",")).join("\r\n");
  const bytes = Buffer.from(text);
  for (const size of [bytes.length, 4096, 977, 13]) {
    const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
    const parsed = parseCsv(chunks, { what: "x", header: true, naValues: new Set([""]), textColumns: new Set(), totalBytes: bytes.length });
    assert.is(parsed.rows, rows.length);
    rows.forEach((r, i) =>
      r.forEach((cell, j) => {
        const want = Math.fround(parseFloat(cell.replace(/"/g, "").replace("inf", "Infinity")));
        const got = (parsed.columns[j] as Float32Array)[i];
        if (!Object.is(got, want)) assert.unreachable(`chunks of ${size}: row ${i}, column ${j}: ${JSON.stringify(cell)} read as ${got}, parseFloat gives ${want}`);
      }),
    );
  }
});

test("files other tools wrote: flights-200k.arrow equals flights-200k.json; flights-3m.parquet (ZSTD, Polars) reads 3M typed rows", async () => {
  const a = await loadTable(vegaDataset("flights-200k.arrow"));
  const j = await loadTable(vegaDataset("flights-200k.json"));
  assert.equal(a.columnNames(), j.columnNames());
  for (const c of a.columnNames()) assert.equal(Array.from(a.array(c) as Float32Array), Array.from(j.array(c) as Float32Array), c);
  const pq = await loadTable(vegaDataset("flights-3m.parquet"));
  // the package's datapackage.json describes the file: its columns and their types
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(vegaDataset("flights-3m.parquet")), "..", "datapackage.json"), "utf8"));
  const fields: { name: string; type: string }[] = pkg.resources.find((r: { path: string }) => r.path === "flights-3m.parquet").schema.fields;
  assert.equal(pq.columnNames(), fields.map((f) => f.name));
  const want: Record<string, string> = { integer: "numeric", number: "numeric", string: "categorical", datetime: "date", date: "date" };
  assert.equal(columnTypeRows(pq).map((r) => r.type), fields.map((f) => want[f.type]));
  assert.is(pq.numRows(), 3_000_000);
  // lib decodes its v1 dictionary pages itself (typed levels and indexes): the first and last 30,000 rows equal
  // hyparquet's own reader, cell by cell
  const { parquetReadObjects } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  const pqBytes = new Uint8Array(fs.readFileSync(vegaDataset("flights-3m.parquet"))).buffer;
  for (const rowStart of [0, 2_970_000]) {
    const rows = await parquetReadObjects({ file: pqBytes, compressors, rowStart, rowEnd: rowStart + 30_000 });
    for (const name of pq.columnNames()) {
      const ours = pq.array(name) as ArrayLike<unknown>;
      for (let i = 0; i < rows.length; i++) {
        const want = rows[i][name], got = ours[rowStart + i];
        const same = want instanceof Date ? got instanceof Date && got.getTime() === want.getTime() : typeof want === "bigint" || typeof want === "number" ? got === Math.fround(Number(want)) : got === want;
        if (!same) assert.unreachable(`flights-3m.parquet column ${name}, row ${rowStart + i}: ${String(got)} ≠ hyparquet's ${String(want)}`);
      }
    }
  }
  const origin = pq.column("origin") as unknown as CategoricalColumn;
  assert.ok(origin.categories.every((c) => /^[A-Z0-9]{3}$/.test(c)), "airport codes");
  const delay = pq.array("delay") as Float32Array;
  assert.ok(delay.every((v) => Number.isInteger(v)));
});

test("pandas' missing tokens in a numeric column; na_values replaces the set", async () => {
  const tokens = NA_VALUES;
  const f = file("na.csv", ["v,w", ...tokens.map((t, i) => `${t},${i}`), "2.5,99"].join("\n"));
  const t = await loadTable(f);
  assert.is(columnTypeRows(t)[0].type, "numeric");
  const v = t.array("v") as Float32Array;
  assert.ok(Array.from(v).slice(0, tokens.length).every(Number.isNaN));
  assert.is(v[tokens.length], 2.5);
  // with na_values ["?"] the default tokens are text: the column is categorical, "?" is missing
  const g = file("na2.csv", "v\nNA\n?\n1\n");
  const t2 = await loadTable(g, { na_values: ["?"] });
  assert.equal(t2.array("v"), ["NA", null, "1"]);
  await rejects(() => loadTable(g, { na_values: "NA" as unknown as string[] }), /na_values must be a list of strings/, /"NA"/);
});

test("a 32-bit float column declared categorical: each category the shortest text of its float32, as numpy prints it (Parquet FLOAT, Arrow float32)", async () => {
  const rng = Rng.forData(7);
  const values = [0.1, 2.5, 1 / 3, 1e-5, 123456.7, 3e20, ...Array.from({ length: 40 }, () => Math.fround((rng.next() - 0.5) * 10 ** Math.floor(rng.next() * 12 - 6)))].map(Math.fround);
  const parquet = parquetWriteBuffer({ columnData: [{ name: "f", data: values, type: "FLOAT" }] });
  const arrow = tableToIPC(tableFromArrays({ f: Float32Array.from(values) }, { types: { f: float32() } }), { format: "file" })!;
  // numpy's str of a float32 is its shortest round-trip text: the same decimal number as ours, written its own way
  const ref: string[] | undefined = hasSklearn() ? python(`print(json.dumps([str(np.float32(v)) for v in data]))`, values) : undefined;
  for (const [fmt, bytes] of [["parquet", parquet], ["arrow", arrow]] as const) {
    const texts = Array.from((await loadTable(new Uint8Array(bytes), { format: fmt, categorical: ["f"] })).array("f") as ArrayLike<string>);
    texts.forEach((t, i) => {
      assert.is(Math.fround(Number(t)), values[i], `${fmt} row ${i}: "${t}" reads back as the cell's float32`);
      if (ref) assert.is(Number(t), Number(ref[i]), `${fmt} row ${i}: "${t}" against numpy's "${ref[i]}"`);
    });
  }
});

test("na_values mean the same cells in every format, as pandas reads the CSV: a number equal to a numeric token is missing (-999, -999.0), a text token is missing in Parquet and Arrow strings too", async () => {
  const xs = [1.5, -999, -999.0, 7, -999.5];
  const ss = ["a", "?", "NA", "b", "?"];
  const na = ["?", "-999", "NA"];
  const csv = "x,s\n1.5,a\n-999,?\n-999.0,NA\n7,b\n-999.5,?\n";
  const expected = { x: [1.5, null, null, 7, -999.5], s: ["a", null, null, "b", null] };
  if (hasSklearn()) {
    // pandas adds na_values to its defaults unless keep_default_na=False; lib's na_values replace them
    const ref = python(
      `import pandas as pd, io
df = pd.read_csv(io.StringIO(data["csv"]), na_values=data["na"], keep_default_na=False)
print(json.dumps({"x": [None if pd.isna(v) else float(v) for v in df["x"]], "s": [None if pd.isna(v) else v for v in df["s"]]}))`,
      { csv, na },
    );
    assert.equal(ref, expected, "pandas");
  }
  const parquet = parquetWriteBuffer({ columnData: [{ name: "x", data: xs, type: "DOUBLE" }, { name: "s", data: ss, type: "STRING" }] });
  const arrow = tableToIPC(tableFromArrays({ x: xs, s: ss }), { format: "file" })!;
  const cells = (t: Table) => ({ x: Array.from(t.array("x") as Float32Array, (v) => (Number.isNaN(v) ? null : v)), s: Array.from(t.array("s") as ArrayLike<unknown>) });
  for (const [name, src] of [
    ["csv", file("na3.csv", csv)],
    ["json", file("na3.json", JSON.stringify(xs.map((x, i) => ({ x, s: ss[i] }))))],
    ["parquet", file("na3.parquet", parquet)],
    ["arrow", file("na3.arrow", arrow)],
  ] as const) {
    assert.equal(cells(await loadTable(src, { na_values: na })), expected, name);
  }
  // on 2 threads, chunk by chunk, as on one
  assert.equal(cells(await loadTable(file("na3-2.csv", csv), { na_values: na, threads: 2, minChunkBytes: 16 })), expected, "csv, 2 threads");
});

test("64-bit integers past 2^53 read as numbers in Arrow as in Parquet (rounded to float32 as every number); an Arrow file cut short says so", async () => {
  const big = [9007199254740993n, -5n, 1n << 62n];
  const arrow = tableToIPC(tableFromArrays({ id: BigInt64Array.from(big) }), { format: "file" })!;
  const parquet = parquetWriteBuffer({ columnData: [{ name: "id", data: big, type: "INT64" }] });
  const expected = big.map((v) => Math.fround(Number(v)));
  assert.equal(Array.from((await loadTable(file("big.arrow", arrow))).array("id") as Float32Array), expected, "arrow");
  assert.equal(Array.from((await loadTable(file("big.parquet", parquet))).array("id") as Float32Array), expected, "parquet");
  await rejects(() => loadTable(file("cut.arrow", arrow.subarray(0, Math.floor(arrow.length / 2)))), /cut\.arrow: truncated Arrow IPC file/);
});

test("an Arrow file or stream cut at any byte is an Error saying so, never the rows before the cut (a cut file loaded as 0 rows, a stream cut between messages as its first batches)", async () => {
  // two record batches and a dictionary: cuts fall inside and between every kind of message
  const t = tableFromArrays({ x: Float64Array.from([1, 2, 3, 4, 5, 6]), s: ["a", "b", "a", "c", "b", "a"] }, { maxBatchRows: 3 });
  for (const format of ["file", "stream"] as const) {
    const whole = tableToIPC(t, { format })!;
    assert.is(t.children[0].data.length, 2, "two record batches");
    const loaded = await loadTable(file(`whole.${format}.arrow`, whole));
    assert.equal(Array.from(loaded.array("x") as Float32Array), [1, 2, 3, 4, 5, 6], format);
    assert.equal(Array.from(loaded.array("s") as ArrayLike<unknown>), ["a", "b", "a", "c", "b", "a"], format);
    const silent: number[] = [];
    for (let n = 8; n < whole.length; n++) {
      try {
        await loadTable(file(`cut-${n}.arrow`, whole.subarray(0, n)));
        silent.push(n);
      } catch (e) {
        assert.match((e as Error).message, new RegExp(`cut-${n}\\.arrow: truncated Arrow IPC (file|stream)`), `${format} cut at ${n}`);
      }
    }
    assert.equal(silent, [], `${format}: cuts that loaded`);
  }
});

test("categorical: any non-number cell (even late, keeping the text of earlier numbers) or declared; dates stay text", async () => {
  const rows = Array.from({ length: 3000 }, (_, i) => `${i % 7 === 0 ? "007" : String(i % 5)},${i},Jun ${1 + (i % 28)} 1998`);
  rows[2500] = `x,2500,Jun 1 1998`;
  const f = file("late.csv", ["code,id,date", ...rows].join("\n"));
  const t = await loadTable(f);
  const types = columnTypeRows(t);
  assert.equal(types.map((r) => r.type), ["categorical", "numeric", "categorical"]);
  assert.is(t.array("code")[0], "007", "the original text of a number in a text column");
  assert.is(t.array("code")[2500], "x");
  const d = await loadTable(f, { categorical: ["id"] });
  assert.is(columnTypeRows(d)[1].type, "categorical");
  assert.is(d.array("id")[3], "3");
  await rejects(() => loadTable(f, { categorical: ["colour"] }), /late\.csv/, /categorical column "colour" not found; columns are: code, id, date/);
  // toMatrix: text → codes in order of first appearance, declared numbers → categories by their text
  const m = toMatrix(aq.table({ a: ["b", "a", null, "b"], k: [3, 1, 3, 2], y: [1, 2, 3, 4] }), { label: "y", categorical: ["k"] });
  assert.equal(m.columns, [
    { name: "a", type: "categorical", categories: ["b", "a"] },
    { name: "k", type: "categorical", categories: ["3", "1", "2"] },
  ]);
  assert.equal(Array.from(m.X).map((v) => (Number.isNaN(v) ? null : v)), [0, 0, 1, 1, null, 0, 0, 2]);
  assert.throws(() => toMatrix(aq.table({ a: [1], y: [1] }), { label: "y", categorical: ["b"] }), /categorical column "b" not found among the features: a/);
});

test("a 3-file CSV channel, a folder of Parquet shards and one CSV give the same table (a column turning text in the last file is read again)", async () => {
  const n = 30;
  const rows = Array.from({ length: n }, (_, i) => ({ a: i * 0.5, s: ["p", "q", "r"][i % 3], t: i < 25 ? String(i) : "late" }));
  const csv = (rs: typeof rows) => ["a,s,t", ...rs.map((r) => `${r.a},${r.s},${r.t}`)].join("\n") + "\n";
  const one = await loadTable(file("one/all.csv", csv(rows)));
  [0, 10, 20].forEach((s, k) => file(`channel/part-0000${k}.csv`, csv(rows.slice(s, s + 10))));
  file("channel/_SUCCESS", "");
  const three = await loadTable(path.join(tmp, "channel"));
  assert.equal(content(three), content(one));
  assert.is(three.array("t")[0], "0");
  [0, 15].forEach((s, k) =>
    file(
      `pq/part-${k}.parquet`,
      parquetWriteBuffer({
        columnData: [
          { name: "a", data: rows.slice(s, s + 15).map((r) => r.a), type: "DOUBLE" },
          { name: "s", data: rows.slice(s, s + 15).map((r) => r.s), type: "STRING" },
          { name: "t", data: rows.slice(s, s + 15).map((r) => r.t), type: "STRING" },
        ],
      }),
    ),
  );
  assert.equal(content(await loadTable(path.join(tmp, "pq"))), content(one));
  assert.equal(content(await loadTable([path.join(tmp, "channel", "part-00000.csv"), path.join(tmp, "channel", "part-00001.csv"), path.join(tmp, "channel", "part-00002.csv")])), content(one));
  file("mixed/a.csv", "a,b\n1,2\n");
  file("mixed/b.csv", "a,c\n1,2\n");
  await rejects(() => loadTable(path.join(tmp, "mixed")), /b\.csv has columns \[a, c\] but .*a\.csv has \[a, b\]/);
});

test("bad files: each an Error naming the file, row/line and column", async () => {
  await rejects(() => loadTable(file("ragged.csv", "a,b,c\n1,2,3\n4,5\n")), /ragged\.csv: line 3 \(row 2\) has 2 fields, expected 3 as in the header: column 3 \(c\) is missing/);
  await rejects(() => loadTable(file("extra.csv", "a,b\n1,2\n3,4,5\n")), /extra\.csv: line 3 \(row 2\) has 3 fields, expected 2.*column 3 is extra/);
  await rejects(() => loadTable(file("nul.csv", "a,b\n1,2\n3,\u00004\n")), /nul\.csv: line 3, column 2 \(b\): NUL byte/);
  await rejects(() => loadTable(file("quote.csv", 'a,b\n1,"open\n')), /quote\.csv: line 2, column 2 \(b\): quoted field is not closed/);
  await rejects(() => loadTable(file("after.csv", 'a,b\n1,"x"y\n')), /after\.csv: line 2, column 2 \(b\): text after a closing quote/);
  await rejects(() => loadTable(file("dup.csv", "a,a\n1,2\n")), /dup\.csv: line 1: column "a" appears twice/);
  // pandas reads a column "__proto__"; an arquero table cannot hold one (it loaded as a table of no rows, every column undefined)
  for (const [name, content] of [["proto.csv", "x,__proto__\n1,2\n"], ["proto.json", '[{"x":1,"__proto__":2}]'], ["proto.jsonl", '{"__proto__":2,"x":1}\n']])
    await rejects(() => loadTable(file(name, content)), new RegExp(`${name.replace(".", "\\.")}: a column is named "__proto__", which an arquero table cannot hold; rename it`));
  const pq = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "v", data: Array.from({ length: 500 }, (_, i) => i * 1.5), type: "DOUBLE" }] }));
  await rejects(() => loadTable(file("cut.parquet", pq.subarray(0, pq.length - 40))), /cut\.parquet: truncated Parquet file/);
  const corrupt = pq.slice();
  for (let i = 40; i < 200; i++) corrupt[i] = 0x7f; // the column chunk's pages, not the footer
  await rejects(() => loadTable(file("corrupt.parquet", corrupt)), /corrupt\.parquet: column "v", rows 1–500/);
  // a footer whose row count (FileMetaData.num_rows, then the row group's; thrift i64 fields after their neighbour,
  // zigzag varint of 500 = bytes 0x16 0xe8 0x07, as is the column chunk's num_values between them) is made negative
  // (0xe7 0x07 = -500): found by `npm run fuzz` as a RangeError inside the reader
  const rowsAt: number[] = [];
  for (let i = 0; i + 2 < pq.length; i++) if (pq[i] === 0x16 && pq[i + 1] === 0xe8 && pq[i + 2] === 0x07) rowsAt.push(i + 1);
  assert.is(rowsAt.length, 3);
  const negative = (at: number) => Uint8Array.from(pq, (b, i) => (i === at ? 0xe7 : b));
  await rejects(() => loadTable(file("negative.parquet", negative(rowsAt[0]))), /negative\.parquet: corrupt Parquet footer: it says the file has -500 rows/);
  await rejects(() => loadTable(file("negative-group.parquet", negative(rowsAt[2]))), /negative-group\.parquet: corrupt Parquet footer: row group 1 has -500 rows/);
  // a 1 KB file whose footer claims 10^9 rows (num_rows' varint widened to 5 bytes, the footer length after it
  // grown by 3): refused by the footer's own row groups before any column is allocated from the claim
  const claimed: number[] = [];
  for (let z = 2e9; ; z = Math.floor(z / 128)) { // zigzag(10^9) as a varint
    if (z < 128) { claimed.push(z); break; }
    claimed.push((z % 128) | 0x80);
  }
  const claims = new Uint8Array(pq.length + claimed.length - 2);
  claims.set(pq.subarray(0, rowsAt[0]));
  claims.set(claimed, rowsAt[0]);
  claims.set(pq.subarray(rowsAt[0] + 2), rowsAt[0] + claimed.length);
  const claimsView = new DataView(claims.buffer);
  claimsView.setUint32(claims.length - 8, claimsView.getUint32(claims.length - 8, true) + claimed.length - 2, true);
  await rejects(() => loadTable(file("claims.parquet", claims)), /claims\.parquet: corrupt Parquet footer: the row groups hold 500 rows but the footer says 1000000000/);
  // the column's one page header (thrift compact, at data_page_offset): 0x15 type, 0x15 uncompressed_page_size
  // (2-byte zigzag varint), 0x15 compressed_page_size (2 bytes), then 0x5c: field 8, data_page_header_v2
  const { parquetMetadata } = await import("hyparquet");
  const { parquetHeader } = await import("hyparquet/src/column.js");
  const chunk = parquetMetadata(pq.buffer).row_groups[0].columns[0].meta_data!;
  const pageAt = Number(chunk.data_page_offset);
  const pageHeader = parquetHeader({ view: new DataView(pq.buffer, pq.byteOffset, pq.byteLength), offset: pageAt });
  assert.equal([pq[pageAt + 2], pq[pageAt + 5], pq[pageAt + 8], pageHeader.uncompressed_page_size], [0x15, 0x15, 0x5c, 4003]);
  const patched = (at: number, bytes: number[]) => { const out = pq.slice(); out.set(bytes, at); return out; };
  // uncompressed_page_size made 8191 (0xfe 0x7f), past the chunk's 4028 bytes: hyparquet's decompressor allocates it
  await rejects(() => loadTable(file("page-size.parquet", patched(pageAt + 3, [0xfe, 0x7f]))),
    /page-size\.parquet: column "v", rows 1–500 \(row group 1\): corrupt page header at byte \d+ of the column chunk: an uncompressed page size of 8191 bytes, beyond the chunk's 4028/);
  // made 0 (0x80 0x00), less than the page's 3 bytes of definition levels (uncompressed_page_size - levels was negative)
  await rejects(() => loadTable(file("page-size-levels.parquet", patched(pageAt + 3, [0x80, 0x00]))),
    /page-size-levels\.parquet: column "v", rows 1–500 \(row group 1\): a v2 page's uncompressed size \(0 bytes\) is less than its 3 bytes of levels/);
  // data_page_header_v2 renumbered to field 9 (0x6c), which hyparquet skips: a DATA_PAGE_V2 page without its header (was a TypeError)
  await rejects(() => loadTable(file("no-page-header.parquet", patched(pageAt + 8, [0x6c]))),
    /no-page-header\.parquet: column "v", rows 1–500 \(row group 1\): a DATA_PAGE_V2 page without its data_page_header_v2/);
  // a dictionary index out of range, in row group 2 (rows 501–1000): rows 751–1000 are "b", one RLE run of 250
  // (header 0xf4 0x03) of index 1, made index 5; the error gives the file's row, 1-based
  const ab = new Uint8Array(parquetWriteBuffer({
    rowGroupSize: 500, codec: "UNCOMPRESSED",
    columnData: [{ name: "s", data: Array.from({ length: 1000 }, (_, i) => (i % 500 < 250 ? "a" : "b")), type: "STRING" }],
  }));
  const sChunk = parquetMetadata(ab.buffer).row_groups[1].columns[0].meta_data!;
  let runAt = Number(sChunk.data_page_offset);
  while (!(ab[runAt] === 0xf4 && ab[runAt + 1] === 0x03 && ab[runAt + 2] === 0x01)) runAt++;
  const badIndex = ab.slice();
  badIndex[runAt + 2] = 5;
  await rejects(() => loadTable(file("index.parquet", badIndex)),
    /index\.parquet: column "s", rows 501–1000 \(row group 2\): row 751 points at dictionary entry 5 of 2/);
  const binary = parquetWriteBuffer({ columnData: [{ name: "blob", data: [new Uint8Array([1, 2]), new Uint8Array([3])], type: "BYTE_ARRAY" }] });
  await rejects(() => loadTable(file("blob.parquet", binary)), /blob\.parquet: column "blob" has Parquet type BYTE_ARRAY without a string annotation \(binary\), which is not supported/);
  await rejects(() => loadTable(file("not.arrow", "a,b\n1,2\n")), /not\.arrow: not an Arrow IPC file/);
  await rejects(() => loadTable(file("nested.json", '[{"a": 1, "b": {"c": 2}}]')), /nested\.json: record 1, column "b": .* is a nested value/);
  await rejects(() => loadTable(file("bad.jsonl", '{"a": 1}\n{"a": \n')), /bad\.jsonl: line 2 is not valid JSON/);
  await rejects(() => loadTable(path.join(tmp, "nope.csv")), /file not found: .*nope\.csv/);
  await rejects(() => loadTable(file("x.csv", "a\n1\n"), { contentType: "application/x-recordio-protobuf" }), /content type "application\/x-recordio-protobuf" is not supported: tables are read as CSV, Parquet, Arrow, JSON or LIBSVM/);
  // a content type's parameters: UTF-8 (any spelling) and label_size=1 are read; another charset or parameter is refused
  assert.is((await loadTable(file("x.csv", "a\n1\n"), { contentType: 'text/csv; charset="UTF-8"; label_size=1' })).numRows(), 1);
  await rejects(() => loadTable(file("x.csv", "a\n1\n"), { contentType: "text/csv; charset=windows-1252" }), /charset windows-1252 is not read — tables are read as UTF-8/);
  await rejects(() => loadTable(file("x.csv", "a\n1\n"), { contentType: "text/csv; header=present" }), /parameter "header=present" is not read/);
  await rejects(() => loadTable(file("x.csv", "a\n1\n"), { contentType: "text/csv; charset" }), /parameter "charset" has no value/);
});

// Each column costs the reader a fixed amount whatever the rows, and a header field can be one byte: a 1.5 MB
// header of 200 000 names took 1.2 GB and 32 s (each column's builder started at 1024 cells, and the duplicate
// check was quadratic). Now a column starts no larger than the file allows, the first line may have at most
// MAX_COLUMNS fields, and a record at most MAX_RECORD_BYTES.
test("an enormous first line: over MAX_COLUMNS fields, or no line ends, is refused at once; a wide header just under it is read with memory bounded by the file", async () => {
  await rejects(() => loadTable(file("wide.csv", Array.from({ length: 200_000 }, (_, j) => `c${j}`).join(",") + "\n1,2,3\n")), /wide\.csv: line 1: the first record has more than 100000 fields; the reader's limit is 100000 columns/);
  assert.throws(() => loadCsv(file("commas.csv", ",".repeat(MAX_COLUMNS))), /commas\.csv: line 1: the first record has 100001 fields; the reader's limit is 100000 columns/);
  assert.throws(() => loadCsv(file("headerless.csv", "1,".repeat(150_000)), { header: false }), /headerless\.csv: line 1: the first record has more than 100000 fields/);
  // a record that never ends (no comma, no line end; a quote never closed): refused once it passes 64 MB,
  // without reading the rest of the (here endless) input
  for (const [name, first, fill] of [["no line ends", "", 0x78], ["an open quote", '"', 0x0a]] as const) {
    let pulled = 0;
    function* endless() {
      const chunk = new Uint8Array(4 << 20).fill(fill);
      chunk.set(Buffer.from(first));
      yield chunk;
      for (;;) {
        pulled++;
        yield new Uint8Array(4 << 20).fill(fill);
      }
    }
    assert.throws(() => parseCsv(endless(), { what: name, header: true, naValues: new Set([""]), textColumns: new Set(), totalBytes: 1e12 }), new RegExp(`${name}: line 1: a record runs over 64 MB without ending`));
    assert.ok(pulled * 4 < 2 * (MAX_RECORD_BYTES >> 20), `${name}: read ${pulled * 4} MB before refusing`);
  }
  // 50 000 columns, 3 rows: read, and the columns the reader holds while parsing (external array buffers,
  // sampled at its last chunk) stay within a few times the file — they were 50 000 × 4 kB = 205 MB
  const names = Array.from({ length: 50_000 }, (_, j) => `c${j}`);
  const rows = [0, 1, 2].map((i) => names.map((_, j) => String((i * 7 + j) % 10)));
  const bytes = Buffer.from([names, ...rows].map((r) => r.join(",")).join("\n") + "\n");
  const before = process.memoryUsage().arrayBuffers;
  let during = 0;
  const parsed = parseCsv([bytes], {
    what: "wide", header: true, naValues: new Set([""]), textColumns: new Set(), totalBytes: bytes.length,
    onChunk: () => (during = process.memoryUsage().arrayBuffers - before),
  });
  assert.is(parsed.rows, 3);
  assert.is(parsed.names.length, 50_000);
  assert.equal(Array.from(parsed.columns[49_999] as Float32Array), [9, 6, 3]);
  assert.ok(during < 4 * bytes.length, `the reader held ${during} bytes of arrays for a ${bytes.length}-byte file`);
  const table = loadCsv(file("wide-ok.csv", bytes));
  assert.equal([table.numRows(), table.numCols()], [3, 50_000]);
  assert.equal(Array.from(table.array("c12345") as ArrayLike<number>), [5, 2, 9]);
});

test("a file too large for the memory limit fails before its rows are read, with the estimate", async () => {
  const rows = Array.from({ length: 5000 }, (_, i) => `${i},${i * 2},${i % 3}`);
  const f = file("big.csv", ["a,b,c", ...rows].join("\n"));
  const msg = await rejects(() => loadTable(f, { maxMemory: 100_000 }), /big\.csv: too large for this machine's memory: about [\d,]+ rows × 3 columns = \d+ kB as float32/, /memory limit is/);
  assert.match(msg, /need about 4× that/);
  const pq = file("big.parquet", parquetWriteBuffer({ columnData: [{ name: "v", data: Array.from({ length: 20000 }, (_, i) => i), type: "DOUBLE" }] }));
  await rejects(() => loadTable(pq, { maxMemory: 100_000 }), /big\.parquet: too large for this machine's memory: 20,000 rows × 1 columns/);
  assert.is((await loadTable(f)).numRows(), 5000);
});

test("onColumns is told the column names before the rows are read (CSV on 1 and 2 threads, Parquet); its throw ends the load; Arrow and JSON tell them after the parse", async () => {
  const good = ["a,b,c", ...Array.from({ length: 3000 }, (_, i) => `${i},${i * 2},${i % 3}`)];
  const bad = [...good];
  bad[2500] = "1,2"; // a ragged line: the read's own error, which a refusal by the columns comes before
  const f = file("cols-bad.csv", bad.join("\n"));
  await rejects(() => loadTable(f), /line 2501 .*has 2 fields/);
  for (const threads of [1, 2]) {
    const seen: string[][] = [];
    await rejects(() => loadTable(f, { threads, minChunkBytes: 4096, onColumns: (names) => (seen.push(names), assert.ok(false, "refused")) }), /^refused$/);
    assert.equal(seen, [["a", "b", "c"]], `threads ${threads}`);
  }
  assert.throws(() => loadCsv(f, { onColumns: () => { throw new Error("refused"); } }), /^refused$/);
  const told: string[][] = [];
  const t = await loadTable(file("cols-nohead.csv", good.slice(1).join("\n")), { header: false, onColumns: (names) => told.push(names) });
  assert.equal([told, t.numRows()], [[["c0", "c1", "c2"]], 3000]);
  const pq = file("cols.parquet", parquetWriteBuffer({ columnData: [{ name: "v", data: [1, 2, 3], type: "DOUBLE" }, { name: "w", data: [4, 5, 6], type: "DOUBLE" }] }));
  const schema: string[][] = [];
  await rejects(() => loadTable(pq, { onColumns: (names) => (schema.push(names), assert.ok(false, "refused")) }), /^refused$/);
  assert.equal(schema, [["v", "w"]]);
  const later: string[][] = [];
  await loadTable(file("cols.json", JSON.stringify([{ p: 1, q: "x" }, { p: 2, q: "y" }])), { onColumns: (names) => later.push(names) });
  assert.equal(later, [["p", "q"]]);
  await rejects(() => loadTable(f, { onColumns: "yes" as never }), /^loadTable: onColumns must be a function \(names\) => void, got "yes"/);
});

test("Parquet page by page equals hyparquet's own reader: row groups × pages, dictionary / plain / delta pages, nulls, INT64, booleans, timestamps", async () => {
  // lib reads Parquet with hyparquet's page decoders straight into typed columns; hyparquet's parquetReadObjects
  // (its Dremel assembly, default parsers) is the reference, on a file with 3 row groups of many small pages each
  const rng = new Rng(11);
  const n = 5000;
  const maybe = <T>(v: T, p = 0.1): T | null => (rng.next() < p ? null : v);
  const airports = ["ATL", "ORD", "DFW", "LAX", "SFO", "JFK", "Zürich ✈"];
  const t0 = Date.UTC(2001, 0, 1);
  const cols = {
    f: Array.from({ length: n }, () => maybe(rng.next() * 1e4 - 5e3)),
    i64: Array.from({ length: n }, () => maybe(BigInt(Math.floor(rng.next() * 50) - 25))),
    s: Array.from({ length: n }, () => maybe(airports[Math.floor(rng.next() * airports.length)])),
    plain: Array.from({ length: n }, (_, i) => maybe(`row ${i}`)),
    b: Array.from({ length: n }, () => maybe(rng.next() < 0.5)),
    ts: Array.from({ length: n }, () => maybe(new Date(t0 + Math.floor(rng.next() * 400) * 60_000))),
    delta: Array.from({ length: n }, (_, i) => i * 3 - 7),
  };
  const buf = parquetWriteBuffer({
    rowGroupSize: 1700,
    pageSize: 1500,
    columnData: [
      { name: "f", data: cols.f, type: "DOUBLE" },
      { name: "i64", data: cols.i64, type: "INT64", encoding: "RLE_DICTIONARY" },
      { name: "s", data: cols.s, type: "STRING", encoding: "RLE_DICTIONARY" },
      { name: "plain", data: cols.plain, type: "STRING", encoding: "PLAIN" },
      { name: "b", data: cols.b, type: "BOOLEAN" },
      { name: "ts", data: cols.ts, type: "TIMESTAMP", encoding: "RLE_DICTIONARY" },
      { name: "delta", data: Int32Array.from(cols.delta), type: "INT32", encoding: "DELTA_BINARY_PACKED" },
    ],
  });
  const { parquetMetadata, parquetReadObjects } = await import("hyparquet");
  const md = parquetMetadata(buf);
  assert.is(md.row_groups.length, 3);
  const encodings = new Set(md.row_groups.flatMap((g) => g.columns.flatMap((c) => c.meta_data!.encodings)));
  for (const e of ["PLAIN", "RLE_DICTIONARY", "DELTA_BINARY_PACKED"]) assert.ok(encodings.has(e as never), `the file has ${e} pages (${[...encodings]})`);
  const reference = await parquetReadObjects({ file: buf });
  const t = await loadTable(file("pages.parquet", new Uint8Array(buf)));
  assert.is(t.numRows(), n);
  const types = Object.fromEntries(columnTypeRows(t).map((r) => [r.column, r.type]));
  assert.equal(types, { f: "numeric", i64: "numeric", s: "categorical", plain: "categorical", b: "categorical", ts: "date", delta: "numeric" });
  const got = (name: string) => t.array(name) as ArrayLike<unknown>;
  for (const name of Object.keys(cols)) {
    const ours = got(name);
    for (let r = 0; r < n; r++) {
      const want = reference[r][name];
      const cell = ours[r];
      const expected =
        want === null || want === undefined ? (types[name] === "numeric" ? NaN : null)
        : types[name] === "numeric" ? Math.fround(Number(want))
        : types[name] === "date" ? (want as Date).getTime()
        : String(want);
      const actual = cell instanceof Date ? cell.getTime() : cell;
      if (!Object.is(actual, expected)) assert.unreachable(`column ${name}, row ${r}: ${String(actual)} ≠ hyparquet's ${String(expected)}`);
    }
  }
  assert.ok((t.array("ts") as unknown[]).some((v) => v instanceof Date), "timestamps stay Date values");
});

test("a URL (loopback): format from the response's content type where it names one, else the path's name; a web page is an Error; a large load shows its progress line", async () => {
  const parquet = parquetWriteBuffer({ columnData: [{ name: "v", data: [1.5, 2.5, null], type: "DOUBLE" }, { name: "s", data: ["a", "b", "a"], type: "STRING" }] });
  const json = JSON.stringify([{ a: 1, b: "x" }, { a: 2.5, b: "y" }]);
  const tsvGz = new Uint8Array(zlib.gzipSync("a\tb\n1\t2\n"));
  const served: Record<string, [string, string | Uint8Array, Record<string, string>?]> = {
    // a gzip'd .tsv: tabs from the path's name without .gz — whatever the query (a presigned URL's) or a server's
    // Content-Encoding (fetch decompresses it) say; commas were taken, the name being the URL's or still .gz
    "/g/t.tsv.gz": ["application/gzip", tsvGz],
    "/enc/t.tsv.gz": ["application/octet-stream", tsvGz, { "content-encoding": "gzip" }],
    "/data": ["application/x-parquet", new Uint8Array(parquet)],
    // GitHub's raw files are all text/plain: the name says JSON (it was read as CSV: "text after a closing quote")
    "/raw/p.json": ["text/plain; charset=utf-8", json],
    "/blob/p.csv": ["text/html; charset=utf-8", "<!DOCTYPE html>\n<html><body></body></html>\n"],
    "/q/p.json": ["application/octet-stream", json],
    "/rfc.csv": ["text/csv; header=present", "a,b\n1,x\n"],
    "/latin.csv": ["text/csv; charset=ISO-8859-1", "a,b\n1,x\n"],
    // what a Java server labels any file: text/plain says nothing of the table (ASCII bytes are UTF-8 too)
    "/java/p.json": ["text/plain; charset=ISO-8859-1", json],
  };
  const server = http.createServer((req, res) => {
    const [type, body, headers] = served[new URL(req.url!, "http://x").pathname] ?? [];
    if (type) {
      res.writeHead(200, { "content-type": type, ...headers });
      res.end(typeof body === "string" ? body : Buffer.from(body!));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  try {
    const t = await loadTable(`http://127.0.0.1:${port}/data`);
    assert.equal(content(t), [
      { name: "v", type: "numeric", values: [1.5, 2.5, null] },
      { name: "s", type: "categorical", values: ["a", "b", "a"] },
    ]);
    await rejects(() => loadTable(`http://127.0.0.1:${port}/missing.csv`), /answered 404/);
    // the same bytes as a file of that name are the reference
    const fromFile = content(await loadTable(file("p.json", json)));
    assert.equal(content(await loadTable(`http://127.0.0.1:${port}/raw/p.json`)), fromFile, "text/plain: the name's format");
    assert.equal(content(await loadTable(`http://127.0.0.1:${port}/java/p.json`)), fromFile, "text/plain's charset is not the table's");
    assert.equal(content(await loadTable(`http://127.0.0.1:${port}/q/p.json?download=1`)), fromFile, "octet-stream: the path's extension, not the query's");
    assert.equal(content(await loadTable(`http://127.0.0.1:${port}/rfc.csv`)), content(await loadTable(file("rfc.csv", "a,b\n1,x\n"))));
    await rejects(() => loadTable(`http://127.0.0.1:${port}/blob/p.csv`), /answered a web page \(content type text\/html.*raw address/);
    assert.equal(content(await loadTable(`http://127.0.0.1:${port}/blob/p.csv`, { format: "csv" })).length, 1, "format overrides the server's type");
    await rejects(() => loadTable(`http://127.0.0.1:${port}/latin.csv`), /latin\.csv: content type "text\/csv; charset=ISO-8859-1": charset ISO-8859-1 is not read/);
    assert.equal((await loadTable(`http://127.0.0.1:${port}/g/t.tsv.gz?X-Amz-Signature=abc`)).columnNames(), ["a", "b"], "gzip .tsv with a query");
    assert.equal((await loadTable(`http://127.0.0.1:${port}/enc/t.tsv.gz`)).columnNames(), ["a", "b"], "Content-Encoding: gzip");
  } finally {
    server.close();
  }
  const f = file("progress.csv", ["a,b", ...Array.from({ length: 2000 }, (_, i) => `${i},${i % 7}`)].join("\n"));
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const tty = process.stderr.isTTY;
  process.stderr.isTTY = false;
  process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
  try {
    await loadTable(f, { progress: true });
  } finally {
    process.stdout.write = write;
    process.stderr.isTTY = tty;
  }
  assert.match(lines.join(""), /load progress\.csv: 2,000 rows, [\d.]+ MB in [\d.]+ s \(\d+ MB\/s\)/);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));


// A damaged v2 page header (found by `npm run fuzz`, kept in test/fixtures): its level lengths are missing, and
// hyparquet's decoder then read byte NaN forever — a hang. lib decodes the page's runs itself with bounds.
test("a damaged Parquet page (v2 header without its level lengths) is an Error naming the column, not a hang", async () => {
  const file = path.join(__dirname, "fixtures", "damaged-v2-page-levels.parquet");
  let err: Error | undefined;
  try {
    await loadTable(file);
  } catch (e) {
    err = e as Error;
  }
  assert.ok(err, "the damaged file is refused");
  assert.match(err!.message, /damaged-v2-page-levels\.parquet: column "n", rows 1–4 \(row group 1\): a v2 page's levels/);
});

// BOOLEAN columns in RLE (what hyparquet-writer and pyarrow write in v2 pages) are decoded by lib's bounded
// decoder (parquet-hybrid.ts): hyparquet's own trusted a damaged run's count — on the damaged copy below it took
// 15 s and 2.4 GB of memory to fail with V8's "Invalid array length".
test("Parquet BOOLEAN columns in RLE data pages v2 equal hyparquet's reader; a damaged run is an Error naming the file, column and row group", async () => {
  const rng = new Rng(5);
  const n = 3000;
  const cols = {
    opt: Array.from({ length: n }, () => (rng.next() < 0.15 ? null : rng.next() < 0.3)),
    req: Array.from({ length: n }, (_, i) => i % 97 < 60 || rng.next() < 0.5), // long runs (RLE) and mixed (bit-packed)
    zipped: Array.from({ length: n }, () => (rng.next() < 0.05 ? null : rng.next() < 0.5)),
  };
  const buf = new Uint8Array(parquetWriteBuffer({
    rowGroupSize: 1000,
    pageSize: 100,
    codec: "UNCOMPRESSED",
    columnData: [
      { name: "opt", data: cols.opt, type: "BOOLEAN" },
      { name: "req", data: cols.req, type: "BOOLEAN", nullable: false },
      { name: "zipped", data: cols.zipped, type: "BOOLEAN", codec: "SNAPPY" },
    ],
  }));
  const { parquetMetadata, parquetReadObjects } = await import("hyparquet");
  const { parquetHeader } = await import("hyparquet/src/column.js");
  const md = parquetMetadata(buf.buffer);
  assert.is(md.row_groups.length, 3);
  for (const g of md.row_groups) {
    for (const c of g.columns) {
      const stats = c.meta_data!.encoding_stats!;
      assert.ok(stats.length > 0 && stats.every((s) => s.page_type === "DATA_PAGE_V2" && s.encoding === "RLE"), `${c.meta_data!.path_in_schema}: ${JSON.stringify(stats)}`);
      assert.ok(stats[0].count > 1, "several pages per row group");
    }
  }
  const reference = await parquetReadObjects({ file: buf.buffer });
  const t = await loadTable(file("bool.parquet", buf));
  assert.is(t.numRows(), n);
  for (const name of Object.keys(cols)) {
    const ours = t.array(name) as ArrayLike<unknown>;
    for (let r = 0; r < n; r++) {
      const want = reference[r][name];
      assert.is(typeof want === "boolean" || want === null, true);
      const expected = want === null ? null : String(want);
      if (ours[r] !== expected) assert.unreachable(`column ${name}, row ${r}: ${String(ours[r])} ≠ hyparquet's ${String(expected)}`);
    }
  }
  // damage the first page of "opt" in row group 2: its values start after the levels with a 4-byte length, then
  // the first run header — made a run of 2^31 - 1 values; then, on another copy, the length made to run past the page
  const chunk = md.row_groups[1].columns[0].meta_data!;
  const reader = { view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength), offset: Number(chunk.data_page_offset) };
  const header = parquetHeader(reader);
  const values = reader.offset + header.data_page_header_v2!.repetition_levels_byte_length + header.data_page_header_v2!.definition_levels_byte_length;
  const longRun = buf.slice();
  longRun.set([0xfe, 0xff, 0xff, 0xff, 0x0f], values + 4);
  await rejects(() => loadTable(file("bool-long-run.parquet", longRun)),
    /bool-long-run\.parquet: column "opt", rows 1001–2000 \(row group 2\): the page's BOOLEAN values: an RLE run of 2147483647 values where \d+ remain/);
  const longLength = buf.slice();
  new DataView(longLength.buffer).setUint32(values, 0x7fff_0000, true);
  await rejects(() => loadTable(file("bool-length.parquet", longLength)),
    /bool-length\.parquet: column "opt", rows 1001–2000 \(row group 2\): the page's BOOLEAN runs \(2147418112 bytes\) run past its \d+ bytes/);
});

// hyparquet-writer writes only v2 pages: a v1 file of the same column is built here from its page and footer
// writers (the v1 layout: definition levels and then the values, each an RLE / bit-packed run stream after its
// 4-byte length), and read against hyparquet's own parquetReadObjects.
test("Parquet BOOLEAN columns in RLE data pages v1 (a hand-built file) equal hyparquet's reader; a damaged run is an Error", async () => {
  const { ByteWriter } = await import("hyparquet-writer");
  const { writePageHeader } = await import("hyparquet-writer/src/datapage.js");
  const { writeRleBitPackedHybrid } = await import("hyparquet-writer/src/encoding.js");
  const { writeMetadata } = await import("hyparquet-writer/src/metadata.js");
  const { parquetMetadata, parquetReadObjects } = await import("hyparquet");
  const rng = new Rng(9);
  const n = 1000, pageRows = 400;
  const values = Array.from({ length: n }, (_, i) => (rng.next() < 0.1 ? null : i % 50 < 20 || rng.next() < 0.4));
  const template = parquetMetadata(parquetWriteBuffer({ codec: "UNCOMPRESSED", columnData: [{ name: "b", data: values, type: "BOOLEAN" }] }));
  const runs = (bits: number[]) => {
    const w = new ByteWriter();
    writeRleBitPackedHybrid(w, bits, 1);
    return w.getBytes();
  };
  const out = new ByteWriter();
  out.appendBytes(Buffer.from("PAR1"));
  const start = out.offset;
  const valueRuns: number[] = []; // where each page's value stream starts (its length first)
  for (let p = 0; p < n; p += pageRows) {
    const page = values.slice(p, p + pageRows);
    const body = new ByteWriter();
    const defs = runs(page.map((v) => (v === null ? 0 : 1)));
    body.appendUint32(defs.length);
    body.appendBytes(defs);
    const bits = runs(page.filter((v) => v !== null).map((v) => (v ? 1 : 0)));
    const valuesAt = body.offset;
    body.appendUint32(bits.length);
    body.appendBytes(bits);
    writePageHeader(out, {
      type: "DATA_PAGE", uncompressed_page_size: body.offset, compressed_page_size: body.offset,
      data_page_header: { num_values: page.length, encoding: "RLE", definition_level_encoding: "RLE", repetition_level_encoding: "RLE" },
    });
    valueRuns.push(out.offset + valuesAt);
    out.appendBytes(body.getBytes());
  }
  const size = BigInt(out.offset - start);
  const group = template.row_groups[0], chunk = group.columns[0];
  const meta = {
    ...chunk.meta_data!, encodings: ["RLE" as const], data_page_offset: BigInt(start), dictionary_page_offset: undefined,
    total_compressed_size: size, total_uncompressed_size: size, statistics: undefined,
    encoding_stats: [{ page_type: "DATA_PAGE" as const, encoding: "RLE" as const, count: valueRuns.length }],
  };
  const footerAt = out.offset;
  // (the cast: hyparquet-writer types its metadata with its own copy of hyparquet, a version apart)
  writeMetadata(out, {
    ...template,
    row_groups: [{ ...group, total_byte_size: size, total_compressed_size: size, file_offset: BigInt(start), columns: [{ ...chunk, file_offset: BigInt(start), meta_data: meta, offset_index_offset: undefined, offset_index_length: undefined }] }],
  } as unknown as Parameters<typeof writeMetadata>[1]);
  out.appendUint32(out.offset - footerAt);
  out.appendBytes(Buffer.from("PAR1"));
  const buf = out.getBytes().slice();
  const md = parquetMetadata(buf.buffer);
  assert.equal(md.row_groups[0].columns[0].meta_data!.encoding_stats, [{ page_type: "DATA_PAGE", encoding: "RLE", count: 3 }]);
  const reference = await parquetReadObjects({ file: buf.buffer });
  assert.equal(reference.map((r) => r.b), values, "hyparquet reads the hand-built file as written");
  const t = await loadTable(file("bool-v1.parquet", buf));
  assert.equal(Array.from(t.array("b") as ArrayLike<unknown>), values.map((v) => (v === null ? null : String(v))));
  const damaged = buf.slice();
  damaged.set([0xfe, 0xff, 0xff, 0xff, 0x0f], valueRuns[1] + 4); // page 2's first run: 2^31 - 1 values
  await rejects(() => loadTable(file("bool-v1-damaged.parquet", damaged)),
    /bool-v1-damaged\.parquet: column "b", rows 1–1000 \(row group 1\): the page's BOOLEAN values: an RLE run of 2147483647 values where \d+ remain/);
});

// DuckDB pads the last bit-packed run of a level or dictionary-index stream to 256 values (its bytes written in full):
// lib's bounded decoder refused it as "a bit-packed run of 256 values where 3 remain", so every DuckDB file with a
// nullable or dictionary-encoded column failed to load. Arrow C++, parquet-mr and hyparquet read the run's first
// values. test/fixtures/duckdb-1000.parquet was written by DuckDB 1.5.6 (@duckdb/node-api):
//   copy (select case when range % 7 = 0 then null else range::INTEGER end n,
//                case when range % 11 = 0 then null else 'k' || (range % 13) end s,
//                case when range % 5 = 0 then null else range % 3 = 0 end b,
//                range * 0.25 x
//         from range(1000)) to 'duckdb-1000.parquet' (format parquet)
test("a Parquet file DuckDB wrote (bit-packed runs padded to 256 values) reads as its SQL defines it and as hyparquet reads it", async () => {
  const fixture = path.join(__dirname, "fixtures", "duckdb-1000.parquet");
  const bytes = fs.readFileSync(fixture);
  const { parquetMetadata, parquetReadObjects } = await import("hyparquet");
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  assert.match(parquetMetadata(ab).created_by ?? "", /^DuckDB/);
  const reference = await parquetReadObjects({ file: ab });
  const t = await loadTable(fixture);
  assert.is(t.numRows(), 1000);
  const n = t.array("n") as Float32Array, s = t.array("s") as ArrayLike<unknown>, b = t.array("b") as ArrayLike<unknown>, x = t.array("x") as Float32Array;
  for (let r = 0; r < 1000; r++) {
    // the SQL's values, and hyparquet's reading of the same cells
    const want = { n: r % 7 === 0 ? null : r, s: r % 11 === 0 ? null : `k${r % 13}`, b: r % 5 === 0 ? null : String(r % 3 === 0), x: r * 0.25 };
    const ref = reference[r];
    assert.equal([ref.n ?? null, ref.s ?? null, ref.b === null || ref.b === undefined ? null : String(ref.b), Number(ref.x)], [want.n, want.s, want.b, want.x], `hyparquet, row ${r}`);
    const got = { n: Number.isNaN(n[r]) ? null : n[r], s: s[r], b: b[r], x: x[r] };
    if (got.n !== want.n || got.s !== want.s || got.b !== want.b || got.x !== Math.fround(want.x)) {
      assert.unreachable(`row ${r}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
  }
  // a padded run's bytes must still be there: the same stream cut short is an Error
  const { decodeHybrid } = await import("../lib/data/parquet-hybrid");
  const run = Uint8Array.from([(32 << 1) | 1, 0b101, ...new Array(31).fill(0)]); // 32 groups of 8 one-bit values: 1 0 1 0 …
  const out = new Uint8Array(3);
  decodeHybrid(new DataView(run.buffer), 0, run.length, 1, out, "levels");
  assert.equal(Array.from(out), [1, 0, 1]);
  assert.throws(() => decodeHybrid(new DataView(run.buffer), 0, 10, 1, new Uint8Array(3), "levels"), /levels: a bit-packed run of 32 bytes runs past the stream/);
});

// An object's integer-like keys come first whatever the order they were set in: the table built from one had
// "name,2019,2020,label" as 2019, 2020, name, label — and toMatrix's features too, so rows given as arrays in the
// file's order were read into the wrong features.
test("columns keep the file's order when their names look like integers (2019, 2020), as pandas keeps them, in CSV, Parquet and Arrow", async () => {
  const csv = "name,2019,2020,label\na,1,2,0\nb,3,4,1\n";
  const order = ["name", "2019", "2020", "label"];
  if (hasSklearn()) {
    assert.equal(python(`import pandas as pd, io\nprint(json.dumps([str(c) for c in pd.read_csv(io.StringIO(data["csv"])).columns]))`, { csv }), order, "pandas");
  }
  const t = await loadTable(file("order.csv", csv));
  assert.equal(t.columnNames(), order);
  assert.equal(loadCsv(path.join(tmp, "order.csv")).columnNames(), order, "loadCsv");
  assert.equal((await loadTable(file("order-2.csv", csv), { threads: 2, minChunkBytes: 16 })).columnNames(), order, "2 threads");
  assert.equal(toMatrix(t, { label: "label" }).featureNames, ["name", "2019", "2020"]);
  const { train, test: held } = trainTestSplit(t, { testSize: 0.5, seed: 0 });
  assert.equal([train.columnNames(), held.columnNames()], [order, order], "trainTestSplit's tables (takeTableRows)");
  const cols = { name: ["a", "b"], "2019": [1, 3], "2020": [2, 4], label: [0, 1] };
  const parquet = parquetWriteBuffer({ columnData: order.map((n) => ({ name: n, data: cols[n as keyof typeof cols], type: n === "name" ? "STRING" : "DOUBLE" })) });
  const { parquetMetadata } = await import("hyparquet");
  assert.equal(parquetMetadata(parquet).schema.slice(1).map((e) => e.name), order, "the Parquet file's schema");
  assert.equal((await loadTable(file("order.parquet", parquet))).columnNames(), order, "parquet");
  const { tableFromIPC } = await import("@uwdata/flechette");
  const ipc = tableToIPC(tableFromArrays(order.map((n) => [n, cols[n as keyof typeof cols]] as [string, (string | number)[]])), { format: "file" })!;
  assert.equal(tableFromIPC(ipc).schema.fields.map((f) => f.name), order, "the Arrow file's schema");
  assert.equal((await loadTable(file("order.arrow", ipc))).columnNames(), order, "arrow");
});

// pandas compares the infinity spellings without case (R writes Inf and -Inf: such a column was text); the lookup of
// infinity text in an object literal also found Object.prototype's names ("constructor" read as a missing number).
test("infinities in any case are numbers and prototype names are text, as pandas reads them; a missing-value token is missing before it is a number", async () => {
  const spellings = ["inf", "+inf", "-inf", "Inf", "-Inf", "INF", "infinity", "+Infinity", "-INFINITY", "iNfInItY"];
  const csv = ["x,p,q", ...spellings.map((sp, i) => `${sp},${i === 3 ? "constructor" : i},${i === 5 ? "toString" : i}`)].join("\n") + "\n";
  const cells = (t: Table) => Object.fromEntries(t.columnNames().map((n) => [n, Array.from(t.array(n) as ArrayLike<unknown>, (v) => (typeof v === "number" ? (Number.isNaN(v) ? null : String(v)) : v))]));
  // pandas: x float64 of ±inf; p and q object (the text of every cell)
  const expected = {
    x: spellings.map((sp) => (sp.startsWith("-") ? "-Infinity" : "Infinity")),
    p: spellings.map((_, i) => (i === 3 ? "constructor" : String(i))),
    q: spellings.map((_, i) => (i === 5 ? "toString" : String(i))),
  };
  if (hasSklearn()) {
    const ref = python(
      `import pandas as pd, io, math
df = pd.read_csv(io.StringIO(data["csv"]))
out = {c: [("Infinity" if v > 0 else "-Infinity") if isinstance(v, float) and math.isinf(v) else str(v) for v in df[c]] for c in df.columns}
print(json.dumps(out))`,
      { csv },
    );
    assert.equal(ref, expected, "pandas");
  }
  assert.equal(cells(await loadTable(file("inf.csv", csv))), expected, "one thread");
  assert.equal(cells(await loadTable(file("inf-2.csv", csv), { threads: 2, minChunkBytes: 16 })), expected, "2 threads");
  // header "auto": a first record of a prototype name is a header, one of infinities is not
  assert.equal((await loadTable(file("auto-proto.csv", "constructor,1\n2,3\n"), { header: "auto" })).columnNames(), ["constructor", "1"]);
  assert.equal((await loadTable(file("auto-inf.csv", "Inf,1\n2,3\n"), { header: "auto" })).columnNames(), ["c0", "c1"]);
  // a token of na_values that is also an infinity is missing (pandas filters the tokens before converting)
  const nacsv = "x\n1\ninf\n-Inf\n";
  const want = [1, null, "-Infinity"];
  if (hasSklearn()) {
    const ref = python(
      `import pandas as pd, io, math
df = pd.read_csv(io.StringIO(data["csv"]), na_values=["inf"], keep_default_na=False)
print(json.dumps([None if pd.isna(v) else ("-Infinity" if v < 0 else "Infinity") if math.isinf(v) else v for v in df["x"]]))`,
      { csv: nacsv },
    );
    assert.equal(ref, want, "pandas, na_values");
  }
  assert.equal(cells(await loadTable(file("na-inf.csv", nacsv), { na_values: ["inf"] })).x, ["1", null, "-Infinity"]);
});

// Bytes that are not UTF-8 were decoded with U+FFFD each: a Latin-1 file's "café" and "cafè" became one category
// "caf\uFFFD". pandas (read_csv, read_json) stops with a UnicodeDecodeError; so does lib, naming the line and column.
test("bytes that are not UTF-8 (a Latin-1 file) are an Error naming the line and column, in CSV on 1 and 2 threads and in JSON; a U+FFFD written as UTF-8 is text", async () => {
  const latin1 = Buffer.from("city,n\nOslo,1\ncafé,2\ncafè,3\n", "latin1");
  if (hasSklearn()) {
    const ref = python(
      `import pandas as pd, io, base64
raw = base64.b64decode(data["b64"])
try:
    pd.read_csv(io.BytesIO(raw)); print(json.dumps("read"))
except UnicodeDecodeError as e:
    print(json.dumps(["UnicodeDecodeError", e.start]))`,
      { b64: latin1.toString("base64") },
    );
    assert.equal(ref, ["UnicodeDecodeError", latin1.indexOf(0xe9)], "pandas refuses the file at the é");
  }
  const message = /latin1\.csv: line 3 \(row 2\), column 1 \(city\): byte 0xE9 is not UTF-8 .* Latin-1 or Windows-1252/;
  await rejects(() => loadTable(file("latin1.csv", latin1)), message);
  assert.throws(() => loadCsv(path.join(tmp, "latin1.csv")), message);
  const big = Buffer.concat([Buffer.from("city,n\n"), Buffer.from("Oslo,1\n".repeat(5000)), Buffer.from("cafè,2\n", "latin1")]);
  await rejects(() => loadTable(file("latin1-2.csv", big), { threads: 2, minChunkBytes: 4096 }), /latin1-2\.csv: line 5002 \(row 5001\), column 1 \(city\): byte 0xE8 is not UTF-8/);
  await rejects(() => loadTable(file("latin1-header.csv", Buffer.from("città,n\n1,2\n", "latin1"))), /latin1-header\.csv: line 1, column 1: byte 0xE0 is not UTF-8/);
  const json = Buffer.from('[{"city": "Oslo"},\n{"city": "café"}]', "latin1");
  const at = json.indexOf(0xe9) + 1;
  await rejects(() => loadTable(file("latin1.json", json)), new RegExp(`latin1\\.json: line 2: byte 0xE9 \\(byte ${at} of the file\\) is not UTF-8`));
  await rejects(() => loadTable(file("latin1.jsonl", Buffer.from('{"city": "Oslo"}\n{"city": "café"}\n', "latin1"))), /latin1\.jsonl: line 2: byte 0xE9 .* is not UTF-8/);
  // U+FFFD itself (EF BF BD) is valid text, and so is everything else UTF-8
  const valid = await loadTable(file("fffd.csv", "city,n\ncafé \uFFFD,1\nZürich ✈,2\n"));
  assert.equal(valid.array("city"), ["café \uFFFD", "Zürich ✈"]);
  assert.equal((await loadTable(file("fffd.json", JSON.stringify([{ city: "\uFFFD" }])))).array("city"), ["\uFFFD"]);
});

// A file separated by tabs or semicolons was read as one text column holding whole lines ("id\trate": 3,218
// categories for vega-datasets' unemployment.tsv) — pandas' read_csv does the same without sep. Now sep reads them,
// a .tsv file is read with tabs, and a file read with the wrong separator is an Error naming the sep to pass.
// pandas' read_csv(sep=…) is the reference for the tables, Python's csv.Sniffer for what separates the fields.
test("sep: tab-, semicolon- and pipe-separated files read as pandas' read_csv(sep=…) reads them, a .tsv file with tabs by default; a wrong separator is an Error naming the sep to pass", async () => {
  const files: Record<string, [string, string]> = {
    tab: ["\t", 'id\trate\tname\n1001\t.097\t"a\tb"\n1003\t\tc\n1005\t.5\t""\n'],
    semicolon: [";", 'a;b;c\n1.5;2;"x;y"\n;3;z\n'],
    pipe: ["|", "a|b\n1|2\n3|NA\n"],
  };
  const expected = (text: string, sep: string) =>
    python(
      `import pandas as pd, io, numpy as np
df = pd.read_csv(io.StringIO(data["text"]), sep=data["sep"])
print(json.dumps({c: [None if pd.isna(v) else (float(np.float32(v)) if isinstance(v, float) else v) for v in df[c].tolist()] for c in df.columns}))`,
      { text, sep },
    );
  const cells = (t: Awaited<ReturnType<typeof loadTable>>) =>
    Object.fromEntries(t.columnNames().map((c) => [c, Array.from(t.array(c) as ArrayLike<unknown>, (v) => (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v)) ? null : v))]));
  if (hasSklearn()) {
    const ref = python(`import csv\nprint(json.dumps({k: csv.Sniffer().sniff(v[1].split("\\n")[0], delimiters="\\t;|,").delimiter for k, v in data.items()}))`, files);
    assert.equal(ref, { tab: "\t", semicolon: ";", pipe: "|" }, "csv.Sniffer");
  }
  for (const [name, [sep, text]] of Object.entries(files)) {
    const f = file(`sep-${name}.csv`, text);
    if (hasSklearn()) {
      const want = expected(text, sep);
      assert.equal(cells(await loadTable(f, { sep })), want, `${name}: pandas read_csv(sep=${JSON.stringify(sep)})`);
      assert.equal(cells(await loadTable(f, { sep, threads: 2, minChunkBytes: 8 })), want, `${name}, in chunks on 2 threads`);
      assert.equal(cells(loadCsv(f, { sep })), want, `${name}, loadCsv`);
    }
    const msg = new RegExp(`sep-${name}\\.csv: line 1: the first record is one field holding \\d+ ${name}s? .*: the file looks ${name}-separated, and it was read as comma-separated — pass sep: ${JSON.stringify(sep).replace(/[|\\]/g, "\\$&")}`);
    await rejects(() => loadTable(f), msg);
    await rejects(() => loadTable(f, { header: false }), msg);
    await rejects(() => loadTable(f, { threads: 2, minChunkBytes: 8 }), msg);
  }
  // a .tsv file (and text/tab-separated-values) is read with tabs; a comma file read with tabs names the comma
  const tsv = vegaDataset("unemployment.tsv");
  const unemployment = await loadTable(tsv);
  if (hasSklearn()) {
    const ref = python(`import pandas as pd\ndf = pd.read_csv(data["f"], sep="\\t")\nprint(json.dumps({"columns": list(df.columns), "rows": len(df), "id": int(df["id"].sum()), "rate": float(df["rate"].astype("float32").astype("float64").sum())}))`, { f: tsv });
    const ours = cells(unemployment);
    assert.equal({ columns: unemployment.columnNames(), rows: unemployment.numRows(), id: (ours.id as number[]).reduce((a, b) => a + b, 0) }, { columns: ref.columns, rows: ref.rows, id: ref.id }, "unemployment.tsv as pandas reads it with sep='\\t'");
    assert.ok(Math.abs((ours.rate as number[]).reduce((a, b) => a + b, 0) - ref.rate) < 1e-6 * ref.rate, "rate");
  }
  const tabBytes = Buffer.from(files.tab[1]);
  assert.equal((await loadTable(tabBytes, { contentType: "text/tab-separated-values" })).columnNames(), ["id", "rate", "name"]);
  await rejects(() => loadTable(tabBytes, { contentType: "text/tab-separated-values", sep: "," }), /loadTable: sep "," contradicts contentType "text\/tab-separated-values"/);
  await rejects(() => loadTable(file("commas.tsv", "a,b\n1,2\n")), /commas\.tsv: line 1: the first record is one field holding 1 comma .*: the file looks comma-separated, and it was read as tab-separated — pass sep: ","/);
  // a sep the caller passed settles it: a one-column file whose header holds a comma, read with tabs, as pandas reads it
  const oneColumn = file("names.tsv", "Smith, John\nDoe, Jane\n");
  if (hasSklearn()) assert.equal(python(`import pandas as pd\nprint(json.dumps(list(pd.read_csv(data["f"], sep="\\t").columns)))`, { f: oneColumn }), ["Smith, John"], "pandas");
  await rejects(() => loadTable(oneColumn), /names\.tsv: line 1: .*looks comma-separated, and it was read as tab-separated/);
  assert.equal((await loadTable(oneColumn, { sep: "\t" })).columnNames(), ["Smith, John"]);
  // an explicit text/csv is commas whatever the name says, as the type declares (a training channel's ContentType is
  // read with sep "auto" by the trainer instead: SageMaker's XGBoost sniffs every CSV channel's separator)
  await rejects(() => loadTable(file("tabs.tsv", "a\tb\n1\t2\n"), { contentType: "text/csv" }), /tabs\.tsv: line 1: .*looks tab-separated, and it was read as comma-separated/);
  for (const bad of ["::", "", " ", 9])
    await rejects(() => loadTable(file("x.csv", "a\n1\n"), { sep: bad as never }), /loadTable: sep must be one of ",", "\\t", ";", "\|" \(the CSV field separator\) or "auto" \(each file's, from its first line\), got/);
  assert.equal(Array.from((await loadTable(file("quoted-one.csv", '"a;b"\n1\n2\n'))).array("a;b") as ArrayLike<number>), [1, 2]);
});

// loadCsv is loadTable's CSV reader on this thread: the same answers (it told a .csv.gz's columns to no one, and read a
// header-only file as a table of no rows, which loadTable refuses)
test("loadCsv and loadTable agree: a gzip'd CSV's columns are told (onColumns), a header-only file is an Error of no data rows", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loadcsv-agree-"));
  try {
    const gz = path.join(dir, "t.csv.gz");
    fs.writeFileSync(gz, zlib.gzipSync("a,b\n1,2\n"));
    for (const load of [async (f: string, o: object) => loadTable(f, o), async (f: string, o: object) => loadCsv(f, o)]) {
      let told: string[] | undefined;
      assert.is((await load(gz, { onColumns: (names: string[]) => (told = names) })).numRows(), 1);
      assert.equal(told, ["a", "b"]);
      const header = path.join(dir, "h.csv");
      fs.writeFileSync(header, "a,b\n");
      await rejects(() => load(header, {}), /h\.csv: no data rows$/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// sep "auto" is pandas' sep=None: the separator from the first line (csv.Sniffer), as SageMaker's XGBoost reads a CSV
// channel — a semicolon-separated channel failed a training job, which had no way to pass sep
test('sep "auto": each file read with its first line\'s separator, as pandas\' read_csv(sep=None) (csv.Sniffer) reads it', async () => {
  const files: Record<string, string> = {
    semicolon: 'name;price;note\n"a";"1,5";x\nb;2;"y;z"\n', // a European CSV: decimal commas quoted
    tab: "id\trate\n1\t.5\n2\t\n",
    pipe: "a|b\n1|2\n3|4\n",
    quotedSemicolon: '"x;y",b\n1,2\n3,"4;5"\n', // the semicolons inside quotes do not count
    commaFirst: "a;b,c\n1;2,3\n", // comma and semicolon on the line: Sniffer's preference, the comma
  };
  const cells = (t: Awaited<ReturnType<typeof loadTable>>) =>
    Object.fromEntries(t.columnNames().map((c) => [c, Array.from(t.array(c) as ArrayLike<unknown>, (v) => (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v)) ? null : v))]));
  const paths = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, file(`auto-${name}.csv`, text)]));
  // pandas once for every file (its import is most of a call's time)
  const wants = hasSklearn()
    ? python(
        `import pandas as pd, numpy as np
out = {}
for name, f in data.items():
    df = pd.read_csv(f, sep=None, engine="python")
    out[name] = {c: [None if pd.isna(v) else (float(np.float32(v)) if isinstance(v, float) else v) for v in df[c].tolist()] for c in df.columns}
print(json.dumps(out))`,
        paths,
      )
    : undefined;
  for (const [name, text] of Object.entries(files)) {
    const f = paths[name];
    const ours = cells(await loadTable(f, { sep: "auto" }));
    if (wants) assert.equal(ours, wants[name], `${name}: pandas read_csv(sep=None)`);
    assert.equal(cells(await loadTable(f, { sep: "auto", threads: 2, minChunkBytes: 8 })), ours, `${name}, in chunks on 2 threads`);
    assert.equal(cells(loadCsv(f, { sep: "auto" })), ours, `${name}, loadCsv`);
    const gz = path.join(path.dirname(f), `auto-${name}.gz`);
    fs.writeFileSync(gz, zlib.gzipSync(text));
    assert.equal(cells(await loadTable(gz, { sep: "auto" })), ours, `${name}, gzip'd`);
    assert.equal(cells(await loadTable(Buffer.from(text), { sep: "auto", contentType: "text/csv" })), ours, `${name}, bytes declared text/csv`);
  }
  // the column names are told before the rows are read, with the sniffed separator
  let told: string[] = [];
  await loadTable(file("auto-told.csv", files.semicolon), { sep: "auto", onColumns: (names) => (told = names) });
  assert.equal(told, ["name", "price", "note"]);
  await rejects(() => loadTable(Buffer.from(files.tab), { sep: "auto", contentType: "text/tab-separated-values" }), /loadTable: sep "auto" contradicts contentType "text\/tab-separated-values"/);
});

// LIBSVM (SageMaker XGBoost's default content type, which its container reads with xgboost.DMatrix("…?format=libsvm"))
// was refused — read as CSV it had been one column named "151 1:59 2:2 3:32.1". The references, in one python process:
// native XGBoost's DMatrix (indices as written, so a 1-based file has an empty f0; absent entries missing) and
// scikit-learn's load_svmlight_file with zero_based=True (its "auto" would shift a 1-based file by one, which
// DMatrix does not); sklearn refuses indices out of order, which DMatrix reads, so that file is DMatrix's alone.
test("LIBSVM is read as native XGBoost's DMatrix and scikit-learn's load_svmlight_file read it: label, f0 … fN, absent entries missing", async () => {
  const texts: Record<string, string> = {
    oneBased: "151 1:59 2:2 3:32.1\n75 1:48 3:21.6\n141 1:72 2:2 3:30.5 5:1\n",
    zeroBased: "1 0:0.5 2:2\n0 1:1.5 3:-1\n1 0:0 3:1e-3\n",
    spacing: "# a comment line\n 1\t1:1   2:0 \r\n\n0 3:4  # trailing comment\r\n-2.5e1 2:5\n1\n",
    unordered: "1 3:0.5 1:2\n0 2:1 0:3\n",
  };
  const dense = (t: Table) => t.columnNames().map((c) => Array.from(t.array(c) as Float32Array, (v) => (Number.isNaN(v) ? null : v)));
  const ref = hasSklearn()
    ? python(
        `import tempfile, os, warnings
import xgboost as xgb
from sklearn.datasets import load_svmlight_file
warnings.filterwarnings("ignore")
def table(y, X, n):
    out = [[float(v) for v in y]]
    for j in range(n):
        col = X.getcol(j).tocoo()
        cells = [None] * X.shape[0]
        for i, v in zip(col.row, col.data): cells[i] = float(np.float32(v))
        out.append(cells)
    return out
res = {}
for name, text in data.items():
    f = os.path.join(tempfile.mkdtemp(), "t.libsvm")
    open(f, "w").write(text)
    d = xgb.DMatrix(f + "?format=libsvm", silent=True)
    res[name] = {"xgb": table(d.get_label(), d.get_data().tocsc(), d.num_col())}
    if name != "unordered":
        X, y = load_svmlight_file(f, zero_based=True)
        res[name]["sklearn"] = table(y, X.tocsc(), X.shape[1])
print(json.dumps(res))`,
        texts,
      )
    : undefined;
  for (const [name, text] of Object.entries(texts)) {
    const ours = dense(await loadTable(file(`libsvm-${name}/part-00000`, text))); // sniffed: no extension, no type
    const t = await loadTable(Buffer.from(text), { contentType: "text/libsvm" });
    assert.equal(t.columnNames().slice(0, 2), ["label", "f0"]);
    assert.equal(dense(t), ours, `${name}: a Buffer of text/libsvm`);
    assert.equal(dense(await loadTable(file(`${name}.svm`, text))), ours, `${name}: named .svm`);
    if (ref) {
      assert.equal(ours, ref[name].xgb, `${name}: xgboost.DMatrix`);
      if (ref[name].sklearn) assert.equal(ours, ref[name].sklearn, `${name}: load_svmlight_file`);
    }
  }
  // a folder of parts whose largest indices differ is one table to the widest (DMatrix of the parts joined)
  const dir = path.join(tmp, "libsvm-parts");
  file("libsvm-parts/part-0", texts.zeroBased);
  file("libsvm-parts/part-1", texts.oneBased);
  const joined = dense(await loadTable(dir, { contentType: "text/x-libsvm" }));
  assert.equal(joined.length, 7);
  assert.equal(joined[6], [null, null, null, null, null, 1]);
  if (ref) assert.equal(joined.map((c) => c.slice(3)), ref.oneBased.xgb, "the second part's rows");
  // onColumns is told the widest part's columns (it was told the first part's: a validation channel's check saw f0 … f2
  // of a table of f0 … f4), and a copy
  let told: string[] = [];
  await loadTable(dir, { contentType: "text/x-libsvm", onColumns: (names) => (told = names) });
  assert.equal(told, ["label", ...Array.from({ length: 6 }, (_, j) => `f${j}`)]);
  // a first line longer than the 4 KB sniffed, after a comment line, is still LIBSVM (it was a CSV of one column, "#")
  const long = `#\n${[1, 0].map((y) => `${y} ${Array.from({ length: 700 }, (_, j) => `${j}:0.123456`).join(" ")}`).join("\n")}\n`;
  assert.equal(dense(await loadTable(file("libsvm-long/part-00000", long))), dense(await loadTable(Buffer.from(long), { contentType: "text/libsvm" })));
  // a separator given says CSV: a headerless TSV of times was read as LIBSVM index 10
  const tsv = await loadTable(file("times/part-00000", "1\t10:30\n2\t11:45\n"), { sep: "\t", header: false });
  assert.equal(tsv.columnNames(), ["c0", "c1"]);
  // na_values apply to its values as to a CSV's cells (they were not read: -999 stayed a number)
  const na = { na_values: ["-999", "?"] };
  assert.equal(
    dense(await loadTable(Buffer.from("1 0:-999 1:2\n0 0:? 1:-999.0\n"), { format: "libsvm", ...na })).slice(1),
    dense(await loadTable(Buffer.from("1,-999,2\n0,?,-999.0\n"), { header: false, ...na })).slice(1),
  );
});

test("bad LIBSVM is an Error naming the line and what is wrong; a table far beyond memory is refused before it is made", async () => {
  const bad: [string, RegExp][] = [
    ["1 1:2\n0 1:abc\n", /bad\.libsvm: line 2: value "abc" is not a number/],
    ["1 1:2 x\n", /line 1: "x" is not an index:value pair/],
    ["1 -1:2\n", /line 1: index -1 in "-1:2" is negative/],
    ["1 1.5:2\n", /line 1: index "1\.5" in "1\.5:2" is not a whole number/],
    ["1 2:1 2:3\n", /line 1: index 2 appears twice in the row/],
    ["1:0.5 1:2\n", /line 1: the label "1:0\.5" carries an instance weight \(label:weight\), which is not supported/],
    ["1 qid:3 1:2\n", /line 1: "qid:3": query ids \(qid\) are not supported/],
    ["yes 1:2\n", /line 1: the label "yes" is not a number/],
    ["1 1:1e39\n", /line 1: value "1e39" is beyond the float32 range/],
    ["1 10000000:1\n", /line 1: feature index 10000000 is past the largest this reader takes, 99998/],
  ];
  for (const [text, re] of bad) await rejects(() => loadTable(file("bad.libsvm", text)), re);
  await rejects(
    () => loadTable(Buffer.from("1 3:1\n".repeat(99) + "0 90000:2\n"), { maxMemory: 100e6 }),
    /buffer: its largest feature index, 90000 \(line 100\), makes a dense table of 100 rows × 90002 columns \(9,000,200 cells\) — too large for this machine's memory/,
  );
  // forced to CSV, a LIBSVM file still names its format
  await rejects(() => loadTable(file("forced.csv", "151 1:59 2:2 3:32.1\n")), /forced\.csv: line 1: the first record "151 1:59 2:2 3:32\.1" looks like LIBSVM \(label index:value …\), read here as CSV: read it as LIBSVM/);
});

// JSON records' columns came in Object.keys' order, which lists index keys ("2019") before the others.
test("JSON and JSON Lines columns keep the document's order when keys look like integers, as pandas' read_json keeps it", async () => {
  const records = '[{"name": "a", "2019": 1, "x": 0.5},\n {"name": "b", "10": 2, "2019": 3, "x": 1}]';
  const lines = '{"x": 1, "10": 2}\n{"name": "a", "x": 2, "5" : 3}\n';
  const order = { json: ["name", "2019", "x", "10"], jsonl: ["x", "10", "name", "5"] };
  if (hasSklearn()) {
    const ref = python(
      `import pandas as pd, io
print(json.dumps({"json": [str(c) for c in pd.read_json(io.StringIO(data["records"])).columns],
                  "jsonl": [str(c) for c in pd.read_json(io.StringIO(data["lines"]), lines=True).columns]}))`,
      { records, lines },
    );
    assert.equal(ref, order, "pandas");
  }
  const json = await loadTable(file("order.json", records));
  assert.equal(json.columnNames(), order.json);
  assert.equal(Array.from(json.array("2019") as Float32Array), [1, 3]);
  assert.equal((await loadTable(file("order.jsonl", lines))).columnNames(), order.jsonl);
});

// A Parquet timestamp declared categorical was its epoch milliseconds as text ("1577882096789"), an Arrow one its ISO
// time: the same table in two formats had different categories (and an endpoint sent the ISO text of a date).
test("a date column declared categorical has the same text in Parquet and Arrow: the ISO time of each cell", async () => {
  const when = [new Date(Date.UTC(2020, 0, 1, 12, 34, 56, 789)), null, new Date(Date.UTC(1900, 0, 1)), new Date(Date.UTC(2020, 0, 1, 12, 34, 56, 789))];
  const expected = when.map((d) => (d ? d.toISOString() : null));
  const parquet = parquetWriteBuffer({ columnData: [{ name: "when", data: when, type: "TIMESTAMP" }] });
  const arrow = tableToIPC(tableFromArrays({ when }), { format: "file" })!;
  for (const [name, bytes] of [["parquet", parquet], ["arrow", arrow]] as const) {
    const f = file(`when.${name}`, bytes as Uint8Array | ArrayBuffer);
    const asDates = (await loadTable(f)).array("when") as ArrayLike<Date | null>;
    assert.equal(Array.from(asDates, (d) => (d ? d.getTime() : null)), when.map((d) => (d ? d.getTime() : null)), `${name}: dates as written`);
    const t = await loadTable(f, { categorical: ["when"] });
    assert.ok(t.column("when") instanceof CategoricalColumn, name);
    assert.equal(Array.from(t.array("when") as ArrayLike<unknown>), expected, name);
  }
});

// A symbolic link in a channel folder was listed as a file whatever it pointed at: a link to a folder of shards failed
// with "EISDIR: illegal operation on a directory, read" (naming neither), a link to nothing with a bare ENOENT.
test("a folder's symbolic links are followed: a linked folder's files are read, a loop once, a dangling link is an Error naming it", async () => {
  const root = path.join(tmp, "linked");
  const shards = path.join(tmp, "linked-shards");
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(shards, { recursive: true });
  fs.writeFileSync(path.join(root, "a.csv"), "x,y\n1,2\n");
  fs.writeFileSync(path.join(shards, "b.csv"), "x,y\n3,4\n");
  fs.writeFileSync(path.join(shards, "c.csv"), "x,y\n5,6\n");
  fs.symlinkSync(shards, path.join(root, "more"));
  fs.symlinkSync(path.join(shards, "c.csv"), path.join(root, "d.csv"));
  fs.symlinkSync(root, path.join(root, "loop"));
  // GNU find -L lists what the links point at (the loop it reports and skips): the reference listing
  const found = spawnSync("find", ["-L", root, "-type", "f"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).sort();
  assert.equal(found, ["a.csv", "d.csv", "more/b.csv", "more/c.csv"].map((f) => path.join(root, f)));
  assert.equal(listTableFiles(root), found);
  const t = await loadTable(root);
  assert.equal(Array.from(t.array("x") as Float32Array), [1, 5, 3, 5]);
  fs.symlinkSync(path.join(tmp, "nowhere"), path.join(root, "gone.csv"));
  await rejects(() => loadTable(root), /gone\.csv is a symbolic link to .*nowhere, which does not exist/);
});

// The project's rule for options (lib/options.ts): one a function does not read is an Error naming it. loadTable and
// loadCsv read theirs without that check: { na_value: ["?"] } (misspelt) or pandas' { encoding: "latin1" } was ignored.
test("loadTable and loadCsv refuse options they do not read, naming them (a misspelt na_values, pandas' encoding)", async () => {
  const f = file("opts.csv", "a,b\n1,?\n2,3\n");
  await rejects(() => loadTable(f, { na_value: ["?"] } as never), /^loadTable: unknown option "na_value"; valid: .*na_values/);
  await rejects(() => loadTable(f, { encoding: "latin1", usecols: ["a"] } as never), /^loadTable: unknown options "encoding", "usecols"; valid: /);
  assert.throws(() => loadCsv(f, { categoricals: ["a"] } as never), /^loadCsv: unknown option "categoricals"; valid: sep, header, na_values, categorical, progress, maxMemory, onColumns$/);
  assert.throws(() => loadCsv(f, { format: "parquet" } as never), /^loadCsv: unknown option "format"/);
  // the options it reads still work, and undefined values of them too
  assert.equal(Array.from((await loadTable(f, { na_values: ["?"], header: undefined })).array("b") as Float32Array, (v) => (Number.isNaN(v) ? null : v)), [null, 3]);
});

// Python's json.dumps writes float nan and inf as NaN and Infinity (pandas' read_json reads them back): not JSON, so an
// Error — one that says what they are and what to write instead (it was V8's "Unexpected token 'N'" alone).
test("JSON from Python's json.dumps with NaN or Infinity is an Error saying they are not JSON and what to write", async () => {
  // -Infinity: V8 says only "No number after minus sign" of it (the hint was missing)
  const written = { json: '[{"a": 1.5}, {"a": NaN}, {"a": Infinity}]', jsonl: '{"a": 1.5}\n{"a": NaN}', minus: '[{"a": 1.5}, {"a": -Infinity}]' };
  if (hasSklearn()) {
    const py = python(`print(json.dumps({"json": json.dumps([{"a": 1.5}, {"a": float("nan")}, {"a": float("inf")}]), "jsonl": "\\n".join(json.dumps({"a": v}) for v in [1.5, float("nan")]), "minus": json.dumps([{"a": 1.5}, {"a": float("-inf")}])}))`, {});
    assert.equal(py, written, "what Python's json.dumps writes");
  }
  const hint = /NaN and Infinity are not JSON \(Python's json\.dumps writes them for float nan and inf\): write null for a missing number/;
  await rejects(() => loadTable(file("py-nan.json", written.json)), /py-nan\.json: not valid JSON: /, hint);
  await rejects(() => loadTable(file("py-nan.jsonl", written.jsonl)), /py-nan\.jsonl: line 2 is not valid JSON: /, hint);
  await rejects(() => loadTable(file("py-minus-inf.json", written.minus)), /py-minus-inf\.json: not valid JSON: /, hint);
  assert.not.match(await rejects(() => loadTable(file("minus.json", '[{"a": -x}]')), /minus\.json: not valid JSON: /), hint);
  const other = await rejects(() => loadTable(file("bad.json", '[{"a": Nope}]')), /bad\.json: not valid JSON: /);
  assert.not.match(other, hint);
});

// A text cell with blanks around a token (" NA") was missing in CSV, Parquet and Arrow (the token as is or trimmed,
// columns.ts missingTokens) but a category in JSON: the same table in two formats had different cells.
test("a token with blanks around it is missing in JSON as in CSV, Parquet and Arrow", async () => {
  const ss = [" NA", "x", "NA ", "\tnull"];
  const expected = [null, "x", null, null];
  const csv = await loadTable(file("trim.csv", "s,n\n" + ss.map((s, i) => `${s},${i}`).join("\n") + "\n"));
  const json = await loadTable(file("trim.json", JSON.stringify(ss.map((s, i) => ({ s, n: i })))));
  const jsonl = await loadTable(file("trim.jsonl", ss.map((s, i) => JSON.stringify({ s, n: i })).join("\n")));
  const parquet = await loadTable(file("trim.parquet", parquetWriteBuffer({ columnData: [{ name: "s", data: ss, type: "STRING" }] })));
  const arrow = await loadTable(file("trim.arrow", tableToIPC(tableFromArrays({ s: ss }), { format: "file" })!));
  for (const [name, t] of [["csv", csv], ["parquet", parquet], ["arrow", arrow], ["json", json], ["jsonl", jsonl]] as const) {
    assert.equal(Array.from(t.array("s") as ArrayLike<unknown>), expected, name);
  }
});

test.run();
