import { test } from "uvu";
import * as assert from "uvu/assert";
import { createStrategy, hyperbandSchedule, inferMaxResource, medianStoppingRule } from "@ensemble-workbook/sagemaker-local/tuning";
import type { ParameterRanges, Trial } from "@ensemble-workbook/sagemaker-local/tuning";

const ranges: ParameterRanges = {
  ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.01", MaxValue: "0.5", ScalingType: "Logarithmic" }],
  IntegerParameterRanges: [{ Name: "max_depth", MinValue: "2", MaxValue: "10" }],
};
/** quality of a configuration: asymptotic loss (lower is better) */
const quality = (hp: Record<string, string>) => 1 + (Math.log(Number(hp.eta) / 0.1)) ** 2 + ((Number(hp.max_depth) - 6) / 4) ** 2;
/** learning curve: decreasing towards the asymptote, same shape for all configurations */
const curve = (hp: Record<string, string>, round: number) => quality(hp) + 2 / Math.sqrt(round);

test("schedule: levels, rungs and bracket weights for R = 27, r = 1, η = 3", () => {
  const s = hyperbandSchedule({ minResource: 1, maxResource: 27 });
  assert.is(s.sMax, 3);
  assert.equal(s.levels, [27, 9, 3, 1]);
  assert.equal(s.rungs(3), [1, 3, 9]);
  assert.equal(s.rungs(1), [9]);
  assert.equal(s.rungs(0), []);
  assert.equal(s.weights, [4, 6, 12, 27]); // ⌈(s_max+1)/(s+1) · η^s⌉
  const t = hyperbandSchedule({ minResource: 10, maxResource: 100, eta: 2 });
  assert.is(t.sMax, 3); // log2(10) = 3.32
  assert.equal(t.levels, [100, 50, 25, 13]);
  assert.throws(() => hyperbandSchedule({ minResource: 5, maxResource: 2 }), /MinResource/);
  assert.throws(() => hyperbandSchedule({ minResource: 1, maxResource: 20001 }), /20000/);
  const one = hyperbandSchedule({ minResource: 10, maxResource: 10 });
  assert.is(one.sMax, 0);
  assert.equal(one.rungs(0), []);
});

test("inferMaxResource: SageMaker's keys, then the trainer's round counters", () => {
  assert.equal(inferMaxResource({ epochs: "20", num_round: "50" }), { maxResource: 20, resourceParam: "epochs" });
  assert.equal(inferMaxResource({ num_round: "50", eta: "0.3" }), { maxResource: 50, resourceParam: "num_round" });
  assert.throws(() => inferMaxResource({ eta: "0.3" }), /cannot be inferred/);
  assert.throws(() => inferMaxResource({ n_epochs: "ten" }), /n_epochs/);
});

test("stopping mode: shouldStop hand-checked at a rung (ASHA rule, top ⌈n/η⌉ continue)", () => {
  const s = createStrategy("Hyperband", ranges, { objectiveType: "Minimize", maxJobs: 10, seed: 0, hyperband: { minResource: 1, maxResource: 9, resourceParam: "num_round" } });
  // levels [9, 3, 1]; an unknown trial is treated as the most aggressive bracket: rungs 1 and 3
  const hp = (eta: string) => ({ eta, max_depth: "4" });
  const history: Trial[] = [
    { hyperparameters: hp("0.1"), status: "Completed", objective: 1, intermediate: [5, 4, 2, 1.5, 1.2, 1.1, 1, 1, 1] },
    { hyperparameters: hp("0.2"), status: "Stopped", objective: 6, intermediate: [7, 6.5, 6] },
    { hyperparameters: hp("0.3"), status: "Completed", objective: 3, intermediate: [6, 5, 3.5, 3, 3, 3, 3, 3, 3] },
    { hyperparameters: hp("0.4"), status: "Failed" },
  ];
  // rung 1 values: 5, 7, 6 → with a newcomer n = 4, keep ⌈4/3⌉ = 2 best
  assert.is(s.shouldStop!({ hyperparameters: hp("0.05"), intermediate: [5.5] }, history), false); // 5, 5.5 best two
  assert.is(s.shouldStop!({ hyperparameters: hp("0.06"), intermediate: [6.5] }, history), true); // n = 5 → keep 2; 5, 5.5 better
  // rung 3 values: 2, 6, 3.5 (+ newcomer) → keep 2
  assert.is(s.shouldStop!({ hyperparameters: hp("0.05"), intermediate: [5.5, 4, 3] }, history), false); // 2, 3
  assert.is(s.shouldStop!({ hyperparameters: hp("0.07"), intermediate: [4, 4, 4] }, history), true); // 2, 3, 3.5 better than 4... n = 5 keep 2
  // each rung is decided once: a job that passed rung 1 is not re-judged at round 2 although its value got bad
  assert.is(s.shouldStop!({ hyperparameters: hp("0.08"), intermediate: [1] }, history), false);
  assert.is(s.shouldStop!({ hyperparameters: hp("0.08"), intermediate: [1, 100] }, history), false);
  // a job first seen after a rung is judged at the last rung it passed (round 2 → rung 1; value 9 is worst)
  assert.is(s.shouldStop!({ hyperparameters: hp("0.09"), intermediate: [9, 1] }, history), true);
  // Maximize flips the order
  const m = createStrategy("Hyperband", ranges, { objectiveType: "Maximize", maxJobs: 10, seed: 0, hyperband: { minResource: 1, maxResource: 9 } });
  assert.is(m.shouldStop!({ hyperparameters: hp("0.05"), intermediate: [8] }, history), false);
  assert.is(m.shouldStop!({ hyperparameters: hp("0.06"), intermediate: [4] }, history), true);
  // without resourceParam a job is stopped once it reaches MaxResource (as SageMaker does); with it, never for that reason
  const best = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
  assert.is(m.shouldStop!({ hyperparameters: hp("0.11"), intermediate: best.map((x) => 10 - x) }, history), false);
  assert.is(m.shouldStop!({ hyperparameters: hp("0.11"), intermediate: [...best, 0.1].map((x) => 10 - x) }, history), true);
  assert.is(s.shouldStop!({ hyperparameters: hp("0.12"), intermediate: [...best, 0.1] }, history), false);
});

test("stopping mode: sets num_round = MaxResource, stops bad configurations early, good ones get more rounds", () => {
  const R = 27;
  const s = createStrategy("Hyperband", ranges, { objectiveType: "Minimize", maxJobs: 40, seed: 3, hyperband: { minResource: 1, maxResource: R, resourceParam: "num_round" } });
  const history: Trial[] = [];
  for (let hp = s.next(history, 0); hp; hp = s.next(history, 0)) {
    assert.is(hp.num_round, String(R));
    const tuned = { eta: hp.eta, max_depth: hp.max_depth };
    const inter: number[] = [];
    let stopped = false;
    for (let round = 1; round <= Number(hp.num_round); round++) {
      inter.push(curve(tuned, round));
      if (s.shouldStop!({ hyperparameters: hp, intermediate: inter }, history)) {
        stopped = true;
        break;
      }
    }
    history.push({ hyperparameters: hp, intermediate: inter, objective: inter[inter.length - 1], status: stopped ? "Stopped" : "Completed" });
  }
  assert.is(history.length, 40);
  const rounds = history.map((t) => t.intermediate!.length);
  const total = rounds.reduce((a, b) => a + b, 0);
  assert.ok(total < 0.5 * 40 * R, `total rounds ${total} should be well below ${40 * R}`);
  assert.ok(history.some((t) => t.status === "Stopped") && history.some((t) => t.status === "Completed"));
  // sort by true quality: the better third got more rounds on average than the worse third
  const byQ = [...history].sort((a, b) => quality(a.hyperparameters) - quality(b.hyperparameters));
  const mean = (a: Trial[]) => a.reduce((x, t) => x + t.intermediate!.length, 0) / a.length;
  const good = mean(byQ.slice(0, 13)), bad = mean(byQ.slice(-13));
  console.log(`  Hyperband stopping: ${total}/${40 * R} rounds; mean rounds best third ${good.toFixed(1)}, worst third ${bad.toFixed(1)}`);
  assert.ok(good > 2 * bad, `good ${good} vs bad ${bad}`);
  // the best configuration tried ran to completion
  assert.is(byQ[0].intermediate!.length, R);
});

test("promotion mode: resource set per rung, best configurations promoted to more rounds", () => {
  const R = 27;
  const s = createStrategy("Hyperband", ranges, { objectiveType: "Minimize", maxJobs: 60, seed: 1, hyperband: { minResource: 1, maxResource: R, resourceParam: "num_round", mode: "promotion" } });
  const history: Trial[] = [];
  const running: Record<string, string>[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    while (running.length < 2) {
      const hp = s.next(history, running);
      if (!hp) break;
      running.push(hp);
    }
    if (!running.length) break;
    const hp = running.shift()!;
    const n = Number(hp.num_round);
    assert.ok([1, 3, 9, 27].includes(n), `num_round ${n}`);
    history.push({ hyperparameters: hp, objective: curve(hp, n), status: "Completed" });
  }
  assert.is(history.length, 60);
  // resource per configuration (max over its jobs), and its quality
  const conf = new Map<string, { q: number; r: number }>();
  for (const t of history) {
    const k = `${t.hyperparameters.eta}/${t.hyperparameters.max_depth}`;
    const c = conf.get(k) ?? { q: quality(t.hyperparameters), r: 0 };
    c.r = Math.max(c.r, Number(t.hyperparameters.num_round));
    conf.set(k, c);
  }
  const cs = [...conf.values()].sort((a, b) => a.q - b.q);
  const third = Math.max(1, Math.floor(cs.length / 3));
  const mean = (a: { r: number }[]) => a.reduce((x, c) => x + c.r, 0) / a.length;
  console.log(`  Hyperband promotion: ${cs.length} configurations, mean max resource best third ${mean(cs.slice(0, third)).toFixed(1)}, worst third ${mean(cs.slice(-third)).toFixed(1)}`);
  assert.ok(mean(cs.slice(0, third)) > 2 * mean(cs.slice(-third)));
  assert.ok(history.some((t) => t.hyperparameters.num_round === "9"), "some configuration was promoted to 9 rounds");
  // promotions re-use configurations: fewer distinct configurations than jobs
  assert.ok(cs.length < 60);
  assert.is(s.shouldStop!({ hyperparameters: history[0].hyperparameters, intermediate: [100] }, history), false);
});

test("median stopping rule (AUTO), hand-checked", () => {
  const tr = (intermediate: number[], status: Trial["status"] = "Completed"): Trial => ({ hyperparameters: {}, intermediate, objective: intermediate[intermediate.length - 1], status });
  const history = [tr([5, 4, 3]), tr([6, 5, 4, 3]), tr([4, 4, 4], "Stopped"), tr([1, 1, 1], "Failed")];
  // t = 2: running averages 4.5, 5.5, 4 (failed one ignored) → median 4.5
  assert.is(medianStoppingRule(history, [5, 4.8], "Minimize"), true); // 4.8 > 4.5
  assert.is(medianStoppingRule(history, [5, 4.4], "Minimize"), false); // 4.4 < 4.5
  assert.is(medianStoppingRule(history, [5, 4.5], "Minimize"), false); // 4.5 is not worse than 4.5
  // the value after round t is compared, as SageMaker's guide says ("the value of the objective metric for the
  // current training job"), not the best so far: 9 after a first round of 4.5 is worse than 4.5 (it went on)
  assert.is(medianStoppingRule(history, [4.5, 9], "Minimize"), true);
  assert.is(medianStoppingRule(history, [4.4, 4.6], "Maximize"), false); // 4.6 > 4.5 though the first round was worse
  // t = 4: only one previous trial reached round 4 → fewer than 3 → never stop
  assert.is(medianStoppingRule(history, [9, 9, 9, 9], "Minimize"), false);
  assert.is(medianStoppingRule(history, [9, 9, 9, 9], "Minimize", { minTrials: 1 }), true); // average of [6,5,4,3] = 4.5
  // t = 1: values 5, 6, 4 → median 5
  assert.is(medianStoppingRule(history, [5.1], "Minimize"), true);
  assert.is(medianStoppingRule(history, [5.1], "Minimize", { minRounds: 2 }), false);
  // Maximize: larger is better; median of averages at t = 2 is still 4.5
  assert.is(medianStoppingRule(history, [4, 4.8], "Maximize"), false); // 4.8 > 4.5
  assert.is(medianStoppingRule(history, [4.2, 4.4], "Maximize"), true); // 4.4 < 4.5
  assert.is(medianStoppingRule(history, [5, 4.4], "Maximize"), true); // 4.4 < 4.5 after a first round of 5
  // even number of trials: median is the mean of the middle two
  const h2 = [tr([1]), tr([2]), tr([3]), tr([4])];
  assert.is(medianStoppingRule(h2, [2.6], "Minimize"), true); // median 2.5
  assert.is(medianStoppingRule(h2, [2.4], "Minimize"), false);
  assert.is(medianStoppingRule([], [1], "Minimize"), false);
  assert.is(medianStoppingRule(history, [], "Minimize"), false);
});

test.run();
