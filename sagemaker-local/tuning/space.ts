/**
 * The search space: validation of SageMaker ParameterRanges and the mapping of every
 * range onto the unit interval.
 *
 * Scaling (u ∈ [0, 1] is the "scaled" coordinate the strategies search in):
 *   Linear              u = (v − a) / (b − a)
 *   Logarithmic         u = (ln v − ln a) / (ln b − ln a)                      needs a > 0
 *   ReverseLogarithmic  u = (ln(1 − a) − ln(1 − v)) / (ln(1 − a) − ln(1 − b))  needs 0 ≤ a < b < 1
 *                       (fine resolution close to 1, e.g. momentum 0.9 … 0.999)
 *   Auto                SageMaker picks the scale; we pick Logarithmic when a > 0 and b / a ≥ 100
 *                       (two or more orders of magnitude), ReverseLogarithmic (continuous only) when
 *                       0 ≤ a < b < 1 and (1 − a) / (1 − b) ≥ 100, otherwise Linear.
 * Integers are mapped over the widened interval [a − ½, b + ½] and rounded, so every integer
 * owns an equally wide slice of u (for Linear; of ln v for Logarithmic) and encode∘decode is
 * the identity on integers. Categorical parameters are one-hot vectors in the GP and a uniform
 * choice for random sampling.
 */
import type { NumericRange, ParameterRanges, ScalingType, StrategyType } from "./types";
import { decimalNumber, type Rng } from "node-xgboost-wasm";

export type Param =
  | { kind: "continuous" | "integer"; name: string; min: number; max: number; scaling: Exclude<ScalingType, "Auto">; lo: number; hi: number }
  | { kind: "categorical"; name: string; values: string[] };

export const MAX_PARAMETERS = 30; // SageMaker: at most 30 hyperparameters to tune
export const MAX_CATEGORICAL_VALUES = 30; // SageMaker: at most 30 values per categorical range
/**
 * A range's Name: SageMaker's ParameterKey, any text of at most 256 characters (pattern `.*`: no line break), as a
 * static hyperparameter's key. Only [a-zA-Z0-9._:-/] was taken: "learning rate" or "layers[0]" were refused as
 * tuned names though accepted as static ones, and the service model allows them.
 */
const NAME_RE = /^[^\n\r\u0085\u2028\u2029]{1,256}$/u;

function fail(msg: string): never {
  throw new Error(`Invalid ParameterRanges: ${msg}`);
}

function parseNumber(r: NumericRange, field: "MinValue" | "MaxValue", integer: boolean): number {
  const s: unknown = r[field]; // untrusted JSON until checked here
  if (typeof s !== "string" || s.trim() === "") fail(`${r.Name}: ${field} is required and must be a string holding a number.`);
  // decimal text only, as the trials' values are written: Number() also read "0x10" as 16 and "0b11" as 3
  const v = decimalNumber(s);
  if (v === undefined || !Number.isFinite(v)) fail(`${r.Name}: ${field} (${s}) is not a number.`);
  if (integer && !Number.isInteger(v)) fail(`${r.Name}: ${field} (${s}) must be an integer for IntegerParameterRanges.`);
  return v;
}

/** resolve "Auto" to a concrete scale (see module comment) */
export function resolveScaling(kind: "continuous" | "integer", min: number, max: number, scaling: ScalingType | undefined): Exclude<ScalingType, "Auto"> {
  if (scaling && scaling !== "Auto") return scaling;
  if (min > 0 && max / min >= 100) return "Logarithmic";
  if (kind === "continuous" && min >= 0 && max < 1 && (1 - min) / (1 - max) >= 100) return "ReverseLogarithmic";
  return "Linear";
}

/**
 * Throws an Error naming the offending parameter when the ranges are not acceptable for the
 * strategy (the server turns it into a ValidationException).
 */
export function validateRanges(type: StrategyType, ranges: unknown): asserts ranges is ParameterRanges {
  buildSpace(type, ranges as ParameterRanges); // buildSpace checks every field at run time
}

/** validate and build the internal parameter list (continuous, integer, categorical — in that order) */
export function buildSpace(type: StrategyType, ranges: ParameterRanges): Param[] {
  if (!["Bayesian", "Random", "Grid", "Hyperband"].includes(type))
    throw new Error(`Invalid Strategy: ${type}; must be one of Bayesian, Random, Grid, Hyperband.`);
  if (!ranges || typeof ranges !== "object") fail("ParameterRanges is required.");
  for (const k of Object.keys(ranges)) {
    // AutoParameters (Autotune's: SageMaker picks the ranges) was accepted and dropped; Autotune itself is refused
    if (k === "AutoParameters") fail("AutoParameters is not supported by the local SageMaker (it would be ignored): give the ranges as ContinuousParameterRanges, IntegerParameterRanges or CategoricalParameterRanges.");
    if (!["ContinuousParameterRanges", "IntegerParameterRanges", "CategoricalParameterRanges"].includes(k))
      fail(`unknown field ${k}.`);
    const v: unknown = (ranges as Record<string, unknown>)[k];
    if (v !== undefined && !Array.isArray(v)) fail(`${k} must be a list.`);
  }
  const cont = ranges.ContinuousParameterRanges ?? [];
  const ints = ranges.IntegerParameterRanges ?? [];
  const cats = ranges.CategoricalParameterRanges ?? [];
  const total = cont.length + ints.length + cats.length;
  if (total === 0) fail("at least one of ContinuousParameterRanges, IntegerParameterRanges, CategoricalParameterRanges must be non-empty.");
  if (total > MAX_PARAMETERS) fail(`at most ${MAX_PARAMETERS} hyperparameters can be tuned, got ${total}.`);
  if (type === "Grid" && (cont.length > 0 || ints.length > 0))
    fail(
      `the Grid strategy accepts only CategoricalParameterRanges; got ${[...cont, ...ints].map((r) => r?.Name).join(", ")} as ` +
        `${cont.length ? "ContinuousParameterRanges" : "IntegerParameterRanges"}.`,
    );
  const seen = new Set<string>();
  const checkName = (r: unknown) => {
    if (!r || typeof r !== "object") fail("each range must be an object.");
    const name = (r as { Name?: unknown }).Name;
    if (typeof name !== "string" || !NAME_RE.test(name)) fail(`Name ${JSON.stringify(name)} is missing or not a valid hyperparameter name.`);
    if (seen.has(name)) fail(`${name}: the hyperparameter appears in more than one range.`);
    seen.add(name);
  };
  const params: Param[] = [];
  for (const [list, kind] of [
    [cont, "continuous"],
    [ints, "integer"],
  ] as const) {
    for (const r of list) {
      checkName(r);
      const integer = kind === "integer";
      const min = parseNumber(r, "MinValue", integer);
      const max = parseNumber(r, "MaxValue", integer);
      if (r.ScalingType !== undefined && !["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"].includes(r.ScalingType))
        fail(`${r.Name}: ScalingType ${r.ScalingType} is not one of Auto, Linear, Logarithmic, ReverseLogarithmic.`);
      if (!(min < max)) fail(`${r.Name}: MinValue (${r.MinValue}) must be less than MaxValue (${r.MaxValue}).`);
      if (r.ScalingType === "Logarithmic" && !(min > 0))
        fail(`${r.Name}: Logarithmic scaling requires MinValue (${r.MinValue}) to be greater than 0.`);
      if (r.ScalingType === "ReverseLogarithmic") {
        if (integer) fail(`${r.Name}: ReverseLogarithmic scaling is not supported for IntegerParameterRanges.`);
        if (!(min >= 0 && max < 1))
          fail(`${r.Name}: ReverseLogarithmic scaling requires 0 <= MinValue (${r.MinValue}) and MaxValue (${r.MaxValue}) < 1.`);
      }
      const scaling = resolveScaling(kind, min, max, r.ScalingType);
      const lo = integer ? min - 0.5 : min;
      const hi = integer ? max + 0.5 : max;
      params.push({ kind, name: r.Name, min, max, scaling, lo, hi });
    }
  }
  for (const r of cats) {
    checkName(r);
    if (!Array.isArray(r.Values) || r.Values.length === 0) fail(`${r.Name}: Values must be a non-empty list.`);
    if (r.Values.length > MAX_CATEGORICAL_VALUES) fail(`${r.Name}: at most ${MAX_CATEGORICAL_VALUES} Values are allowed, got ${r.Values.length}.`);
    for (const v of r.Values) if (typeof v !== "string") fail(`${r.Name}: Values must be strings.`);
    if (new Set(r.Values).size !== r.Values.length) fail(`${r.Name}: Values contain duplicates.`);
    params.push({ kind: "categorical", name: r.Name, values: [...r.Values] });
  }
  return params;
}

/** value → u ∈ [0,1] for a numeric parameter (see module comment) */
export function toUnit(p: Extract<Param, { kind: "continuous" | "integer" }>, v: number): number {
  let u: number;
  if (p.scaling === "Logarithmic") u = (Math.log(v) - Math.log(p.lo)) / (Math.log(p.hi) - Math.log(p.lo));
  else if (p.scaling === "ReverseLogarithmic") u = (Math.log(1 - p.lo) - Math.log(1 - v)) / (Math.log(1 - p.lo) - Math.log(1 - p.hi));
  else u = (v - p.lo) / (p.hi - p.lo);
  return Math.min(1, Math.max(0, u));
}

/** u ∈ [0,1] → value (integers rounded, clamped to [MinValue, MaxValue]) */
export function fromUnit(p: Extract<Param, { kind: "continuous" | "integer" }>, u: number): number {
  u = Math.min(1, Math.max(0, u));
  let v: number;
  if (p.scaling === "Logarithmic") v = Math.exp(Math.log(p.lo) + u * (Math.log(p.hi) - Math.log(p.lo)));
  else if (p.scaling === "ReverseLogarithmic") v = 1 - Math.exp(Math.log(1 - p.lo) - u * (Math.log(1 - p.lo) - Math.log(1 - p.hi)));
  else v = p.lo + u * (p.hi - p.lo);
  if (p.kind === "integer") v = Math.round(v);
  return Math.min(p.max, Math.max(p.min, v));
}

/**
 * A numeric value as the hyperparameter string: integers exact (and never in exponent form: 1e23's integers were
 * "2.535563989076763e+22", which an integer parser refuses), continuous values as JavaScript writes a double — the
 * shortest text that reads back to it, as SageMaker passes them (0.1348925716437488). At 6 significant digits a
 * range like [100000, 100010] had 11 values and [0.99, 0.99999999] collapsed near its top.
 */
export function formatValue(p: Extract<Param, { kind: "continuous" | "integer" }>, v: number): string {
  if (p.kind === "integer") return BigInt(Math.round(v)).toString();
  return String(Math.min(p.max, Math.max(p.min, v)));
}

/** A point of the search space in scaled form: numeric params → u, categorical → index. */
export type Point = number[];

export function decode(space: Param[], x: Point): Record<string, string> {
  const out: Record<string, string> = {};
  space.forEach((p, i) => {
    if (p.kind === "categorical") out[p.name] = p.values[Math.min(p.values.length - 1, Math.max(0, Math.round(x[i])))];
    else out[p.name] = formatValue(p, fromUnit(p, x[i]));
  });
  return out;
}

/** hyperparameters → scaled point; returns null when a value is missing or outside the space */
export function encode(space: Param[], hp: Record<string, string>): Point | null {
  const x: Point = [];
  for (const p of space) {
    const s = hp?.[p.name];
    if (s === undefined) return null;
    if (p.kind === "categorical") {
      const i = p.values.indexOf(String(s));
      if (i < 0) return null;
      x.push(i);
    } else {
      const v = Number(s);
      if (!Number.isFinite(v)) return null;
      x.push(toUnit(p, Math.min(p.max, Math.max(p.min, v))));
    }
  }
  return x;
}

/** canonical key of the tuned values (used for de-duplication) */
export function keyOf(space: Param[], hp: Record<string, string>): string {
  return space.map((p) => (p.kind === "categorical" ? hp?.[p.name] : hp?.[p.name] === undefined ? "?" : String(Number(hp[p.name])))).join("\u0001");
}

export function randomPoint(space: Param[], rng: Rng): Point {
  return space.map((p) => (p.kind === "categorical" ? rng.int(p.values.length) : rng.next()));
}

/** number of distinct configurations if the space is finite (no continuous params), else Infinity */
export function spaceSize(space: Param[]): number {
  let n = 1;
  for (const p of space) {
    if (p.kind === "continuous") return Infinity;
    n *= p.kind === "categorical" ? p.values.length : p.max - p.min + 1;
    if (n > 1e12) return Infinity;
  }
  return n;
}
