/**
 * The batch transform's data handling (sagemaker-local/jsonpath, transform-data), pure: JSONPath selections checked
 * against Python's jsonpath-ng (an independent implementation; skipped, naming the package, where it is missing),
 * paths AWS's subset does not have rejected, mini-batches within the payload, answers split per record, CSV and
 * JSON joins with SageMakerOutput / SageMakerInput.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "child_process";
import { evaluateJsonPath, parseJsonPath, JsonPathError } from "../sagemaker-local/jsonpath";
import { csvFields, miniBatches, outputRecord, splitAnswer, splitRecords, filterInput } from "../sagemaker-local/transform-data";

const CASES: [string, unknown][] = [
  ["$[1:]", ["id", "a", "b", "c"]],
  ["$[0]", ["id", "a", "b", "c"]],
  ["$[-1]", ["id", "a", "b", "c"]],
  ["$[0,2]", ["id", "a", "b", "c"]],
  ["$[1:3]", ["id", "a", "b", "c"]],
  ["$[-2:]", ["id", "a", "b", "c"]],
  ["$[*]", ["id", "a", "b", "c"]],
  ["$.features", { id: 1, features: [1, 2], SageMakerOutput: { p: 3 } }],
  ["$['id','SageMakerOutput']", { id: 1, features: [1, 2], SageMakerOutput: { p: 3 } }],
  ["$.*", { id: 1, features: [1, 2], SageMakerOutput: { p: 3 } }],
  ["$.features[0]", { id: 1, features: [1, 2] }],
  ["$.SageMakerOutput.p", { SageMakerOutput: { p: 3 } }],
];

/** every case's selection by jsonpath-ng, in one python3 run; undefined when it is not installed */
function jsonpathNg(cases: [string, unknown][]): unknown[][] | undefined {
  const script = "import json,sys\nfrom jsonpath_ng.ext import parse\nprint(json.dumps([[m.value for m in parse(p).find(r)] for p, r in json.loads(sys.argv[1])]))";
  try {
    return JSON.parse(execFileSync("python3", ["-c", script, JSON.stringify(cases)], { stdio: ["ignore", "pipe", "ignore"] }).toString());
  } catch {
    return undefined;
  }
}

test("JSONPath selections equal jsonpath-ng's (Python, PyPI jsonpath-ng)", () => {
  const ng = jsonpathNg(CASES);
  if (!ng) {
    console.log("  skipped: python3 cannot import jsonpath_ng (the PyPI package jsonpath-ng; Debian has none)");
    return;
  }
  CASES.forEach(([p, rec], i) => {
    const ours = parseJsonPath(p);
    const got = evaluateJsonPath(ours, rec);
    assert.equal(ours.multiple ? got : [got], ng[i], p);
  });
});

test("JSONPath: what AWS's subset lacks does not parse; missing indices and fields are errors", () => {
  for (const bad of ["$[1:", "$..id", "$[?(@.a)]", "$[::2]", "id", "$.", "$[1:2:3]", "$[(@.length-1)]", "$['a'"]) assert.throws(() => parseJsonPath(bad), (e: unknown) => e instanceof JsonPathError, bad);
  assert.throws(() => parseJsonPath("$" + ".a".repeat(40)), /longer than 63/);
  assert.throws(() => evaluateJsonPath(parseJsonPath("$[7]"), [1, 2]), /index 7 is outside the record's 2 fields/);
  assert.throws(() => evaluateJsonPath(parseJsonPath("$.x"), { y: 1 }), /no field 'x'/);
});

test("records, filters, mini-batches, answers, joins", () => {
  assert.equal(splitRecords("a\r\nb\n\nc\n", "Line").map((r) => [r.text, r.line]), [["a", 1], ["b", 2], ["", 3], ["c", 4]]);
  assert.equal(splitRecords("a\nb", "None").length, 1);
  assert.equal(csvFields('1,"x,""y""",,3'), ["1", 'x,"y"', "", "3"]);
  assert.is(filterInput('7,"a,b",2.5', "csv", parseJsonPath("$[1:]")), '"a,b",2.5');
  assert.is(filterInput('{"id":7,"features":[1,2]}', "json", parseJsonPath("$.features")), "[1,2]");
  // 10-byte records + newline: 3 fit in 33 bytes; a record bigger than the limit is a batch of its own (the run refuses it)
  assert.equal(miniBatches([10, 10, 10, 10, 10, 10, 10], "MultiRecord", 33), [[0, 3], [3, 6], [6, 7]]);
  assert.equal(miniBatches([50, 1], "MultiRecord", 33), [[0, 1], [1, 2]]);
  assert.equal(miniBatches([1, 1], "SingleRecord", 1000), [[0, 1], [1, 2]]);
  assert.equal(splitAnswer("1\n2\n", "text/csv", 2), ["1", "2"]);
  assert.equal(splitAnswer('{"predictions":[1.5,[0.1,0.9]]}', "application/json", 2), ["1.5", "[0.1,0.9]"]);
  assert.throws(() => splitAnswer("1\n", "text/csv", 2), /answered 1 output record\(s\) for 2 input record\(s\)/);
  // CSV join: the input's fields then the output's; $[0,-1] keeps the id and the prediction
  assert.is(outputRecord("7,1,2", "csv", "0.5", "csv", true, parseJsonPath("$[0,-1]")), "7,0.5");
  assert.is(outputRecord("7,1,2", "csv", "0.1,0.9", "csv", true, undefined), "7,1,2,0.1,0.9");
  // JSON join: SageMakerOutput in an object input, {SageMakerInput, SageMakerOutput} otherwise
  assert.is(outputRecord('{"id":7,"x":[1]}', "json", "0.5", "json", true, parseJsonPath("$['id','SageMakerOutput']")), "[7,0.5]");
  assert.is(outputRecord("[1,2]", "json", '{"p":1}', "json", true, undefined), '{"SageMakerInput":[1,2],"SageMakerOutput":{"p":1}}');
  assert.throws(() => outputRecord("7,1", "csv", "0.5", "csv", true, parseJsonPath("$[5]")), /outside the record's 3 fields/);
});

test.run();
