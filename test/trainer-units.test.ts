/**
 * trainer units, in-process: hyperparameter parsing, the CSV splitter,
 * content negotiation, body parsing, OPT_ML and failure-line handling.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decodeValue, memberSpecs, parseHyperparameters, sameModelCopies } from "../trainer/hyperparameters";
import { splitCsv } from "../trainer/csv";
import { HttpError, requestFormat, responseFormat } from "../trainer/formats";
import { customAttributes } from "../trainer/explain";
import { jsonWithArrays } from "../trainer/optml";
import { NA_VALUES } from "ensemble-workbook";
import { resolveParams } from "node-xgboost-wasm";
import { buildEnsemble } from "../trainer/train";
import { BodySchema, parseCsvBody, parseJsonBody } from "../trainer/bodies";
import { serveOptionsFromEnv } from "../trainer/http-server";
import { hasSklearn, python } from "./lib-sklearn";
import { failureLine, optMlPaths, optMlRoot, publishDir } from "../trainer/optml";

const throwsWith = (fn: () => unknown, re: RegExp) => {
  try {
    fn();
  } catch (e) {
    assert.match((e as Error).message, re);
    return e as Error;
  }
  assert.unreachable(`expected an error matching ${re}`);
};

test("hyperparameters: plain strings and JSON-encoded strings give the same settings", () => {
  const a = parseHyperparameters({ models: "xgboost,ridge", k_fold: "4", num_round: "50", eta: "0.2", max_depth: "4", blend: "stacking", seed: "7", final_model: "folds", label: "y", objective: "reg:absoluteerror", "xgboost.subsample": "0.7" });
  const b = parseHyperparameters({ models: '"xgboost,ridge"', k_fold: '"4"', num_round: "50", eta: '"0.2"', max_depth: 4, blend: '"stacking"', seed: '"7"', final_model: '"folds"', label: '"y"', objective: '"reg:absoluteerror"', "xgboost.subsample": '"0.7"' });
  assert.equal(a, b);
  assert.equal(a.models, ["xgboost", "ridge"]);
  assert.is(a.kFold, 4);
  assert.is(a.eta, 0.2);
  assert.is(a.finalModel, "folds");
  assert.equal(a.memberParams, { xgboost: { subsample: "0.7" } });
  assert.equal(parseHyperparameters({ models: '["catboost","rf"]' }).models, ["catboost", "random_forest"]);
});

test("hyperparameters: a kind listed twice — its copy's own <kind>_<n>.<param> after the kind's; unknown copies are errors; copies that are the same model are warned about", () => {
  const s = parseHyperparameters({ models: "xgboost,catboost,xgb", max_depth: "4", "xgboost.subsample": "0.8", "xgb_2.max_depth": "2", "xgboost_2.seed": "5" });
  assert.equal(s.models, ["xgboost", "catboost", "xgboost"]);
  const [first, , copy] = memberSpecs(s);
  assert.equal(first, { kind: "xgboost", name: "xgboost", params: { max_depth: 4, seed: 0, subsample: "0.8" } });
  assert.equal(copy, { kind: "xgboost", name: "xgboost_2", params: { max_depth: "2", seed: "5", subsample: "0.8" } });
  assert.equal(sameModelCopies(buildEnsemble(s).members), []);
  const warned = (hp: Record<string, string>) => sameModelCopies(buildEnsemble(parseHyperparameters(hp)).members);
  assert.equal(warned({ models: "xgboost,xgboost" }), ['models: "xgboost_2" has the same parameters as "xgboost" — the same model twice; give it its own with xgboost_2.<param> (e.g. xgboost_2.max_depth)']);
  // a kind's own values reach every copy; values written differently are one value once coerced; threads change no model
  assert.match(warned({ models: "ridge,catboost,ridge", "ridge.alpha": "3" }).join(), /"ridge_2" has the same parameters as "ridge" .* \(e\.g\. ridge_2\.alpha\)/);
  assert.is(warned({ models: "xgboost,xgboost", eta: "0.1", "xgboost_2.eta": "0.10", "xgboost_2.nthread": "1" }).length, 1);
  assert.is(warned({ models: "catboost,catboost,catboost", "catboost_3.depth": "4" }).length, 1, "catboost_2 only");
  // a bad parameter of a copy names the copy
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "xgboost,xgboost", "xgboost_2.max_dept": "2" })), /^model xgboost_2: .*max_dept/);
  throwsWith(() => parseHyperparameters({ models: "xgboost,xgboost", "xgboost_3.max_depth": "2" }), /^hyperparameter xgboost_3\.max_depth="2": sets a parameter of "xgboost_3", but models lists xgboost 2 times: its copies are xgboost_2 \(the first is "xgboost"\)/);
  throwsWith(() => parseHyperparameters({ models: "xgboost,ridge", "xgboost_2.max_depth": "2" }), /sets a parameter of "xgboost_2", but models lists xgboost once/);
  throwsWith(() => parseHyperparameters({ models: "ridge", "catboost_2.depth": "2" }), /sets a parameter of "catboost_2", but models lists catboost not at all/);
  throwsWith(() => parseHyperparameters({ models: "xgboost,xgboost", "xgboost_2_3.max_depth": "2" }), /^hyperparameter xgboost_2_3\.max_depth="2": unknown model "xgboost_2_3": neither a model nor a copy of one \(<model>_<n>, e\.g\. xgboost_2\)/);
  throwsWith(() => parseHyperparameters({ models: "xgboost,xgboost", "xgboost_1.max_depth": "2" }), /sets a parameter of "xgboost_1"/);
  throwsWith(() => parseHyperparameters({ models: "xgboost,xgboost", "lightgbm_2.max_depth": "2" }), /unknown model "lightgbm_2": neither a model nor a copy of one .*known models: xgboost, catboost/);
});

test("hyperparameters: xgboost.monotone_constraints and xgboost.interaction_constraints in SageMaker's text forms reach the member's core parameters; a bad value is the job's error naming the model (they were \"not implemented\")", () => {
  const e = buildEnsemble(parseHyperparameters({ models: "xgboost,ridge", "xgboost.monotone_constraints": "(1,-1,0)", "xgboost.interaction_constraints": '"[[0,1],[2,3]]"' }));
  const params = (e.members[0] as unknown as { recipe(): { params: Record<string, unknown> } }).recipe().params;
  assert.is(params.monotone_constraints, "(1,-1,0)");
  assert.equal(params.interaction_constraints, [[0, 1], [2, 3]]);
  // without brackets, as SageMaker's container reads the text (Python's eval: a tuple)
  for (const text of ["1,-1,0", " 1, -1, 0, ", "(1,-1,0)"]) assert.equal(resolveParams({ monotone_constraints: text }).monotone_constraints, [1, -1, 0], text);
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "xgboost", "xgboost.monotone_constraints": "(1,2)" })), /^model xgboost: parameter monotone_constraints\[1\] is "2": each must be -1 \(decreasing\), 0 \(none\) or 1 \(increasing\)/);
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "xgboost", "xgboost.interaction_constraints": "[[0,1],[2" })), /^model xgboost: parameter interaction_constraints "\[\[0,1\],\[2" is not a nested list/);
});

test("hyperparameters: defaults; SageMaker keys ignored", () => {
  const s = parseHyperparameters({ sagemaker_program: "train.py", sagemaker_submit_directory: '"s3://x"', _tuning_objective_metric: "validation-rmse" });
  assert.equal(s.models, ["xgboost", "catboost"]);
  assert.is(s.kFold, 5);
  assert.is(s.blend, "mean");
  assert.is(s.finalModel, "refit");
  assert.is(s.seed, 0);
  assert.is(s.label, undefined);
});

test("hyperparameters: shared num_round/eta/max_depth go to the boosted members, member params win, seed to every tree member", () => {
  const s = parseHyperparameters({ models: "xgboost,catboost,random_forest,ridge", num_round: "30", eta: "0.1", max_depth: "5", seed: "3", "catboost.learning_rate": "0.02", "ridge.alpha": "2" });
  const specs = Object.fromEntries(memberSpecs(s).map((m) => [m.kind, m.params]));
  assert.equal(specs.xgboost, { num_round: 30, eta: 0.1, max_depth: 5, seed: 3 });
  assert.equal(specs.catboost, { num_round: 30, max_depth: 5, random_seed: 3, learning_rate: "0.02" }, "catboost's learning_rate replaces the shared eta (one setting)");
  assert.equal(specs.random_forest, { seed: 3 });
  assert.equal(specs.ridge, { alpha: "2" });
});

// A member's value wins over the layers before it by setting, whatever name either uses (lib's overMemberParams);
// two names of one setting in one layer, with different values, are the member's Error — none is dropped silently.
test("hyperparameters: a member's alias replaces the shared setting or its kind's value; two names of one setting in one layer are an error", () => {
  const member = (hp: Record<string, string>, name: string) => {
    const m = buildEnsemble(parseHyperparameters(hp)).members.find((x) => x.name === name)!;
    return (m as unknown as { recipe(): { params: Record<string, unknown>; numBoostRound: number } }).recipe();
  };
  const seedOf = (r: { params: Record<string, unknown> }) => r.params.seed ?? r.params.random_state;
  // the job's seed (0 unless given) and xgboost.random_state: it failed as 'seed and random_state … 0 and 3'
  assert.is(seedOf(member({ models: "xgboost", "xgboost.random_state": "3" }, "xgboost")), 3);
  assert.is(seedOf(member({ models: "random_forest", seed: "5", "random_forest.random_state": "3" }, "random_forest")), 3);
  assert.is(member({ models: "catboost", seed: "5", "catboost.random_state": "3" }, "catboost").params.seed, 3);
  // shared max_depth and a copy's depth; shared num_round and a member's n_estimators / iterations
  const depths = buildEnsemble(parseHyperparameters({ models: "catboost,catboost", max_depth: "4", "catboost_2.depth": "6" })).members.map((m) => (m as unknown as { recipe(): { params: { max_depth: number } } }).recipe().params.max_depth);
  assert.equal(depths, [4, 6]);
  assert.is(member({ models: "xgboost", num_round: "5", "xgboost.n_estimators": "7" }, "xgboost").numBoostRound, 7);
  assert.is(member({ models: "catboost", num_round: "5", "catboost.iterations": "7" }, "catboost").numBoostRound, 7);
  // a kind's learning_rate, a copy's eta: the copy's wins (it was dropped: the copy trained at 0.2)
  const etas = buildEnsemble(parseHyperparameters({ models: "xgboost,xgboost", "xgboost.learning_rate": "0.2", "xgboost_2.eta": "0.1" })).members.map((m) => {
    const p = (m as unknown as { recipe(): { params: Record<string, unknown> } }).recipe().params;
    return p.eta ?? p.learning_rate;
  });
  assert.equal(etas, [0.2, 0.1]);
  // one layer, two names, two values: an Error naming both (xgboost kept learning_rate, catboost kept seed)
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "xgboost", "xgboost.eta": "0.5", "xgboost.learning_rate": "0.01" })), /^model xgboost: parameters eta and learning_rate name the same setting \(eta\) with different values, 0\.5 and 0\.01: give one$/);
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "catboost", "catboost.random_state": "3", "catboost.random_seed": "4" })), /^model catboost: random_state and random_seed both give catboost's random_seed, with different values \(3 and 4\): give one$/);
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "xgboost,xgboost", "xgboost_2.eta": "0.5", "xgboost_2.learning_rate": "0.01" })), /^model xgboost_2: parameters eta and learning_rate/);
  // CatBoost's names only where XGBoost's would silently replace them, and what CatBoost itself refuses
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "catboost", "catboost.seed": "3" })), /^model catboost: parameter seed is not CatBoost's: use random_seed \(or random_state\)$/);
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "catboost", "catboost.lambda": "1" })), /parameter lambda is not CatBoost's: use l2_leaf_reg/);
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "catboost", "catboost.max_leaves": "2" })), /parameter max_leaves is not CatBoost's: a symmetric tree of depth d has 2\^d leaves/);
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "catboost", "catboost.subsample": "0.5" })), /^model catboost: subsample needs bootstrap_type "Bernoulli" \(it is Bayesian, the default/);
  assert.is(member({ models: "catboost", "catboost.subsample": "0.5", "catboost.bootstrap_type": "Bernoulli" }, "catboost").params.subsample, 0.5);
  throwsWith(() => buildEnsemble(parseHyperparameters({ models: "catboost", "catboost.rsm_x": "0.5" })), /^model catboost: unknown parameter "rsm_x"; CatBoost's names: depth, learning_rate, iterations.*core parameters CatBoost has no name for: (\w+, )*alpha, /);
  assert.is(member({ models: "catboost", "catboost.rsm": "0.5" }, "catboost").params.colsample_bylevel, 0.5);
});

test("hyperparameters: catboost.thread_count is CatBoost's (-1 every core) and the member's own, as xgboost.nthread; a bad one fails before any data is read", () => {
  const threadsOf = (hp: Record<string, string>) =>
    Object.fromEntries(buildEnsemble(parseHyperparameters(hp)).members.map((m) => [m.name, (m as unknown as { recipe(): { params: { nthread?: number } } }).recipe().params.nthread]));
  assert.equal(threadsOf({ "catboost.thread_count": "2" }), { xgboost: undefined, catboost: 2 });
  assert.equal(threadsOf({ "catboost.thread_count": "-1", "xgboost.nthread": "1" }), { xgboost: 1, catboost: 0 });
  throwsWith(() => buildEnsemble(parseHyperparameters({ "catboost.thread_count": "0" })), /^model catboost: thread_count must be -1 \(every core\) or an integer from 1 to 512, got 0$/);
  throwsWith(() => buildEnsemble(parseHyperparameters({ "catboost.thread_count": "2", "catboost.nthread": "2" })), /give thread_count or nthread, not both/);
});

test("hyperparameters: errors name the key, the value and what is allowed", () => {
  throwsWith(() => parseHyperparameters({ eta: "abc" }), /^hyperparameter eta="abc": is not a number/);
  throwsWith(() => parseHyperparameters({ eta: "0" }), /eta="0": must be > 0/);
  throwsWith(() => parseHyperparameters({ k_fold: "1" }), /k_fold="1": must be ≥ 2/);
  throwsWith(() => parseHyperparameters({ k_fold: "2.5" }), /k_fold="2.5": must be an integer/);
  throwsWith(() => parseHyperparameters({ num_round: "" }), /num_round="": is not a number/);
  throwsWith(() => parseHyperparameters({ models: "xgboost,lightgbm" }), /unknown model "lightgbm"; known models: xgboost, catboost, random_forest, ridge/);
  throwsWith(() => parseHyperparameters({ models: "" }), /models="": needs at least one model/);
  // the shared boosted settings with no boosted member: nothing reads them (the forest trained at its own depth 6)
  throwsWith(() => parseHyperparameters({ models: "random_forest", max_depth: "4" }), /^hyperparameter max_depth="4": sets the boosted members \(xgboost, catboost\), and models \(random_forest\) has none of them: nothing would read it; for the forest's depth give random_forest\.max_depth$/);
  throwsWith(() => parseHyperparameters({ models: '["ridge", "rf"]', eta: 0.3 }), /^hyperparameter eta=0\.3: sets the boosted members .*models \(ridge,random_forest\) has none/);
  throwsWith(() => parseHyperparameters({ num_round: "10", models: "linear" }), /^hyperparameter num_round="10": sets the boosted members/);
  assert.is(parseHyperparameters({ models: "ridge,catboost", max_depth: "4" }).maxDepth, 4); // catboost reads it
  assert.equal(parseHyperparameters({ models: "random_forest", "random_forest.max_depth": "4", seed: "3" }).memberParams, { random_forest: { max_depth: "4" } });
  throwsWith(() => parseHyperparameters({ blend: "max" }), /blend="max": unknown blend; known blends: mean/);
  throwsWith(() => parseHyperparameters({ final_model: "best" }), /final_model="best": must be "refit" or "folds"/);
  throwsWith(() => parseHyperparameters({ "catboost.depth": "4", models: "xgboost" }), /catboost.depth="4": sets a parameter of "catboost", which is not in models/);
  throwsWith(() => parseHyperparameters({ "gbm.depth": "4" }), /gbm.depth="4": unknown model "gbm"/);
  throwsWith(() => parseHyperparameters({ learning_rate: "0.1" }), /^unknown hyperparameter "learning_rate"/);
  throwsWith(() => parseHyperparameters({ eta: null as any }), /eta=null: expected a string/);
  throwsWith(() => parseHyperparameters([] as any), /must hold a JSON object/);
  throwsWith(() => parseHyperparameters(null as any), /must hold a JSON object/);
  // a list for a key that takes one value (it was read as its comma-joined text: ["2"] as k_fold 2)
  throwsWith(() => parseHyperparameters({ k_fold: [3] }), /^hyperparameter k_fold=\[3\]: is a list; this hyperparameter takes one value$/);
  throwsWith(() => parseHyperparameters({ parallel_fits: ["2"] }), /^hyperparameter parallel_fits=\["2"\]: is a list/);
  assert.equal(parseHyperparameters({ models: ["xgboost", "ridge"], categorical_features: ["sex"] }).models, ["xgboost", "ridge"]);
  assert.is(decodeValue('"a\\"b"'), 'a"b');
  assert.is(decodeValue('"unterminated'), '"unterminated');
});

test("csv splitter: quotes, CRLF, trailing newline; errors name line and column", () => {
  const r = splitCsv('a,"b,1","say ""hi"""\r\n1,2,3\r\n\r\n');
  assert.equal(r, [{ line: 1, fields: ["a", "b,1", 'say "hi"'] }, { line: 2, fields: ["1", "2", "3"] }]);
  assert.equal(splitCsv('"multi\nline",2\n3,4').map((x) => x.line), [1, 3]);
  assert.equal(splitCsv("1,,3\n")[0].fields, ["1", "", "3"]);
  throwsWith(() => splitCsv("1,2\n\n3,4\n", "f.csv"), /^f\.csv: line 2 is empty/);
  throwsWith(() => splitCsv('1,"2\n', "f.csv"), /line 1, column 2: quoted field is not closed/);
  throwsWith(() => splitCsv('1,2"x\n', "f.csv"), /line 1, column 2: stray quote/);
});

test("content negotiation: 415 / 406, Accept defaults to the request's format, q-values", () => {
  assert.is(requestFormat("text/csv; charset=utf-8"), "csv");
  assert.is(requestFormat("Application/JSON"), "json");
  const e = throwsWith(() => requestFormat("application/x-recordio-protobuf"), /unsupported Content-Type "application\/x-recordio-protobuf"/) as HttpError;
  assert.is(e.status, 415);
  // none: LIBSVM, as SageMaker's XGBoost container reads a body without one
  assert.is(requestFormat(undefined), "libsvm");
  assert.is(requestFormat("text/libsvm"), "libsvm");
  assert.is(requestFormat("text/x-libsvm"), "libsvm");
  // the bare names SageMaker's XGBoost takes (get_content_type), as a training channel's ContentType has them
  assert.is(requestFormat("CSV"), "csv");
  assert.is(requestFormat("libsvm; charset=utf-8"), "libsvm");
  assert.is(responseFormat(undefined, "csv"), "csv");
  assert.is(responseFormat("*/*", "json"), "json");
  assert.is(responseFormat("application/xml, text/csv", "json"), "csv");
  assert.is(responseFormat("text/csv;q=0.5, application/json", "csv"), "json");
  assert.is((throwsWith(() => responseFormat("application/xml", "csv"), /unsupported Accept "application\/xml"/) as HttpError).status, 406);
  // a malformed q is ignored (the type kept at q=1), an Accept of empty entries is none; q=0 still refuses a type
  assert.is(responseFormat("application/json;q=abc", "csv"), "json");
  assert.is(responseFormat(",,,", "csv"), "csv");
  throwsWith(() => responseFormat("application/json;q=0", "csv"), /unsupported Accept/);
  // a q=0 of a type is not undone by a wider range (RFC 9110 §12.5.1: the most specific range gives a type its q),
  // checked against negotiator (Express's and Koa's Accept parser): the answer is a type it finds acceptable, the
  // one when it finds one, and a 406 when it finds none. `text/csv;q=0, */*` was answered in CSV
  const Negotiator = require("negotiator") as new (req: { headers: Record<string, string> }) => { mediaTypes(available: string[]): string[] };
  const answers: Record<string, string> = { csv: "text/csv", json: "application/json" };
  for (const accept of ["text/csv;q=0, */*", "text/csv;q=0, text/*", "application/json;q=0, */*", "application/json; q=0, application/*, text/*", "*/*;q=0, text/csv;q=0.5", "text/*;q=0, text/csv", "*/*;q=0.1, application/*;q=0", "*/*, text/csv", "text/csv;q=0.5, application/*", "TEXT/CSV;Q=0, */*", "text/csv;q=0.0, application/json;q=0.000", "application/json;q=0.2, text/*;q=0.3, */*"]) {
    for (const fallback of ["csv", "json"] as const) {
      const acceptable = new Negotiator({ headers: { accept } }).mediaTypes(["text/csv", "application/json"]);
      let got: string | undefined;
      try {
        got = answers[responseFormat(accept, fallback)];
      } catch (e) {
        assert.is((e as HttpError).status, 406, accept);
      }
      if (acceptable.length === 0) assert.is(got, undefined, `${accept} (${fallback} request): negotiator accepts neither type`);
      else assert.ok(got !== undefined && acceptable.includes(got) && (acceptable.length > 1 || got === acceptable[0]), `${accept} (${fallback} request): answered ${got}, negotiator accepts ${acceptable.join(", ")}`);
    }
  }
  assert.equal(customAttributes("members=true"), { members: true, contributions: false, probabilities: false });
  assert.equal(customAttributes("trace=1; members=true"), { members: true, contributions: false, probabilities: false });
  assert.equal(customAttributes("contributions=TRUE,members=1"), { members: true, contributions: true, probabilities: false });
  assert.equal(customAttributes("members=false"), { members: false, contributions: false, probabilities: false });
  assert.equal(customAttributes(undefined), { members: false, contributions: false, probabilities: false });
  assert.equal(customAttributes("probabilities=yes"), { members: false, contributions: false, probabilities: true });
  throwsWith(() => customAttributes("probability=true"), /unknown attribute "probability"; did you mean probabilities=true/);
  assert.is((throwsWith(() => customAttributes("contributions=maybe"), /contributions=maybe — the value must be true or false/) as HttpError).status, 400);
  assert.is((throwsWith(() => customAttributes("members"), /members= — the value must be true or false/) as HttpError).status, 400);
  assert.is((throwsWith(() => customAttributes("contribution=true"), /unknown attribute "contribution"; did you mean contributions=true/) as HttpError).status, 400);
  throwsWith(() => customAttributes("memebrs=true"), /unknown attribute "memebrs"; did you mean members=true/);
  // the caller's own keys pass untouched, however they begin (member_id was refused as a misspelt "members")
  for (const own of ["member_id=42", "contributor=bob", "probability_threshold=0.5", "trace=abc"]) {
    assert.equal(customAttributes(own), { members: false, contributions: false, probabilities: false }, own);
  }
});

test("request bodies: CSV and JSON → row-major values; header equal to the features is skipped", () => {
  const f = ["a", "b"];
  assert.equal(Array.from(parseCsvBody("1,2\n3,\n", f).X), [1, 2, 3, NaN]);
  assert.equal(Array.from(parseCsvBody("a,b\n1,2\n", f).X), [1, 2]);
  assert.equal(Array.from(parseJsonBody('{"instances":[[1,2],{"b":4,"a":3}]}', f).X), [1, 2, 3, 4]);
  assert.equal(Array.from(parseJsonBody('[[1,null]]', f).X), [1, NaN]);
  // fast path (no quotes) and general path agree: CRLF, BOM, trailing blank lines, quotes, spaces, exponents
  for (const body of ["1,2\r\n3,4\r\n", "\ufeff1,2\n3,4", "1,2\n3,4\n\n\n", '"1",2\n3,"4"\n', " 1 , 2\n3,4", "1e0,2\n0.3e1,+4\n"]) {
    assert.equal(Array.from(parseCsvBody(body, f).X), [1, 2, 3, 4], JSON.stringify(body));
  }
  throwsWith(() => parseCsvBody("1,2\n\n3,4\n", f), /line 2 is empty/);
  throwsWith(() => parseCsvBody("1,2,3\n", f), /row 1 \(line 1\) has 3 values, expected 2/);
  throwsWith(() => parseCsvBody("1,0x10\n", f), /row 1 \(line 1\), column 2 \(b\): "0x10" is not a number/);
  throwsWith(() => parseCsvBody("1,2\n3\n", f), /row 2 \(line 2\) has 1 values, expected 2 \(a, b\)/);
  throwsWith(() => parseCsvBody("1,2\n3,x\n", f), /row 2 \(line 2\), column 2 \(b\): "x" is not a number/);
  throwsWith(() => parseJsonBody('{"instances":[[1,2],[1,true]]}', f), /row 2 \(instances\[1\]\), column 2 \(b\): true is not a number/);
  throwsWith(() => parseJsonBody('{"instances":[7]}', f), /row 1 \(instances\[0\]\) must be a list of 2 values or an object/);
  // a key beside instances is an option this endpoint does not act on: named, never ignored
  throwsWith(() => parseJsonBody('{"instances":[[1,2]],"configuration":{"k":3}}', f), /^JSON body: "configuration" beside "instances" is not read by this endpoint; send \{"instances": \[…\]\} alone/);
  throwsWith(() => parseJsonBody('{"signature_name":"x","instances":[[1,2]],"id":1}', f), /^JSON body: "signature_name", "id" beside "instances" are not read/);
  // SageMaker's built-in algorithms' JSON rows: {"features": [values]}
  assert.equal(Array.from(parseJsonBody('{"instances":[{"features":[1,2]},{"features":[3,null]}]}', f).X), [1, 2, 3, NaN]);
  // a header naming a column the model lacks: named as such (it was "row 1 has 3 values, expected 2")
  throwsWith(() => parseCsvBody("id,a,b\n7,1,2\n", f), /^CSV body: the header row \(line 1\) names column the model does not have: "id"; features are: a, b/);
});

test("request bodies with categorical columns: text → the training codes, a number read as its text, unseen and missing tokens → missing (counted); a header by name; text in a numeric column names row, column and value", () => {
  const schema: BodySchema = {
    columns: [
      { name: "genre", type: "categorical", categories: ["Drama", "Comedy", "3"] },
      { name: "store", type: "categorical", categories: ["7", "12"] },
      { name: "budget", type: "numeric" },
    ],
    naValues: new Set(NA_VALUES),
    label: "rating",
  };
  const csv = parseCsvBody('Comedy,12,1.5\n3,7.0,\nHorror,NA,2\n"Drama",12,None\n', schema);
  assert.equal(Array.from(csv.X), [1, 1, 1.5, 2, 0, NaN, NaN, NaN, 2, 0, 1, NaN]);
  assert.equal(csv.drift, { genre: { missing: 0, unseen: 1 }, store: { missing: 1, unseen: 0 }, budget: { missing: 2, unseen: 0 } });
  const json = parseJsonBody('{"instances":[{"genre":3,"store":12,"budget":1,"rating":8.1},["Comedy",null,null]]}', schema);
  assert.equal(Array.from(json.X), [2, 1, 1, 1, NaN, NaN]);
  assert.equal(Array.from(parseCsvBody("budget,rating,store,genre\n5,7.7,7,Drama\n", schema).X), [0, 0, 5]);
  throwsWith(() => parseCsvBody("Drama,7,cheap\n", schema), /^CSV body: row 1 \(line 1\), column 3 \(budget\): "cheap" is not a number \(the column is numeric\)/);
  throwsWith(() => parseCsvBody("genre,budget\nDrama,1\n", schema), /header row \(line 1\) lacks the feature "store"/);
  throwsWith(() => parseCsvBody("Drama,7\n", schema), /^CSV body: row 1 \(line 1\) has 2 values, expected 3 \(genre, store, budget\)/);
  throwsWith(() => parseJsonBody('{"instances":[[{"a":1},7,1]]}', schema), /column 1 \(genre\): an object is not a category/);
});

test("request bodies: a missing-value token that reads as a number (na_values -999) is missing in CSV and JSON, on the fast path's bodies too; other numbers are numbers", () => {
  const schema: BodySchema = { columns: [{ name: "size", type: "numeric" }, { name: "code", type: "numeric" }], naValues: new Set([...NA_VALUES, "-999", "?"]) };
  // training reads the cell -999 as missing (the loader's na_values): the endpoint must too
  assert.equal(Array.from(parseCsvBody("-999,2\n?,3\n-999.5,4\n", schema).X), [NaN, 2, NaN, 3, -999.5, 4]);
  assert.equal(Array.from(parseJsonBody('{"instances":[[-999,2],["-999",3],[-999.5,4]]}', schema).X), [NaN, 2, NaN, 3, -999.5, 4]);
  // a number just above the largest float32 that rounds to it: stored as it, on the fast path (plain numbers) and the
  // general one (a quote) alike, as training's reader stores it; beyond that, a 400 on both
  const max = Math.fround(3.4028234663852886e38);
  assert.equal(Array.from(parseCsvBody("3.40282356e38,1\n", ["size", "code"]).X), [max, 1]);
  assert.equal(Array.from(parseCsvBody('"3.40282356e38",1\n', ["size", "code"]).X), [max, 1]);
  for (const body of ["3.5e38,1\n", '"3.5e38",1\n', "1e400,1\n"]) throwsWith(() => parseCsvBody(body, ["size", "code"]), /column 1 \(size\): "[^"]+" is beyond the float32 range/);
  // without numeric tokens: -999 is a number
  assert.equal(Array.from(parseCsvBody("-999,2\n", ["size", "code"]).X), [-999, 2]);
});

test("request bodies: features named by numbers (pandas' 0, 1, 2): a first row of numbers is a row on either path, unless it names every feature once — then a 400 naming the ambiguity, never a guess", () => {
  const f: BodySchema = { columns: ["0", "1", "2"].map((name) => ({ name, type: "numeric" as const })), naValues: new Set(NA_VALUES) };
  // the fast path (plain numbers) and the general one (a quote, an NA) read the same rows
  for (const body of ["2,0,1\n5,6,7\n", '2,0,1\n"5",6,7\n', "2,0,1\n5,6,N/A\n"]) {
    throwsWith(() => parseCsvBody(body, f), /^CSV body: line 1 \(2,0,1\) reads both as a header row \(the model's features are named 0, 1, 2\) and as a row of numbers/);
  }
  for (const body of ["1,1,0\n0,1,5\n", '1,1,0\n"0",1,5\n', "1,1,0\n0,1,N/A\n"]) {
    assert.equal(Array.from(parseCsvBody(body, f).X).slice(0, 5), [1, 1, 0, 0, 1], JSON.stringify(body)); // a valid row, not a header lacking "2"
  }
  // names that are not all numbers: a header is a header
  assert.equal(Array.from(parseCsvBody("b,a\n2,1\n", ["a", "b"]).X), [1, 2]);
});

test("request bodies: lines of spaces alone before the first CSV row and after the last are none, as SageMaker's XGBoost strips the body before reading its rows (a leading blank line was a 400, a last line of spaces a row); inner blank lines and lines of tabs are kept", () => {
  // the container's read of a text/csv body (serve_utils.parse_content_data, encoder.csv_to_dmatrix), run at test time
  const container = (bodies: [string, string][]): (number | null)[][][] =>
    python(`def read(body, sep):\n  rows = [["nan" if x == "" else x for x in line.split(sep)] for line in body.strip().split("\\n")]\n  return [[None if v != v else v for v in r] for r in np.array(rows).astype(float).tolist()]\nprint(json.dumps([read(b, sep) for b, sep in data]))`, bodies);
  const cases: [string, string[], string][] = [
    ["\n1,2\n3,4\n", ["a", "b"], ","],
    ["\r\n  \n1;2\n3;4", ["a", "b"], ";"], // the separator sniffed on the first row, not on the blank line
    ["1,2\n3,4\n  \n \r\n", ["a", "b"], ","],
    ["\ufeff\n1,2\n", ["a", "b"], ","],
    ["1.5\n2\n \n", ["a"], ","], // one feature: the line of spaces was a third row (a missing value), a third answer
    ["\n 1.5\n", ["a"], ","],
    ["\u000b\n1,2\n\f\n", ["a", "b"], ","], // \v and \f lines are blank too (they were a 400)
  ];
  const want = hasSklearn() ? container(cases.map(([body, , sep]) => [body.replace(/^\ufeff/, ""), sep])) : undefined;
  cases.forEach(([body, f], k) => {
    const got = Array.from(parseCsvBody(body, f).X, (v) => (Number.isNaN(v) ? null : v));
    if (want) assert.equal(got, want[k].flat(), JSON.stringify(body));
    else assert.equal(got.length % f.length, 0);
  });
  // errors name the lines as sent
  throwsWith(() => parseCsvBody("\n\n1,2\n3\n", ["a", "b"]), /^CSV body: row 2 \(line 4\) has 1 values, expected 2/);
  throwsWith(() => parseCsvBody("\n1,2\n\n3,4\n", ["a", "b"]), /^CSV body: line 3 is empty/);
  // a line of tabs is a TSV row of missing values, wherever it is
  assert.equal(Array.from(parseCsvBody("1\t2\n\t\n", ["a", "b"]).X), [1, 2, NaN, NaN]);
});

test("request bodies: a CSV body separated by spaces (numpy's savetxt default) is read as SageMaker's XGBoost reads it (csv.Sniffer finds the space); it was a 400 naming one value a row", () => {
  const f = ["a", "b", "c"];
  if (hasSklearn()) {
    // the body savetxt writes and the container's read of it (encoder.csv_to_dmatrix's sniff, split and float), at test time
    const ref = python(`import csv, io\nb = io.StringIO()\nnp.savetxt(b, np.array(data, dtype=float))\nbody = b.getvalue()\ns = body.strip()\nd = csv.Sniffer().sniff(s.split("\\n")[0][:512]).delimiter\nd = "," if d.isalnum() else d\nrows = np.array([["nan" if x == "" else x for x in line.split(d)] for line in s.split("\\n")]).astype(float)\nprint(json.dumps({"body": body, "sep": d, "X": [[None if v != v else v for v in r] for r in rows.tolist()]}))`, [[59, 2, 32.1], [1.5, null, 3e-7]]);
    assert.is(ref.sep, " ");
    assert.equal(Array.from(parseCsvBody(ref.body, f).X, (v) => (Number.isNaN(v) ? null : v)), ref.X.flat().map((v: number | null) => (v === null ? null : Math.fround(v))));
  }
  assert.equal(Array.from(parseCsvBody("1 2 3\n4  6\n", f).X), [1, 2, 3, 4, NaN, 6], "two spaces: an empty field between them, as the container splits");
  assert.equal(Array.from(parseCsvBody("a b c\n1 2 3\n", f).X), [1, 2, 3], "a header too");
  throwsWith(() => parseCsvBody("1 2 3 \n", f), /^CSV body: row 1 \(line 1\) has 4 values, expected 3/); // as the container's fourth column
  // commas (or quotes) on the first line: commas, the spaces in the values
  assert.equal(Array.from(parseCsvBody("1, 2, 3\n", f).X), [1, 2, 3]);
  // one feature: a space is no separator
  assert.equal(Array.from(parseCsvBody(" 1.5 \n2\n", ["a"]).X), [1.5, 2]);
});

test("serve's environment: SAGEMAKER_BIND_TO_PORT empty is the default 8080, decimal digits only; SAGEMAKER_MAX_PAYLOAD_IN_MB finite and at least a byte; unset, MAX_CONTENT_LENGTH's bytes", () => {
  assert.is(serveOptionsFromEnv("/m", {}).port, 8080);
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_BIND_TO_PORT: "" }).port, 8080, "empty: the default (it was port 0: a random one)");
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_BIND_TO_PORT: "0" }).port, 0, "0 asks for a free port");
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_BIND_TO_PORT: "9000" }).port, 9000);
  for (const bad of ["0x4e6a", "1e3", "-1", "65536", "80.5", "http"]) {
    throwsWith(() => serveOptionsFromEnv("/m", { SAGEMAKER_BIND_TO_PORT: bad }), /^SAGEMAKER_BIND_TO_PORT=.* is not a port number \(0 to 65535\)/);
  }
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_MAX_PAYLOAD_IN_MB: "0.05" }).maxPayloadBytes, Math.floor(0.05 * 1024 * 1024));
  for (const bad of ["0", "-1", "Infinity", "0.0000001", "abc"]) {
    throwsWith(() => serveOptionsFromEnv("/m", { SAGEMAKER_MAX_PAYLOAD_IN_MB: bad }), /^SAGEMAKER_MAX_PAYLOAD_IN_MB=.* is not a positive number of megabytes/);
  }
  // batch transform's mini-batches are whole megabytes: a limit under 1 MB would advertise 1 and answer each one 413
  throwsWith(() => serveOptionsFromEnv("/m", { SAGEMAKER_BATCH: "true", SAGEMAKER_MAX_PAYLOAD_IN_MB: "0.5" }), /^SAGEMAKER_MAX_PAYLOAD_IN_MB=0\.5 is under 1: a batch transform's payload is whole megabytes/);
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_MAX_PAYLOAD_IN_MB: "0.5" }).executionParameters, undefined);
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_BATCH: "true", SAGEMAKER_MAX_PAYLOAD_IN_MB: "2.5" }).executionParameters!.MaxPayloadInMB, 2);
  // MAX_CONTENT_LENGTH, SageMaker's XGBoost container's limit in bytes (its /execution-parameters offers its whole MB):
  // the limit when SAGEMAKER_MAX_PAYLOAD_IN_MB is unset (it was ignored: 6 MB)
  const big = serveOptionsFromEnv("/m", { MAX_CONTENT_LENGTH: "20971520" });
  assert.is(big.maxPayloadBytes, 20971520);
  assert.is(big.executionParameters!.MaxPayloadInMB, 20);
  assert.is(big.payloadSetting, "MAX_CONTENT_LENGTH=20971520 (20 MB)");
  assert.is(serveOptionsFromEnv("/m", { MAX_CONTENT_LENGTH: "1000" }).maxPayloadBytes, 1000);
  assert.is(serveOptionsFromEnv("/m", { MAX_CONTENT_LENGTH: "20971520", SAGEMAKER_MAX_PAYLOAD_IN_MB: "2" }).maxPayloadBytes, 2 * 1048576, "the platform's setting wins");
  assert.is(serveOptionsFromEnv("/m", { MAX_CONTENT_LENGTH: " " }).maxPayloadBytes, 6 * 1048576, "empty: unset");
  for (const bad of ["0", "-1", "6MB", "1e7", "0x100000"]) {
    throwsWith(() => serveOptionsFromEnv("/m", { MAX_CONTENT_LENGTH: bad }), /^MAX_CONTENT_LENGTH=.* is not a positive number of bytes/);
  }
  throwsWith(() => serveOptionsFromEnv("/m", { SAGEMAKER_BATCH: "true", MAX_CONTENT_LENGTH: "500000" }), /^MAX_CONTENT_LENGTH=500000 \(0\.477 MB\) is under 1: a batch transform's payload is whole megabytes/);
});

test("serve's environment: SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT is the answer's format without Accept (text/csv or application/json, as SageMaker's XGBoost reads it; others named); SAGEMAKER_INFERENCE_OUTPUT, not implemented, is refused naming the custom attribute to use", () => {
  assert.is(serveOptionsFromEnv("/m", {}).defaultAccept, undefined);
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "" }).defaultAccept, undefined);
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "application/json" }).defaultAccept, "json");
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "Text/CSV; charset=utf-8" }).defaultAccept, "csv");
  for (const other of ["application/jsonlines", "application/x-recordio-protobuf", "text/plain"]) {
    throwsWith(() => serveOptionsFromEnv("/m", { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: other }), new RegExp(`^SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=${other.replace(/[/.+-]/g, "\\$&")} is not an answer this server writes: text/csv or application/json`));
  }
  // it was ignored: the container answered the selected content (labels), this server the probabilities
  throwsWith(() => serveOptionsFromEnv("/m", { SAGEMAKER_INFERENCE_OUTPUT: "predicted_label,probabilities" }), /^SAGEMAKER_INFERENCE_OUTPUT=predicted_label,probabilities: SageMaker XGBoost's selectable inference content is not implemented by this server; unset it — .*probabilities=true/);
  assert.is(serveOptionsFromEnv("/m", { SAGEMAKER_INFERENCE_OUTPUT: " " }).port, 8080, "empty: unset");
});

test("OPT_ML root, failure line (one line, ≤ 1024 chars, cause first), publishDir", () => {
  assert.is(optMlRoot({}), "/opt/ml");
  assert.is(optMlRoot({ OPT_ML: "/tmp/x" }), "/tmp/x");
  assert.is(optMlPaths("/r").hyperparameters, "/r/input/config/hyperparameters.json");
  assert.is(failureLine(new Error("bad\n  thing\r\nhere")), "bad thing here");
  assert.is(failureLine(new Error("x".repeat(5000))).length, 1024);
  // printable: a binary file's bytes quoted by a message (NUL, control bytes) are escaped, not written as they are
  assert.is(failureLine(new Error("file p.csv: line 1 (PAR1\u0015\u0000\tx\u007f\u0085\u2028y): NUL byte")), "file p.csv: line 1 (PAR1\\x15\\x00 x\\x7f\\x85 y): NUL byte");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "trainer-units-"));
  try {
    const tmp = path.join(root, "t");
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, "manifest.json"), "{}");
    fs.writeFileSync(path.join(tmp, "a.json"), "1");
    const model = path.join(root, "model");
    fs.mkdirSync(model);
    fs.writeFileSync(path.join(model, "stale.json"), "old");
    publishDir(tmp, model);
    assert.equal(fs.readdirSync(model).sort(), ["a.json", "manifest.json"]);
    assert.not.ok(fs.existsSync(tmp));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("cv.json written piece by piece is the text JSON.stringify gives for the whole object", () => {
  // 200 000 values cross many pieces; NaN and infinities are null as in JSON.stringify; -0 is 0
  const big = Float64Array.from({ length: 200_000 }, (_, i) => (i % 7 === 0 ? -i / 3 : Math.sqrt(i) * 1e-7));
  big[5] = NaN;
  big[6] = Infinity;
  big[8] = -0;
  const y = Float32Array.from({ length: 1000 }, (_, i) => i * 0.1);
  const small = { format: "x", nested: { a: [1, 2] }, s: "é\"" };
  const whole = JSON.stringify({ ...small, y: Array.from(y), oof: { ensemble: Array.from(big), xgboost: [] } }) + "\n";
  const pieces = [...jsonWithArrays(small, { y, oof: { ensemble: big, xgboost: new Float64Array(0) } })];
  assert.ok(pieces.length > 4, "written in several pieces");
  assert.is(pieces.join(""), whole);
  assert.is([...jsonWithArrays({}, { y: [1] })].join(""), JSON.stringify({ y: [1] }) + "\n");
});

test("request bodies: JSON Lines sent as application/json (a batch transform's SplitType Line) is a 400 saying so; other invalid JSON keeps the parser's message", () => {
  const f = ["a", "b"];
  const lines = '{"instances": [[1, 2]]}\n{"instances": [[3, 4]]}\n[5, 6]\n';
  const e = throwsWith(() => parseJsonBody(lines, f), /^JSON body holds 3 JSON documents, one a line \(JSON Lines — what a batch transform with SplitType Line sends/);
  assert.is((e as HttpError).status, 400);
  throwsWith(() => parseJsonBody('{"instances": [[1, 2]]}\n{"instances": [[3, ', f), /^JSON body is not valid JSON: /);
  throwsWith(() => parseJsonBody('{"instances": [[1, 2]', f), /^JSON body is not valid JSON: /);
  // what Python's json.dumps writes for a missing value (float nan; the SageMaker SDK's JSONSerializer is json.dumps):
  // the 400 says so and what to send (it was V8's "Unexpected token 'N'" alone)
  const pyNan = hasSklearn() ? python(`print(json.dumps(json.dumps({"instances": [[1.5, float("nan")], [float("-inf"), 2]]})))`, {}) : '{"instances": [[1.5, NaN], [-Infinity, 2]]}';
  assert.match(pyNan, /NaN/);
  throwsWith(() => parseJsonBody(pyNan, f), /^JSON body is not valid JSON: .* — NaN and Infinity are not JSON \(Python's json\.dumps writes them for float nan and inf\): write null for a missing number .*, or the rows as CSV/);
  // -Infinity first: V8 says only "No number after minus sign" of it
  throwsWith(() => parseJsonBody('{"instances": [[-Infinity, 2]]}', f), /^JSON body is not valid JSON: No number after minus sign.* — NaN and Infinity are not JSON/);
  assert.equal(Array.from(parseJsonBody('{"instances": [[1, 2]]}\n', f).X), [1, 2]);
});

test.run();
