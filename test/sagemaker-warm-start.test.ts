/**
 * Warm-start tuning jobs in the local SageMaker with the raw SDK (fake trainer: objective 100·(eta−0.25)² +
 * (max_depth−4)² + 1): WarmStartConfig echoed, the parents' trials not run again, OverallBestTrainingJob the best of
 * the job's own and its parents' best, and AWS's rules as ValidationExceptions — 6 parents, a parent still
 * running, an unknown parent, another objective, other data for IdenticalDataAndAlgorithm, Grid.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import {
  CreateHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  SageMakerClient,
  StopHyperParameterTuningJobCommand,
} from "@aws-sdk/client-sagemaker";
import { localServer, trainingRequest, tmpDir, until, rejects } from "./sagemaker-helpers";

let ctx: Awaited<ReturnType<typeof localServer>>;
let data: string;
let other: string;
let out: string;

const RANGES = {
  ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.4" }],
  IntegerParameterRanges: [{ Name: "max_depth", MinValue: "2", MaxValue: "6" }],
};

function tuning(name: string, opts: { jobs?: number; warm?: unknown; strategy?: string; metric?: string; dataDir?: string; ranges?: unknown; statics?: Record<string, string> } = {}): any {
  const t = trainingRequest("x", `file://${opts.dataDir ?? data}`, out);
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: opts.strategy ?? "Bayesian",
      HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: opts.metric ?? "validation:rmse" },
      ResourceLimits: { MaxNumberOfTrainingJobs: opts.jobs ?? 6, MaxParallelTrainingJobs: 2 },
      ParameterRanges: opts.ranges ?? RANGES,
      RandomSeed: 5,
    },
    TrainingJobDefinition: {
      StaticHyperParameters: opts.statics ?? { num_round: "2" },
      AlgorithmSpecification: t.AlgorithmSpecification,
      RoleArn: t.RoleArn,
      InputDataConfig: t.InputDataConfig,
      OutputDataConfig: t.OutputDataConfig,
      ResourceConfig: t.ResourceConfig,
      StoppingCondition: t.StoppingCondition,
    },
    WarmStartConfig: opts.warm,
  };
}

async function finished(sm: SageMakerClient, name: string) {
  return until(async () => {
    const d = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    return ["Completed", "Failed", "Stopped"].includes(d.HyperParameterTuningJobStatus!) && d;
  }, `tuning job ${name}`, 120000);
}

const tunedOf = async (name: string) =>
  (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, MaxResults: 100 }))).TrainingJobSummaries!.map((s) => s.TunedHyperParameters!);

test.before(async () => {
  ctx = await localServer();
  data = tmpDir("data");
  fs.writeFileSync(path.join(data, "train.csv"), "1,2,3\n4,5,6\n");
  other = tmpDir("other");
  fs.writeFileSync(path.join(other, "train.csv"), "7,8,9\n");
  out = tmpDir("out");
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("parent-a")));
  await finished(ctx.sm, "parent-a");
});
test.after(async () => {
  await ctx.srv.close();
  ctx.sm.destroy();
});

test("IdenticalDataAndAlgorithm: WarmStartConfig echoed, parents' points not run again, OverallBestTrainingJob", async () => {
  const warm = { WarmStartType: "IdenticalDataAndAlgorithm", ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "parent-a" }] };
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("child-a", { jobs: 4, warm })));
  const d = await finished(ctx.sm, "child-a");
  assert.is(d.HyperParameterTuningJobStatus, "Completed");
  assert.equal(d.WarmStartConfig, warm);
  const parent = await ctx.sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "parent-a" }));
  assert.is(parent.OverallBestTrainingJob, undefined, "only warm-started jobs have OverallBestTrainingJob, as on AWS");
  const own = d.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value!;
  const theirs = parent.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value!;
  assert.is(d.OverallBestTrainingJob!.TrainingJobName, own <= theirs ? d.BestTrainingJob!.TrainingJobName : parent.BestTrainingJob!.TrainingJobName);
  assert.is(d.OverallBestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value, Math.min(own, theirs));
  const key = (hp: Record<string, string>) => `${Number(hp.eta)}|${hp.max_depth}`;
  const before = new Set((await tunedOf("parent-a")).map(key));
  for (const hp of await tunedOf("child-a")) assert.not.ok(before.has(key(hp)), `re-ran ${key(hp)}`);
});

test("TransferLearning takes other data; IdenticalDataAndAlgorithm does not", async () => {
  const parents = [{ HyperParameterTuningJobName: "parent-a" }];
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("child-b", { dataDir: other, warm: { WarmStartType: "IdenticalDataAndAlgorithm", ParentHyperParameterTuningJobs: parents } }))),
    "ValidationException",
    /IdenticalDataAndAlgorithm the training image and the input data must be the same as those of the parent hyperparameter tuning job parent-a/,
  );
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("child-b", { statics: { num_round: "2", seed: "1" }, warm: { WarmStartType: "IdenticalDataAndAlgorithm", ParentHyperParameterTuningJobs: parents } }))),
    "ValidationException",
    /set of static and tunable hyperparameters must be the same .* these differ: seed/,
  );
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("child-c", { jobs: 2, dataDir: other, warm: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: parents } })));
  const transfer = await finished(ctx.sm, "child-c");
  assert.is(transfer.HyperParameterTuningJobStatus, "Completed");
  // OverallBestTrainingJob is IdenticalDataAndAlgorithm's: the parents' objectives were measured on other data
  assert.is(transfer.OverallBestTrainingJob, undefined);
});

test("AWS's rules: at most 5 parents, parents finished, known, same objective; no Grid", async () => {
  const send = (r: unknown) => ctx.sm.send(new CreateHyperParameterTuningJobCommand(r as never));
  const six = Array.from({ length: 6 }, () => ({ HyperParameterTuningJobName: "parent-a" }));
  await rejects(
    send(tuning("w6", { warm: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: six } })),
    "ValidationException",
    /^1 validation error detected: Value '.*' at 'warmStartConfig.parentHyperParameterTuningJobs' failed to satisfy constraint: Member must have length less than or equal to 5$/,
  );
  await rejects(send(tuning("wt", { warm: { WarmStartType: "Identical", ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "parent-a" }] } })), "ValidationException", /warmStartConfig.warmStartType.*enum value set: \[IdenticalDataAndAlgorithm, TransferLearning\]/);
  await rejects(send(tuning("wn", { warm: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "no-such-job" }] } })), "ResourceNotFound", /can't find a tuning job named no-such-job/);
  // every warm start, TransferLearning too: as many static and tunable hyperparameters as the parent, no type changed
  const parentA = [{ HyperParameterTuningJobName: "parent-a" }];
  await rejects(
    send(tuning("wx", { statics: { num_round: "2", seed: "1" }, warm: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: parentA } })),
    "ValidationException",
    /total number of static and tunable hyperparameters of a warm start tuning job \(4\) must be the same as that of the parent hyperparameter tuning job parent-a \(3\)/,
  );
  await rejects(
    send(tuning("wm", { metric: "train:rmse", warm: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "parent-a" }] } })),
    "ValidationException",
    /objective metric of the warm start tuning job \(Minimize train:rmse\) must be the same as that of the parent hyperparameter tuning job parent-a \(Minimize validation:rmse\)/,
  );
  await rejects(
    send(tuning("wg", { strategy: "Grid", ranges: { CategoricalParameterRanges: [{ Name: "eta", Values: ["0.1", "0.2"] }] }, warm: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "parent-a" }] } })),
    "ValidationException",
    /not supported with the Grid strategy/,
  );
  // a parent still running
  await send(tuning("slow-parent", { jobs: 4, statics: { num_round: "40", sleep_ms: "200" } }));
  await rejects(
    send(tuning("wr", { warm: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "slow-parent" }] } })),
    "ValidationException",
    /^The parent hyperparameter tuning job slow-parent is in status InProgress\. Parent jobs of a warm start tuning job must be in a terminal state \(Completed, Stopped or Failed\)\.$/,
  );
  await ctx.sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "slow-parent" }));
  await finished(ctx.sm, "slow-parent");
});

test("the parents' training jobs count against the new job's limit of 750 training jobs (the API reference; any number was accepted)", async () => {
  const parents = [{ HyperParameterTuningJobName: "parent-a" }];
  const ran = (await tunedOf("parent-a")).length;
  assert.is(ran, 6);
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("w-over", { strategy: "Random", jobs: 751 - ran, warm: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: parents } }))),
    "ValidationException",
    /^The training jobs of the parent hyperparameter tuning jobs \(6\) and MaxNumberOfTrainingJobs \(745\) make 751; they count against the limit of 750 training jobs of a warm start tuning job\.$/,
  );
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("w-at", { strategy: "Random", jobs: 750 - ran, warm: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: parents } })));
  await ctx.sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "w-at" }));
  assert.is((await finished(ctx.sm, "w-at")).HyperParameterTuningJobStatus, "Stopped");
});

test("AWS's rule: at most 10 changes towards static hyperparameters — each value of a tunable categorical made static, 2 for a static value changed (accepted whatever the count before)", async () => {
  const send = (r: unknown) => ctx.sm.send(new CreateHyperParameterTuningJobCommand(r as never));
  const nine = ["0.1", "0.15", "0.2", "0.25", "0.3", "0.35", "0.4", "0.45", "0.5"];
  await send(tuning("parent-cat", { strategy: "Random", jobs: 2, ranges: { CategoricalParameterRanges: [{ Name: "eta", Values: nine }], IntegerParameterRanges: [{ Name: "max_depth", MinValue: "2", MaxValue: "6" }] } }));
  assert.is((await finished(ctx.sm, "parent-cat")).HyperParameterTuningJobStatus, "Completed");
  const warm = { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "parent-cat" }] };
  const depthOnly = { IntegerParameterRanges: [{ Name: "max_depth", MinValue: "2", MaxValue: "6" }] };
  // eta, tunable over 9 values, made static: 9 changes, and num_round 2 → 3: 2 more
  await rejects(
    send(tuning("cat-11", { strategy: "Random", jobs: 2, ranges: depthOnly, statics: { num_round: "3", eta: "0.2" }, warm })),
    "ValidationException",
    /^The number of changes from tunable hyperparameters of the parent hyperparameter tuning job parent-cat to static hyperparameters, plus the changes of static hyperparameter values, is 11 \(eta tunable → static: 9, num_round "2" → "3": 2\); a warm start tuning job allows at most 10, each value of a categorical hyperparameter counting as one\.$/,
  );
  await rejects(
    send(tuning("cat-11-identical", { strategy: "Random", jobs: 2, ranges: depthOnly, statics: { num_round: "3", eta: "0.2" }, warm: { ...warm, WarmStartType: "IdenticalDataAndAlgorithm" } })),
    "ValidationException",
    /is 11 \(/,
  );
  // 9 alone is within the limit
  await send(tuning("cat-9", { strategy: "Random", jobs: 2, ranges: depthOnly, statics: { num_round: "2", eta: "0.2" }, warm }));
  assert.is((await finished(ctx.sm, "cat-9")).HyperParameterTuningJobStatus, "Completed");
  for (const hp of await tunedOf("cat-9")) assert.equal(Object.keys(hp), ["max_depth"]);
});


test("a warm start whose parents already ran the ranges' combinations is refused, as too few combinations are (it ran no training job and Completed); the combinations left run", async () => {
  const statics = { num_round: "2", eta: "0.2" };
  const ranges = (max: number) => ({ IntegerParameterRanges: [{ Name: "max_depth", MinValue: "3", MaxValue: String(max) }] });
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("parent-all", { jobs: 2, strategy: "Random", ranges: ranges(4), statics })));
  assert.is((await finished(ctx.sm, "parent-all")).HyperParameterTuningJobStatus, "Completed");
  const warm = { WarmStartType: "IdenticalDataAndAlgorithm", ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "parent-all" }] };
  for (const strategy of ["Random", "Bayesian"])
    await rejects(
      ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("child-none", { jobs: 1, strategy, ranges: ranges(4), statics, warm }))),
      "ValidationException",
      /parent hyperparameter tuning jobs already ran 2 of the 2 hyperparameter combinations .*; 0 are left, fewer than MaxNumberOfTrainingJobs \[1\]/,
    );
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("child-short", { jobs: 2, strategy: "Random", ranges: ranges(5), statics, warm }))),
    "ValidationException",
    /already ran 2 of the 3 hyperparameter combinations .*; 1 are left, fewer than MaxNumberOfTrainingJobs \[2\]/,
  );
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuning("child-left", { jobs: 1, strategy: "Random", ranges: ranges(5), statics, warm })));
  const d = await finished(ctx.sm, "child-left");
  assert.is(d.HyperParameterTuningJobStatus, "Completed");
  assert.equal((await tunedOf("child-left")).map((hp) => hp.max_depth), ["5"]);
});

test.run();
