/**
 * MetricDefinitions are matched by RE2 (sagemaker-local/metric-regex.ts), in time linear in the line: a
 * catastrophic pattern from a client cannot stop the server's event loop. Checked through the real SDK with
 * the fake trainer: the job's final metrics equal what JavaScript's own RegExp finds on the same log lines
 * (the reference, for the safe patterns), a pattern that backtracks exponentially in JavaScript — `^([^Z]+)+Z`
 * on the trainer's ~30-character lines, 2^30 paths — leaves the job Completed and the server answering, and
 * patterns RE2 cannot run (lookaround, backreferences) are a ValidationException naming the metric.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, ListTrainingJobsCommand } from "@aws-sdk/client-sagemaker";
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { creds, localServer, rejects, tmpDir, trainingRequest, until } from "./sagemaker-helpers";

let ctx: Awaited<ReturnType<typeof localServer>>;
let data: string;
let out: string;

test.before(async () => {
  ctx = await localServer();
  data = tmpDir("data");
  out = tmpDir("out");
  fs.writeFileSync(path.join(data, "train.csv"), "1,2\n3,4\n");
});
test.after(async () => {
  await ctx.srv.close();
  ctx.sm.destroy();
  ctx.rt.destroy();
});

const SAFE = [
  { Name: "validation:rmse", Regex: "validation-rmse:([0-9.]+)" },
  { Name: "train:rmse", Regex: "^train-rmse:([0-9.]+)" },
  { Name: "no-group", Regex: "[0-9]+\\.[0-9]{5}" },
];
const CATASTROPHIC = { Name: "never", Regex: "^([^Z]+)+Z" };

test("a catastrophic pattern leaves the job Completed and the server answering; the other metrics equal JavaScript's RegExp on the same log", async () => {
  const name = "regex-linear";
  const req = trainingRequest(name, `file://${data}`, out, { num_round: "6", sleep_ms: "30" });
  req.AlgorithmSpecification.MetricDefinitions = [...SAFE, CATASTROPHIC];
  await ctx.sm.send(new CreateTrainingJobCommand(req));
  // the server keeps answering while the job's lines are matched
  let answered = 0;
  const job = await until(async () => {
    const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    await ctx.sm.send(new ListTrainingJobsCommand({}));
    answered++;
    return d.TrainingJobStatus === "Completed" || d.TrainingJobStatus === "Failed" ? d : undefined;
  }, "the job to end", 60000);
  assert.is(job.TrainingJobStatus, "Completed", job.FailureReason);
  assert.ok(answered >= 1);
  const logs = new CloudWatchLogsClient({ endpoint: ctx.srv.url, region: "us-east-1", credentials: creds });
  const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: `${name}/` }));
  const streamName = streams.logStreams?.[0]?.logStreamName;
  assert.ok(streamName, "the job has a log stream");
  const ev = await logs.send(new GetLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: streamName, startFromHead: true }));
  const lines = (ev.events ?? []).map((e) => e.message ?? "");
  logs.destroy();
  assert.ok(lines.some((l) => l.includes("validation-rmse")), `the job's log holds the metric lines: ${lines.slice(0, 5).join(" | ")}`);
  // the reference: JavaScript's RegExp on the same lines, last value of each metric (safe patterns only)
  const expected: Record<string, number> = {};
  for (const line of lines) {
    for (const d of SAFE) {
      const m = new RegExp(d.Regex).exec(line);
      if (!m) continue;
      const v = parseFloat(m[1] ?? m[0]);
      if (Number.isFinite(v)) expected[d.Name] = v;
    }
  }
  const got = Object.fromEntries((job.FinalMetricDataList ?? []).map((m) => [m.MetricName!, m.Value!]));
  assert.equal(got, expected);
  assert.equal(Object.keys(expected).sort(), ["no-group", "train:rmse", "validation:rmse"]);
});

test("lookaround and backreferences are a ValidationException naming the metric and saying why", async () => {
  for (const [i, Regex] of ["validation-rmse:(?=[0-9])([0-9.]+)", "(rmse):\\1", "(?<=rmse:)[0-9.]+"].entries()) {
    const req = trainingRequest(`regex-refused-${i}`, `file://${data}`, out);
    req.AlgorithmSpecification.MetricDefinitions = [{ Name: "validation:rmse", Regex }];
    const err = await rejects(ctx.sm.send(new CreateTrainingJobCommand(req)), "ValidationException");
    assert.match(err.message, /Invalid regular expression for metric "?validation:rmse/);
    assert.match(err.message, /RE2/);
  }
});

test.run();
