/**
 * Fuzzing in the test suite (issue 17), seeded and a few seconds per target — `npm run fuzz` runs the same
 * targets as long as asked (test/fuzz/main.ts). Each prints the inputs it tried; any failure fails the test
 * with the inputs that caused it. Each target runs FUZZ_SECONDS (3) and at least its floor of inputs, so a
 * loaded machine runs longer rather than testing less. The targets and their invariants are described in
 * test/fuzz/*.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { summary, Tally } from "./fuzz/common";
import { fuzzInvocations } from "./fuzz/invocations";
import { fuzzSageMakerApi } from "./fuzz/sagemaker-api";
import { fuzzReaders } from "./fuzz/readers";
import { fuzzModels } from "./fuzz/models";
import { fuzzParquet } from "./fuzz/parquet";

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 3);
const SEED = Number(process.env.FUZZ_SEED ?? 17);

function verdict(t: Tally, minInputs: number): void {
  console.log(`    ${summary(t)}`);
  assert.ok(t.inputs >= minInputs, `only ${t.inputs} inputs were tried`);
  assert.is(t.failures.length, 0, t.failures.map((f) => `input ${f.input}: ${f.what}\n  ${JSON.stringify(f.sample)}`).join("\n"));
}

test("fuzz /invocations of trainer serve: no 5xx, every 4xx says why, 200s hold finite predictions, /ping answers after each input", async () => {
  const t = await fuzzInvocations({ seconds: SECONDS, minInputs: 200 }, SEED);
  verdict(t, 200);
  assert.ok((t.outcomes["200"] ?? 0) > 20, "the fuzz reaches the model (some inputs are scored)");
});

test("fuzz every local SageMaker operation (SageMaker API, transform jobs, CloudWatch Logs) and InvokeEndpoint: no 5xx, AWS's error shape, /ping answers after each input", async () => {
  verdict(await fuzzSageMakerApi({ seconds: SECONDS, minInputs: 200 }, SEED), 200);
});

test("fuzz the CSV readers (trainer channels, lib loadCsv): an Error naming the channel or a table, never a crash or a hang", async () => {
  verdict(await fuzzReaders({ seconds: SECONDS, minInputs: 100 }, SEED), 100);
});

test("fuzz the Parquet reader (lib loadTable, hyparquet): an Error naming the file or a table, never a crash; hangs are stopped and counted", async () => {
  verdict(await fuzzParquet({ seconds: SECONDS, minInputs: 10 }, SEED), 10); // fewer: a hang costs 4 s (two tries)
});

test("fuzz the saved-ensemble loader (manifest + member files): an Error or a model predicting finite values, never a trap, a crash or a file outside the folder", async () => {
  verdict(await fuzzModels({ seconds: SECONDS, minInputs: 100 }, SEED), 100);
});

test.run();
