/**
 * The batch transform's data handling (sagemaker-local/jsonpath, transform-data), pure: JSONPath selections checked
 * against Python's jsonpath-ng (an independent implementation) and against Jayway's JsonPath (Java, the one AWS's
 * documentation points to; each skipped, naming what is missing, where it is not installed),
 * paths AWS's subset does not have rejected, mini-batches within the payload, answers split per record, CSV and
 * JSON joins with SageMakerOutput / SageMakerInput.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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
  ["$['b','a']", { a: 1, b: 2, c: 3 }],
  ["$[*]['x','y']", [{ x: 1, y: 2, z: 0 }, { x: 3, y: 4 }]],
  ["$.a['x','y']", { a: { x: 1, y: 2, z: 3 } }],
  ["$[0,2:]", ["id", "a", "b", "c"]],
];

/** several names in the last bracket: jsonpath-ng lists each member's value, Jayway (AWS's) merges them into an object */
const mergesNames = (p: string) => /\['[^\]]*',[^\]]*\]$/.test(p);

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
  // checked against Jayway below: names merged into an object, and the index-and-slice union jsonpath-ng does not parse
  const cases = CASES.filter(([p]) => !mergesNames(p) && p !== "$[0,2:]");
  const ng = jsonpathNg(cases);
  if (!ng) {
    console.log("  skipped: python3 cannot import jsonpath_ng (the PyPI package jsonpath-ng; Debian has none)");
    return;
  }
  cases.forEach(([p, rec], i) => {
    const ours = parseJsonPath(p);
    const got = evaluateJsonPath(ours, rec);
    assert.equal(ours.multiple ? got : [got], ng[i], p);
  });
});

/** the newest version's jar of a Maven artifact in the local repository (~/.m2), or undefined */
function mavenJar(group: string, artifact: string): string | undefined {
  const dir = path.join(os.homedir(), ".m2", "repository", ...group.split("."), artifact);
  const versions = fs.existsSync(dir) ? fs.readdirSync(dir).filter((v) => fs.existsSync(path.join(dir, v, `${artifact}-${v}.jar`))) : [];
  const newest = versions.sort((a, b) => a.localeCompare(b, "en", { numeric: true })).pop();
  return newest && path.join(dir, newest, `${artifact}-${newest}.jar`);
}

/** every case's selection by Jayway's JsonPath (com.jayway.jsonpath:json-path and its dependencies in ~/.m2, run
 * with `java`), in one run: the path's value, a list for an indefinite path; undefined when it cannot run */
function jayway(cases: [string, unknown][]): unknown[] | undefined {
  const jars = [
    ["com.jayway.jsonpath", "json-path"],
    ["net.minidev", "json-smart"],
    ["net.minidev", "accessors-smart"],
    ["org.ow2.asm", "asm"],
    ["org.slf4j", "slf4j-api"],
  ].map(([g, a]) => mavenJar(g, a));
  if (jars.some((j) => !j)) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jayway-"));
  fs.writeFileSync(
    path.join(dir, "Select.java"),
    `import com.jayway.jsonpath.*;
public class Select {
  public static void main(String[] a) {
    Configuration conf = Configuration.defaultConfiguration();
    java.util.List<Object> out = new java.util.ArrayList<>();
    for (int i = 0; i < a.length; i += 2) out.add(JsonPath.compile(a[i]).read(conf.jsonProvider().parse(a[i + 1]), conf));
    System.out.println(conf.jsonProvider().toJson(out));
  }
}
`,
  );
  try {
    const args = cases.flatMap(([p, rec]) => [p, JSON.stringify(rec)]);
    return JSON.parse(execFileSync("java", ["-cp", jars.join(path.delimiter), path.join(dir, "Select.java"), ...args], { stdio: ["ignore", "pipe", "ignore"] }).toString());
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("JSONPath selections equal Jayway's JsonPath (Java; the library AWS's batch transform documentation points to): several names last are one object", () => {
  // Jayway parses no index-and-slice union ("$[0,5:]", AWS's own example): AWS reads those itself
  const cases = CASES.filter(([p]) => p !== "$[0,2:]");
  const jw = jayway(cases);
  if (!jw) {
    console.log("  skipped: java or Jayway's json-path (com.jayway.jsonpath:json-path, json-smart, accessors-smart, asm, slf4j-api) in ~/.m2 is missing");
    return;
  }
  cases.forEach(([p, rec], i) => assert.equal(evaluateJsonPath(parseJsonPath(p), rec), jw[i], p));
});

test("JSONPath: what AWS's subset lacks does not parse; missing indices and fields are errors", () => {
  for (const bad of ["$[1:", "$..id", "$[?(@.a)]", "$[::2]", "id", "$.", "$[1:2:3]", "$[(@.length-1)]", "$['a'"]) assert.throws(() => parseJsonPath(bad), (e: unknown) => e instanceof JsonPathError, bad);
  assert.throws(() => parseJsonPath("$" + ".a".repeat(40)), /longer than 63/);
  // one range a bracket, with indices (AWS's example "$[0,5:]"); AWS refuses two (aws/sagemaker-python-sdk#1112)
  assert.equal(evaluateJsonPath(parseJsonPath("$[0,5:]"), [0, 1, 2, 3, 4, 5, 6]), [0, 5, 6]);
  assert.throws(() => parseJsonPath("$[0:2,246:]"), /only single range filters of format \(eg: \[1:5\]\) are supported/);
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
  assert.is(outputRecord('{"id":7,"x":[1]}', "json", "0.5", "json", true, parseJsonPath("$['id','SageMakerOutput']")), '{"id":7,"SageMakerOutput":0.5}');
  assert.is(outputRecord("[1,2]", "json", '{"p":1}', "json", true, undefined), '{"SageMakerInput":[1,2],"SageMakerOutput":{"p":1}}');
  // JSON input, CSV answer: SageMakerOutput is the answer's fields as JSON values, numbers as numbers (as AWS writes a
  // CSV record: [1,2,3], the label result [1]) — they were text, "0.73"
  assert.is(outputRecord('{"id":7,"x":[1,2]}', "json", "0.73", "csv", true, undefined), '{"id":7,"x":[1,2],"SageMakerOutput":[0.73]}');
  assert.is(outputRecord('{"id":7}', "json", 'Gentoo,0.02,1e-3,"a,b",NaN,,0x1', "csv", true, parseJsonPath("$.SageMakerOutput")), '["Gentoo",0.02,0.001,"a,b","NaN","","0x1"]');
  assert.is(outputRecord("[1,2]", "json", "0.5", "csv", true, undefined), '{"SageMakerInput":[1,2],"SageMakerOutput":[0.5]}');
  assert.is(JSON.parse(outputRecord('{"id":7}', "json", "0.7300000190734863", "csv", true, undefined)).SageMakerOutput[0], 0.7300000190734863);
  // a number that would not keep the field's text stays text: a label with leading zeros, digits past a double's
  assert.is(outputRecord('{"id":7}', "json", "001,-01,12345678901234567890,1.10,1e-05,-0.5", "csv", true, parseJsonPath("$.SageMakerOutput")), '["001","-01","12345678901234567890",1.1,0.00001,-0.5]');
  assert.throws(() => outputRecord("7,1", "csv", "0.5", "csv", true, parseJsonPath("$[5]")), /outside the record's 3 fields/);
});

test.run();
