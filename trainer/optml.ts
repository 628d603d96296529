/**
 * The SageMaker container file layout under the /opt/ml root
 * (env OPT_ML overrides it; local mode and tests use that), plus the small
 * file helpers the training contract needs: the one-line failure file and
 * atomic writes.
 */
import * as fs from "fs";
import * as path from "path";

export function optMlRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.OPT_ML && env.OPT_ML.trim() !== "" ? env.OPT_ML : "/opt/ml");
}

export function optMlPaths(root = optMlRoot()) {
  return {
    root,
    config: path.join(root, "input", "config"),
    hyperparameters: path.join(root, "input", "config", "hyperparameters.json"),
    inputDataConfig: path.join(root, "input", "config", "inputdataconfig.json"),
    resourceConfig: path.join(root, "input", "config", "resourceconfig.json"),
    channel: (name: string) => path.join(root, "input", "data", name),
    model: path.join(root, "model"),
    output: path.join(root, "output"),
    outputData: path.join(root, "output", "data"),
    failure: path.join(root, "output", "failure"),
  };
}

export type OptMlPaths = ReturnType<typeof optMlPaths>;

/** Control characters other than line breaks (C0, DEL, C1): a message quoting a binary file's first field — a Parquet
 * file named .csv — put its NUL and control bytes into output/failure, and so into the job's FailureReason. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** The failure reason as SageMaker shows it: one line of printable text (a tab a space, other control characters as
 * \xNN), at most 1024 characters, cause first. */
export function failureLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const printable = msg.replace(/\t/g, " ").replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  const line = printable.replace(/\s*[\r\n\u2028\u2029]+\s*/g, " ").trim() || "training failed (no message)";
  return line.length > 1024 ? line.slice(0, 1021) + "..." : line;
}

export function writeFailure(paths: OptMlPaths, err: unknown): string {
  const line = failureLine(err);
  try {
    fs.mkdirSync(path.dirname(paths.failure), { recursive: true });
    fs.writeFileSync(paths.failure, line);
  } catch {
    /* nowhere to write: stderr still has it */
  }
  return line;
}

/** Write a file atomically: temp file in the same folder, then rename. */
export function writeFileAtomic(file: string, content: string | Iterable<string>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  if (typeof content === "string") fs.writeFileSync(tmp, content);
  else {
    // piece by piece: a large file (cv.json's out-of-fold predictions of a million rows) is never one string
    const fd = fs.openSync(tmp, "w");
    try {
      for (const piece of content) fs.writeSync(fd, piece);
    } finally {
      fs.closeSync(fd);
    }
  }
  fs.renameSync(tmp, file);
}

/** Read a JSON file; undefined when it does not exist; an error naming the file when it is not JSON. */
export function readJsonIfExists(file: string): unknown {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path.basename(file)} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Put the finished files of `tmpDir` into `modelDir` so that a reader never
 * sees a half-written model: when modelDir is absent or empty, one rename of
 * the whole folder (atomic); otherwise (a mount point, or leftovers) the old
 * contents are removed and files are moved one by one with manifest.json last,
 * since a saved ensemble without its manifest is not a model.
 */
export function publishDir(tmpDir: string, modelDir: string): void {
  let existing: string[] | undefined;
  try {
    existing = fs.readdirSync(modelDir);
  } catch {
    existing = undefined;
  }
  if (!existing || existing.length === 0) {
    try {
      if (existing) fs.rmdirSync(modelDir);
      fs.renameSync(tmpDir, modelDir);
      return;
    } catch {
      fs.mkdirSync(modelDir, { recursive: true }); // e.g. modelDir is a mount point: fall through
    }
  }
  for (const f of fs.readdirSync(modelDir)) fs.rmSync(path.join(modelDir, f), { recursive: true, force: true });
  const files = fs.readdirSync(tmpDir).sort((a, b) => (a === "manifest.json" ? 1 : b === "manifest.json" ? -1 : a.localeCompare(b)));
  for (const f of files) moveFile(path.join(tmpDir, f), path.join(modelDir, f));
  fs.rmSync(tmpDir, { recursive: true, force: true });
}

function moveFile(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    const tmp = `${to}.${process.pid}.tmp`;
    fs.cpSync(from, tmp, { recursive: true });
    fs.renameSync(tmp, to);
  }
}

/**
 * JSON of `small` with the fields of `arrays` appended (number arrays, or objects of them), in pieces of at most
 * PIECE numbers: the text JSON.stringify would give for the whole object with those fields last, without ever
 * holding it as one string (cv.json of a million rows holds the labels and three out-of-fold series). Each piece is
 * JSON.stringify of a plain array of its numbers, which writes the digits straight into the piece's text: one
 * string a piece, where a string per number (String(x), then join) made V8's young generation grow to its maximum
 * while a 1M-row job wrote cv.json (4M numbers: +63–73 MB RSS, against +4 MB now, and half the time).
 */
const PIECE = 4096;
export function* jsonWithArrays(small: Record<string, unknown>, arrays: Record<string, ArrayLike<number> | Record<string, ArrayLike<number>>>): Generator<string> {
  const head = JSON.stringify(small);
  yield head.slice(0, -1);
  let first = head === "{}";
  function* array(v: ArrayLike<number>): Generator<string> {
    yield "[";
    for (let i = 0; i < v.length; i += PIECE) {
      // NaN and ±Infinity become null, as in JSON.stringify of the whole object
      const text = JSON.stringify(Array.prototype.slice.call(v, i, i + PIECE));
      yield (i > 0 ? "," : "") + text.slice(1, -1);
    }
    yield "]";
  }
  for (const [key, value] of Object.entries(arrays)) {
    yield `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    if (typeof (value as ArrayLike<number>).length === "number") yield* array(value as ArrayLike<number>);
    else {
      yield "{";
      let i = 0;
      for (const [k, v] of Object.entries(value as Record<string, ArrayLike<number>>)) {
        yield `${i++ ? "," : ""}${JSON.stringify(k)}:`;
        yield* array(v);
      }
      yield "}";
    }
  }
  yield "}\n";
}
