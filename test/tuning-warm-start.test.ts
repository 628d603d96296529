/**
 * Warm start in the pure strategies (sagemaker-local/tuning): a parent job's trials passed as `prior` seed the
 * Bayesian model — a warm-started job reaches a cold job's best in fewer trials (mean over seeds, on a smooth bowl
 * and on Branin), priors outside the ranges are left out, and prior points are never proposed again.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createStrategy } from "@ensemble-workbook/sagemaker-local/tuning";
import type { ParameterRanges, Strategy, Trial } from "@ensemble-workbook/sagemaker-local/tuning";

function drive(s: Strategy, f: (hp: Record<string, string>) => number): Trial[] {
  const hist: Trial[] = [];
  for (let hp = s.next(hist, []); hp; hp = s.next(hist, [])) hist.push({ hyperparameters: hp, objective: f(hp), status: "Completed" });
  return hist;
}

const space: ParameterRanges = {
  ContinuousParameterRanges: [
    { Name: "eta", MinValue: "0.01", MaxValue: "0.5", ScalingType: "Logarithmic" },
    { Name: "subsample", MinValue: "0.5", MaxValue: "1" },
  ],
  IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "12" }],
};
const bowl = (hp: Record<string, string>) => {
  const a = Math.log(Number(hp.eta) / 0.06) / Math.log(50);
  const b = (Number(hp.max_depth) - 7.4) / 11;
  const c = (Number(hp.subsample) - 0.7) / 0.5;
  return 1 + 4 * (a * a + b * b + c * c + 0.5 * a * b);
};
const braninSpace: ParameterRanges = {
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

/** the 1-based trial at which a run first reaches `target` (or Infinity) */
const reach = (h: Trial[], target: number) => {
  const i = h.findIndex((t) => t.objective! <= target + 1e-12);
  return i < 0 ? Infinity : i + 1;
};

/**
 * Per seed: a parent job (cold, `budget` trials), a cold job and a warm-started job (the parent's trials as prior),
 * both `budget` trials. Target = the cold job's best: trials the cold job took to reach it, trials the warm one took.
 */
function study(ranges: ParameterRanges, f: (hp: Record<string, string>) => number, budget: number, seeds: number) {
  const rows: { cold: number; warm: number; coldBest: number; warmBest: number }[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const parent = drive(createStrategy("Bayesian", ranges, { objectiveType: "Minimize", maxJobs: budget, seed: 1000 + seed }), f);
    const cold = drive(createStrategy("Bayesian", ranges, { objectiveType: "Minimize", maxJobs: budget, seed }), f);
    const warm = drive(createStrategy("Bayesian", ranges, { objectiveType: "Minimize", maxJobs: budget, seed, prior: parent }), f);
    const coldBest = Math.min(...cold.map((t) => t.objective!));
    const warmBest = Math.min(...warm.map((t) => t.objective!));
    rows.push({ cold: reach(cold, coldBest), warm: reach(warm, coldBest), coldBest, warmBest });
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const capped = (v: number) => (Number.isFinite(v) ? v : budget + 1);
  return {
    coldTrials: mean(rows.map((r) => r.cold)),
    warmTrials: mean(rows.map((r) => capped(r.warm))),
    coldBest: mean(rows.map((r) => r.coldBest)),
    warmBest: mean(rows.map((r) => r.warmBest)),
    warmReached: rows.filter((r) => Number.isFinite(r.warm)).length,
    rows,
  };
}

test("a warm-started Bayesian job reaches the cold job's best in fewer trials (bowl, 12 trials, 8 seeds)", () => {
  const s = study(space, bowl, 12, 8);
  console.log(
    `  bowl: trials to reach the cold job's best — cold ${s.coldTrials.toFixed(1)}, warm ${s.warmTrials.toFixed(1)} (reached in ${s.warmReached}/8); mean best cold ${s.coldBest.toFixed(4)}, warm ${s.warmBest.toFixed(4)}`,
  );
  assert.ok(s.warmTrials < s.coldTrials, JSON.stringify(s));
  assert.ok(s.warmBest <= s.coldBest, JSON.stringify(s));
  assert.ok(s.warmReached >= 6, JSON.stringify(s.rows));
});

test("the same on Branin (2 parameters, 15 trials, 8 seeds)", () => {
  const s = study(braninSpace, branin, 15, 8);
  console.log(
    `  Branin: trials to reach the cold job's best — cold ${s.coldTrials.toFixed(1)}, warm ${s.warmTrials.toFixed(1)} (reached in ${s.warmReached}/8); mean best cold ${s.coldBest.toFixed(3)}, warm ${s.warmBest.toFixed(3)}`,
  );
  assert.ok(s.warmTrials < s.coldTrials, JSON.stringify(s));
  assert.ok(s.warmBest <= s.coldBest, JSON.stringify(s));
});

test("priors: outside the ranges left out, never proposed again, no warm-up once there are enough", () => {
  const ranges: ParameterRanges = { IntegerParameterRanges: [{ Name: "d", MinValue: "1", MaxValue: "6" }] };
  const prior: Trial[] = [1, 2, 3, 9].map((d) => ({ hyperparameters: { d: String(d), other: "x" }, objective: (d - 4) ** 2, status: "Completed" }));
  for (const type of ["Bayesian", "Random"] as const) {
    const h = drive(createStrategy(type, ranges, { objectiveType: "Minimize", maxJobs: 10, seed: 3, prior }), (hp) => (Number(hp.d) - 4) ** 2);
    // 6 values, 3 tried by the parent (9 is outside 1–6): exactly the other 3 are proposed, then the space is exhausted
    assert.equal(h.map((t) => Number(t.hyperparameters.d)).sort(), [4, 5, 6], type);
  }
  // Bayesian with ≥ nInit priors proposes from the model at once: the first proposal is the bowl's neighbourhood
  const wideRanges: ParameterRanges = { ContinuousParameterRanges: [{ Name: "x", MinValue: "0", MaxValue: "10" }] };
  const seeds = [0, 1, 2, 3, 4, 5];
  const firsts = seeds.map((seed) => {
    const pr: Trial[] = [0.5, 2, 4, 6, 8, 9.5].map((x) => ({ hyperparameters: { x: String(x) }, objective: (x - 3) ** 2, status: "Completed" }));
    return Number(createStrategy("Bayesian", wideRanges, { objectiveType: "Minimize", maxJobs: 5, seed, prior: pr }).next([], [])!.x);
  });
  assert.ok(firsts.every((x) => Math.abs(x - 3) < 1.5), `first proposals ${firsts.join(", ")}`);
});

test.run();
