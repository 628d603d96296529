/**
 * Test/bench helper (not a test file): run native XGBoost (Debian python3-xgboost 1.7.4,
 * /usr/bin/python3) through tools/reference/xgb_ref.py on exactly the same float32 data.
 *
 *   if (!hasXgboost()) → the caller skips (the message says what to install)
 *   const ref = new RefJob(); const d = ref.dataset("train", X, nrow, ncol, y);
 *   ref.task({ op: "train", params, num_round, dtrain: d, predict: [{ data: d }] });
 *   const [r] = ref.run();
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const PYTHON = process.env.XGB_REF_PYTHON ?? "/usr/bin/python3";
export const REF_SCRIPT = path.join(__dirname, "xgb_ref.py");
export const INSTALL_HINT = "install python3-xgboost: apt-get install python3-xgboost";

let available: boolean | undefined;
let version = "";

/** True when /usr/bin/python3 can `import xgboost` (xgb_ref.py --version: the driver's own imports);
 * otherwise prints the skip message once. */
export function hasXgboost(): boolean {
  if (available === undefined) {
    const r = fs.existsSync(PYTHON)
      ? spawnSync(PYTHON, [REF_SCRIPT, "--version"], { encoding: "utf8" })
      : undefined;
    available = r !== undefined && r.status === 0;
    if (available) version = r!.stdout.trim();
    else console.log(`  SKIP native XGBoost comparisons: \`${PYTHON} -c "import xgboost"\` failed — ${INSTALL_HINT}`);
  }
  return available;
}

export function xgboostVersion(): string {
  hasXgboost();
  return version;
}

export function writeF32(file: string, a: ArrayLike<number>): void {
  const f = a instanceof Float32Array ? a : Float32Array.from(a);
  fs.writeFileSync(file, Buffer.from(f.buffer, f.byteOffset, f.byteLength));
}

export function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export interface DatasetSpec {
  x: string; nrow: number; ncol: number; y?: string; w?: string;
  /** survival:aft's label_lower_bound / label_upper_bound (whole datasets only) */
  lower?: string; upper?: string;
  rows?: number[] | string; row_begin?: number; row_end?: number; feature_names?: string[];
  /** XGBoost's feature_types ("c" = categorical: the DMatrix gets enable_categorical=True) */
  feature_types?: string[];
  /** a QuantileDMatrix of these rows binned with the cuts of that dataset's QuantileDMatrix (max_bin below) */
  quantile_ref?: string; max_bin?: number;
  /** query groups (ranking): the groups' sizes (set_group), and optionally one weight per group (set_weight) */
  group?: number[]; group_w?: number[];
}
export interface PredSpec {
  data: string; output_margin?: boolean; out?: string; iteration_range?: [number, number]; repeat?: number;
  /** native's deprecated ntree_limit: a count, or "best" for the booster's best_ntree_limit (from the model's attributes) */
  ntree_limit?: number | "best";
  /** SHAP values / interaction values / Saabas (native's predict flags), flattened row-major */
  pred_contribs?: boolean; pred_interactions?: boolean; approx_contribs?: boolean;
}
export interface Extras { scores?: boolean; eval?: { data: string; metrics: string[] }[] }
export type RefTask =
  | ({ op: "train"; params: object; num_round: number; dtrain: string; base_score?: "mean"; save_model?: string; predict?: PredSpec[]; evals?: string[]; early_stopping_rounds?: number } & Extras)
  | ({ op: "load"; model: string; predict?: PredSpec[]; nthread?: number; config?: boolean } & Extras)
  | { op: "cv"; params: object; num_round: number; data: string; folds: ArrayLike<number>[]; base_score?: "mean"; metric?: "rmse" | "logloss" | "mlogloss" };

export interface RefPrediction { data: string; seconds: number; cpu_seconds?: number; n: number; values?: number[]; out?: string; rmse?: number }
export interface RefResult {
  error?: string; maxrss_kb: number;
  train_seconds?: number; train_cpu_seconds?: number; base_score?: number; model?: string; num_features?: number;
  /** train / load: the booster's attributes as native reads them (best_iteration, best_ntree_limit, …) */
  attributes?: Record<string, string>;
  predict?: RefPrediction[];
  fold_scores?: number[]; mean?: number; oof?: number[];
  scores?: Record<string, Record<string, number>>;
  evals_result?: Record<string, Record<string, number[]>>; best_iteration?: number | null; num_boosted_rounds?: number;
  evals?: Record<string, Record<string, number>>;
  /** load with config: the booster's configuration as native reads it (save_config) */
  config?: any;
}

/** One batch of tasks for a single python process (data files live in a temp dir). */
export class RefJob {
  readonly dir: string;
  private datasets: Record<string, DatasetSpec> = {};
  private tasks: RefTask[] = [];
  private n = 0;

  constructor(dir?: string) {
    this.dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "xgb-ref-"));
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Register data (written as float32 files); returns its name for tasks. */
  dataset(name: string, X: ArrayLike<number>, nrow: number, ncol: number, y?: ArrayLike<number>, w?: ArrayLike<number>, featureNames?: string[], featureTypes?: string[]): string {
    if (X.length !== nrow * ncol) throw new Error(`dataset ${name}: X has ${X.length} values, not ${nrow}×${ncol}`);
    const spec: DatasetSpec = { x: this.file(`${name}.X.f32`), nrow, ncol };
    writeF32(spec.x, X);
    if (y) { spec.y = this.file(`${name}.y.f32`); writeF32(spec.y, y); }
    if (w) { spec.w = this.file(`${name}.w.f32`); writeF32(spec.w, w); }
    if (featureNames) spec.feature_names = featureNames;
    if (featureTypes) spec.feature_types = featureTypes;
    this.datasets[name] = spec;
    return name;
  }

  /** survival:aft's bounds for a registered dataset (set on its DMatrix as label_lower_bound / label_upper_bound) */
  bounds(name: string, lower: ArrayLike<number>, upper: ArrayLike<number>): void {
    const spec = this.datasets[name];
    spec.lower = this.file(`${name}.lo.f32`); writeF32(spec.lower, lower);
    spec.upper = this.file(`${name}.hi.f32`); writeF32(spec.upper, upper);
  }

  /** Give a registered dataset query groups (their sizes) and optionally one weight per group (native's set_group,
   * set_weight) */
  groups(name: string, group: number[], groupW?: number[]): void {
    Object.assign(this.datasets[name], { group, ...(groupW ? { group_w: groupW } : {}) });
  }

  /** Register a dataset spec whose files already exist (e.g. the bench data). */
  datasetSpec(name: string, spec: DatasetSpec): string {
    this.datasets[name] = spec;
    return name;
  }

  /** Write a model JSON string into the temp dir; returns its path. */
  model(json: string): string {
    const f = this.file(`model-${this.n++}.json`);
    fs.writeFileSync(f, json);
    return f;
  }

  task(t: RefTask): number {
    this.tasks.push(t);
    return this.tasks.length - 1;
  }

  /** Run all tasks in one python process; throws with the native error of any failed task. */
  run(opts: { strict?: boolean; timeoutMs?: number } = {}): RefResult[] {
    const jobFile = this.file(`job-${this.n++}.json`);
    const tasks = this.tasks.map((t) => (t.op === "cv" ? { ...t, folds: t.folds.map((f) => Array.from(f)) } : t));
    fs.writeFileSync(jobFile, JSON.stringify({ datasets: this.datasets, tasks, strict: opts.strict ?? true }));
    this.tasks = [];
    const r = spawnSync(PYTHON, [REF_SCRIPT, jobFile], { encoding: "utf8", maxBuffer: 1 << 30, timeout: opts.timeoutMs ?? 600_000 });
    let parsed: { results: RefResult[] } | undefined;
    try { parsed = JSON.parse(r.stdout); } catch { /* reported below */ }
    if (!parsed) throw new Error(`xgb_ref.py failed (status ${r.status}${r.signal ? ", " + r.signal : ""}): ${r.stderr || r.error}`);
    if (opts.strict ?? true) {
      const bad = parsed.results.map((x, i) => (x.error ? `task ${i}: ${x.error}` : "")).filter(Boolean);
      if (bad.length) throw new Error(`native XGBoost failed: ${bad.join("; ")}`);
    }
    return parsed.results;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Largest relative difference max|a−b| / max(|a|, |b|, floor), and where. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1): { rel: number; index: number; a: number; b: number } {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = { rel: 0, index: -1, a: NaN, b: NaN };
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) return { rel: Infinity, index: i, a: x, b: y };
      continue;
    }
    const rel = Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), floor);
    if (rel > worst.rel) worst = { rel, index: i, a: x, b: y };
  }
  return worst;
}
