import { test } from "uvu";
import * as assert from "uvu/assert";
import { createStrategy, Rng } from "@ensemble-workbook/sagemaker-local/tuning";
import type { ParameterRanges, Strategy, Trial } from "@ensemble-workbook/sagemaker-local/tuning";

/** drive a strategy like the server does: up to `parallel` running, finish the oldest first */
function drive(s: Strategy, objective: (hp: Record<string, string>) => number | undefined, parallel = 1): Trial[] {
  const hist: Trial[] = [];
  const running: Record<string, string>[] = [];
  for (let guard = 0; guard < 10000; guard++) {
    while (running.length < parallel) {
      const hp = s.next(hist, running);
      if (!hp) break;
      running.push(hp);
    }
    if (!running.length) break;
    const hp = running.shift()!;
    const y = objective(hp);
    hist.push(y === undefined ? { hyperparameters: hp, status: "Failed" } : { hyperparameters: hp, objective: y, status: "Completed" });
  }
  return hist;
}

const seedFlow: ParameterRanges = {
  ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.2", MaxValue: "0.3" }],
  IntegerParameterRanges: [{ Name: "max_depth", MinValue: "3", MaxValue: "4" }],
};
const wide: ParameterRanges = {
  ContinuousParameterRanges: [
    { Name: "eta", MinValue: "0.01", MaxValue: "0.5", ScalingType: "Logarithmic" },
    { Name: "subsample", MinValue: "0.5", MaxValue: "1" },
  ],
  IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "12" }],
  CategoricalParameterRanges: [{ Name: "grow_policy", Values: ["depthwise", "lossguide"] }],
};
function inRanges(hp: Record<string, string>, r: ParameterRanges) {
  for (const c of r.ContinuousParameterRanges ?? []) {
    const v = Number(hp[c.Name]);
    assert.ok(typeof hp[c.Name] === "string" && v >= Number(c.MinValue) && v <= Number(c.MaxValue), `${c.Name}=${hp[c.Name]}`);
  }
  for (const c of r.IntegerParameterRanges ?? []) {
    const v = Number(hp[c.Name]);
    assert.ok(Number.isInteger(v) && v >= Number(c.MinValue) && v <= Number(c.MaxValue), `${c.Name}=${hp[c.Name]}`);
  }
  for (const c of r.CategoricalParameterRanges ?? []) assert.ok(c.Values.includes(hp[c.Name]), `${c.Name}=${hp[c.Name]}`);
}

test("Rng (mulberry32) is seeded, uniform-ish and normal-ish", () => {
  const a = Rng.forSearch(42), b = Rng.forSearch(42), c = Rng.forSearch(43);
  const xa = Array.from({ length: 5 }, () => a.next());
  assert.equal(xa, Array.from({ length: 5 }, () => b.next()));
  assert.not.equal(xa, Array.from({ length: 5 }, () => c.next()));
  const r = Rng.forSearch(1);
  let s = 0, s2 = 0, n = 20000;
  for (let i = 0; i < n; i++) { const u = r.next(); assert.ok(u >= 0 && u < 1); s += u; }
  assert.ok(Math.abs(s / n - 0.5) < 0.01);
  s = 0;
  for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; }
  assert.ok(Math.abs(s / n) < 0.03 && Math.abs(s2 / n - 1) < 0.05);
});

test("Grid: Cartesian product in order (last range fastest), capped by maxJobs, null when exhausted", () => {
  const ranges: ParameterRanges = {
    CategoricalParameterRanges: [
      { Name: "max_depth", Values: ["3", "4"] },
      { Name: "grow_policy", Values: ["depthwise", "lossguide", "symmetric"] },
    ],
  };
  const s = createStrategy("Grid", ranges, { objectiveType: "Minimize", maxJobs: 100 });
  const got: Record<string, string>[] = [];
  for (let hp = s.next([], 0); hp; hp = s.next([], 0)) got.push(hp);
  const expected: Record<string, string>[] = [];
  for (const d of ["3", "4"]) for (const g of ["depthwise", "lossguide", "symmetric"]) expected.push({ max_depth: d, grow_policy: g });
  assert.equal(got, expected);
  assert.is(s.next([], 0), null);
  const capped = createStrategy("Grid", ranges, { objectiveType: "Minimize", maxJobs: 4 });
  const g2 = drive(capped, () => 1, 2);
  assert.is(g2.length, 4);
  assert.equal(g2.map((t) => t.hyperparameters), expected.slice(0, 4));
});

test("Random: seeded, within ranges, no duplicates, stops at maxJobs", () => {
  const run = (seed: number) => drive(createStrategy("Random", wide, { objectiveType: "Minimize", maxJobs: 40, seed }), () => 0, 3).map((t) => t.hyperparameters);
  const a = run(7);
  assert.is(a.length, 40);
  assert.equal(a, run(7));
  assert.not.equal(a, run(8));
  for (const hp of a) inRanges(hp, wide);
  assert.is(new Set(a.map((h) => JSON.stringify(h))).size, 40);
  // log scaling: about half of the etas below the geometric midpoint sqrt(0.01 * 0.5) ≈ 0.0707
  const many = drive(createStrategy("Random", wide, { objectiveType: "Minimize", maxJobs: 400, seed: 1 }), () => 0).map((t) => Number(t.hyperparameters.eta));
  const below = many.filter((e) => e < Math.sqrt(0.005)).length / many.length;
  assert.ok(below > 0.42 && below < 0.58, `fraction below geometric midpoint ${below}`);
  // finite space: exhausted → null
  const small = createStrategy("Random", { IntegerParameterRanges: [{ Name: "d", MinValue: "3", MaxValue: "5" }] }, { objectiveType: "Minimize", maxJobs: 10 });
  const t = drive(small, () => 0, 2);
  assert.equal(t.map((x) => x.hyperparameters.d).sort(), ["3", "4", "5"]);
});

test("Bayesian: within ranges, deterministic for a seed, parallel proposals differ, failures tolerated", () => {
  const obj = (hp: Record<string, string>) =>
    hp.grow_policy === "lossguide" && Number(hp.max_depth) > 10 ? undefined : // a failing region
      (Math.log(Number(hp.eta) / 0.1)) ** 2 + (Number(hp.max_depth) - 6) ** 2 / 10 + (Number(hp.subsample) - 0.8) ** 2 + (hp.grow_policy === "depthwise" ? 0 : 0.3);
  const run = (seed: number) => drive(createStrategy("Bayesian", wide, { objectiveType: "Minimize", maxJobs: 14, seed }), obj, 3);
  const a = run(3);
  assert.is(a.length, 14);
  for (const t of a) inRanges(t.hyperparameters, wide);
  assert.equal(a.map((t) => t.hyperparameters), run(3).map((t) => t.hyperparameters));
  assert.not.equal(a.map((t) => t.hyperparameters), run(4).map((t) => t.hyperparameters));
  assert.is(new Set(a.map((t) => JSON.stringify(t.hyperparameters))).size, 14);
  // several proposals while nothing has finished (pending count form too) are all different
  const s = createStrategy("Bayesian", seedFlow, { objectiveType: "Maximize", maxJobs: 10, seed: 0 });
  const hist: Trial[] = [
    { hyperparameters: { eta: "0.21", max_depth: "3" }, objective: 0.5, status: "Completed" },
    { hyperparameters: { eta: "0.29", max_depth: "4" }, objective: 0.7, status: "Completed" },
    { hyperparameters: { eta: "0.25", max_depth: "3" }, status: "Failed" },
  ];
  const p: Record<string, string>[] = [];
  for (let i = 0; i < 4; i++) p.push(s.next(hist, p.length)!);
  assert.is(new Set(p.map((h) => JSON.stringify(h))).size, 4);
  for (const hp of p) inRanges(hp, seedFlow);
  // budget: 3 finished + 4 running + 3 more = 10
  for (let i = 0; i < 3; i++) assert.ok(s.next(hist, p.length + i));
  assert.is(s.next(hist, 7), null);
});

test("Bayesian: exhausts a finite space without repeating, then null", () => {
  const s = createStrategy("Bayesian", { IntegerParameterRanges: [{ Name: "d", MinValue: "1", MaxValue: "6" }] }, { objectiveType: "Minimize", maxJobs: 20, seed: 1 });
  const t = drive(s, (hp) => (Number(hp.d) - 4) ** 2, 2);
  assert.equal(t.map((x) => Number(x.hyperparameters.d)).sort(), [1, 2, 3, 4, 5, 6]);
});

// ---- the key test: Bayesian beats Random on a smooth objective with the same budget ----
// eta × max_depth-like space: eta log-scaled on [0.01, 0.5], max_depth integer in [1, 12], plus subsample.
// The objective is a smooth, rotated quadratic bowl in the scaled coordinates, minimum 1 at eta = 0.06,
// max_depth ≈ 7.4, subsample = 0.7.
const space3: ParameterRanges = {
  ContinuousParameterRanges: [
    { Name: "eta", MinValue: "0.01", MaxValue: "0.5", ScalingType: "Logarithmic" },
    { Name: "subsample", MinValue: "0.5", MaxValue: "1" },
  ],
  IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "12" }],
};
const bowl = (hp: Record<string, string>) => {
  const a = Math.log(Number(hp.eta) / 0.06) / Math.log(50); // ≈ scaled offset
  const b = (Number(hp.max_depth) - 7.4) / 11;
  const c = (Number(hp.subsample) - 0.7) / 0.5;
  return 1 + 4 * (a * a + b * b + c * c + 0.5 * a * b);
};
// Branin on [-5,10] × [0,15] (global minimum 0.397887)
const braninRanges: ParameterRanges = {
  ContinuousParameterRanges: [
    { Name: "x1", MinValue: "-5", MaxValue: "10" },
    { Name: "x2", MinValue: "0", MaxValue: "15" },
  ],
};
const branin = (hp: Record<string, string>) => {
  const x1 = Number(hp.x1), x2 = Number(hp.x2);
  const b = 5.1 / (4 * Math.PI ** 2), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
};

function compare(ranges: ParameterRanges, f: (hp: Record<string, string>) => number, budget: number, seeds: number, parallel: number) {
  const best = (type: "Bayesian" | "Random", seed: number) =>
    Math.min(...drive(createStrategy(type, ranges, { objectiveType: "Minimize", maxJobs: budget, seed }), f, parallel).map((t) => t.objective!));
  const B: number[] = [], R: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    B.push(best("Bayesian", seed));
    R.push(best("Random", seed));
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  return { bayes: mean(B), random: mean(R), wins: B.filter((b, i) => b < R[i]).length };
}

test("KEY: Bayesian finds a better best objective than Random in 15 trials (mean over 8 seeds)", () => {
  const bowlRes = compare(space3, bowl, 15, 8, 1);
  console.log(`  bowl (min 1), 15 trials, 8 seeds: Bayesian mean best ${bowlRes.bayes.toFixed(4)}, Random ${bowlRes.random.toFixed(4)}, Bayesian better in ${bowlRes.wins}/8`);
  assert.ok(bowlRes.bayes < bowlRes.random, JSON.stringify(bowlRes));
  assert.ok(bowlRes.bayes - 1 < 0.5 * (bowlRes.random - 1), `regret should at least halve: ${JSON.stringify(bowlRes)}`);
  const br = compare(braninRanges, branin, 15, 8, 2);
  console.log(`  Branin (min 0.398), 15 trials, 2 in parallel, 8 seeds: Bayesian mean best ${br.bayes.toFixed(4)}, Random ${br.random.toFixed(4)}, Bayesian better in ${br.wins}/8`);
  assert.ok(br.bayes < br.random, JSON.stringify(br));
});

test("Bayesian with Maximize on -f proposes exactly what Minimize on f proposes", () => {
  const mx = drive(createStrategy("Bayesian", braninRanges, { objectiveType: "Maximize", maxJobs: 10, seed: 5 }), (hp) => -branin(hp), 2);
  const mn = drive(createStrategy("Bayesian", braninRanges, { objectiveType: "Minimize", maxJobs: 10, seed: 5 }), branin, 2);
  assert.equal(mx.map((t) => t.hyperparameters), mn.map((t) => t.hyperparameters));
});

test("the issue's seed flow: eta ∈ [0.2, 0.3], max_depth ∈ {3, 4}, 4 jobs, 2 in parallel — every strategy", () => {
  const f = (hp: Record<string, string>) => (Number(hp.eta) - 0.27) ** 2 + (hp.max_depth === "4" ? 0 : 0.01);
  for (const type of ["Bayesian", "Random", "Hyperband"] as const) {
    const s = createStrategy(type, seedFlow, { objectiveType: "Minimize", maxJobs: 4, seed: 0, hyperband: { minResource: 1, maxResource: 20, resourceParam: "num_round" } });
    const t = drive(s, f, 2);
    assert.is(t.length, 4, type);
    for (const x of t) inRanges(x.hyperparameters, seedFlow);
    assert.is(new Set(t.map((x) => JSON.stringify(x.hyperparameters))).size, 4, type);
    if (type === "Hyperband") for (const x of t) assert.is(x.hyperparameters.num_round, "20");
  }
  const grid = createStrategy("Grid", { CategoricalParameterRanges: [{ Name: "eta", Values: ["0.2", "0.3"] }, { Name: "max_depth", Values: ["3", "4"] }] }, { objectiveType: "Minimize", maxJobs: 4 });
  assert.equal(drive(grid, f, 2).map((x) => x.hyperparameters), [
    { eta: "0.2", max_depth: "3" }, { eta: "0.2", max_depth: "4" }, { eta: "0.3", max_depth: "3" }, { eta: "0.3", max_depth: "4" },
  ]);
});

test("createStrategy rejects bad options", () => {
  assert.throws(() => createStrategy("Random", seedFlow, { objectiveType: "Up" as any, maxJobs: 3 }), /Minimize or Maximize/);
  assert.throws(() => createStrategy("Random", seedFlow, { objectiveType: "Minimize", maxJobs: 0 }), /MaxNumberOfTrainingJobs/);
  assert.throws(() => createStrategy("Grid", seedFlow, { objectiveType: "Minimize", maxJobs: 3 }), /Grid/);
  assert.throws(() => createStrategy("Hyperband", seedFlow, { objectiveType: "Minimize", maxJobs: 3 }), /maxResource/);
});

test.run();
