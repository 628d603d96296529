/**
 * What the fuzz targets share (test/fuzz/*.ts; run bounded by test/reliability-fuzz.test.ts, longer by
 * `npm run fuzz`): the budget, the seeded mutators, the tally.
 *
 * Every random choice comes from the project's one PRNG (`Rng` from node-xgboost-wasm, `Rng.forData(seed)`), so a
 * failure is reproduced by its seed and input number. Mutations start from a valid input — a CSV or JSON request
 * body, an SDK-shaped SageMaker request, a saved model — and change it a little, where parsers have edges:
 * numbers beyond float range and infinities in every spelling, NaN spelled oddly, byte order marks, invalid
 * UTF-8, quotes, NUL, CR, deep nesting, huge tokens and lines, wrong JSON types, truncation.
 */
import { Rng } from "node-xgboost-wasm";

/** how long a target runs: whichever of seconds and iterations ends first, but never fewer than
 * minInputs inputs (the suite's floor: a loaded CI machine gets through fewer inputs per second,
 * so it runs longer instead of testing less) */
export interface Budget {
  seconds: number;
  iterations?: number;
  minInputs?: number;
}

/** a target's figures: inputs tried, failures with the input that caused each (shortened) */
export interface Tally {
  target: string;
  inputs: number;
  failures: { input: number; what: string; sample: string }[];
  /** outcomes by kind (status codes, "loaded", "rejected", …), to show what the inputs reached */
  outcomes: Record<string, number>;
  seconds: number;
}

export function newTally(target: string): Tally {
  return { target, inputs: 0, failures: [], outcomes: {}, seconds: 0 };
}

export function count(t: Tally, outcome: string): void {
  t.outcomes[outcome] = (t.outcomes[outcome] ?? 0) + 1;
}

export function fail(t: Tally, what: string, sample: unknown): void {
  const s = typeof sample === "string" ? sample : Buffer.isBuffer(sample) ? sample.toString("latin1") : JSON.stringify(sample) ?? String(sample);
  if (t.failures.length < 50) t.failures.push({ input: t.inputs, what, sample: s.length > 600 ? `${s.slice(0, 300)} …(${s.length} chars)… ${s.slice(-300)}` : s });
}

/** runs `one(i)` until the budget is spent */
export async function spend(budget: Budget, t: Tally, one: (i: number) => Promise<void> | void): Promise<Tally> {
  const t0 = Date.now();
  const max = budget.iterations ?? Infinity;
  const min = Math.min(budget.minInputs ?? 0, max);
  while (t.inputs < min || (t.inputs < max && Date.now() - t0 < budget.seconds * 1000)) {
    await one(t.inputs);
    t.inputs++;
  }
  t.seconds = (Date.now() - t0) / 1000;
  return t;
}

export function summary(t: Tally): string {
  const outcomes = Object.entries(t.outcomes)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `${t.target}: ${t.inputs} inputs in ${t.seconds.toFixed(1)} s, ${t.failures.length} failures (${outcomes})`;
}

// ---------------------------------------------------------------- random choices

/** mutated texts are cut at 8 MB: above the servers' payload limits, so the limits are tested too */
const MAX_TEXT = 8 * 1024 * 1024;

export class Fuzz {
  readonly rng: Rng;
  constructor(seed: number) {
    this.rng = Rng.forData(seed);
  }
  int(n: number): number {
    return this.rng.int(n);
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.rng.int(a.length)];
  }

  /** a number token where parsers have edges */
  weirdNumber(): string {
    return this.pick([
      "1e400", "-1e400", "1e39", "-3.5e38", "3.4028235e38", "1e-400", "Infinity", "-Infinity", "inf", "-inf", "+inf", "INF", "iNfInItY",
      "NaN", "nan", "NAN", "-nan", "+NaN", "nan(0x1)", "NA", "null", "", " ", "-", "+", ".", "-.", "1e", "e5", "0x10", "0b1", "1_000", "1,5",
      "١٢", "１２", "−1", "-0", "00012", "9".repeat(400), "1".padEnd(5000, "0"), "\u00a01", "1\u0000", "\ufeff1", '"3"', "true", "[]", "{}",
    ]);
  }

  /** a string where validators have edges */
  weirdString(): string {
    return this.pick([
      "", " ", "a", "x".repeat(300), "y".repeat(70_000), "é", "\u0000", "\ud800", "😀", "../..", "..", "/", "\\", "%00", "%", "$", "a\nb", "\r", '"', "'",
      "file://", "file:///", "file://relative/path", "file:///nonexistent-fuzz/../etc", "s3://", "s3://b", "s3://bucket/../x", "s3://UPPER/key",
      "__proto__", "constructor", "toString", "hasOwnProperty", "NaN", "1e400", "-1", "0", "true", "null",
    ]);
  }

  /** a JSON value of any type, sometimes nested deep or wide */
  weirdValue(): unknown {
    switch (this.int(12)) {
      case 0: return null;
      case 1: return this.pick([true, false]);
      case 2: return this.pick([0, -1, 1, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1.5, 1e308, -1e-308, 3.4e38, 5e-324]);
      case 3: return this.weirdString();
      case 4: return [];
      case 5: return {};
      case 6: return Array.from({ length: this.pick([1, 10, 1000]) }, () => this.pick([1, "a", null]));
      case 7: return nest(this.pick([2, 20, 200]), this.chance(0.5));
      case 8: return { [this.weirdString()]: this.weirdString() };
      case 9: return [this.weirdString()];
      case 10: return this.weirdNumber();
      default: return Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
    }
  }

  /** 1–3 character-level edits of a text: replace a number token, insert/delete/duplicate/truncate */
  mutateText(text: string): string {
    let s = text;
    const n = 1 + this.int(3);
    for (let k = 0; k < n; k++) {
      const i = this.int(s.length + 1);
      switch (this.int(11)) {
        case 0:
        case 1:
        case 2: {
          // a number → a weird number token
          const nums = [...s.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi)];
          if (nums.length) {
            const m = this.pick(nums);
            s = s.slice(0, m.index!) + this.weirdNumber() + s.slice(m.index! + m[0].length);
          }
          break;
        }
        case 3:
          s = s.slice(0, i) + this.pick([",", "\n", "\r", "\r\n", '"', "\u0000", "\ufeff", "é", "\\", "[", "]", "{", "}", ":", " ", "\t", ";", "e", "-", ".", "\ud800"]) + s.slice(i);
          break;
        case 4:
          s = s.slice(0, i) + s.slice(i + 1 + this.int(20));
          break;
        case 5:
          s = s.slice(0, i); // truncated
          break;
        case 6: {
          const lines = s.split("\n");
          const l = this.pick(lines);
          const times = Math.min(this.pick([1, 2, 50, 5000]), Math.floor((MAX_TEXT - s.length) / (l.length + 1)));
          if (times > 0) lines.splice(this.int(lines.length + 1), 0, ...Array(times).fill(l));
          s = lines.join("\n");
          break;
        }
        case 7:
          s = (s.slice(0, i) + this.pick(["1,", "a", "[", "{", "\"x\":"]).repeat(this.pick([100, 10_000, 200_000])) + s.slice(i)).slice(0, MAX_TEXT);
          break;
        case 8:
          s = this.pick(["\ufeff", "\ufeff\ufeff", "\n", " ", "sep=,\n"]) + s;
          break;
        case 9:
          s = s.replace(/,/g, this.pick([";", "\t", ", ", ",,"]));
          break;
        default:
          s = s + this.pick(["\n", "\n\n", ",", "\n1", "\u0000", "\r"]);
      }
      if (s.length > MAX_TEXT) s = s.slice(0, MAX_TEXT); // above every server's limit: enough to test the limit
    }
    return s;
  }

  /** byte-level edits (after the text is encoded): invalid UTF-8, other encodings, flipped bytes */
  mutateBytes(text: string): Buffer {
    switch (this.int(6)) {
      case 0: {
        const b = Buffer.from(text, "utf8");
        if (b.length) b[this.int(b.length)] ^= 1 << this.int(8);
        return b;
      }
      case 1: {
        const b = Buffer.from(text, "utf8");
        const i = this.int(b.length + 1);
        return Buffer.concat([b.subarray(0, i), Buffer.from(this.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]])), b.subarray(i)]);
      }
      case 2:
        return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
      case 3:
        return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]);
      case 4:
        return Buffer.from(text, "latin1");
      default:
        return Buffer.from(text, "utf16le"); // no BOM: only the charset can say
    }
  }

  /** a JSON value with 1–3 structural edits: a node replaced by a weird value, a key removed or added */
  mutateJson<T>(value: T): unknown {
    let v: unknown = structuredClone(value);
    const n = 1 + this.int(3);
    for (let k = 0; k < n; k++) {
      const nodes = collect(v);
      const [parent, key] = this.pick(nodes);
      if (parent === undefined) {
        v = this.weirdValue();
        continue;
      }
      const op = this.int(4);
      if (op === 0 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key];
      else if (op === 1 && !Array.isArray(parent)) (parent as Record<string, unknown>)[this.pick(["Unknown", "__proto__", "constructor", key + "X", key.toLowerCase()])] = this.weirdValue();
      else (parent as Record<string | number, unknown>)[key] = this.weirdValue();
    }
    return v;
  }
}

/** [[…[]…]] or {"a":{"a":…}} `depth` levels deep */
export function nest(depth: number, objects: boolean): unknown {
  let v: unknown = objects ? {} : [];
  for (let i = 0; i < depth; i++) v = objects ? { a: v } : [v];
  return v;
}

/** every node of a JSON value as [parent, key] ([undefined, ""] for the root), depth-first */
function collect(root: unknown): [object | undefined, string][] {
  const out: [object | undefined, string][] = [[undefined, ""]];
  const walk = (v: unknown, depth: number) => {
    if (depth > 30 || v === null || typeof v !== "object") return;
    for (const [k, c] of Object.entries(v)) {
      out.push([v, k]);
      walk(c, depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

/** `p`, or a rejection after ms (a hang) */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

export interface Answer {
  status: number;
  headers: import("http").IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

/** one raw HTTP request (any method, path, headers, body), rejected when there is no whole answer within timeoutMs */
export function httpRequest(port: number, method: string, path: string, headers: Record<string, string>, body?: string | Buffer, timeoutMs = 2000): Promise<Answer> {
  const http = require("http") as typeof import("http");
  const t0 = Date.now();
  return within(
    new Promise<Answer>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: Date.now() - t0 }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    }),
    timeoutMs,
    `${method} ${path}`,
  );
}

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** everything it printed */
  output(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** `tsx test/fuzz/sm-server.ts <stateDir>`: the local SageMaker in its own process, once it listens */
export function startSageMakerProcess(stateDir: string, env: Record<string, string> = {}, idleMs = 2000): Promise<ServerProcess> {
  const { spawn } = require("child_process") as typeof import("child_process");
  const path = require("path") as typeof import("path");
  const root = path.resolve(__dirname, "..", "..");
  const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), path.join(__dirname, "sm-server.ts"), stateDir, String(idleMs)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (m) resolve({ url: m[1], port: Number(m[2]), pid: child.pid!, output: () => out, exited, kill: (s = "SIGKILL") => child.kill(s) });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (out += d));
    exited.then(({ code, signal }) => reject(new Error(`the local SageMaker exited (${signal ?? code}) before listening: ${out}`)));
  });
}

/**
 * `fn` run and timed; when it takes over 2 s it is run once more and that time counts — the machine is shared
 * with other work, and a real hang is slow both times.
 */
export function timed<T>(fn: () => T): { ms: number } & ({ value: T } | { error: unknown }) {
  const once = () => {
    const t0 = Date.now();
    try {
      const value = fn();
      return { ms: Date.now() - t0, value };
    } catch (error) {
      return { ms: Date.now() - t0, error };
    }
  };
  const first = once();
  return first.ms > 2000 ? once() : first;
}

/** `timed` for an async `fn` (the trainer's channel reader awaits lib's loadTable). */
export async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number } & ({ value: T } | { error: unknown })> {
  const once = async () => {
    const t0 = Date.now();
    try {
      const value = await fn();
      return { ms: Date.now() - t0, value };
    } catch (error) {
      return { ms: Date.now() - t0, error };
    }
  };
  const first = await once();
  return first.ms > 2000 ? once() : first;
}
