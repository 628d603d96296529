import { test } from "uvu";
import * as assert from "uvu/assert";
import { bestTrial, completionReached, trialsNotImproving } from "@ensemble-workbook/sagemaker-local/tuning";
import type { Trial } from "@ensemble-workbook/sagemaker-local/tuning";

const t = (objective: number | undefined, status: Trial["status"] = "Completed"): Trial => ({ hyperparameters: { x: String(objective) }, objective, status });

test("bestTrial: Completed only by default, Maximize/Minimize, ties → earlier", () => {
  const h = [t(3), t(undefined, "Failed"), t(1, "Stopped"), t(2), t(2), t(NaN)];
  assert.is(bestTrial(h, "Minimize"), h[3]);
  assert.is(bestTrial(h, "Minimize", { includeStopped: true }), h[2]);
  assert.is(bestTrial(h, "Maximize"), h[0]);
  assert.is(bestTrial([t(undefined, "Failed")], "Minimize"), undefined);
});

test("completion criteria: target value and jobs-not-improving", () => {
  const h = [t(5), t(4), t(undefined, "Failed"), t(4.5), t(6), t(4)];
  assert.equal(completionReached(h, "Minimize", undefined), { done: false });
  assert.ok(completionReached(h, "Minimize", { TargetObjectiveMetricValue: 4 }).done);
  assert.not.ok(completionReached(h, "Minimize", { TargetObjectiveMetricValue: 3.9 }).done);
  assert.ok(completionReached(h, "Maximize", { TargetObjectiveMetricValue: 6 }).done);
  // after the improvement to 4 (2nd trial): 4.5, 6, 4 do not improve (the failed one is skipped) → 3
  assert.ok(completionReached(h, "Minimize", { MaxNumberOfTrainingJobsNotImproving: 3 }).done);
  assert.not.ok(completionReached(h, "Minimize", { MaxNumberOfTrainingJobsNotImproving: 4 }).done);
  // Maximize: 5 → 6 improves at the 5th trial, then only 4 → 1
  assert.not.ok(completionReached(h, "Maximize", { MaxNumberOfTrainingJobsNotImproving: 2 }).done);
  assert.ok(completionReached(h, "Maximize", { MaxNumberOfTrainingJobsNotImproving: 1 }).done);
  assert.match(completionReached(h, "Minimize", { MaxNumberOfTrainingJobsNotImproving: 3 }).reason!, /MaxNumberOfTrainingJobsNotImproving/);
});

test("jobs-not-improving counts a gain under 1% of the best as not improving, as SageMaker does (any gain reset the count)", () => {
  // Minimize: 1.0, then gains of 0.5% each, then one of 2%
  const creeping = [t(1), t(0.995), t(0.99), t(0.985)];
  assert.is(trialsNotImproving(creeping, "Minimize"), 3);
  assert.ok(completionReached(creeping, "Minimize", { MaxNumberOfTrainingJobsNotImproving: 3 }).done);
  // the small gains still move the best: 2% below 0.985, not below 1.0
  assert.is(trialsNotImproving([...creeping, t(0.9653)], "Minimize"), 0);
  assert.is(trialsNotImproving([...creeping, t(0.9753)], "Minimize"), 4);
  // exactly 1% improves; Maximize gains upwards; the scale is the best's magnitude (negative objectives too)
  assert.is(trialsNotImproving([t(200), t(198)], "Minimize"), 0);
  assert.is(trialsNotImproving([t(200), t(201), t(204), t(204.5)], "Maximize"), 1);
  assert.is(trialsNotImproving([t(-100), t(-102), t(-102.5)], "Minimize"), 1);
  // a best of 0: any gain is an improvement
  assert.is(trialsNotImproving([t(0), t(-0.001)], "Minimize"), 0);
});

test.run();
