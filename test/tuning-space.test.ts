import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildSpace, validateRanges, toUnit, fromUnit, encode, decode, resolveScaling, spaceSize } from "@ensemble-workbook/sagemaker-local/tuning";
import type { ParameterRanges } from "@ensemble-workbook/sagemaker-local/tuning";

const num = (space: any[], name: string) => space.find((p) => p.name === name);
const close = (a: number, b: number, eps = 1e-9, msg?: string) => assert.ok(Math.abs(a - b) <= eps, msg ?? `${a} ≈ ${b}`);

test("linear scaling maps [min,max] onto [0,1] and round-trips", () => {
  const [p] = buildSpace("Random", { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.2", MaxValue: "0.3", ScalingType: "Linear" }] });
  close(toUnit(p as any, 0.2), 0);
  close(toUnit(p as any, 0.3), 1);
  close(toUnit(p as any, 0.25), 0.5);
  for (const u of [0, 0.1, 0.37, 0.5, 0.99, 1]) close(toUnit(p as any, fromUnit(p as any, u)), u, 1e-12);
});

test("logarithmic scaling: geometric midpoint at u = 0.5", () => {
  const [p] = buildSpace("Random", { ContinuousParameterRanges: [{ Name: "alpha", MinValue: "0.001", MaxValue: "10", ScalingType: "Logarithmic" }] }) as any[];
  close(fromUnit(p, 0.5), 0.1, 1e-12); // sqrt(0.001 * 10)
  close(fromUnit(p, 0.25), 0.01, 1e-12);
  close(toUnit(p, 1), 0.75, 1e-12);
  for (const u of [0, 0.2, 0.8, 1]) close(toUnit(p, fromUnit(p, u)), u, 1e-12);
});

test("reverse-logarithmic scaling: fine resolution near 1", () => {
  const [p] = buildSpace("Random", { ContinuousParameterRanges: [{ Name: "momentum", MinValue: "0.9", MaxValue: "0.999", ScalingType: "ReverseLogarithmic" }] }) as any[];
  // 1 - v goes geometrically from 0.1 to 0.001: u = 0.5 ↔ 1 - v = 0.01
  close(fromUnit(p, 0.5), 0.99, 1e-12);
  close(toUnit(p, 0.9), 0, 1e-12);
  close(toUnit(p, 0.999), 1, 1e-12);
  for (const u of [0, 0.3, 0.7, 1]) close(toUnit(p, fromUnit(p, u)), u, 1e-12);
});

test("Auto picks log for wide positive ranges, linear otherwise", () => {
  assert.is(resolveScaling("continuous", 0.001, 1, "Auto"), "Logarithmic");
  assert.is(resolveScaling("continuous", 0.2, 0.3, undefined), "Linear");
  assert.is(resolveScaling("continuous", 0.9, 0.9999, "Auto"), "ReverseLogarithmic");
  assert.is(resolveScaling("integer", 1, 1000, "Auto"), "Logarithmic");
  assert.is(resolveScaling("integer", 3, 10, "Auto"), "Linear");
  assert.is(resolveScaling("continuous", 0.2, 0.3, "Logarithmic"), "Logarithmic");
});

test("integers: every value owns an equal slice of u, round-trip exact", () => {
  const [p] = buildSpace("Random", { IntegerParameterRanges: [{ Name: "max_depth", MinValue: "3", MaxValue: "6" }] }) as any[];
  const counts: Record<number, number> = {};
  for (let i = 0; i < 4000; i++) {
    const v = fromUnit(p, (i + 0.5) / 4000);
    counts[v] = (counts[v] ?? 0) + 1;
  }
  assert.equal(Object.keys(counts).map(Number).sort(), [3, 4, 5, 6]);
  for (const v of [3, 4, 5, 6]) assert.is(counts[v], 1000);
  for (const v of [3, 4, 5, 6]) assert.is(fromUnit(p, toUnit(p, v)), v);
  const [q] = buildSpace("Random", { IntegerParameterRanges: [{ Name: "n", MinValue: "1", MaxValue: "1000", ScalingType: "Logarithmic" }] }) as any[];
  for (const v of [1, 2, 10, 31, 999, 1000]) assert.is(fromUnit(q, toUnit(q, v)), v);
});

test("encode/decode: strings in, strings out, categorical by index", () => {
  const ranges: ParameterRanges = {
    ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.2", MaxValue: "0.3" }],
    IntegerParameterRanges: [{ Name: "max_depth", MinValue: "3", MaxValue: "4" }],
    CategoricalParameterRanges: [{ Name: "grow_policy", Values: ["depthwise", "lossguide"] }],
  };
  const space = buildSpace("Bayesian", ranges);
  const hp = { eta: "0.25", max_depth: "4", grow_policy: "lossguide" };
  const x = encode(space, hp)!;
  close(x[0], 0.5);
  assert.is(x[2], 1);
  assert.equal(decode(space, x), hp);
  assert.is(encode(space, { eta: "0.25", max_depth: "4", grow_policy: "nope" }), null);
  assert.is(spaceSize(space), Infinity);
  assert.is(spaceSize(buildSpace("Random", { IntegerParameterRanges: [{ Name: "d", MinValue: "3", MaxValue: "6" }], CategoricalParameterRanges: [{ Name: "c", Values: ["a", "b"] }] })), 8);
});

test("values are written as SageMaker passes them: continuous at a double's full precision (6 digits gave [100000, 100010] 11 values), integers never in exponent form", () => {
  const narrow = buildSpace("Random", { ContinuousParameterRanges: [{ Name: "x", MinValue: "100000", MaxValue: "100010" }] });
  const seen = new Set(Array.from({ length: 200 }, (_, i) => decode(narrow, [(i + 0.5) / 200]).x));
  assert.is(seen.size, 200, "every point its own value");
  for (const v of seen) assert.ok(Number(v) >= 100000 && Number(v) <= 100010, v);
  const nearOne = buildSpace("Random", { ContinuousParameterRanges: [{ Name: "b", MinValue: "0.99", MaxValue: "0.99999999", ScalingType: "ReverseLogarithmic" }] });
  const top = Array.from({ length: 200 }, (_, i) => decode(nearOne, [(i + 0.5) / 200]).b).filter((v) => Number(v) > 0.99999);
  assert.is(new Set(top).size, top.length, "distinct near the top of a reverse-logarithmic range");
  const big = buildSpace("Random", { IntegerParameterRanges: [{ Name: "n", MinValue: "1", MaxValue: "100000000000000000000000" }] });
  assert.match(decode(big, [0.5]).n, /^\d+$/);
});

const throwsWith = (fn: () => void, re: RegExp) => {
  try {
    fn();
  } catch (e: any) {
    assert.match(e.message, re);
    return;
  }
  assert.unreachable(`expected an error matching ${re}`);
};

test("validateRanges: SageMaker-like errors", () => {
  const c = (Name: string, MinValue: string, MaxValue: string, ScalingType?: any) => ({ Name, MinValue, MaxValue, ScalingType });
  throwsWith(() => validateRanges("Random", {}), /at least one/);
  throwsWith(() => validateRanges("Grid", { ContinuousParameterRanges: [c("eta", "0.1", "0.3")] }), /Grid strategy accepts only CategoricalParameterRanges.*eta/);
  throwsWith(() => validateRanges("Grid", { IntegerParameterRanges: [c("max_depth", "3", "4")] }), /Grid.*max_depth/);
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("eta", "0.3", "0.2")] }), /eta: MinValue \(0\.3\) must be less than MaxValue \(0\.2\)/);
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("eta", "0.3", "0.3")] }), /must be less than/);
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("alpha", "0", "1", "Logarithmic")] }), /alpha: Logarithmic scaling requires MinValue \(0\) to be greater than 0/);
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("m", "0.5", "1", "ReverseLogarithmic")] }), /m: ReverseLogarithmic .*MaxValue \(1\) < 1/);
  throwsWith(() => validateRanges("Random", { IntegerParameterRanges: [c("d", "1", "5", "ReverseLogarithmic")] }), /d: ReverseLogarithmic scaling is not supported for IntegerParameterRanges/);
  throwsWith(() => validateRanges("Random", { IntegerParameterRanges: [c("d", "1.5", "5")] }), /d: MinValue \(1\.5\) must be an integer/);
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("eta", "abc", "1")] }), /eta: MinValue \(abc\) is not a number/);
  // decimal text only (Number() took "0x10" as 16, "0b11" as 3): the values the trials get are decimal
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("eta", "0", "0x10")] }), /eta: MaxValue \(0x10\) is not a number/);
  throwsWith(() => validateRanges("Random", { IntegerParameterRanges: [c("d", "0b11", "5")] }), /d: MinValue \(0b11\) is not a number/);
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("eta", "0", "Infinity")] }), /eta: MaxValue \(Infinity\) is not a number/);
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [{ Name: "eta", MaxValue: "1" } as any] }), /eta: MinValue is required/);
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("eta", "0.1", "1")], IntegerParameterRanges: [c("eta", "1", "2")] }), /eta: .*more than one range/);
  throwsWith(() => validateRanges("Random", { CategoricalParameterRanges: [{ Name: "g", Values: [] }] }), /g: Values must be a non-empty list/);
  throwsWith(() => validateRanges("Random", { CategoricalParameterRanges: [{ Name: "g", Values: ["a", "a"] }] }), /g: Values contain duplicates/);
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("eta", "0.1", "1", "Quadratic")] }), /ScalingType Quadratic/);
  throwsWith(() => validateRanges("Annealing" as any, { ContinuousParameterRanges: [c("eta", "0.1", "1")] }), /Strategy: Annealing/);
  const many = Array.from({ length: 31 }, (_, i) => c(`p${i}`, "0", "1"));
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: many }), /at most 30/);
  // valid ones do not throw
  validateRanges("Grid", { CategoricalParameterRanges: [{ Name: "max_depth", Values: ["3", "4"] }] });
  validateRanges("Bayesian", { ContinuousParameterRanges: [c("eta", "0.2", "0.3")], IntegerParameterRanges: [c("max_depth", "3", "4")] });
  validateRanges("Random", { ContinuousParameterRanges: [c("m", "0", "0.999", "ReverseLogarithmic")] });
  validateRanges("Random", { ContinuousParameterRanges: [c("eta", "1e-3", "+.5")], IntegerParameterRanges: [c("d", " 2 ", "1E1")] });
  // a Name is any text without a line break (SageMaker's ParameterKey)
  validateRanges("Random", { ContinuousParameterRanges: [c("learning rate", "0.1", "0.2")], CategoricalParameterRanges: [{ Name: "layers[0]=é", Values: ["a"] }] });
  throwsWith(() => validateRanges("Random", { ContinuousParameterRanges: [c("a\nb", "0.1", "0.2")] }), /Name "a\\nb" is missing or not a valid hyperparameter name/);
});

test.run();
