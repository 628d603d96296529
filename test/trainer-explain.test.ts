/**
 * Contributions at the endpoint (trainer/explain.ts): `contributions=true` answers lib.contributions of
 * loadEnsemble(model/) for the same rows, by feature name (JSON) or after the prediction (CSV), adding up to
 * the predictions; with `members=true` each member's too; a model trained on CSV without a header (features
 * c1, c2, …) and a member file saved without feature names; bad attribute values and non-additive blends are
 * 400s naming what is wrong. One served process (HTTP end to end), the rest through invoke().
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as aq from "arquero";
import * as fs from "fs";
import * as path from "path";
import { catboost, contributions, Ensemble, loadDiabetes, loadEnsemble, ridge, saveEnsemble, xgboost } from "ensemble-workbook";
import { invoke, MAX_CONTRIBUTION_NUMBERS } from "../trainer/invocation";
import { HttpError } from "../trainer/formats";
import { startServer } from "../trainer/http-server";
import { DIABETES, diabetesRows, optMl, request, rmTree, runTrain, Served, startServe } from "./trainer-helpers";

const roots: string[] = [];
let served: Served | undefined;
const { header, rows: all } = diabetesRows();
const yi = header.indexOf("target");
const X = all.map((r) => r.filter((_, j) => j !== yi));
const rows = X.slice(0, 12).map((r, i) => (i === 3 ? r.map((v, j) => (j === 4 ? NaN : v)) : r));
const csv = (rs: number[][]) => rs.map((r) => r.map((v) => (Number.isNaN(v) ? "" : v)).join(",")).join("\n") + "\n";

/** A saved stacking ensemble whose xgboost member file has its feature names removed (a model saved without them). */
function regressionModel(): string {
  const root = optMl(undefined, {});
  roots.push(root);
  const e = new Ensemble({ members: [xgboost({ num_round: 15 }), catboost({ iterations: 15 }), ridge()], blend: "stacking", innerK: 3 }).fit(loadDiabetes(), { label: "target" });
  const dir = path.join(root, "model");
  saveEnsemble(e, dir);
  e.free();
  const file = path.join(dir, "xgboost.json");
  const j = JSON.parse(fs.readFileSync(file, "utf8"));
  delete j.learner.feature_names;
  delete j.learner.feature_types;
  fs.writeFileSync(file, JSON.stringify(j));
  return root;
}

const regRoot = regressionModel();
const reg = loadEnsemble(path.join(regRoot, "model"));
const features = reg.featureNames!;

test.before(async () => {
  served = await startServe(regRoot);
});

test.after(async () => {
  served?.kill();
  if (served) await served.exited;
  reg.free();
  for (const r of roots) rmTree(r);
});

const post = (body: string, headers: Record<string, string>) => request(served!.port, "POST", "/invocations", body, headers);

/** f() throws an HttpError of this status whose message matches pattern */
function throwsHttp(f: () => unknown, status: number, pattern: RegExp): void {
  try {
    f();
  } catch (err) {
    assert.instance(err, HttpError);
    assert.is((err as HttpError).status, status);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a ${status}`);
}

function sumsTo(contribs: Record<string, number>[], predictions: number[], keys: string[], label: string): void {
  contribs.forEach((c, i) => {
    assert.equal(Object.keys(c), keys);
    const s = keys.reduce((a, k) => a + c[k], 0);
    assert.ok(Math.abs(s - predictions[i]) <= 1e-5 * Math.max(1, Math.abs(predictions[i])), `${label} row ${i}: ${s} vs ${predictions[i]}`);
  });
}

test("served: contributions=true (JSON) equals lib's contributions of loadEnsemble(model/) by feature name and adds up to the predictions — the member file without feature names takes the manifest's", async () => {
  const r = await post(csv(rows), { "Content-Type": "text/csv", Accept: "application/json", "X-Amzn-SageMaker-Custom-Attributes": "contributions=true" });
  assert.is(r.status, 200, r.body);
  const body = JSON.parse(r.body);
  assert.equal(Object.keys(body), ["predictions", "contributions"]);
  const c = contributions(reg, rows);
  const w = features.length + 1;
  body.contributions.forEach((row: Record<string, number>, i: number) => {
    [...features, "bias"].forEach((f, j) => assert.ok(Math.abs(row[f] - c.ensemble![i * w + j]) <= 1e-9 * Math.max(1, Math.abs(row[f])), `row ${i} ${f}`));
  });
  sumsTo(body.contributions, body.predictions, [...features, "bias"], "ensemble");
  assert.ok(body.contributions[3].bp !== undefined && body.contributions[3].bp !== null, "a missing value still has a contribution");
});

test("served: contributions=true,members=true gives members' predictions and contributions too, each adding up", async () => {
  const r = await post(JSON.stringify({ instances: rows.map((row) => row.map((v) => (Number.isNaN(v) ? null : v))) }), {
    "Content-Type": "application/json",
    "X-Amzn-SageMaker-Custom-Attributes": "contributions=true,members=true",
  });
  assert.is(r.status, 200, r.body);
  const body = JSON.parse(r.body);
  assert.equal(Object.keys(body), ["predictions", "members", "contributions", "member_contributions"]);
  assert.equal(Object.keys(body.member_contributions), ["xgboost", "catboost", "ridge"]);
  for (const name of Object.keys(body.members)) sumsTo(body.member_contributions[name], body.members[name], [...features, "bias"], name);
  // stacking: the ensemble's contributions are the stacker's weights applied to the members'
  const coef = reg.stacker!.coef;
  const f = "bmi";
  const blended = coef.reduce((s, c, j) => s + c * body.member_contributions[["xgboost", "catboost", "ridge"][j]][0][f], 0);
  assert.ok(Math.abs(blended - body.contributions[0][f]) < 1e-9);
});

test("served: CSV answers with contributions=true — the prediction, then the contributions in feature order and the bias", async () => {
  const r = await post(csv(rows), { "Content-Type": "text/csv", Accept: "text/csv", "X-Amzn-SageMaker-Custom-Attributes": "contributions=true" });
  assert.is(r.status, 200, r.body);
  const lines = r.body.trim().split("\n").map((l) => l.split(",").map(Number));
  const c = contributions(reg, rows);
  const pred = reg.predict(rows).prediction;
  const w = features.length + 1;
  lines.forEach((cells, i) => {
    assert.is(cells.length, 1 + w);
    assert.is(cells[0], pred[i]);
    assert.equal(cells.slice(1), Array.from(c.ensemble!.subarray(i * w, (i + 1) * w)));
  });
});

test("served: bad custom attributes are 400s naming them; members=true with a CSV answer is a 400", async () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["contributions=maybe", { Accept: "application/json" }, /contributions=maybe — the value must be true or false/],
    ["contribution=true", { Accept: "application/json" }, /unknown attribute "contribution"; did you mean contributions=true/],
    ["members=true", { Accept: "text/csv" }, /members=true needs Accept: application\/json/],
    // XGBoost's and lib's words for what the endpoint does otherwise or not at all (contribs=true passed as a caller's key)
    ["contribs=true", { Accept: "application/json" }, /contribs — contributions=true asks for contributions/],
    ["interactions=true", { Accept: "application/json" }, /interactions — interaction values are not offered by the endpoint: lib\.explain/],
    ["approx=true", { Accept: "application/json" }, /approx — Saabas values are not offered by the endpoint/],
    ["scale=margin", { Accept: "application/json" }, /scale — contributions here are on the prediction's scale/],
    ["contributions=true;contributions=false", { Accept: "application/json" }, /contributions is given twice, as true and false: give it once/],
  ];
  for (const [attr, extra, re] of cases) {
    const r = await post(csv(rows), { "Content-Type": "text/csv", ...extra, "X-Amzn-SageMaker-Custom-Attributes": attr });
    assert.is(r.status, 400, `${attr}: ${r.status} ${r.body}`);
    assert.match(JSON.parse(r.body).error, re);
  }
  const ok = await post(csv(rows), { "Content-Type": "text/csv", "X-Amzn-SageMaker-Custom-Attributes": "trace=abc; contributions=false" });
  assert.is(ok.status, 200);
  assert.is(ok.body.trim().split("\n").length, rows.length);
});

test("multiclass (text labels): contributions per row by class, each class's adding up to its probability", () => {
  const t = loadDiabetes().derive({ level: aq.escape((d: { target: number }) => (d.target > 200 ? "high" : d.target > 100 ? "mid" : "low")) }).select(aq.not("target"));
  const e = new Ensemble({ members: [xgboost({ objective: "multi:softprob", num_round: 8 }), catboost({ iterations: 8 })], blend: "soft_vote" }).fit(t, { label: "level" });
  const r = invoke(e, { "content-type": "text/csv", accept: "application/json", "x-amzn-sagemaker-custom-attributes": "contributions=true" }, csv(rows));
  const body = JSON.parse(r.body);
  assert.is(body.contributions.length, rows.length);
  body.contributions.forEach((row: Record<string, Record<string, number>>, i: number) => {
    assert.equal(Object.keys(row), ["high", "low", "mid"]);
    // a text-label model answers labels; with contributions=true also the probabilities they add up to
    assert.equal(Object.keys(body.predictions[i].probabilities), ["high", "low", "mid"]);
    ["high", "low", "mid"].forEach((cls) => sumsTo([row[cls]], [body.predictions[i].probabilities[cls]], [...features, "bias"], `row ${i} ${cls}`));
  });
  const csvOut = invoke(e, { "content-type": "text/csv", accept: "text/csv", "x-amzn-sagemaker-custom-attributes": "contributions=true" }, csv(rows));
  assert.is(csvOut.body.trim().split("\n")[0].split(",").length, 3 + 3 * (features.length + 1));
  // probabilities=true: the label and every class's probability lead each line, as without contributions (they were
  // the probabilities alone: no label)
  const withProbs = invoke(e, { "content-type": "text/csv", accept: "text/csv", "x-amzn-sagemaker-custom-attributes": "contributions=true;probabilities=true" }, csv(rows));
  const plain = invoke(e, { "content-type": "text/csv", accept: "text/csv", "x-amzn-sagemaker-custom-attributes": "probabilities=true" }, csv(rows));
  const lines = withProbs.body.trim().split("\n"), plainLines = plain.body.trim().split("\n"), contribLines = csvOut.body.trim().split("\n");
  lines.forEach((line, i) => {
    const cells = line.split(",");
    assert.is(cells.length, 4 + 3 * (features.length + 1));
    assert.is(cells.slice(0, 4).join(","), plainLines[i], `row ${i}: label and probabilities as the answer without contributions`);
    assert.is(cells.slice(4).join(","), contribLines[i].split(",").slice(3).join(","), `row ${i}: the same contributions`);
  });
  e.free();
});

test("binary (text labels): CSV contributions with probabilities=true lead with the label and both probabilities; the contributions add up to the second class's", () => {
  const t = loadDiabetes().derive({ high: aq.escape((d: { target: number }) => (d.target > 140 ? "yes" : "no")) }).select(aq.not("target"));
  const e = new Ensemble({ members: [xgboost({ objective: "binary:logistic", num_round: 8 })] }).fit(t, { label: "high" });
  const r = invoke(e, { "content-type": "text/csv", accept: "text/csv", "x-amzn-sagemaker-custom-attributes": "contributions=true,probabilities=true" }, csv(rows));
  const plain = invoke(e, { "content-type": "text/csv", accept: "text/csv", "x-amzn-sagemaker-custom-attributes": "probabilities=true" }, csv(rows)).body.trim().split("\n");
  r.body.trim().split("\n").forEach((line, i) => {
    const cells = line.split(",");
    assert.is(cells.length, 3 + features.length + 1);
    assert.is(cells.slice(0, 3).join(","), plain[i]);
    const sum = cells.slice(3).reduce((s2, v) => s2 + Number(v), 0);
    assert.ok(Math.abs(sum - Number(cells[2])) < 1e-6, `row ${i}: contributions add up to P(yes) ${cells[2]}, got ${sum}`);
  });
  e.free();
});

test("an invocation in steps (at most 65,536 rows of predictions, 2,048 of contributions a step) answers what lib gives for every row at once: predictions, members, contributions in CSV and JSON", () => {
  // rows enough for several steps of each kind, some missing cells
  const many = Array.from({ length: 2 * 65_536 + 100 }, (_, i) => X[i % X.length].map((v, j) => (i % 97 === 5 && j === 2 ? NaN : v)));
  const whole = reg.predict({ X: Float32Array.from(many.flat()), nrow: many.length, ncol: features.length, featureNames: features });
  const json = JSON.parse(invoke(reg, { "content-type": "text/csv", accept: "application/json", "x-amzn-sagemaker-custom-attributes": "members=true" }, csv(many)).body);
  assert.equal(json.predictions, Array.from(whole.prediction), "predictions: the same numbers");
  for (const [name, p] of Object.entries(whole.members)) assert.equal(json.members[name], Array.from(p), `member ${name}`);
  const some = many.slice(0, 2 * 2048 + 7);
  const c = contributions(reg, some, { members: true });
  const w = features.length + 1;
  const cj = JSON.parse(invoke(reg, { "content-type": "text/csv", accept: "application/json", "x-amzn-sagemaker-custom-attributes": "contributions=true,members=true" }, csv(some)).body);
  assert.is(cj.contributions.length, some.length);
  cj.contributions.forEach((row: Record<string, number>, i: number) => [...features, "bias"].forEach((f, j) => { if (row[f] !== c.ensemble![i * w + j]) assert.unreachable(`row ${i} ${f}: ${row[f]} vs ${c.ensemble![i * w + j]}`); }));
  for (const [name, v] of Object.entries(c.members)) assert.is(cj.member_contributions[name][some.length - 1].bias, v[(some.length - 1) * w + w - 1], `member ${name}, last row's bias`);
  const lines = invoke(reg, { "content-type": "text/csv", accept: "text/csv", "x-amzn-sagemaker-custom-attributes": "contributions=true" }, csv(some)).body.trimEnd().split("\n");
  assert.is(lines.length, some.length);
  assert.equal(lines[some.length - 1].split(",").map(Number).slice(1), Array.from(c.ensemble!.subarray((some.length - 1) * w, some.length * w)), "the last row's CSV contributions");
});

test("a /ping sent while a long request is predicted is answered between its steps, which start at FIRST_STEP_ROWS rows and grow towards STEP_TARGET_MS each (600 trees of depth 6 here: 2,048 rows of contributions, the old fixed step, took seconds)", async () => {
  const dir = fs.mkdtempSync(path.join(path.dirname(regRoot), "big-model-"));
  roots.push(dir);
  const big = new Ensemble({ members: [xgboost({ num_round: 600, max_depth: 6, eta: 0.05 })] }).fit(loadDiabetes(), { label: "target" });
  saveEnsemble(big, dir);
  big.free();
  const server = await startServer({ modelDir: dir, port: 0, host: "127.0.0.1", maxPayloadBytes: 64 << 20, log: () => {} });
  try {
    // every step predicts once: count them and time them
    const ms: number[] = [];
    const predict = server.ensemble.predict.bind(server.ensemble);
    let stepStart = 0;
    server.ensemble.predict = (input) => {
      if (stepStart) ms.push(performance.now() - stepStart); // the previous step, contributions included
      stepStart = performance.now();
      return predict(input);
    };
    const rows = Array.from({ length: 2048 + 600 }, (_, i) => X[i % X.length]);
    const long = request(server.port, "POST", "/invocations", csv(rows), { "Content-Type": "text/csv", Accept: "text/csv", "X-Amzn-SageMaker-Custom-Attributes": "contributions=true" });
    while (stepStart === 0) await new Promise((r) => setImmediate(r)); // the invocation has begun
    const ping = await request(server.port, "GET", "/ping");
    const stepsAtPing = ms.length + 1;
    assert.is(ping.status, 200);
    const r = await long;
    assert.is(r.status, 200, r.body.slice(0, 300));
    assert.is(r.body.trimEnd().split("\n").length, rows.length);
    const steps = ms.length + 1;
    // a first step of 256 rows and at most 2,048 a step: at least 3 for 2,648 rows, whatever the machine's speed
    assert.ok(steps > 2, `${steps} steps (the fixed 2,048 rows a step made 2)`);
    assert.ok(stepsAtPing < steps, `the ping was answered after step ${stepsAtPing} of ${steps} (all: it waited for the whole request)`);
    // steps of the clock's sizes, lib's chunks of 2,048 rows: the same numbers, bit for bit (the core chose TreeSHAP's
    // tables per call's rows, and a step of 256 rows differed from lib's in the last float bits)
    const w = features.length + 1;
    const lib = contributions(server.ensemble, rows).ensemble!;
    r.body.trimEnd().split("\n").forEach((line, i) => {
      const v = line.split(",").map(Number).slice(1);
      for (let j = 0; j < w; j++) if (v[j] !== lib[i * w + j]) assert.unreachable(`row ${i}, column ${j}: ${v[j]} from the endpoint, ${lib[i * w + j]} from lib.explain`);
    });
  } finally {
    await server.close();
  }
});

test("a median blend cannot be explained: contributions=true is a 400 saying why; predictions without it still work", () => {
  const e = new Ensemble({ members: [xgboost({ num_round: 3 }), ridge()], blend: "median" }).fit(loadDiabetes(), { label: "target" });
  const headers = { "content-type": "text/csv", accept: "application/json", "x-amzn-sagemaker-custom-attributes": "contributions=true" };
  throwsHttp(() => invoke(e, headers, csv(rows)), 400, /^contributions=true: the median blend is not additive/);
  assert.is(invoke(e, { ...headers, "x-amzn-sagemaker-custom-attributes": "" }, csv(rows)).status, 200);
  e.free();
});

test("a vote blend has no probabilities: probabilities=true is a 400 saying why (it answered 0 and 1); its answer is each row's label", () => {
  const t = loadDiabetes().derive({ level: aq.escape((d: { target: number }) => (d.target > 150 ? "high" : "low")) }).select(aq.not("target"));
  const e = new Ensemble({ members: [xgboost({ objective: "binary:logistic", num_round: 3 }), ridge(), xgboost({ num_round: 2, max_depth: 1 })], blend: "vote" }).fit(t, { label: "level" });
  const headers = { "content-type": "text/csv", accept: "application/json", "x-amzn-sagemaker-custom-attributes": "probabilities=true" };
  throwsHttp(() => invoke(e, headers, csv(rows)), 400, /^probabilities=true: this model's blend is vote, which predicts classes and no probabilities/);
  const labels = JSON.parse(invoke(e, { ...headers, "x-amzn-sagemaker-custom-attributes": "" }, csv(rows)).body).predictions;
  assert.equal(labels, e.predictClasses(rows.map((r) => Object.fromEntries(features.map((f, j) => [f, r[j]])))));
  e.free();
});

test("an answer of more contributions than one holds is a 413 saying how many rows fit, before they are computed (it was a 500 after a minute: the JSON outgrew V8's longest string)", () => {
  const perRow = (features.length + 1) * (1 + reg.members.length); // with members=true: the ensemble's and each member's
  const most = Math.floor(MAX_CONTRIBUTION_NUMBERS / perRow);
  const line = csv([X[0]]);
  throwsHttp(() => invoke(reg, { "content-type": "text/csv", accept: "application/json", "x-amzn-sagemaker-custom-attributes": "contributions=true,members=true" }, line.repeat(most + 1)), 413, new RegExp(`^contributions=true for ${most + 1} rows is \\d+ numbers \\(${perRow} a row, the ensemble's and each member's\\), more than the ${MAX_CONTRIBUTION_NUMBERS} one answer holds: send at most ${most} rows per request`));
});

test("a model trained on CSV without a header: contributions keyed c1, c2, … (the label is c0)", async () => {
  const body = fs.readFileSync(DIABETES, "utf8").split("\n").slice(1).map((l) => {
    const cells = l.split(",");
    return cells.length > 1 ? [cells[yi], ...cells.filter((_, j) => j !== yi)].join(",") : l;
  }).join("\n");
  const root = optMl({ models: "xgboost,ridge", num_round: "5", k_fold: "2" }, { train: { "data.csv": body } });
  roots.push(root);
  const r = await runTrain(root);
  assert.is(r.code, 0, r.stderr);
  const e = loadEnsemble(path.join(root, "model"));
  const names = Array.from({ length: 10 }, (_, i) => `c${i + 1}`);
  assert.equal(e.featureNames, names);
  const out = JSON.parse(invoke(e, { "content-type": "text/csv", accept: "application/json", "x-amzn-sagemaker-custom-attributes": "contributions=true" }, csv(rows)).body);
  sumsTo(out.contributions, out.predictions, [...names, "bias"], "headerless");
  e.free();
});

test.run();
