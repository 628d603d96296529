/**
 * Helpers for the trainer tests: temporary /opt/ml trees, running the trainer
 * as a real child process (its own process group, always killed), HTTP calls.
 * Not a test file itself (the pattern is trainer-*.test.ts).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..");
export const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
export const MAIN = path.join(ROOT, "trainer", "main.ts");
export const DIABETES = path.join(ROOT, "data", "diabetes.csv");

const live = new Set<ChildProcess>();
function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}
process.on("exit", () => {
  for (const c of live) killGroup(c);
});

/** A fresh OPT_ML tree: hyperparameters.json and channel files ({ channel: { file: content } }). */
export function optMl(hp: Record<string, unknown> | undefined, channels: Record<string, Record<string, string | Uint8Array>>, config: Record<string, string> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "trainer-test-"));
  fs.mkdirSync(path.join(root, "input", "config"), { recursive: true });
  fs.mkdirSync(path.join(root, "model"), { recursive: true }); // SageMaker creates it
  if (hp) fs.writeFileSync(path.join(root, "input", "config", "hyperparameters.json"), JSON.stringify(hp));
  for (const [name, content] of Object.entries(config)) fs.writeFileSync(path.join(root, "input", "config", name), content);
  for (const [ch, files] of Object.entries(channels)) {
    const dir = path.join(root, "input", "data", ch);
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  }
  return root;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's lines with the time each arrived (ms) */
  lines: { line: string; at: number }[];
}

/** `tsx trainer/main.ts train` with OPT_ML=root, to completion (killed after timeoutMs). */
export function runTrain(root: string, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [MAIN, "train"], { cwd: ROOT, env: { ...process.env, OPT_ML: root }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    let stdout = "";
    let stderr = "";
    const lines: { line: string; at: number }[] = [];
    let partial = "";
    child.stdout!.on("data", (d) => {
      stdout += d;
      const parts = (partial + d).split("\n");
      partial = parts.pop()!;
      for (const line of parts) lines.push({ line, at: Date.now() });
    });
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => killGroup(child), timeoutMs);
    timer.unref();
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, stdout, stderr, lines });
    });
  });
}

export interface Served {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
  kill(): void;
}

/** `tsx trainer/main.ts serve` on a free loopback port (SAGEMAKER_BIND_TO_PORT=0; the port is read from "serving on …"). */
export function startServe(root: string, env: Record<string, string> = {}): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [MAIN, "serve"], {
      cwd: ROOT,
      env: { ...process.env, OPT_ML: root, SAGEMAKER_BIND_TO_PORT: "0", SAGEMAKER_BIND_TO_HOST: "127.0.0.1", ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
    let out = "";
    const exited = new Promise<number | null>((res) =>
      child.on("close", (code) => {
        live.delete(child);
        res(code);
      }),
    );
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`serve did not start in 60 s: ${out}`));
    }, 60_000);
    timer.unref();
    const onData = (d: Buffer) => {
      out += d;
      const m = /serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), output: () => out, exited, kill: () => killGroup(child) });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d) => (out += d));
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening: ${out}`));
    });
  });
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(port: number, method: string, urlPath: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: urlPath, headers, agent: false }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (data += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** Independent reference: root mean squared error in float64. */
export function refRmse(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - p[i]) ** 2;
  return Math.sqrt(s / y.length);
}

/** Diabetes rows as arrays of numbers: { header, rows }. */
export function diabetesRows(): { header: string[]; rows: number[][] } {
  const lines = fs.readFileSync(DIABETES, "utf8").trim().split("\n");
  return { header: lines[0].split(","), rows: lines.slice(1).map((l) => l.split(",").map(Number)) };
}

export function rmTree(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Records (a vega-datasets JSON table) → CSV text as pandas' `DataFrame.to_csv(index=False)` writes it: a header of
 * the columns in first-appearance order, null/absent → an empty cell, fields with a comma, quote or line break in
 * double quotes ("" for a quote).
 */
export function recordsToCsv(records: Record<string, unknown>[], columns?: string[]): string {
  const cols = columns ?? [...new Set(records.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return "";
    const t = String(v);
    return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return [cols.map(cell).join(","), ...records.map((r) => cols.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

/** A vega-datasets JSON table's records (movies.json, penguins.json). */
export function vegaRecords(name: string): Record<string, unknown>[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "vega-datasets", "data", name), "utf8"));
}
