/**
 * Fuzz target: the CSV readers — the trainer's channel reader (trainer/channels.ts readChannel: lib's loadTable
 * over its CSV reader) and lib's loadCsv on its own — with mutated
 * diabetes CSV files (text edits, byte edits: invalid UTF-8, UTF-16, Latin-1; blank lines, quotes, NUL, huge
 * lines, several files in one channel). Parquet has its own target (parquet.ts).
 *
 * Invariants: the reader returns or throws an Error within 2 s — never a non-Error, a RangeError or TypeError
 * from inside a parser (a crash), a WebAssembly trap; the channel reader's errors name the channel (and the file);
 * a table it returns has the rows and columns the file has (so nothing is silently dropped).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadCsv } from "ensemble-workbook";
import { readChannel } from "../../trainer/channels";
import { Budget, count, fail, Fuzz, newTally, spend, Tally, timedAsync } from "./common";

const DIABETES = path.resolve(__dirname, "..", "..", "data", "diabetes.csv");

/** an exception that is a crash of the reader rather than its verdict on the input */
function crashed(e: unknown): string | undefined {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  if (e instanceof WebAssembly.RuntimeError) return `WebAssembly trap: ${e.message}`;
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError) return `${e.name} inside the reader: ${e.message}\n${e.stack?.split("\n").slice(1, 4).join("\n")}`;
  return undefined;
}

export async function fuzzReaders(budget: Budget, seed = 1): Promise<Tally> {
  const lines = fs.readFileSync(DIABETES, "utf8").trim().split("\n");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fuzz-csv-"));
  const t = newTally("CSV readers (trainer channel reader, lib loadCsv)");
  const f = new Fuzz(seed);
  try {
    await spend(budget, t, async (i) => {
      const ch = path.join(dir, `c${i}`);
      fs.mkdirSync(ch);
      const files = f.chance(0.2) ? 2 : 1;
      for (let k = 0; k < files; k++) {
        const header = k === 0 || f.chance(0.8) ? [lines[0]] : [];
        const body = Array.from({ length: 2 + f.int(f.chance(0.1) ? 400 : 30) }, () => f.pick(lines.slice(1)));
        let text = [...header, ...body].join(f.chance(0.2) ? "\r\n" : "\n") + (f.chance(0.8) ? "\n" : "");
        text = f.chance(0.85) ? f.mutateText(text) : text;
        fs.writeFileSync(path.join(ch, `part${k}.csv`), f.chance(0.15) ? f.mutateBytes(text) : text);
      }
      // loadCsv gets every input, very wide headers included: a first line over MAX_COLUMNS fields or a record over
      // MAX_RECORD_BYTES is refused (lib/data/csvParse.ts), and a column starts no larger than the file allows.
      const readers: [string, () => Promise<{ rows: number; cols: number }>][] = [
        ["readChannel", async () => {
          const c = (await readChannel(ch, "train", true, { header: "auto" }))!;
          return { rows: c.table.numRows(), cols: c.table.numCols() };
        }],
        ["loadCsv", async () => {
          const table = loadCsv(path.join(ch, "part0.csv"));
          return { rows: table.numRows(), cols: table.numCols() };
        }],
      ];
      for (const [name, read] of readers) {
        const sample = () => fs.readFileSync(path.join(ch, "part0.csv"), "latin1");
        const r = await timedAsync(read);
        if ("value" in r) {
          count(t, `${name} read`);
          if (name === "readChannel" && (r.value.rows < 1 || r.value.cols < 1)) fail(t, `${name} returned an empty table (${r.value.rows} × ${r.value.cols})`, sample());
        } else {
          count(t, `${name} rejected`);
          const why = crashed(r.error);
          if (why) fail(t, `${name}: ${why}`, sample());
          else if (name === "readChannel" && !/train channel/.test((r.error as Error).message)) fail(t, `${name}: the error does not name the channel: ${(r.error as Error).message}`, "");
        }
        if (r.ms > 2000) fail(t, `${name} took ${r.ms} ms (twice over 2 s)`, sample());
      }
      fs.rmSync(ch, { recursive: true, force: true });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return t;
}
