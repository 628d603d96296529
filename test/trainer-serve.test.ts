/**
 * trainer `serve` as SageMaker runs it: a model/ trained by `train` (child
 * process), then `serve` (child process) on a free loopback port. Predictions
 * must equal lib's predictions of loadEnsemble(model/) for the same rows;
 * every error status of the contract is exercised; SIGTERM drains.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { availableCores, Ensemble, loadEnsemble } from "ensemble-workbook";
import { DIABETES, diabetesRows, optMl, request, rmTree, runTrain, Served, startServe } from "./trainer-helpers";
import { batchEnv } from "../trainer/batch-env";
import { hasSklearn, python } from "./lib-sklearn";
import { coreShareEnv } from "ensemble-workbook";

let root = "";
let served: Served | undefined;
let ens: Ensemble;
let features: string[] = [];
let X: number[][] = [];

test.before(async () => {
  root = optMl(
    { models: "xgboost,catboost,ridge", num_round: "10", k_fold: "3" },
    { train: { "diabetes.csv": fs.readFileSync(DIABETES, "utf8") } },
  );
  const r = await runTrain(root);
  if (r.code !== 0) throw new Error(`train failed: ${r.stderr}`);
  ens = loadEnsemble(path.join(root, "model"));
  features = ens.featureNames!;
  const { header, rows } = diabetesRows();
  const yi = header.indexOf("target");
  X = rows.map((r) => r.filter((_, j) => j !== yi));
  served = await startServe(root, { SAGEMAKER_MAX_PAYLOAD_IN_MB: "0.05" });
});

test.after(async () => {
  served?.kill();
  if (served) await served.exited;
  ens?.free();
  rmTree(root);
});

const port = () => served!.port;
const csv = (rows: (number | string)[][]) => rows.map((r) => r.join(",")).join("\n") + "\n";
const post = (body: string | Buffer, headers: Record<string, string>) => request(port(), "POST", "/invocations", body, headers);

test("GET /execution-parameters: the payload limit it runs with; batch transform's environment answered, bad values named", async () => {
  // this server's limit is 0.05 MB: no whole megabyte to offer a batch transform (it advertised 1 MB and answered 413)
  const r = await request(port(), "GET", "/execution-parameters");
  assert.is(r.status, 404, r.body);
  assert.match(JSON.parse(r.body).error, /no batch transform parameters: the payload limit \(SAGEMAKER_MAX_PAYLOAD_IN_MB=0\.05\) is under the 1 MB/);
  assert.is(batchEnv({}, 0.05), undefined);
  assert.throws(() => batchEnv({ SAGEMAKER_BATCH: "true" }, 0.5), /SAGEMAKER_MAX_PAYLOAD_IN_MB=0\.5 is under 1: a batch transform's payload is whole megabytes/);
  assert.equal(batchEnv({}, 6.5), { MaxConcurrentTransforms: 1, BatchStrategy: "MULTI_RECORD", MaxPayloadInMB: 6 }); // never above the limit
  const env = { SAGEMAKER_BATCH: "true", SAGEMAKER_BATCH_STRATEGY: "SINGLE_RECORD", SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: "4" };
  assert.equal(batchEnv(env, 20), { MaxConcurrentTransforms: 4, BatchStrategy: "SINGLE_RECORD", MaxPayloadInMB: 20 });
  assert.equal(batchEnv({ SAGEMAKER_BATCH: "true", SAGEMAKER_MODEL_SERVER_WORKERS: "2" }, 6), { MaxConcurrentTransforms: 2, BatchStrategy: "MULTI_RECORD", MaxPayloadInMB: 6 });
  // the model server's workers share the cores (serve.ts: the core's coreShareEnv): ⌊cores / workers⌋ core threads each, at least 1,
  // unless the operator set OMP_NUM_THREADS
  assert.equal(coreShareEnv(2, {}, 8), { OMP_NUM_THREADS: "4" });
  assert.equal(coreShareEnv(3, {}, 2), { OMP_NUM_THREADS: "1" });
  assert.equal(coreShareEnv(2, { OMP_NUM_THREADS: "3" }, 8), {});
  for (const [n, cores] of [[NaN, 2], [0, 2], [2, NaN], [1.5, 2]]) assert.throws(() => coreShareEnv(n, {}, cores), /coreShareEnv: the (processes|cores) must be an integer ≥ 1/);
  assert.throws(() => batchEnv({ SAGEMAKER_BATCH_STRATEGY: "BATCHES" }, 6), /SAGEMAKER_BATCH_STRATEGY=BATCHES must be MULTI_RECORD or SINGLE_RECORD/);
  assert.throws(() => batchEnv({ SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: "0" }, 6), /SAGEMAKER_MAX_CONCURRENT_TRANSFORMS=0 must be an integer ≥ 1/);
  assert.throws(() => batchEnv({ SAGEMAKER_BATCH: "yes" }, 6), /SAGEMAKER_BATCH=yes must be true or false/);
  // decimal digits only, as the inference toolkits' int() reads them (Number() took hex, binary, exponents, "2.0")
  for (const bad of ["0x2", "0b11", "1e1", "2.0", "65"]) assert.throws(() => batchEnv({ SAGEMAKER_MODEL_SERVER_WORKERS: bad }, 6), new RegExp(`SAGEMAKER_MODEL_SERVER_WORKERS=${bad} must be an integer from 1 to 64`));
  assert.throws(() => batchEnv({ SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: "0x4" }, 6), /SAGEMAKER_MAX_CONCURRENT_TRANSFORMS=0x4 must be an integer ≥ 1/);
  assert.is(batchEnv({ SAGEMAKER_MODEL_SERVER_WORKERS: " +3 " }, 6)!.MaxConcurrentTransforms, 3);
});

test("GET /ping → 200", async () => {
  const r = await request(port(), "GET", "/ping");
  assert.is(r.status, 200);
  assert.match(served!.output(), /serving on http:\/\/127\.0\.0\.1:\d+/);
});

test("text/csv in, text/csv out: one prediction per line, equal to lib's loadEnsemble(model/).predict", async () => {
  const rows = X.slice(0, 25);
  const r = await post(csv(rows), { "Content-Type": "text/csv", Accept: "text/csv" });
  assert.is(r.status, 200, r.body);
  assert.match(String(r.headers["content-type"]), /^text\/csv/);
  const got = r.body.trim().split("\n").map(Number);
  assert.equal(got, Array.from(ens.predict(rows).prediction));
});

test("the Predictor's CSV body of a table or objects names their columns in a header row, which serve reads them by: a table whose columns come in another order predicts as lib does (it was read in the model's order, silently)", async () => {
  const { Predictor, session } = await import("ensemble-workbook/sagemaker");
  const { loadDiabetes } = await import("ensemble-workbook");
  const predictor = new Predictor(session({ mode: "local" }), "body-only");
  const reversed = [...features].reverse();
  const table = loadDiabetes().slice(0, 8).select([...reversed, "target"]);
  const want = Array.from(ens.predict(table).prediction);
  // the body predict(rows, { format: "csv" }) sends (the request itself needs a deployed endpoint: sagemaker-flow)
  const bodyOf = (rows: unknown) => (predictor as unknown as { body(r: unknown, o: object): { body: string; contentType: string } }).body(rows, { format: "csv" });
  for (const [what, rows] of [["table", table], ["objects", (table.objects() as Record<string, unknown>[]).map((o) => Object.fromEntries(reversed.map((f) => [f, o[f]])))]] as const) {
    const { body, contentType } = bodyOf(rows);
    assert.ok(body.startsWith(reversed.join(",") + "\n"), `${what}: ${body.slice(0, 60)}`);
    const r = await post(body, { "Content-Type": contentType, Accept: "application/json" });
    assert.is(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).predictions, want, what);
  }
});

test("a CSV body separated by tabs, semicolons or pipes is read with its first line's separator, as SageMaker's XGBoost reads text/csv (csv.Sniffer on the first line); a comma inside a quoted field does not count", async () => {
  const rows = X.slice(0, 5);
  const want = Array.from(ens.predict(rows).prediction);
  for (const sep of ["\t", ";", "|"]) {
    const body = rows.map((r) => r.join(sep)).join("\n") + "\n";
    // Sniffer reads pipes only where no digit outnumbers them (it takes the most frequent character): not these rows
    if (sep !== "|" && hasSklearn()) assert.is(python(`import csv\nprint(json.dumps(csv.Sniffer().sniff(data["body"].split("\\n")[0][:512]).delimiter))`, { body }), sep, "csv.Sniffer");
    for (const withHeader of [false, true]) {
      const r = await post((withHeader ? features.join(sep) + "\n" : "") + body, { "Content-Type": "text/csv", Accept: "text/csv" });
      assert.is(r.status, 200, r.body);
      assert.equal(r.body.trim().split("\n").map(Number), want, `${JSON.stringify(sep)}${withHeader ? ", with a header row" : ""}`);
    }
  }
  const quoted = rows.map((r) => r.map((v, j) => (j === 0 ? `"${v}"` : v)).join(";")).join("\n") + "\n";
  const r = await post(quoted.replace(/^"/, '"\t'), { "Content-Type": "text/csv", Accept: "text/csv" });
  assert.is(r.status, 200, r.body);
  assert.equal(r.body.trim().split("\n").map(Number), want, "a tab inside the first line's quotes");
});

test("application/json instances (arrays and objects by name), members=true, Accept defaults", async () => {
  const rows = X.slice(100, 110);
  const expected = ens.predict(rows);
  const a = await post(JSON.stringify({ instances: rows }), { "Content-Type": "application/json" });
  assert.is(a.status, 200, a.body);
  assert.match(String(a.headers["content-type"]), /^application\/json/);
  assert.equal(JSON.parse(a.body), { predictions: Array.from(expected.prediction) });

  const objects = rows.map((r) => Object.fromEntries(features.map((f, j) => [f, r[j]])));
  const b = await post(JSON.stringify({ instances: objects }), {
    "Content-Type": "application/json; charset=utf-8",
    Accept: "application/json",
    "X-Amzn-SageMaker-Custom-Attributes": "members=true",
  });
  assert.is(b.status, 200, b.body);
  const body = JSON.parse(b.body);
  assert.equal(body.predictions, Array.from(expected.prediction));
  assert.equal(Object.keys(body.members), ["xgboost", "catboost", "ridge"]);
  for (const name of Object.keys(body.members)) assert.equal(body.members[name], Array.from(expected.members[name]));
  // mean blend: the prediction is the members' mean (float64)
  const mean = (body.members.xgboost[0] + body.members.catboost[0] + body.members.ridge[0]) / 3;
  assert.ok(Math.abs(body.predictions[0] - mean) < 1e-9);

  // CSV in, JSON out with members; JSON in, CSV out; */* → request's format
  const c = await post(csv(rows), { "Content-Type": "text/csv", Accept: "application/json", "X-Amzn-SageMaker-Custom-Attributes": "members=true" });
  assert.equal(JSON.parse(c.body).members.ridge, Array.from(expected.members.ridge));
  const d = await post(JSON.stringify({ instances: rows }), { "Content-Type": "application/json", Accept: "text/csv" });
  assert.equal(d.body.trim().split("\n").map(Number), Array.from(expected.prediction));
  const e = await post(csv(rows), { "Content-Type": "text/csv", Accept: "*/*" });
  assert.match(String(e.headers["content-type"]), /^text\/csv/);
  // without members=true, no members
  const f = await post(csv(rows), { "Content-Type": "text/csv", Accept: "application/json", "X-Amzn-SageMaker-Custom-Attributes": "members=false" });
  assert.equal(Object.keys(JSON.parse(f.body)), ["predictions"]);
});

test("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=application/json: a request without Accept, or with */*, is answered in JSON, as SageMaker's XGBoost answers it (it was the request's format); an Accept still decides", async () => {
  const rows = X.slice(0, 3);
  const want = Array.from(ens.predict(rows).prediction);
  const s = await startServe(root, { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "application/json" });
  try {
    const libsvm = rows.map((r) => r.map((v, j) => `${j}:${v}`).join(" ")).join("\n");
    for (const [body, headers] of [[csv(rows), { "Content-Type": "text/csv" }], [csv(rows), { "Content-Type": "text/csv", Accept: "*/*" }], [libsvm, { "Content-Type": "text/libsvm" }]] as const) {
      const r = await request(s.port, "POST", "/invocations", body, headers);
      assert.is(r.status, 200, r.body);
      assert.match(String(r.headers["content-type"]), /^application\/json/, JSON.stringify(headers));
      assert.equal(JSON.parse(r.body).predictions, want);
    }
    const c = await request(s.port, "POST", "/invocations", csv(rows), { "Content-Type": "text/csv", Accept: "text/csv" });
    assert.equal(c.body.trim().split("\n").map(Number), want);
  } finally {
    s.kill();
    await s.exited;
  }
});

test("missing values: empty CSV cell and JSON null predict like NaN in lib", async () => {
  const row = [...X[0]];
  const withNaN = [row.map((v, j) => (j === 2 ? NaN : v))];
  const expected = Array.from(ens.predict(withNaN).prediction);
  const a = await post(csv([row.map((v, j) => (j === 2 ? "" : v))]), { "Content-Type": "text/csv" });
  assert.equal(a.body.trim().split("\n").map(Number), expected);
  const b = await post(JSON.stringify({ instances: [row.map((v, j) => (j === 2 ? null : v))] }), { "Content-Type": "application/json" });
  assert.equal(JSON.parse(b.body).predictions, expected);
});

// LIBSVM bodies, as SageMaker's XGBoost serves them (text/libsvm, text/x-libsvm, and a body without Content-Type):
// index i is the model's i-th feature, an absent entry missing, a leading label ignored — the CSV body's answers
test("text/libsvm in: index:value rows (a leading label ignored, entries in any order, absent = missing) answer what the CSV body with empty cells answers", async () => {
  const rows = X.slice(0, 6).map((r, i) => r.map((v, j) => ((i + j) % 4 === 0 ? NaN : v)));
  const entries = (r: number[]) => r.flatMap((v, j) => (Number.isNaN(v) ? [] : [`${j}:${v}`]));
  const csvAnswer = await post(csv(rows.map((r) => r.map((v) => (Number.isNaN(v) ? "" : v)))), { "Content-Type": "text/csv" });
  assert.is(csvAnswer.status, 200, csvAnswer.body);
  const want = csvAnswer.body.trim().split("\n").map(Number);
  assert.equal(want, Array.from(ens.predict(rows).prediction));
  const bodies: [string, Record<string, string>][] = [
    [rows.map((r) => entries(r).join(" ")).join("\n") + "\n", { "Content-Type": "text/libsvm" }],
    [rows.map((r, i) => `${i % 2} ${entries(r).reverse().join("  ")}`).join("\r\n"), { "Content-Type": "text/x-libsvm; charset=utf-8" }],
    [rows.map((r) => `0\t${entries(r).join("\t")} `).join("\n") + "\n\n", {}],
  ];
  for (const [body, headers] of bodies) {
    const r = await post(body, headers);
    assert.is(r.status, 200, `${JSON.stringify(headers)}: ${r.body}`);
    assert.match(String(r.headers["content-type"]), /^text\/csv/, "answered in CSV, as SageMaker's XGBoost answers LIBSVM");
    assert.equal(r.body.trim().split("\n").map(Number), want, JSON.stringify(headers));
  }
  const j = await post(bodies[0][0], { "Content-Type": "text/libsvm", Accept: "application/json" });
  assert.equal(JSON.parse(j.body).predictions, want);
  // a blank line between rows is a row of missing values, as that container answers it (a batch transform's SplitType
  // Line sends a record a line and needs an answer a line); blank lines around the body are none
  const gap = await post(`\n${entries(rows[0]).join(" ")}\n\n${entries(rows[1]).join(" ")}\n\n`, { "Content-Type": "text/libsvm" });
  assert.equal(gap.body.trim().split("\n").map(Number), [want[0], ens.predict([features.map(() => NaN)]).prediction[0], want[1]]);
  const bad: [string, RegExp][] = [
    ["1 0:1 10:2\n", /^LIBSVM body: line 1: feature index 10 is past the model's features: it has 10 \(age, sex, bmi … s6\), indices 0 to 9/],
    ["0:1\n1:abc\n", /^LIBSVM body: line 2: value "abc" is not a number/],
    ["1 -3:1\n", /line 1: index -3 in "-3:1" is negative/],
    ["1 qid:2 0:1\n", /line 1: "qid:2": query ids \(qid\) are not supported/],
    ["1 2:1 2:1\n", /line 1: index 2 appears twice in the row/],
    ["0:1 5\n", /line 1: "5" is not an index:value pair/],
    ["0:1e39\n", /line 1: value "1e39" is beyond the float32 range/],
    ["# only a comment\n", /^LIBSVM body has no rows/],
  ];
  for (const [body, re] of bad) {
    const r = await post(body, { "Content-Type": "text/libsvm" });
    assert.is(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${r.body}`);
    assert.match(JSON.parse(r.body).error, re);
  }
});

test("400: malformed CSV / JSON names the row and column", async () => {
  const rows = X.slice(0, 3).map((r) => r.map(String));
  const cases: [string, string, RegExp][] = [
    ["text/csv", csv([rows[0], rows[1].slice(0, 9), rows[2]]), /row 2 \(line 2\) has 9 values, expected 10/],
    ["text/csv", csv([rows[0], rows[1], rows[2].map((v, j) => (j === 2 ? "abc" : v))]), /row 3 \(line 3\), column 3 \(bmi\): "abc" is not a number/],
    ["text/csv", `${rows[0].join(",")}\n"unclosed,1\n`, /line 2, column 1: quoted field is not closed/],
    ["text/csv", "\n", /empty request body/],
    ["application/json", "{not json", /not valid JSON/],
    ["application/json", JSON.stringify({ rows: [] }), /needs \{"instances"/],
    ["application/json", JSON.stringify({ instances: [X[0], X[1].slice(1)] }), /row 2 \(instances\[1\]\) has 9 values, expected 10/],
    ["application/json", JSON.stringify({ instances: [X[0].map((v, j) => (j === 3 ? "high" : v))] }), /row 1 \(instances\[0\]\), column 4 \(bp\): "high" is not a number/],
    ["application/json", JSON.stringify({ instances: [{ ...Object.fromEntries(features.map((f, j) => [f, X[0][j]])), bmii: 1 }] }), /row 1 \(instances\[0\]\): unknown feature "bmii"/],
    ["application/json", JSON.stringify({ instances: [Object.fromEntries(features.filter((f) => f !== "s5").map((f, j) => [f, X[0][j]]))] }), /column 9 \(s5\): missing/],
  ];
  for (const [type, body, re] of cases) {
    const r = await post(body, { "Content-Type": type });
    assert.is(r.status, 400, `${body.slice(0, 60)} → ${r.status} ${r.body}`);
    assert.match(JSON.parse(r.body).error, re);
  }
});

test("415 unsupported content type, 406 unsupported accept, 404, 405", async () => {
  const body = csv([X[0]]);
  const a = await post(body, { "Content-Type": "application/x-recordio-protobuf" });
  assert.is(a.status, 415);
  assert.match(JSON.parse(a.body).error, /application\/x-recordio-protobuf.*text\/csv, application\/json or text\/libsvm/);
  // no Content-Type: LIBSVM, as SageMaker's XGBoost reads it (test "text/libsvm …" below); a CSV body then is a 400 saying so
  const a2 = await post(body, {});
  assert.is(a2.status, 400);
  assert.match(JSON.parse(a2.body).error, /^LIBSVM body: line 1: .* a body without Content-Type is read as LIBSVM, as SageMaker's XGBoost reads it: send Content-Type: text\/csv or application\/json/);
  // a CSV of one number a row reads as LIBSVM labels and no features: it was a 200 of the all-missing prediction a row
  const a3 = await post("1\n9\n", {});
  assert.is(a3.status, 400, a3.body);
  assert.match(JSON.parse(a3.body).error, /^LIBSVM body has no index:value pair in any row — a body without Content-Type is read as LIBSVM/);
  const b = await post(body, { "Content-Type": "text/csv", Accept: "application/x-protobuf" });
  assert.is(b.status, 406);
  assert.match(JSON.parse(b.body).error, /application\/x-protobuf/);
  // a compressed body: 415 naming the encoding (gzip was a 400 about UTF-8, a mislabelled br body answered as plain)
  const { gzipSync } = require("zlib") as typeof import("zlib");
  for (const [encoding, sent] of [["gzip", gzipSync(body)], ["br", Buffer.from(body)]] as const) {
    const z = await post(sent, { "Content-Type": "text/csv", "Content-Encoding": encoding });
    assert.is(z.status, 415, `${encoding}: ${z.body}`);
    assert.match(JSON.parse(z.body).error, new RegExp(`Content-Encoding "${encoding}" is not supported: send the body uncompressed`));
  }
  assert.is((await post(body, { "Content-Type": "text/csv", "Content-Encoding": "identity" })).status, 200);
  const nope = await request(port(), "GET", "/nope");
  assert.is(nope.status, 404);
  assert.match(JSON.parse(nope.body).error, /routes: GET \/ping, POST \/invocations, GET \/execution-parameters$/);
  assert.is((await request(port(), "GET", "/invocations")).status, 405);
  assert.is((await request(port(), "POST", "/ping", "x")).status, 405);
  // batch transform's route was a 404 to any other method, listing routes without it
  const ep = await request(port(), "POST", "/execution-parameters", "{}");
  assert.is(ep.status, 405, ep.body);
  assert.match(JSON.parse(ep.body).error, /method POST not allowed on \/execution-parameters \(use GET\)/);
});

test("413 above SAGEMAKER_MAX_PAYLOAD_IN_MB (0.05 MB here), declared (before the body, with Expect: 100-continue) or streamed; the server stays up", async () => {
  const row = X[0].join(",") + "\n";
  const big = row.repeat(Math.ceil((0.06 * 1048576) / row.length));
  const a = await post(big, { "Content-Type": "text/csv" });
  assert.is(a.status, 413);
  assert.match(JSON.parse(a.body).error, /SAGEMAKER_MAX_PAYLOAD_IN_MB=0\.05/);
  // chunked (no Content-Length): the limit is counted while streaming
  const streamed = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: port(), method: "POST", path: "/invocations", headers: { "Content-Type": "text/csv" }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on("error", (e) => reject(e));
    req.write(big.slice(0, 30000));
    req.write(big.slice(30000));
    req.end();
  }).catch((e) => (String(e.code) === "ECONNRESET" || String(e.code) === "EPIPE" ? 413 : Promise.reject(e)));
  assert.is(streamed, 413);
  // Expect: 100-continue (curl's for bodies over 1 MB): a body declared too large is refused before it is sent — no
  // 100 Continue (node sent one to every such request, and the client uploaded the whole body for the 413); a body
  // within the limit gets its 100 Continue and its answer
  const expecting = (declared: number, send: string) =>
    new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request({ host: "127.0.0.1", port: port(), method: "POST", path: "/invocations", headers: { "Content-Type": "text/csv", "Content-Length": String(declared), Expect: "100-continue" }, agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode!, continued }));
      });
      req.on("continue", () => {
        continued = true;
        req.end(send);
      });
      req.on("error", reject);
    });
  assert.equal(await expecting(200 * 1048576, ""), { status: 413, continued: false }, "200 MB declared: 413, no 100 Continue");
  const within = row.repeat(3);
  assert.equal(await expecting(Buffer.byteLength(within), within), { status: 200, continued: true });
  // just below the limit is fine
  const ok = await post(row.repeat(Math.floor((0.04 * 1048576) / row.length)), { "Content-Type": "text/csv" });
  assert.is(ok.status, 200);
  assert.is((await request(port(), "GET", "/ping")).status, 200);
});

test("50 concurrent invocations: all 200 and each equals lib's prediction for its row", async () => {
  const expected = ens.predict(X.slice(0, 50)).prediction;
  const results = await Promise.all(
    X.slice(0, 50).map((r) => post(csv([r]), { "Content-Type": "text/csv" })),
  );
  results.forEach((r, i) => {
    assert.is(r.status, 200);
    assert.is(Number(r.body.trim()), expected[i]);
  });
});

test("SIGTERM: an in-flight request still gets its answer, then the process exits 0", async () => {
  const s = await startServe(root);
  try {
    const body = csv(X.slice(0, 5));
    const pending = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: s.port, method: "POST", path: "/invocations", headers: { "Content-Type": "text/csv", "Content-Length": Buffer.byteLength(body) } },
        (res) => {
          let d = "";
          res.on("data", (c) => (d += c));
          res.on("end", () => resolve({ status: res.statusCode!, body: d }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 10)); // headers and part of the body are in: the request is in flight
      setTimeout(() => {
        process.kill(s.child.pid!, "SIGTERM");
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 200);
    });
    const r = await pending;
    assert.is(r.status, 200);
    assert.equal(r.body.trim().split("\n").map(Number), Array.from(ens.predict(X.slice(0, 5)).prediction));
    assert.is(await s.exited, 0);
    assert.match(s.output(), /SIGTERM: draining/);
  } finally {
    s.kill();
  }
});

/** OMP_NUM_THREADS of the processes serving `root` (their environment names it as OPT_ML): the primary's, unset, and its workers' */
function servingThreadsEnv(root: string): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let env: string[];
    try {
      env = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (env.includes(`OPT_ML=${root}`) && env.includes("SAGEMAKER_MODEL_SERVER_WORKERS=2")) out.push(env.find((e) => e.startsWith("OMP_NUM_THREADS="))?.slice(16));
  }
  return out;
}

test("SAGEMAKER_MODEL_SERVER_WORKERS=2: one port, correct answers under concurrency, each worker's core threads its share of the cores (OMP_NUM_THREADS), SIGTERM drains all and exits 0", async () => {
  const s = await startServe(root, { SAGEMAKER_MODEL_SERVER_WORKERS: "2" });
  try {
    assert.match(s.output(), /\(2 workers\)/);
    // the workers' large batches run on ⌊cores / 2⌋ core threads each (the core's default nthread reads it), not on every core each
    if (fs.existsSync("/proc/self/environ")) {
      const share = String(Math.max(1, Math.floor(availableCores() / 2)));
      assert.equal(servingThreadsEnv(root).filter((v) => v !== undefined), [share, share], "the two workers' OMP_NUM_THREADS");
    }
    const expected = ens.predict(X.slice(0, 40)).prediction;
    const results = await Promise.all(X.slice(0, 40).map((r) => request(s.port, "POST", "/invocations", csv([r]), { "Content-Type": "text/csv" })));
    results.forEach((r, i) => assert.is(Number(r.body.trim()), expected[i]));
    process.kill(s.child.pid!, "SIGTERM");
    assert.is(await s.exited, 0);
    assert.match(s.output(), /draining in-flight requests in 2 workers/);
  } finally {
    s.kill();
  }
});

// A WebAssembly trap in the core (a bug; here a heap corrupted on purpose by the test hook) leaves every later
// prediction of that process failing: its /ping must say so, and a worker of several is replaced.
test("a trap in the core: that invocation a 500 naming it; one process then answers /ping 500 (unhealthy); with 2 workers the broken one is replaced (the new one listening first) — /ping 200 and correct predictions again, the port never without a listener", async () => {
  const hook = (n: number) => {
    const file = path.join(root, `trap-${n}`);
    fs.writeFileSync(file, "");
    return file;
  };
  const row = csv([X[0]]);
  const expected = ens.predict([X[0]]).prediction[0];
  const one = await startServe(root, { ENSEMBLE_WORKBOOK_TEST_SERVE_TRAP: hook(1) });
  try {
    const r = await request(one.port, "POST", "/invocations", row, { "Content-Type": "text/csv" });
    assert.is(r.status, 500, r.body);
    assert.match(JSON.parse(r.body).error, /^prediction failed: memory access out of bounds — a WebAssembly trap in the core's xgb_free/);
    const again = await request(one.port, "POST", "/invocations", row, { "Content-Type": "text/csv" });
    assert.is(again.status, 500);
    assert.match(JSON.parse(again.body).error, /the core is unusable after a WebAssembly trap \(RuntimeError: memory access out of bounds in the core's xgb_free\)/);
    const ping = await request(one.port, "GET", "/ping");
    assert.is(ping.status, 500, ping.body);
    assert.match(JSON.parse(ping.body).error, /^unhealthy: the model server's core is unusable after a WebAssembly trap/);
  } finally {
    one.kill();
  }
  const two = await startServe(root, { SAGEMAKER_MODEL_SERVER_WORKERS: "2", ENSEMBLE_WORKBOOK_TEST_SERVE_TRAP: hook(2) });
  try {
    const r = await request(two.port, "POST", "/invocations", row, { "Content-Type": "text/csv" });
    assert.is(r.status, 500, r.body);
    const deadline = Date.now() + 30_000;
    const replacedLine = /serve worker \d+ stopped \(0\); its replacement serves/;
    while (!replacedLine.test(two.output()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    assert.match(two.output(), /serve worker \d+: its core is unusable after a WebAssembly trap; starting another, then stopping it/);
    assert.match(two.output(), replacedLine);
    // every answer from here is healthy (the broken worker stopped once its replacement listened: the port always had a listener)
    for (let i = 0; i < 20; i++) {
      const ping = await request(two.port, "GET", "/ping");
      assert.is(ping.status, 200, ping.body);
      const p = await request(two.port, "POST", "/invocations", row, { "Content-Type": "text/csv" });
      assert.is(p.status, 200, p.body);
      assert.is(Number(p.body.trim()), expected);
    }
  } finally {
    two.kill();
  }
});

test("serve with a bad OMP_NUM_THREADS or OMP_THREAD_LIMIT: exits ≠ 0 as it starts, naming the variable (it answered /ping, then failed every prediction)", async () => {
  for (const [name, value] of [["OMP_NUM_THREADS", "abc"], ["OMP_THREAD_LIMIT", "0"]]) {
    let err = "";
    try {
      const s = await startServe(root, { [name]: value });
      s.kill();
    } catch (e) {
      err = (e as Error).message;
    }
    assert.match(err, new RegExp(`serve exited \\(1\\) before listening: (?:loading the model from \\S+\\n)?.*${name} must be an integer ≥ 1.*got "${value}"`), `${name}=${value}`);
  }
});

test("serve without a model: exits ≠ 0 naming the problem", async () => {
  const empty = optMl(undefined, {});
  try {
    let err = "";
    try {
      const s = await startServe(empty);
      s.kill();
    } catch (e) {
      err = (e as Error).message;
    }
    assert.match(err, /serve exited \(1\) before listening: (?:loading the model from \S+\n)?.*no manifest\.json in \S+ \(the folder is empty: the model's model\.tar\.gz held no files\)/);
  } finally {
    rmTree(empty);
  }
});

test("serve with a model.tar.gz packed with its folder (model/model/manifest.json) or holding other files: the error says what /opt/ml/model holds", async () => {
  const nested = optMl(undefined, {});
  const other = optMl(undefined, {});
  try {
    fs.mkdirSync(path.join(nested, "model", "model"));
    fs.writeFileSync(path.join(nested, "model", "model", "manifest.json"), "{}");
    fs.writeFileSync(path.join(other, "model", "xgboost-model"), "binary");
    const failure = async (root: string) => {
      try {
        (await startServe(root)).kill();
      } catch (e) {
        return (e as Error).message;
      }
      return "it served";
    };
    assert.match(await failure(nested), /no manifest\.json in \S+ \(it is in model\/: the model\.tar\.gz holds the folder model\/ instead of its files — pack the folder's files at the top, e\.g\. tar -czf model\.tar\.gz -C model \.\)/);
    assert.match(await failure(other), /no manifest\.json in \S+ \(the folder holds xgboost-model: a model trained by this trainer is manifest\.json and one file per member\)/);
  } finally {
    rmTree(nested);
    rmTree(other);
  }
});

test.run();
