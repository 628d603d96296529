/**
 * The seed's flow through lib/sagemaker in local mode with the real trainer (trainer/main.ts) on diabetes:
 * training job → tuning job (eta ∈ [0.2, 0.3], max_depth ∈ {3, 4}, 4 jobs, 2 in parallel) → deploy the best job's model
 * to a serverless endpoint (2048 MB, concurrency 5) → predict CSV and JSON → delete; for Bayesian, Random, Grid, Hyperband.
 * Predictions are checked against lib's own loadEnsemble on the model.tar.gz the endpoint serves.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import * as net from "net";
import { execFileSync } from "child_process";
import { CreateEndpointConfigCommand, CreateModelCommand, DeleteEndpointConfigCommand, DeleteModelCommand, DescribeEndpointCommand, DescribeTrainingJobCommand, DescribeHyperParameterTuningJobCommand, ListEndpointConfigsCommand, ListEndpointsCommand, ListModelsCommand, ListTrainingJobsCommand, UpdateEndpointCommand } from "@aws-sdk/client-sagemaker";
import * as aq from "arquero";
import { session, Session, Estimator, HyperparameterTuner, ContinuousParameter, IntegerParameter, CategoricalParameter, Predictor, projectTrainerCommand, trialsToReach } from "ensemble-workbook/sagemaker";
import { bundleIsFresh } from "../lib/sagemaker/local";
import { explain, loadDiabetes, loadEnsemble, trialsFigure } from "ensemble-workbook";
import { FAKE_TRAINER, tmpDir } from "./sagemaker-helpers";

const DATA = path.join(__dirname, "..", "data", "diabetes.csv");
let sess: Session;
let est: Estimator;
const lines: string[] = [];
const figures: string[] = [];

function reference(modelData: string, rows: any): Float64Array {
  const dir = tmpDir("model");
  execFileSync("tar", ["xzf", modelData.replace(/^file:\/\//, ""), "-C", dir]);
  // the job's model records lib's version (the trainer's bundle, which local mode runs, recorded "unknown")
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  assert.is(manifest.versions["ensemble-workbook"], JSON.parse(fs.readFileSync(path.join(__dirname, "..", "lib", "package.json"), "utf8")).version);
  return Float64Array.from(loadEnsemble(dir).predict(rows).prediction);
}

/** lib.explain of the served model for the rows, as row objects */
function referenceExplain(modelData: string, rows: any): Record<string, number>[] {
  const dir = tmpDir("model");
  execFileSync("tar", ["xzf", modelData.replace(/^file:\/\//, ""), "-C", dir]);
  return explain(loadEnsemble(dir), rows).objects() as Record<string, number>[];
}

async function assertRejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  const e = await p.then(() => undefined, (err: Error) => err);
  assert.ok(e, `rejects with ${re}`);
  assert.match(e!.message, re);
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.is(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-6 * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

async function tuneDeployPredict(strategy: "Bayesian" | "Random" | "Grid" | "Hyperband"): Promise<void> {
  const t0 = Date.now();
  const ranges =
    strategy === "Grid"
      ? { eta: new CategoricalParameter([0.2, 0.3]), max_depth: new CategoricalParameter([3, 4]) }
      : { eta: new ContinuousParameter(0.2, 0.3), max_depth: new IntegerParameter(3, 4) };
  const tuner = new HyperparameterTuner({
    estimator: est,
    objectiveMetricName: "validation:rmse",
    objectiveType: "Minimize",
    hyperparameterRanges: ranges,
    strategy,
    maxJobs: 4,
    maxParallelJobs: 2,
    randomSeed: 7,
    hyperband: strategy === "Hyperband" ? { minResource: 5, maxResource: 20 } : undefined,
  });
  const d = (await tuner.fit({ train: DATA }))!;
  const tTune = Date.now();
  assert.is(d.HyperParameterTuningJobStatus, "Completed");
  const c = d.TrainingJobStatusCounters!;
  assert.is(c.Completed! + c.Stopped!, 4, JSON.stringify(c));
  const trials = await tuner.trials();
  assert.is(trials.numRows(), 4);
  const objs = trials.array("FinalObjectiveValue") as number[];
  const status = trials.array("TrainingJobStatus") as string[];
  const names = trials.array("TrainingJobName") as string[];
  const etas = (trials.array("eta") as (number | string)[]).map(Number); // categorical values stay strings in the table
  const depths = (trials.array("max_depth") as (number | string)[]).map(Number);
  for (let i = 0; i < 4; i++) {
    assert.ok(etas[i] >= 0.2 && etas[i] <= 0.3, `eta ${etas[i]}`);
    assert.ok(depths[i] === 3 || depths[i] === 4, `max_depth ${depths[i]}`);
  }
  if (strategy === "Grid") assert.equal(new Set(etas.map((e, i) => `${e}/${depths[i]}`)).size, 4, "the grid's 4 points");
  let bi = -1;
  for (let i = 0; i < 4; i++) if (status[i] === "Completed" && (bi < 0 || objs[i] < objs[bi])) bi = i;
  const best = await tuner.bestTrainingJob();
  assert.is(best, names[bi]);
  const { sm } = await sess.clients();
  const bestJob = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: best }));
  // the best job's objective is its last validation-rmse log line
  assert.is(bestJob.FinalMetricDataList!.find((m) => m.MetricName === "validation:rmse")!.Value, objs[bi]);
  const tuneJob = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: tuner.latestTuningJob! }));
  const minutes = (tuneJob.HyperParameterTuningEndTime!.getTime() - tuneJob.CreationTime!.getTime()) / 60000;

  const predictor: Predictor = await tuner.deploy({ serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } });
  const rows = loadDiabetes().slice(0, 20);
  const ref = reference(bestJob.ModelArtifacts!.S3ModelArtifacts!, rows);
  const csv = (await predictor.predict(rows, { format: "csv" })) as Float64Array;
  const json = (await predictor.predict(rows, { format: "json" })) as Float64Array;
  const csvOut = (await predictor.predict(rows, { format: "json", accept: "csv" })) as Float64Array;
  close(csv, ref, "CSV predictions");
  close(json, ref, "JSON predictions");
  close(csvOut, ref, "CSV answer");
  if (strategy === "Bayesian") {
    // scale to zero → the next predict is a cold start, reported by the predictor
    const before = predictor.coldStarts.length;
    (await sess.localServer())!.endpoints.scaleToZero(predictor.endpointName);
    const again = (await predictor.predict(rows)) as Float64Array;
    close(again, ref, "predictions after a cold start");
    assert.is(predictor.coldStarts.length, before + 1);
    figures.push(`serverless cold start (serve process start, model load, /ping): ${predictor.coldStarts[predictor.coldStarts.length - 1]} ms`);
    // contributions=true through the SDK and the local SageMaker: lib.explain's numbers for the same rows
    const served = (await predictor.explain(rows)).objects() as Record<string, number>[];
    const expected = referenceExplain(bestJob.ModelArtifacts!.S3ModelArtifacts!, rows);
    assert.equal(Object.keys(served[0]), Object.keys(expected[0]));
    served.forEach((row, i) => close(Object.values(row), Object.values(expected[i]), `contributions of row ${i}`));
  }
  if (strategy === "Random") {
    // another model behind the same endpoint (UpdateEndpoint): its predictions are the new model's, the endpoint's
    // old model and config are deleted; a model that cannot be read is rolled back, the endpoint serving on
    const before = { ...predictor.resources };
    await predictor.update({ modelData: est.modelData!, serverless: { memorySizeInMB: 2048, maxConcurrency: 2 } });
    const updatedRef = reference(est.modelData!, rows);
    assert.ok(updatedRef.some((v, i) => Math.abs(v - ref[i]) > 1e-3), "the two models predict differently");
    close((await predictor.predict(rows)) as Float64Array, updatedRef, "predictions after the update");
    const described = await sm.send(new DescribeEndpointCommand({ EndpointName: predictor.endpointName }));
    assert.is(described.EndpointConfigName, predictor.resources.configName);
    assert.is.not(predictor.resources.configName, before.configName);
    assert.not.ok((await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs!.some((c) => c.EndpointConfigName === before.configName), "the replaced config is deleted");
    assert.not.ok((await sm.send(new ListModelsCommand({}))).Models!.some((m) => m.ModelName === before.modelName), "the replaced model is deleted");
    const configs = (await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs!.length;
    try {
      await predictor.update({ modelData: est.modelData!.replace(/model\.tar\.gz$/, "missing.tar.gz") });
      assert.unreachable("an update to a missing artifact");
    } catch (e) {
      assert.match((e as Error).message, new RegExp(`Predictor.update: endpoint ${predictor.endpointName} was rolled back to ${predictor.resources.configName} and serves as before: .*missing\\.tar\\.gz`));
    }
    assert.is((await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs!.length, configs, "the rolled-back update's config is deleted");
    close((await predictor.predict(rows)) as Float64Array, reference(est.modelData!, rows), "predictions after the rolled-back update");
    for (const empty of [[], rows.slice(0, 0)]) await assertRejects(predictor.predict(empty), /^predict: no rows to predict/);
    // a predictor made for the existing endpoint (it made none of what serves): update replaces what serves, delete()
    // then leaves nothing behind, and the name can be deployed again (its <endpoint>-model / -config were left)
    const byName = new Predictor(sess, predictor.endpointName);
    const serving = predictor.resources.configName!;
    await byName.update({ modelData: bestJob.ModelArtifacts!.S3ModelArtifacts! });
    assert.not.ok((await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs!.some((c) => c.EndpointConfigName === serving), "the replaced config is deleted");
    // a config and model lib did not make (the user's, perhaps another endpoint's too) are left when replaced, as the
    // Python SDK's update_endpoint leaves them
    await sm.send(new CreateModelCommand({ ModelName: "users-model", ExecutionRoleArn: sess.roleArn, PrimaryContainer: { Image: sess.imageUri, ModelDataUrl: est.modelData! } }));
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "users-config", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "users-model", ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 1 } }] }));
    await sm.send(new UpdateEndpointCommand({ EndpointName: predictor.endpointName, EndpointConfigName: "users-config" }));
    await byName.waitInService();
    await byName.update({ modelData: bestJob.ModelArtifacts!.S3ModelArtifacts! });
    assert.ok((await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs!.some((c) => c.EndpointConfigName === "users-config"), "the user's config is left");
    assert.ok((await sm.send(new ListModelsCommand({}))).Models!.some((m) => m.ModelName === "users-model"), "the user's model is left");
    await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: "users-config" }));
    await sm.send(new DeleteModelCommand({ ModelName: "users-model" }));
    await byName.delete();
    const left = await sm.send(new ListEndpointConfigsCommand({}));
    assert.not.ok(left.EndpointConfigs!.some((c) => c.EndpointConfigName!.startsWith(predictor.endpointName)), JSON.stringify(left.EndpointConfigs));
    assert.not.ok((await sm.send(new ListModelsCommand({}))).Models!.some((m) => m.ModelName!.startsWith(predictor.endpointName)), "no model of the endpoint left");
    const again = await est.deploy({ endpointName: predictor.endpointName });
    await again.delete();
    await assertRejects(predictor.update({} as never), /Predictor.update: modelData .* is required/);
    await assertRejects(predictor.update({ modelData: est.modelData!, instanceType: "ml.m5.large", serverless: { memorySizeInMB: 2048, maxConcurrency: 1 } }), /Predictor.update: instanceType .* and serverless .* exclude each other/);
  }
  if (strategy !== "Random") await predictor.delete(); // (Random's was deleted through another predictor above)
  assert.is((await sm.send(new ListEndpointsCommand({}))).Endpoints!.length, 0);
  const line = `${strategy}: tuning 4 jobs / 2 parallel ${((tTune - t0) / 1000).toFixed(1)} s (${(4 / minutes).toFixed(1)} trials/min), deploy+predict+delete ${((Date.now() - tTune) / 1000).toFixed(1)} s, best ${best} validation:rmse=${objs[bi]}`;
  lines.push(line);
}

test.before(() => {
  sess = session({ mode: "local", stateDir: tmpDir("flow"), log: (l) => void (process.env.SAGEMAKER_TEST_VERBOSE && console.log(l)), pollMs: 200 });
  est = new Estimator({ session: sess, hyperparameters: { models: "xgboost,catboost", k_fold: 3, num_round: 20 }, baseJobName: "diabetes" });
});
test.after(async () => {
  await sess.close();
  for (const l of lines) console.log(`  ${l}`);
  for (const f of figures) console.log(`  ${f}`);
});

test("local mode, Bayesian: train → tune → deploy serverless → predict CSV + JSON → delete (the seed flow)", async () => {
  const t0 = Date.now();
  const streamed: string[] = [];
  const logSess = sess as any;
  const origLog = logSess.opts.log;
  logSess.opts.log = (l: string) => {
    streamed.push(l);
    origLog(l);
  };
  const d = (await est.fit({ train: DATA }))!;
  logSess.opts.log = origLog;
  assert.is(d.TrainingJobStatus, "Completed");
  const m = est.metrics();
  assert.ok(m["validation:rmse"] > 40 && m["validation:rmse"] < 80, JSON.stringify(m));
  assert.ok(streamed.some((l) => /fold=1 xgboost-rmse:[0-9.]+; catboost-rmse:[0-9.]+; ensemble-rmse:/.test(l)), "streamed trainer log lines");
  assert.ok(streamed.some((l) => /Completed \/ Completed/.test(l)), "status progress");
  assert.match(est.modelData!, /^file:\/\/.*\/output\/diabetes-.*\/output\/model\.tar\.gz$/);
  const tTrain = Date.now();
  await tuneDeployPredict("Bayesian");
  figures.push(`local flow (Bayesian): training job ${((tTrain - t0) / 1000).toFixed(1)} s, whole flow ${((Date.now() - t0) / 1000).toFixed(1)} s wall`);
});

test("local mode, Random", async () => {
  await tuneDeployPredict("Random");
});
test("local mode, Grid (categorical eta × max_depth)", async () => {
  await tuneDeployPredict("Grid");
});
test("local mode, Hyperband (num_round as the resource)", async () => {
  await tuneDeployPredict("Hyperband");
});

test("a classifier trained on text labels: predict() is an Error pointing to predictClasses, with a CSV answer too (it was NaN per row)", async () => {
  const dir = tmpDir("labels");
  const [header, ...rows] = fs.readFileSync(DATA, "utf8").trim().split("\n");
  const level = (l: string) => l.replace(/,([^,]+)$/, (_, t) => `,${Number(t) > 140 ? "high" : "low"}`);
  fs.writeFileSync(path.join(dir, "train.csv"), [header, ...rows.slice(0, 120).map(level)].join("\n") + "\n");
  const classifier = new Estimator({ session: sess, hyperparameters: { models: "xgboost", k_fold: 2, num_round: 5, objective: "binary:logistic" } });
  await classifier.fit({ train: dir }, { logs: false });
  const predictor = await classifier.deploy();
  try {
    const x = loadDiabetes().slice(0, 3);
    const classes = await predictor.predictClasses(x);
    assert.ok(classes.every((c) => c.label === "high" || c.label === "low"), JSON.stringify(classes));
    for (const accept of ["json", "csv"] as const) {
      try {
        await predictor.predict(x, { accept });
        assert.unreachable(`predict with accept ${accept} answered`);
      } catch (e: any) {
        assert.match(e.message, /answers class labels \(its model was trained on text labels\): use predictor\.predictClasses\(rows\)/, e.message);
        if (accept === "csv") assert.match(e.message, new RegExp(`its CSV answer holds "${classes[0].label}"`));
      }
    }
  } finally {
    await predictor.delete();
  }
});

test("deploy says where the endpoint is while it waits: its status every 10th poll and when it changes (a model server 2.5 s from answering /ping; it said nothing until InService)", async () => {
  const lines: string[] = [];
  const slow = session({ mode: "local", stateDir: tmpDir("slow-endpoint"), local: { trainerCommand: FAKE_TRAINER }, log: (l) => lines.push(l), pollMs: 100 });
  try {
    const e = new Estimator({ session: slow, hyperparameters: {}, baseJobName: "slow" });
    await e.fit({ train: DATA }, { logs: false });
    const predictor = await e.deploy({ environment: { FAKE_SERVE_START_MS: "2500" } });
    const name = predictor.endpointName;
    const waiting = lines.filter((l) => l.startsWith(`endpoint ${name}: Creating (`));
    assert.ok(waiting.length >= 1, lines.join("\n"));
    assert.match(waiting[0], /: Creating \(\d+\.\d s\)$/);
    assert.match(lines[lines.length - 1], new RegExp(`^endpoint ${name}: InService \\(\\d+\\.\\d s\\)$`));
    await predictor.delete();
  } finally {
    await slow.close();
  }
});

test("trialsToReach follows trialsFigure's best-so-far line (BestTrainingJob's rule): a trial stopped early counts only while none has run to its end", () => {
  const trials = aq.table({ FinalObjectiveValue: [60, 58, null, 57, 55], TrainingJobStatus: ["Completed", "Stopped", "Failed", "Completed", "Completed"] });
  assert.is(trialsToReach(trials, 58), 4);
  assert.is(trialsToReach(trials, 54), undefined);
  assert.is(trialsToReach(trials.select("FinalObjectiveValue"), 58), 2, "no status column: every trial counts");
  assert.is(trialsToReach(trials, 59, { maximize: true }), 1);
  // a stopped trial first: it is the best so far until a trial runs to its end (the line then rises to 60)
  const early = aq.table({ FinalObjectiveValue: [55, 60], TrainingJobStatus: ["Stopped", "Completed"] });
  assert.is(trialsToReach(early, 58), 1);
  const line = trialsFigure(early.objects(), {}).data.find((t) => t.name === "best so far")!.y;
  assert.equal(Array.from(line as number[]), [55, 60], "the figure's line, which trialsToReach follows");
});

test("the state folder lists every job of this session", async () => {
  const { sm } = await sess.clients();
  const r = await sm.send(new ListTrainingJobsCommand({ MaxResults: 100 }));
  assert.is(r.TrainingJobSummaries!.length, 1 + 4 * 4 + 1); // the flow, four tuning jobs, the classifier
  assert.ok(fs.existsSync(path.join(sess.stateDir, "training-jobs")));
});

test("a local SageMaker that failed to start is started again by the next call; a session with other options on its folder is an Error, not ignored", async () => {
  const blocker = net.createServer();
  const port = await new Promise<number>((r) => blocker.listen(0, "127.0.0.1", () => r((blocker.address() as net.AddressInfo).port)));
  const stateDir = tmpDir("restart");
  const first = session({ mode: "local", stateDir, local: { port }, log: null });
  try {
    await first.clients();
    assert.unreachable("the port was taken");
  } catch (e: any) {
    assert.match(e.message, /EADDRINUSE/);
  } finally {
    blocker.close();
  }
  // called again once the port is free, it starts (it answered the first start's EADDRINUSE, as did every later
  // session on the folder, until the process ended)
  const { sm } = await first.clients();
  assert.equal((await sm.send(new ListEndpointsCommand({}))).Endpoints, []);
  assert.is((await first.localServer())!.url, `http://127.0.0.1:${port}`);
  const same = session({ mode: "local", stateDir, local: { port }, log: null });
  assert.is(await same.localServer(), await first.localServer(), "the same options share the folder's server");
  // options of its own are an Error naming them (they were ignored: its jobs ran on the running server's options)
  const other = session({ mode: "local", stateDir, local: { backend: "process" }, log: null });
  try {
    await other.clients();
    assert.unreachable("other options shared the server");
  } catch (e: any) {
    assert.match(e.message, /^session: the local SageMaker of \S+ already runs in this process with other options \(port, backend\): close the sessions using it/);
  }
  await first.close();
  await same.close();
  // once they are closed, it starts its own
  assert.not.equal((await other.localServer())!.url, `http://127.0.0.1:${port}`);
  await other.close();
});

test("local mode runs the trainer bundle the image runs while it is fresh, and the sources through tsx once one is newer", () => {
  // this run's: `npm test` builds first (npm run build bundles the trainer), so these jobs ran the bundle
  const bundle = path.join(__dirname, "..", "out", "trainer", "main.js");
  assert.equal(projectTrainerCommand(), [process.execPath, bundle], "out/trainer/main.js is older than a file it was built from: run npm run build");
  // the freshness rule on a bundle of its own: fresh while no input is newer; stale once one is, one is gone, or the list is
  const dir = tmpDir("bundle");
  const own = path.join(dir, "main.js");
  const input = path.join(dir, "input.ts");
  fs.writeFileSync(input, "export {};\n");
  fs.writeFileSync(own, "// bundle\n");
  const list = (inputs: string[]) => fs.writeFileSync(path.join(dir, "inputs.json"), JSON.stringify({ builtAt: 1_000_050_000, inputs }));
  list([input]);
  const at = (file: string, s: number) => fs.utimesSync(file, s, s);
  at(input, 1_000_000);
  at(own, 1_000_100);
  assert.ok(bundleIsFresh(own), "no input changed after the build began");
  at(input, 1_000_060);
  assert.not.ok(bundleIsFresh(own), "an input saved while the build ran (after the build began, before the bundle was written)");
  at(input, 1_000_200);
  assert.not.ok(bundleIsFresh(own), "an input edited after the bundle was built");
  at(input, 1_000_000);
  list([input, path.join(dir, "gone.ts")]);
  assert.not.ok(bundleIsFresh(own), "an input that no longer exists");
  fs.writeFileSync(path.join(dir, "inputs.json"), JSON.stringify([input]));
  assert.not.ok(bundleIsFresh(own), "a list without the build's start (an older build's)");
  fs.rmSync(path.join(dir, "inputs.json"));
  assert.not.ok(bundleIsFresh(own), "no list of inputs (a bundle built before the list was written)");
});

test.run();
