/** Tuning jobs, server restart and the standalone command (raw SDK clients, fake trainer). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { spawn, execFileSync } from "child_process";
import {
  SageMakerClient,
  CreateHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  ListHyperParameterTuningJobsCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  StopHyperParameterTuningJobCommand,
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  CreateModelCommand,
  DescribeModelCommand,
  ResourceNotFound,
} from "@aws-sdk/client-sagemaker";
import { startServer } from "@ensemble-workbook/sagemaker-local";
import { coreBudget } from "../sagemaker-local/tuning-run";
import { availableCores } from "node-xgboost-wasm";
import { localServer, trainingRequest, tmpDir, until, METRICS, ROLE, creds, rejects, FAKE_TRAINER, serviceModelShapes } from "./sagemaker-helpers";

let ctx: Awaited<ReturnType<typeof localServer>>;
let data: string;
let out: string;

function tuningRequest(name: string, cfg: any, statics: Record<string, string> = {}): any {
  const t = trainingRequest("x", `file://${data}`, out);
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" },
      ...cfg,
    },
    TrainingJobDefinition: {
      StaticHyperParameters: statics,
      AlgorithmSpecification: t.AlgorithmSpecification,
      RoleArn: t.RoleArn,
      InputDataConfig: t.InputDataConfig,
      OutputDataConfig: t.OutputDataConfig,
      ResourceConfig: t.ResourceConfig,
      StoppingCondition: t.StoppingCondition,
    },
  };
}

async function waitTuning(sm: SageMakerClient, name: string) {
  return until(async () => {
    const d = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    return ["Completed", "Failed", "Stopped"].includes(d.HyperParameterTuningJobStatus!) && d;
  }, `tuning job ${name}`, 120000);
}

test.before(async () => {
  ctx = await localServer();
  data = tmpDir("data");
  fs.writeFileSync(path.join(data, "train.csv"), "1,2,3\n4,5,6\n");
  out = tmpDir("out");
});
test.after(async () => {
  await ctx.srv.close();
  ctx.sm.destroy();
  ctx.rt.destroy();
});

test("tuning job: Grid, 2 in parallel, failing trials recorded and the job goes on; best job, counters, list", async () => {
  const name = "grid-fail";
  await ctx.sm.send(
    new CreateHyperParameterTuningJobCommand(
      tuningRequest(
        name,
        {
          Strategy: "Grid",
          ResourceLimits: { MaxParallelTrainingJobs: 2 },
          ParameterRanges: { CategoricalParameterRanges: [{ Name: "fail", Values: ["true", "false"] }, { Name: "max_depth", Values: ["3", "4"] }] },
        },
        { eta: "0.2", num_round: "4", sleep_ms: "100" },
      ),
    ),
  );
  const d = await waitTuning(ctx.sm, name);
  assert.is(d.HyperParameterTuningJobStatus, "Completed");
  assert.equal(d.TrainingJobStatusCounters, { Completed: 2, InProgress: 0, RetryableError: 0, NonRetryableError: 2, Stopped: 0 });
  assert.equal(d.ObjectiveStatusCounters, { Succeeded: 2, Pending: 0, Failed: 2 });
  const best = d.BestTrainingJob!;
  assert.equal(best.TunedHyperParameters, { fail: "false", max_depth: "4" });
  assert.ok(Math.abs(best.FinalHyperParameterTuningJobObjectiveMetric!.Value! - (100 * 0.05 ** 2 + 1)) < 1e-4);
  assert.match(best.TrainingJobName!, /^grid-fail-\d{3}-[0-9a-f]{8}$/);
  // by the objective: only the trials that have one, as the API reference says (the failed ones were listed last)
  const ranked = (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, SortBy: "FinalObjectiveMetricValue", SortOrder: "Ascending" }))).TrainingJobSummaries!;
  assert.is(ranked.length, 2);
  assert.is(ranked[0].TrainingJobName, best.TrainingJobName);
  assert.ok(ranked[0].FinalHyperParameterTuningJobObjectiveMetric!.Value! <= ranked[1].FinalHyperParameterTuningJobObjectiveMetric!.Value!);
  // the defaults: by name, ascending (it was descending here)
  const sums = (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }))).TrainingJobSummaries!;
  assert.is(sums.length, 4);
  assert.equal(sums.map((s) => s.TrainingJobName), sums.map((s) => s.TrainingJobName!).sort());
  const failed = sums.filter((s) => s.TrainingJobStatus === "Failed");
  assert.is(failed.length, 2);
  for (const f of failed) {
    assert.is(f.TunedHyperParameters!.fail, "true");
    assert.is(f.ObjectiveStatus, "Failed");
    assert.match(f.FailureReason!, /failing on purpose/);
  }
  // never more than MaxParallelTrainingJobs trainer processes at once
  const jobs = await Promise.all(sums.map((s) => ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: s.TrainingJobName }))));
  const events = jobs.flatMap((j) => [[j.CreationTime!.getTime(), 1], [j.TrainingEndTime!.getTime(), -1]] as [number, number][]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, e] of events) max = Math.max(max, (cur += e));
  assert.ok(max <= 2, `max concurrent ${max}`);
  // the tuning objective metric is passed to the trainer as SageMaker does
  assert.is(jobs[0].HyperParameters!._tuning_objective_metric, "validation:rmse");
  assert.is(jobs[0].HyperParameters!.num_round, "4");
  const all = await ctx.sm.send(new ListHyperParameterTuningJobsCommand({}));
  assert.ok(all.HyperParameterTuningJobSummaries!.some((s) => s.HyperParameterTuningJobName === name && s.Strategy === "Grid"));
});

test("ListHyperParameterTuningJobs without SortBy / SortOrder lists in the service model's documented default order (it listed newest first)", async () => {
  // the defaults as botocore's service model documents them ("The default is <code>Name</code>." / "Ascending")
  const members = serviceModelShapes().ListHyperParameterTuningJobsRequest.members!;
  const documented = (m: string) => /The default is <code>(\w+)<\/code>/.exec(members[m].documentation ?? "")?.[1];
  const by = documented("SortBy"), order = documented("SortOrder");
  assert.ok(by === "Name" || by === "CreationTime" || by === "Status", `documented SortBy default ${by}`);
  assert.ok(order === "Ascending" || order === "Descending", `documented SortOrder default ${order}`);
  // created in the order of their names: the newest first is not their names in order
  for (const name of ["order-a", "order-z"])
    await ctx.sm.send(
      new CreateHyperParameterTuningJobCommand(
        tuningRequest(name, {
          Strategy: "Random",
          ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 },
          ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.4" }] },
        }),
      ),
    );
  const list = async (input: object) => {
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await ctx.sm.send(new ListHyperParameterTuningJobsCommand({ ...input, MaxResults: 2, NextToken }));
      names.push(...page.HyperParameterTuningJobSummaries!.map((s) => s.HyperParameterTuningJobName!));
      NextToken = page.NextToken;
    } while (NextToken);
    return names;
  };
  const defaulted = await list({});
  assert.equal(defaulted, await list({ SortBy: by, SortOrder: order }));
  if (by === "Name") assert.equal(defaulted, [...defaulted].sort((a, b) => (order === "Ascending" ? (a < b ? -1 : 1) : a < b ? 1 : -1)));
  await waitTuning(ctx.sm, "order-z");
  await waitTuning(ctx.sm, "order-a");
});

test("tuning job budgets the cores: each of P parallel trials gets OMP_NUM_THREADS = max(1, ⌊cores / P⌋) in its environment, no hyperparameter added; the definition's own OMP_NUM_THREADS is kept", async () => {
  const cores = availableCores(); // the trainer's: a container's CPU quota counts
  /** what each trial's job shows (DescribeTrainingJob) and what its trainer read (hyperparameters.json and its environment, echoed in its model) */
  const trials = async (name: string) => {
    const list = await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    return Promise.all(
      list.TrainingJobSummaries!.map(async (sum) => {
        const job = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: sum.TrainingJobName }));
        const dir = tmpDir("budget");
        execFileSync("tar", ["-xzf", new URL(job.ModelArtifacts!.S3ModelArtifacts!).pathname, "-C", dir]);
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
        return { described: job, received: manifest.hyperparameters, env: manifest.env };
      }),
    );
  };
  const cases: [string, number, Record<string, string>, Record<string, string> | undefined, string][] = [
    ["budget-p2", 2, {}, undefined, String(Math.max(1, Math.floor(cores / 2)))],
    ["budget-p1", 1, {}, { OTHER: "x" }, String(cores)],
    ["budget-p3", 3, {}, undefined, String(Math.max(1, Math.floor(cores / 3)))],
    ["budget-static", 2, { parallel_fits: "8" }, undefined, String(Math.max(1, Math.floor(cores / 2)))], // the trainer's given parallel_fits wins over the default
    ["budget-env", 2, {}, { OMP_NUM_THREADS: "8" }, "8"], // the user asks for more: kept
  ];
  for (const [name, parallel, statics, environment, expected] of cases) {
    const req = tuningRequest(name, { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: parallel, MaxParallelTrainingJobs: parallel }, ParameterRanges: { IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "8" }] } }, { num_round: "2", ...statics });
    if (environment) req.TrainingJobDefinition.Environment = environment;
    await ctx.sm.send(new CreateHyperParameterTuningJobCommand(req));
    assert.is((await waitTuning(ctx.sm, name)).HyperParameterTuningJobStatus, "Completed");
    const got = await trials(name);
    assert.is(got.length, parallel);
    for (const t of got) {
      assert.is(t.described.Environment?.OMP_NUM_THREADS, expected, `${name}: DescribeTrainingJob's Environment`);
      if (environment?.OTHER) assert.is(t.described.Environment?.OTHER, "x", `${name}: the definition's other variables are kept`);
      assert.is(t.env.OMP_NUM_THREADS, expected, `${name}: the trainer's environment`);
      assert.is(t.received.parallel_fits, statics.parallel_fits, `${name}: no parallel_fits added (another image would not know it)`);
      assert.equal(Object.keys(t.described.HyperParameters!).sort(), ["_tuning_objective_metric", "max_depth", "num_round", ...Object.keys(statics)].sort(), `${name}: the hyperparameters SageMaker passes, no more`);
      assert.is(t.received.num_round, "2");
    }
  }
});

test("coreBudget: a blank OMP_NUM_THREADS is budgeted (the core reads it as unset); a set one is kept; an Environment at SageMaker's 48 entries is left as it is", () => {
  assert.equal(coreBudget(2, undefined, 4), { OMP_NUM_THREADS: "2" });
  assert.equal(coreBudget(3, { OMP_NUM_THREADS: " " }, 4), { OMP_NUM_THREADS: "1" });
  assert.equal(coreBudget(2, { OMP_NUM_THREADS: "3", A: "x" }, 4), { OMP_NUM_THREADS: "3", A: "x" });
  assert.equal(coreBudget(9, {}, 4), { OMP_NUM_THREADS: "1" }, "more trials than cores: one thread each");
  const full = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`V${i}`, "x"]));
  assert.is(coreBudget(2, full, 4), full);
  const room = Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`V${i}`, "x"]));
  assert.is(Object.keys(coreBudget(2, room, 4)!).length, 48);
});

test("tuning jobs without a RandomSeed draw their own trials (every such job repeated the same ones); with one they repeat", async () => {
  const first = async (name: string, seed?: number) => {
    await ctx.sm.send(
      new CreateHyperParameterTuningJobCommand(
        tuningRequest(name, {
          Strategy: "Random",
          ...(seed === undefined ? {} : { RandomSeed: seed }),
          ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 },
          ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.4" }] },
        }),
      ),
    );
    return (await waitTuning(ctx.sm, name)).BestTrainingJob!.TunedHyperParameters!.eta;
  };
  assert.not.equal(await first("unseeded-a"), await first("unseeded-b"));
  assert.is(await first("seeded-a", 11), await first("seeded-b", 11));
});

test("tuning job: Random over continuous + integer ranges, completion criteria stop early", async () => {
  const name = "random-target";
  await ctx.sm.send(
    new CreateHyperParameterTuningJobCommand(
      tuningRequest(name, {
        Strategy: "Random",
        RandomSeed: 3,
        ResourceLimits: { MaxNumberOfTrainingJobs: 12, MaxParallelTrainingJobs: 1 },
        ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.4" }], IntegerParameterRanges: [{ Name: "max_depth", MinValue: "2", MaxValue: "6" }] },
        TuningJobCompletionCriteria: { TargetObjectiveMetricValue: 1000 }, // any finished trial reaches it
      }),
    ),
  );
  const d = await waitTuning(ctx.sm, name);
  assert.is(d.HyperParameterTuningJobStatus, "Completed");
  assert.is(d.TrainingJobStatusCounters!.Completed, 1, "stops launching once the target is reached");
  const hp = d.BestTrainingJob!.TunedHyperParameters!;
  assert.ok(Number(hp.eta) >= 0.1 && Number(hp.eta) <= 0.4);
  assert.ok(Number.isInteger(Number(hp.max_depth)) && Number(hp.max_depth) >= 2 && Number(hp.max_depth) <= 6);
});

test("tuning job: BestObjectiveNotImproving ends the job after that many non-improving trials (3, the service model's least)", async () => {
  const name = "not-improving";
  await ctx.sm.send(
    new CreateHyperParameterTuningJobCommand(
      tuningRequest(name, {
        Strategy: "Random",
        RandomSeed: 2,
        ResourceLimits: { MaxNumberOfTrainingJobs: 30, MaxParallelTrainingJobs: 1 },
        ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.4" }], IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "8" }] },
        TuningJobCompletionCriteria: { BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 3 } },
      }),
    ),
  );
  const d = await waitTuning(ctx.sm, name);
  assert.is(d.HyperParameterTuningJobStatus, "Completed");
  assert.is(d.TuningJobCompletionDetails!.NumberOfTrainingJobsObjectiveNotImproving, 3);
  // replay: in creation order (sequential trials), the job ended right after the 3rd trial in a row not better than
  // the best by 1% or more (SageMaker's "failed to improve model performance by 1% or greater")
  const sums = (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, SortBy: "CreationTime", SortOrder: "Ascending", MaxResults: 100 }))).TrainingJobSummaries!;
  assert.ok(sums.length < 30);
  let best = Infinity;
  let streak = 0;
  sums.forEach((s, i) => {
    const v = s.FinalHyperParameterTuningJobObjectiveMetric!.Value!;
    if (best - v >= 0.01 * Math.abs(best)) streak = 0;
    else streak++;
    best = Math.min(best, v);
    if (i < sums.length - 1) assert.ok(streak < 3, `should have ended at trial ${i + 1}`);
  });
  assert.is(streak, 3);
});

test("tuning job: Hyperband stops trials early from the per-round metric lines", async () => {
  /** a Hyperband tuning job over max_depth (and eta when given a range) of `jobs` trials, two at a time */
  const hyperband = (name: string, maxResource: number, jobs: number, statics: Record<string, string>, seed: number, eta?: { MinValue: string; MaxValue: string }) =>
    ctx.sm.send(
      new CreateHyperParameterTuningJobCommand(
        tuningRequest(
          name,
          {
            Strategy: "Hyperband",
            StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: maxResource } },
            RandomSeed: seed,
            ResourceLimits: { MaxNumberOfTrainingJobs: jobs, MaxParallelTrainingJobs: 2 },
            ParameterRanges: { ...(eta ? { ContinuousParameterRanges: [{ Name: "eta", ...eta }] } : {}), IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "8" }] },
          },
          statics,
        ),
      ),
    );
  const name = "hyperband";
  await hyperband(name, 9, 8, { sleep_ms: "150" }, 1, { MinValue: "0.05", MaxValue: "0.5" });
  const d = await waitTuning(ctx.sm, name);
  assert.is(d.HyperParameterTuningJobStatus, "Completed");
  const c = d.TrainingJobStatusCounters!;
  assert.is(c.Completed! + c.Stopped! + c.NonRetryableError!, 8);
  assert.ok(c.Stopped! >= 1, JSON.stringify(c));
  const sums = (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, MaxResults: 100 }))).TrainingJobSummaries!;
  // TunedHyperParameters: the ranges' hyperparameters only (the API reference), not the resource parameter num_round
  // that Hyperband's trials are given (it was listed with them)
  for (const s of [...sums, d.BestTrainingJob!]) assert.equal(Object.keys(s.TunedHyperParameters!).sort(), ["eta", "max_depth"], s.TrainingJobName);
  const stopped = await Promise.all(sums.filter((s) => s.TrainingJobStatus === "Stopped").map((s) => ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: s.TrainingJobName }))));
  for (const j of stopped) {
    assert.is(j.HyperParameters!.num_round, "9", "Hyperband sets the resource parameter");
    assert.match(j.SecondaryStatusTransitions!.map((t) => t.StatusMessage).join(" "), /early stopped by the tuning job \(Hyperband\)/);
  }
  // a static round count is never rewritten (num_round 20 reached the trials as "3"): the trials run it and are
  // stopped once they reach MaxResource, as SageMaker's guide says
  const kept = "hyperband-static";
  await hyperband(kept, 3, 2, { num_round: "20", sleep_ms: "100" }, 2);
  assert.is((await waitTuning(ctx.sm, kept)).HyperParameterTuningJobStatus, "Completed");
  const keptJobs = (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: kept }))).TrainingJobSummaries!;
  for (const s of keptJobs) {
    const j = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: s.TrainingJobName }));
    assert.is(j.HyperParameters!.num_round, "20", "the static round count as given");
    assert.is(j.TrainingJobStatus, "Stopped", "stopped at MaxResource");
  }
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("hb-auto", { Strategy: "Hyperband", TrainingJobEarlyStoppingType: "Auto", StrategyConfig: { HyperbandStrategyConfig: { MaxResource: 9 } }, ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, ParameterRanges: { IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "8" }] } }))),
    "ValidationException",
    /Hyperband/,
  );
});

test("tuning job: an image whose rounds carry no `[<round>]` prefix has every objective value as an intermediate one, as SageMaker takes them — Hyperband stops its trials at MaxResource (they ran to their end)", async () => {
  const name = "hb-plain";
  await ctx.sm.send(
    new CreateHyperParameterTuningJobCommand(
      tuningRequest(
        name,
        {
          Strategy: "Hyperband",
          StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 3 } },
          RandomSeed: 4,
          ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 },
          ParameterRanges: { IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "8" }] },
        },
        { num_round: "20", sleep_ms: "150", plain_rounds: "true" }, // "epoch 1: validation-rmse:…;" lines
      ),
    ),
  );
  assert.is((await waitTuning(ctx.sm, name)).HyperParameterTuningJobStatus, "Completed");
  const sums = (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }))).TrainingJobSummaries!;
  assert.is(sums.length, 2);
  for (const s of sums) {
    assert.is(s.TrainingJobStatus, "Stopped", "stopped at MaxResource (3 of its 20 rounds)");
    const depth = Number(s.TunedHyperParameters!.max_depth);
    // its objective is its last value, after round 3 or later (the stop takes effect within a round; eta is the fake trainer's default 0.3)
    const after = (round: number) => Number(((depth - 4) ** 2 + 1 + 100 * (0.3 - 0.25) ** 2 + (20 - round) / 20).toFixed(5));
    const v = s.FinalHyperParameterTuningJobObjectiveMetric!.Value!;
    assert.ok(v <= after(3) && v > after(20), `${v} is a value of rounds 3..19`);
    const j = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: s.TrainingJobName }));
    assert.match(j.SecondaryStatusTransitions!.map((t) => t.StatusMessage).join(" "), /early stopped by the tuning job \(Hyperband\)/);
  }
});

test("tuning job: early stopping Auto stops trials by the median rule", async () => {
  const name = "auto-median";
  await ctx.sm.send(
    new CreateHyperParameterTuningJobCommand(
      tuningRequest(
        name,
        {
          Strategy: "Random",
          RandomSeed: 5,
          TrainingJobEarlyStoppingType: "Auto",
          ResourceLimits: { MaxNumberOfTrainingJobs: 8, MaxParallelTrainingJobs: 1 },
          ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.05", MaxValue: "0.45" }], IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "8" }] },
        },
        { num_round: "8", sleep_ms: "60" },
      ),
    ),
  );
  const d = await waitTuning(ctx.sm, name);
  assert.is(d.HyperParameterTuningJobStatus, "Completed");
  const c = d.TrainingJobStatusCounters!;
  assert.is(c.Completed! + c.Stopped!, 8, JSON.stringify(c));
  assert.ok(c.Stopped! >= 1, `some trial stopped early: ${JSON.stringify(c)}`);
  const sums = (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, MaxResults: 100 }))).TrainingJobSummaries!;
  const completed = sums.filter((s) => s.TrainingJobStatus === "Completed").map((s) => s.FinalHyperParameterTuningJobObjectiveMetric!.Value!);
  for (const s of sums.filter((x) => x.TrainingJobStatus === "Stopped")) {
    const j = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: s.TrainingJobName }));
    assert.match(j.SecondaryStatusTransitions!.map((t) => t.StatusMessage).join(" "), /median stopping rule/);
    // a stopped trial was worse than the best finished one (the fake objective is known in closed form)
    const obj = 100 * (Number(s.TunedHyperParameters!.eta) - 0.25) ** 2 + (Number(s.TunedHyperParameters!.max_depth) - 4) ** 2 + 1;
    assert.ok(obj > Math.min(...completed), `${obj} vs best ${Math.min(...completed)}`);
  }
});

test("tuning job: StopHyperParameterTuningJob stops it and its running trials", async () => {
  const name = "stop-me";
  await ctx.sm.send(
    new CreateHyperParameterTuningJobCommand(
      tuningRequest(
        name,
        { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 50, MaxParallelTrainingJobs: 2 }, ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.4" }] } },
        { num_round: "20", sleep_ms: "50" },
      ),
    ),
  );
  await until(async () => (await ctx.sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }))).TrainingJobStatusCounters!.Completed! >= 1, "one trial");
  await ctx.sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
  const d = await waitTuning(ctx.sm, name);
  assert.is(d.HyperParameterTuningJobStatus, "Stopped");
  assert.is(d.TrainingJobStatusCounters!.InProgress, 0);
  assert.ok(d.TrainingJobStatusCounters!.Stopped! >= 1);
  assert.ok(d.TrainingJobStatusCounters!.Completed! + d.TrainingJobStatusCounters!.Stopped! + d.TrainingJobStatusCounters!.NonRetryableError! < 50);
  await rejects(ctx.sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name })), "ValidationException");
});

test("tuning jobs through the server: Bayesian beats Random on the fake trainer's smooth objective, same budget, averaged over seeds", async () => {
  const seeds = [11, 12, 13, 14];
  const cfg = (strategy: string, seed: number) => ({
    Strategy: strategy,
    RandomSeed: seed,
    ResourceLimits: { MaxNumberOfTrainingJobs: 12, MaxParallelTrainingJobs: 2 },
    ParameterRanges: {
      ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.01", MaxValue: "0.6" }],
      IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "10" }],
    },
  });
  const runs = seeds.flatMap((seed) => ["Bayesian", "Random"].map((st) => ({ st, seed, name: `cmp-${st.toLowerCase()}-${seed}` })));
  for (const r of runs) await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest(r.name, cfg(r.st, r.seed), { num_round: "1" })));
  const best: Record<string, number[]> = { Bayesian: [], Random: [] };
  for (const r of runs) {
    const d = await waitTuning(ctx.sm, r.name);
    assert.is(d.TrainingJobStatusCounters!.Completed, 12);
    best[r.st].push(d.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value!);
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(`  best objective (min 1), 12 trials / 2 parallel, seeds ${seeds.join(",")}: Bayesian ${mean(best.Bayesian).toFixed(3)} [${best.Bayesian.map((v) => v.toFixed(2))}], Random ${mean(best.Random).toFixed(3)} [${best.Random.map((v) => v.toFixed(2))}]`);
  assert.ok(mean(best.Bayesian) < mean(best.Random), JSON.stringify(best));
});

test("tuning job: validation errors", async () => {
  const ok = { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, ParameterRanges: { IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "8" }] } };
  await rejects(ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("x".repeat(33), ok))), "ValidationException", /\{0,31\}/);
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-bad-range", { ...ok, ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.3", MaxValue: "0.2" }] } }))),
    "ValidationException",
    /eta/,
  );
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-grid", { ...ok, Strategy: "Grid", ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.2" }] } }))),
    "ValidationException",
  );
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-metric", { ...ok, HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "nope:rmse" } }))),
    "ValidationException",
    /objective metric/,
  );
  await rejects(ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-static", ok, { max_depth: "3" }))), "ValidationException", /both a static/);
  await rejects(ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-limits", { ...ok, ResourceLimits: { MaxNumberOfTrainingJobs: 2 } }))), "ValidationException", /maxParallelTrainingJobs/);
  // Grid: counted before anything is made (6 ranges of 30 values ran the server out of memory); a job limit, when
  // given, is the grid's size (a smaller one cut the grid silently)
  const thirty = Array.from({ length: 30 }, (_, i) => String(i));
  const huge = { CategoricalParameterRanges: Array.from({ length: 6 }, (_, k) => ({ Name: `p${k}`, Values: thirty })) };
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-grid-huge", { Strategy: "Grid", ResourceLimits: { MaxParallelTrainingJobs: 1 }, ParameterRanges: huge }))),
    "ValidationException",
    /The Grid strategy's ranges make 729000000 combinations, more than the 750 training jobs a tuning job can run/,
  );
  const three = { CategoricalParameterRanges: [{ Name: "max_depth", Values: ["2", "3", "4"] }] };
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-grid-cut", { Strategy: "Grid", ResourceLimits: { MaxParallelTrainingJobs: 1, MaxNumberOfTrainingJobs: 2 }, ParameterRanges: three }))),
    "ValidationException",
    /MaxNumberOfTrainingJobs \(2\) must equal the number of combinations of the Grid strategy's ranges \(3\)/,
  );
  // options the strategy would ignore
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-hb-random", { ...ok, StrategyConfig: { HyperbandStrategyConfig: { MaxResource: 5 } } }))),
    "ValidationException",
    /HyperbandStrategyConfig is for the Hyperband strategy only; the strategy is Random\./,
  );
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-auto", { ...ok, ParameterRanges: { ...ok.ParameterRanges, AutoParameters: [{ Name: "eta", ValueHint: "0.1" }] } as never }))),
    "ValidationException",
    /AutoParameters is not supported by the local SageMaker/,
  );
  // the API sets no maximum; above AWS's default quota (100) is a quota error, as AWS answers it, not a validation error
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("t-quota", { ...ok, ResourceLimits: { MaxNumberOfTrainingJobs: 200, MaxParallelTrainingJobs: 101 } }))),
    "ResourceLimitExceeded",
    /'Number of concurrent training jobs per hyperparameter tuning job' is 100, and the request asks for 101/,
  );
  const e = await rejects(ctx.sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "no-such-tuning" })), "ResourceNotFound");
  assert.ok(e instanceof ResourceNotFound);
  await rejects(ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("grid-fail", ok))), "ResourceInUse");
});

test("tuning job: Bayesian, Random and Hyperband refuse a MaxNumberOfTrainingJobs above the ranges' combinations, as AWS does (the job ran short of it)", async () => {
  // 2 categorical values × the integers 3..4: 4 combinations
  const finite = { CategoricalParameterRanges: [{ Name: "eta", Values: ["0.2", "0.3"] }], IntegerParameterRanges: [{ Name: "max_depth", MinValue: "3", MaxValue: "4" }] };
  for (const Strategy of ["Bayesian", "Random", "Hyperband"] as const) {
    await rejects(
      ctx.sm.send(
        new CreateHyperParameterTuningJobCommand(
          tuningRequest(`few-${Strategy}`, {
            Strategy,
            ...(Strategy === "Hyperband" ? { StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 9 } } } : {}),
            ResourceLimits: { MaxNumberOfTrainingJobs: 5, MaxParallelTrainingJobs: 2 },
            ParameterRanges: finite,
          }),
        ),
      ),
      "ValidationException",
      /^You don't have enough combinations of hyperparameter ranges\. The total number of hyperparameter combinations for the provided ranges \[4\.0\] must be equal or greater than the value of MaxNumberOfJobs, \[5\]\. Provide additional ranges\.$/,
    );
  }
  // as many jobs as combinations: each runs once
  const name = "few-equal";
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest(name, { Strategy: "Random", RandomSeed: 1, ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 }, ParameterRanges: finite }, { num_round: "1" })));
  assert.is((await waitTuning(ctx.sm, name)).HyperParameterTuningJobStatus, "Completed");
  const sums = (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }))).TrainingJobSummaries!;
  assert.is(new Set(sums.map((s) => `${s.TunedHyperParameters!.eta}/${s.TunedHyperParameters!.max_depth}`)).size, 4);
  // a continuous range makes the combinations endless: any MaxNumberOfTrainingJobs is accepted
  const endless = "few-continuous";
  await ctx.sm.send(
    new CreateHyperParameterTuningJobCommand(tuningRequest(endless, { Strategy: "Bayesian", ResourceLimits: { MaxNumberOfTrainingJobs: 500, MaxParallelTrainingJobs: 1 }, ParameterRanges: { ...finite, ContinuousParameterRanges: [{ Name: "subsample", MinValue: "0.5", MaxValue: "1" }] } }, { num_round: "1" })),
  );
  await ctx.sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: endless }));
  assert.is((await waitTuning(ctx.sm, endless)).HyperParameterTuningJobStatus, "Stopped");
});

test("tuning job: trials that complete without the objective metric — training jobs Completed, objectives Failed, no best job, the job Failed naming the metric and its regex", async () => {
  const name = "no-objective";
  const req = tuningRequest(name, { Strategy: "Grid", ResourceLimits: { MaxParallelTrainingJobs: 2 }, ParameterRanges: { CategoricalParameterRanges: [{ Name: "max_depth", Values: ["3", "4"] }] } }, { num_round: "2" });
  req.TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions = [{ Name: "validation:rmse", Regex: "validation-auc:([0-9.]+)" }];
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(req));
  const d = await waitTuning(ctx.sm, name);
  assert.is(d.HyperParameterTuningJobStatus, "Failed");
  assert.equal(d.TrainingJobStatusCounters, { Completed: 2, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 });
  assert.equal(d.ObjectiveStatusCounters, { Succeeded: 0, Pending: 0, Failed: 2 });
  assert.is(d.BestTrainingJob, undefined);
  // it said "First failure: unknown" (the first trial to finish: either of the two running at once)
  assert.match(d.FailureReason!, /^All training jobs failed\. First failure: training job no-objective-00[12]-[0-9a-f]{8} completed without the objective metric validation:rmse: no line of its log matched its MetricDefinitions Regex "validation-auc:\(\[0-9\.\]\+\)"\.$/);
  for (const s of (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }))).TrainingJobSummaries!) {
    assert.is(s.TrainingJobStatus, "Completed");
    assert.is(s.ObjectiveStatus, "Failed");
    assert.is(s.FinalHyperParameterTuningJobObjectiveMetric, undefined);
  }
});

test("tuning job: at most 100 static and tuned hyperparameters, checked when it is created; its trials' _tuning_objective_metric is not one of them (99 + 1 Failed at the first trial with an InternalServerError)", async () => {
  const statics = (n: number) => Object.fromEntries([["num_round", "1"], ...Array.from({ length: n - 1 }, (_, i) => [`s${i}`, "1"])]);
  const eta = { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.2", MaxValue: "0.3" }] };
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("hp-101", { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 }, ParameterRanges: eta }, statics(100)))),
    "ValidationException",
    /^The StaticHyperParameters \(100\) and the tuned hyperparameters of ParameterRanges \(1\) make 101 hyperparameters; a training job takes at most 100\.$/,
  );
  const name = "hp-100";
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest(name, { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 }, ParameterRanges: eta }, statics(99))));
  const d = await waitTuning(ctx.sm, name);
  assert.is(d.HyperParameterTuningJobStatus, "Completed", d.FailureReason);
  const trial = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: d.BestTrainingJob!.TrainingJobName }));
  assert.is(Object.keys(trial.HyperParameters!).length, 101);
  assert.is(trial.HyperParameters!._tuning_objective_metric, "validation:rmse");
  // a training job of one's own still takes 100, _tuning_objective_metric or not
  await rejects(
    ctx.sm.send(new CreateTrainingJobCommand({ ...trainingRequest("hp-own-101", `file://${data}`, out), HyperParameters: { ...statics(100), _tuning_objective_metric: "validation:rmse" } })),
    "ValidationException",
    /HyperParameters: at most 100 entries are allowed\./,
  );
});

test("tuning job: a running job's DescribeHyperParameterTuningJob has ConsumedResources and TuningJobCompletionDetails as it goes (they came only at the end)", async () => {
  const name = "live-details";
  await ctx.sm.send(
    new CreateHyperParameterTuningJobCommand(
      tuningRequest(name, { Strategy: "Random", RandomSeed: 9, ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 1 }, ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.4" }] } }, { num_round: "10", sleep_ms: "150" }),
    ),
  );
  const first = await ctx.sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
  assert.is(first.HyperParameterTuningJobStatus, "InProgress");
  assert.equal(first.TuningJobCompletionDetails, { NumberOfTrainingJobsObjectiveNotImproving: 0 });
  assert.ok(first.ConsumedResources!.RuntimeInSeconds! >= 0);
  // two trials done, the job still running: the wall clock so far, and the not-improving count of those two (1 when
  // the second is not 1% better than the first)
  const mid = await until(async () => {
    const d = await ctx.sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    if (d.TrainingJobStatusCounters!.Completed !== 2 || d.HyperParameterTuningJobStatus !== "InProgress") return false;
    const done = (await ctx.sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, StatusEquals: "Completed", SortBy: "CreationTime" }))).TrainingJobSummaries!;
    const [a, b] = done.map((s) => s.FinalHyperParameterTuningJobObjectiveMetric!.Value!);
    return d.TuningJobCompletionDetails?.NumberOfTrainingJobsObjectiveNotImproving === (a - b >= 0.01 * Math.abs(a) ? 0 : 1) && d;
  }, "live-details with two trials done and its not-improving count");
  assert.ok(mid.ConsumedResources!.RuntimeInSeconds! >= 2, JSON.stringify(mid.ConsumedResources));
  assert.ok(mid.ConsumedResources!.RuntimeInSeconds! <= Math.ceil((Date.now() - mid.CreationTime!.getTime()) / 1000) + 1);
  const end = await waitTuning(ctx.sm, name);
  assert.is(end.HyperParameterTuningJobStatus, "Completed");
  assert.ok(end.ConsumedResources!.RuntimeInSeconds! >= mid.ConsumedResources!.RuntimeInSeconds!);
});

test("tuning job: a range's Name is any text without a line break, as SageMaker's ParameterKey (only [a-zA-Z0-9._:-/] was taken)", async () => {
  const name = "odd-names";
  const ranges = { ContinuousParameterRanges: [{ Name: "learning rate", MinValue: "0.1", MaxValue: "0.2" }], CategoricalParameterRanges: [{ Name: "layers[0]=é", Values: ["a b", "c"] }] };
  await ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest(name, { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 }, ParameterRanges: ranges }, { num_round: "1" })));
  const d = await waitTuning(ctx.sm, name);
  assert.is(d.HyperParameterTuningJobStatus, "Completed", d.FailureReason);
  assert.equal(Object.keys(d.BestTrainingJob!.TunedHyperParameters!).sort(), ["layers[0]=é", "learning rate"]);
  const trial = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: d.BestTrainingJob!.TrainingJobName }));
  assert.ok(Number(trial.HyperParameters!["learning rate"]) >= 0.1 && Number(trial.HyperParameters!["learning rate"]) <= 0.2);
  assert.ok(["a b", "c"].includes(trial.HyperParameters!["layers[0]=é"]));
  await rejects(
    ctx.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest("odd-newline", { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 }, ParameterRanges: { ContinuousParameterRanges: [{ Name: "a\nb", MinValue: "0.1", MaxValue: "0.2" }] } }))),
    "ValidationException",
    /Name "a\\nb" is missing or not a valid hyperparameter name/,
  );
});

test("restart: finished jobs, tuning jobs and models survive; a job running at stop → Failed with a reason", async () => {
  const dir = tmpDir("restart");
  const a = await (await import("./sagemaker-helpers")).localServer({ stateDir: dir });
  await a.sm.send(new CreateTrainingJobCommand(trainingRequest("done-job", `file://${data}`, out)));
  await until(async () => (await a.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "done-job" }))).TrainingJobStatus === "Completed", "done-job");
  await a.sm.send(new CreateModelCommand({ ModelName: "kept-model", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: `file://${out}/done-job/output/model.tar.gz` } }));
  await a.sm.send(new CreateTrainingJobCommand(trainingRequest("running-job", `file://${data}`, out, { hang: "true" })));
  await until(async () => (await a.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "running-job" }))).SecondaryStatus === "Training", "running");
  const pid = Number(fs.readFileSync(path.join(dir, "training-jobs", "running-job", "pid"), "utf8"));
  await a.srv.close();
  a.sm.destroy();
  a.rt.destroy();
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch {
    alive = false;
  }
  assert.is(alive, false, "the trainer process is gone after close()");
  const b = await (await import("./sagemaker-helpers")).localServer({ stateDir: dir });
  try {
    const list = await b.sm.send(new ListTrainingJobsCommand({ SortBy: "Name", SortOrder: "Ascending" }));
    assert.equal(list.TrainingJobSummaries!.map((s) => [s.TrainingJobName, s.TrainingJobStatus]), [["done-job", "Completed"], ["running-job", "Failed"]]);
    const done = await b.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "done-job" }));
    assert.is(done.ModelArtifacts!.S3ModelArtifacts, `file://${out}/done-job/output/model.tar.gz`);
    assert.ok(done.FinalMetricDataList!.length >= 1);
    const r = await b.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "running-job" }));
    assert.match(r.FailureReason!, /local SageMaker server stopped while the job was running/);
    assert.is((await b.sm.send(new DescribeModelCommand({ ModelName: "kept-model" }))).ModelName, "kept-model");
  } finally {
    await b.srv.close();
    b.sm.destroy();
    b.rt.destroy();
  }
});

test("standalone: npm run sagemaker-local -- --port 0 --state-dir <dir> prints its URL and answers the SDK", async () => {
  const dir = tmpDir("cli");
  const root = path.join(__dirname, "..");
  const child = spawn(path.join(root, "node_modules", ".bin", "tsx"), [path.join(root, "tools", "sagemaker-local.ts"), "--port", "0", "--state-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    let outText = "";
    child.stdout!.on("data", (d) => (outText += d));
    const url = await until(async () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(outText)?.[1], "the URL", 30000);
    // a second server on the same state folder while the first one runs: it knows it shares the folder
    const second = await startServer({ stateDir: dir, quiet: true, trainerCommand: FAKE_TRAINER });
    assert.is(second.sharedWith.length, 1);
    await second.close();
    const sm = new SageMakerClient({ endpoint: url, region: "us-east-1", credentials: creds });
    const r = await sm.send(new ListTrainingJobsCommand({}));
    assert.equal(r.TrainingJobSummaries, []);
    sm.destroy();
    // the AWS CLI too, when installed (botocore's own parser and error handling)
    const env = { ...process.env, AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" };
    let cli: string | undefined;
    try {
      cli = execFileSync("aws", ["--endpoint-url", url, "sagemaker", "list-training-jobs"], { env, timeout: 60000 }).toString();
    } catch (e: any) {
      if (e.code !== "ENOENT") throw e;
    }
    if (cli !== undefined) {
      assert.equal(JSON.parse(cli), { TrainingJobSummaries: [] });
      let err = "";
      try {
        execFileSync("aws", ["--endpoint-url", url, "sagemaker", "describe-training-job", "--training-job-name", "nope"], { env, timeout: 60000, stdio: "pipe" });
      } catch (e: any) {
        err = String(e.stderr);
      }
      assert.match(err, /\(ValidationException\) when calling the DescribeTrainingJob operation: Requested resource not found\./);
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
});

test.run();
