/**
 * toMatrix errors on a column arquero read as text: the message names the first cell that
 * really is not a number (row, value, column), not row 0's number-as-text.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aq from "arquero";
import { loadCsv, loadDiabetes, toMatrix } from "ensemble-workbook";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lib-matrix-errors-"));

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

test("CSV column with one bad cell (read as text): error names that row, value and column", () => {
  // the diabetes data with bmi of data row 7 replaced by "n/a"
  const lines = fs.readFileSync(path.join(__dirname, "..", "data", "diabetes.csv"), "utf8").trim().split("\n");
  const header = lines[0].split(",");
  const bmi = header.indexOf("bmi");
  const cells = lines[1 + 7].split(",");
  cells[bmi] = "n/a";
  lines[1 + 7] = cells.join(",");
  const file = path.join(tmp, "bad.csv");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  const t = loadCsv(file);
  // precondition: arquero typed the whole column as text, so row 0 is the string "32.1"
  assert.is(t.array("bmi")[0], "32.1");
  const msg = messageOf(() => toMatrix(t, { label: "target" }));
  assert.match(msg, /feature column "bmi" is not numeric: row 7 holds "n\/a" \(string\)/);
  assert.not.match(msg, /row 0 holds "32\.1" \(string\);/);
  assert.match(msg, /read as text/);
});

test("label column read as text: the first non-number is named", () => {
  const t = aq.table({ a: [1, 2, 3, 4], target: ["1.5", "", "2", "high"] });
  assert.match(messageOf(() => toMatrix(t, { label: "target" })), /label column "target" is not numeric: row 3 holds "high" \(string\)/);
});

test("a genuinely non-numeric first cell is reported as before (row 0)", () => {
  const t = aq.table({ a: [1, 2, 3], city: ["x", "y", "z"], target: [1, 2, 3] });
  const msg = messageOf(() => toMatrix(t, { label: "target" }));
  assert.match(msg, /feature column "city" is not numeric: row 0 holds "x" \(string\); encode it as numbers or drop it from features/);
  assert.not.match(msg, /read as text/);
  const b = aq.table({ a: [1, 2], flag: [true, false], target: [1, 2] });
  assert.match(messageOf(() => toMatrix(b, { label: "target" })), /feature column "flag" is not numeric: row 0 holds true \(boolean\)/);
});

test("a column of numbers all stored as text says so", () => {
  const t = aq.table({ a: ["1", "2", "3"], target: [1, 2, 3] });
  assert.match(messageOf(() => toMatrix(t, { label: "target" })), /feature column "a" is not numeric: it holds numbers stored as text \(row 0 holds "1" \(string\)\)/);
});

test("clean numeric data is unaffected", () => {
  const m = toMatrix(loadDiabetes(), { label: "target" });
  assert.is(m.nrow, 442);
  assert.ok(Math.abs(m.X[2] - 32.1) < 1e-5);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
