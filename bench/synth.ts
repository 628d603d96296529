/**
 * The benchmark's synthetic regression set (issue 2), generated deterministically:
 *
 *   x ~ U[0,1)^28 (float32),  y = 10 sin(π x0 x1) + 20 (x2 − 0.5)² + 10 x3 + 5 x4 + 0.1 (x5+…+x9) + N(0,1)
 *
 * (Friedman #1 plus 18 pure-noise features and a small signal in x5..x9). The PRNG is
 * mulberry32 (the core's `Rng`) seeded with `seed`; normals by Box–Muller. Rows are generated in order, so
 * the first n rows of a larger set equal the smaller set with the same seed. Training
 * uses the first 80 % of the rows, the rest is the holdout.
 *
 * `synthFiles(n)` writes X (row-major) and y as raw little-endian float32 files under
 * bench/data/ (git-ignored) and reuses them when they already exist.
 */
import * as fs from "fs";
import * as path from "path";
import { Rng } from "node-xgboost-wasm";

export const SYNTH_NCOL = 28;
export const SYNTH_SEED = 20240601;

/** The project's one PRNG (the core's `Rng`, mulberry32) started from the raw state `seed`,
 * as a function: the data of every bench and test that uses it depends on this stream. */
export function mulberry32(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

export interface Synth { X: Float32Array; y: Float32Array; nrow: number; ncol: number; nTrain: number }

export function synth(nrow: number, seed = SYNTH_SEED, ncol = SYNTH_NCOL): Synth {
  if (ncol < 10) throw new Error(`synth: ncol must be >= 10 (the formula uses x0..x9), got ${ncol}`);
  const rnd = mulberry32(seed);
  const X = new Float32Array(nrow * ncol);
  const y = new Float32Array(nrow);
  let spare = NaN;
  const normal = (): number => {
    if (!Number.isNaN(spare)) { const s = spare; spare = NaN; return s; }
    let u = 0;
    while (u === 0) u = rnd();
    const v = rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  for (let i = 0; i < nrow; i++) {
    const o = i * ncol;
    for (let j = 0; j < ncol; j++) X[o + j] = rnd();
    const x = (j: number) => X[o + j]; // the stored float32 values
    y[i] = 10 * Math.sin(Math.PI * x(0) * x(1)) + 20 * (x(2) - 0.5) ** 2 + 10 * x(3) + 5 * x(4)
      + 0.1 * (x(5) + x(6) + x(7) + x(8) + x(9)) + normal();
  }
  return { X, y, nrow, ncol, nTrain: Math.floor(nrow * 0.8) };
}

export const DATA_DIR = path.join(__dirname, "data");

export interface SynthFiles { x: string; y: string; nrow: number; ncol: number; nTrain: number }

/** Generate (or reuse) bench/data/synth-<n>-<seed>.{X,y}.f32. */
export function synthFiles(nrow: number, seed = SYNTH_SEED, dir = DATA_DIR): SynthFiles {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `synth-${nrow}-${seed}`);
  const files = { x: `${base}.X.f32`, y: `${base}.y.f32`, nrow, ncol: SYNTH_NCOL, nTrain: Math.floor(nrow * 0.8) };
  const ok = fs.existsSync(files.x) && fs.statSync(files.x).size === nrow * SYNTH_NCOL * 4
    && fs.existsSync(files.y) && fs.statSync(files.y).size === nrow * 4;
  if (!ok) {
    const s = synth(nrow, seed);
    fs.writeFileSync(files.x + ".tmp", Buffer.from(s.X.buffer));
    fs.writeFileSync(files.y + ".tmp", Buffer.from(s.y.buffer));
    fs.renameSync(files.x + ".tmp", files.x);
    fs.renameSync(files.y + ".tmp", files.y);
  }
  return files;
}

export function readF32File(file: string, begin = 0, count?: number): Float32Array {
  const fd = fs.openSync(file, "r");
  try {
    const n = count ?? fs.fstatSync(fd).size / 4 - begin;
    const out = new Float32Array(n);
    fs.readSync(fd, new Uint8Array(out.buffer), 0, n * 4, begin * 4);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** Load rows [a, b) of a synth file set. */
export function loadRows(f: SynthFiles, a: number, b: number): { X: Float32Array; y: Float32Array; nrow: number; ncol: number } {
  return { X: readF32File(f.x, a * f.ncol, (b - a) * f.ncol), y: readF32File(f.y, a, b - a), nrow: b - a, ncol: f.ncol };
}
