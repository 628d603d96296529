/**
 * The local SageMaker's CloudWatch Logs API with the unmodified CloudWatchLogsClient (fake trainer): groups and
 * streams named as SageMaker names them, GetLogEvents' forward/backward tokens (unchanged at either end, as AWS
 * documents), startTime/endTime, limits, FilterLogEvents' terms and paging, the error shapes, and a running job's
 * lines arriving live.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, waitUntilTrainingJobCompletedOrStopped } from "@aws-sdk/client-sagemaker";
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  paginateFilterLogEvents,
} from "@aws-sdk/client-cloudwatch-logs";
import { LogFollower } from "ensemble-workbook/sagemaker";
import { LogStreams } from "../sagemaker-local/log-streams";
import { localServer, trainingRequest, tmpDir, until, rejects, creds, serviceModelShapes } from "./sagemaker-helpers";

let ctx: Awaited<ReturnType<typeof localServer>>;
let logs: CloudWatchLogsClient;
let data: string;
let out: string;
const GROUP = "/aws/sagemaker/TrainingJobs";

test.before(async () => {
  ctx = await localServer();
  logs = new CloudWatchLogsClient({ endpoint: ctx.srv.url, region: "us-east-1", credentials: creds });
  data = tmpDir("data");
  fs.writeFileSync(path.join(data, "train.csv"), "1,2,3\n4,5,6\n");
  out = tmpDir("out");
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("logs-job", `file://${data}`, out, { num_round: "30" })));
  await waitUntilTrainingJobCompletedOrStopped({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TrainingJobName: "logs-job" });
});
test.after(async () => {
  await ctx.srv.close();
  ctx.sm.destroy();
  logs.destroy();
});

async function streamOf(job: string): Promise<string> {
  const r = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: `${job}/` }));
  assert.is(r.logStreams!.length, 1);
  return r.logStreams![0].logStreamName!;
}

test("groups and streams: /aws/sagemaker/TrainingJobs, <job>/algo-1-<epoch>, times in ms", async () => {
  const g = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/sagemaker/" }));
  assert.equal(g.logGroups!.map((x) => x.logGroupName), [GROUP]);
  assert.is(g.logGroups![0].arn, "arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/TrainingJobs:*");
  const r = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "logs-job/" }));
  const s = r.logStreams![0];
  assert.match(s.logStreamName!, /^logs-job\/algo-1-\d{10}$/);
  assert.ok(Math.abs(s.creationTime! - Date.now()) < 120_000, "creationTime is epoch ms");
  assert.ok(s.firstEventTimestamp! <= s.lastEventTimestamp! && s.lastIngestionTime! >= s.lastEventTimestamp!);
  assert.ok(Math.abs(Number(s.logStreamName!.split("-").pop()) - s.creationTime! / 1000) < 5, "the stream's epoch is its container's start, in seconds");
});

test("GetLogEvents: from the head forward, the same token at the end; backward from the tail", async () => {
  const stream = await streamOf("logs-job");
  // from the head, 10 at a time, following nextForwardToken until it comes back unchanged
  const forward: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < 20; i++) {
    const r = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, limit: 10, nextToken: token }));
    forward.push(...r.events!.map((e) => e.message!));
    if (r.nextForwardToken === token) break;
    token = r.nextForwardToken;
  }
  assert.ok(forward.some((m) => m.startsWith("train channel: 1 file(s)")), forward.join("\n"));
  assert.equal(forward.filter((m) => /^\[\d+\] validation-rmse/.test(m)).length, 30);
  assert.is(forward[forward.length - 1], "validation-rmse:2.25000;");
  // default (startFromHead false): the latest events, in ascending order; nextBackwardToken pages back to the head
  const tail = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, limit: 5 }));
  assert.equal(tail.events!.map((e) => e.message), forward.slice(-5));
  const backward: string[] = [...tail.events!.map((e) => e.message!)];
  let back = tail.nextBackwardToken;
  for (let i = 0; i < 20; i++) {
    const r = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, limit: 7, nextToken: back }));
    backward.unshift(...r.events!.map((e) => e.message!));
    if (r.nextBackwardToken === back) break;
    back = r.nextBackwardToken;
  }
  assert.equal(backward, forward);
  // timestamps are ms, ascending; ingestionTime ≥ timestamp
  const all = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true }));
  const ts = all.events!.map((e) => e.timestamp!);
  assert.ok(ts.every((t, i) => i === 0 || t >= ts[i - 1]) && ts[0] > 1.6e12);
  assert.ok(all.events!.every((e) => e.ingestionTime! >= e.timestamp!));
  // startTime inclusive, endTime exclusive
  const last = ts[ts.length - 1];
  const after = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, startTime: last }));
  assert.ok(after.events!.length >= 1 && after.events!.every((e) => e.timestamp! >= last));
  const before = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, endTime: last }));
  assert.ok(before.events!.every((e) => e.timestamp! < last));
  assert.is(before.events!.length + after.events!.length, all.events!.length);
});

test("FilterLogEvents: terms, ?any, -none, \"phrases\", paging with nextToken, the SDK's paginator", async () => {
  const q = (filterPattern: string) => logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNamePrefix: "logs-job/", filterPattern }));
  assert.equal((await q("train-rmse")).events!.map((e) => e.message), ["train-rmse:1.80000;"]);
  assert.is((await q("validation-rmse")).events!.length, 31);
  assert.is((await q("validation-rmse -\"[\"")).events!.length, 1);
  assert.is((await q("?train-rmse ?channel")).events!.length, 3); // the train-rmse line, the trainer's and the local SageMaker's channel lines
  assert.is((await q('"[29] validation"')).events!.length, 1);
  const r = await q("validation-rmse");
  assert.match(r.events![0].logStreamName!, /^logs-job\/algo-1-/);
  assert.ok(r.events!.every((e) => /^\d+$/.test(e.eventId!)));
  assert.is(r.nextToken, undefined);
  const pages: number[] = [];
  for await (const p of paginateFilterLogEvents({ client: logs, pageSize: 8 }, { logGroupName: GROUP, filterPattern: "validation-rmse" })) pages.push(p.events!.length);
  assert.equal(pages, [8, 8, 8, 7]);
  await rejects(q("{ $.level = \"ERROR\" }"), "InvalidParameterException", /not supported/);
});

test("a line of 1.2 M characters (multi-byte, written in pieces that split characters) is cut into events of at most 200,000 units, never inside a surrogate pair and never leaving an empty event; every character arrives whole, and the lines after it are read forward and by FilterLogEvents", async () => {
  const n = 1_200_001; // not a multiple of 200,000 (an exact multiple left an empty event), and the unit of 7 puts an emoji at the first cut
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("long-line", `file://${data}`, out, { long_line: String(n), num_round: "1" })));
  await waitUntilTrainingJobCompletedOrStopped({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TrainingJobName: "long-line" });
  const stream = await streamOf("long-line");
  const messages: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 50; page++) {
    const r = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, nextToken: token }));
    messages.push(...r.events!.map((e) => e.message!));
    if (r.nextForwardToken === token) break; // the end: the same token back
    token = r.nextForwardToken;
  }
  assert.equal(messages.filter((m) => m === ""), [], "no empty event");
  const unit = "é€😀 xy";
  const line = unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  const start = messages.findIndex((m) => m.startsWith("é€"));
  const long = messages.slice(start, messages.indexOf("after-long"));
  assert.ok(long.length === 7 && long.every((m) => m.length <= 200_000), `${long.length} events of ${long.map((m) => m.length).join(", ")} units`);
  assert.is(long[0].length, 199_999, "the first cut moved before the emoji's surrogate pair");
  assert.is(long.join(""), line); // no U+FFFD where a pipe read or a cut split a character
  assert.ok(messages.some((m) => m.startsWith("validation-rmse:")), "the lines after it");
  const filtered: string[] = [];
  for await (const page of paginateFilterLogEvents({ client: logs }, { logGroupName: GROUP, logStreamNames: [stream] })) filtered.push(...page.events!.map((e) => e.message!));
  assert.equal(filtered, messages);
});

test("errors: unknown group or stream, bad limits and tokens, exclusive parameters", async () => {
  await rejects(logs.send(new GetLogEventsCommand({ logGroupName: "/aws/sagemaker/Nope", logStreamName: "x" })), "ResourceNotFoundException", /^The specified log group does not exist\.$/);
  await rejects(logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "nope/algo-1-1" })), "ResourceNotFoundException", /^The specified log stream does not exist\.$/);
  await rejects(logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/Nope" })), "ResourceNotFoundException", /log group does not exist/);
  const stream = await streamOf("logs-job");
  await rejects(
    logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, limit: 20000 })),
    "InvalidParameterException",
    /^1 validation error detected: Value '20000' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000$/,
  );
  await rejects(logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, nextToken: "garbage" })), "InvalidParameterException", /nextToken is invalid/);
  await rejects(logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "x", orderBy: "LastEventTime" })), "InvalidParameterException", /Cannot order by LastEventTime with a logStreamNamePrefix/);
  await rejects(logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws", logGroupNamePattern: "sage" })), "InvalidParameterException", /mutually exclusive/);
  await rejects(logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logGroupIdentifier: GROUP, logStreamName: stream })), "InvalidParameterException", /mutually exclusive/);
  // the group by ARN (logGroupIdentifier) works
  const byArn = await logs.send(new GetLogEventsCommand({ logGroupIdentifier: `arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}`, logStreamName: stream, limit: 1 }));
  assert.is(byArn.events!.length, 1);
});

test("lib's LogFollower: a group that does not exist yet is no lines yet; a job's stream followed across polls", async () => {
  assert.equal(await new LogFollower(logs, "/aws/sagemaker/TransformJobs", "nothing-yet/").poll(), []);
  const f = new LogFollower(logs, GROUP, "logs-job/");
  const first = await f.poll();
  assert.is(first.filter((e) => /^\[\d+\]/.test(e.message)).length, 30);
  assert.match(first[0].stream, /^logs-job\/algo-1-/);
  assert.equal(await f.poll(), [], "nothing new since");
});

test("a running job's lines arrive while it runs; the forward token then answers what was appended", async () => {
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("live-job", `file://${data}`, out, { num_round: "6", sleep_ms: "400" })));
  const stream = await until(async () => {
    const r = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "live-job/" }));
    return r.logStreams![0]?.logStreamName;
  }, "the live job's stream");
  let token: string | undefined;
  const seenAt: { round: number; t: number }[] = [];
  await until(async () => {
    const r = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, nextToken: token }));
    token = r.nextForwardToken;
    for (const e of r.events!) {
      const m = /^\[(\d+)\]/.exec(e.message!);
      if (m) seenAt.push({ round: Number(m[1]), t: Date.now() });
    }
    return seenAt.length === 6;
  }, "six round lines", 30_000);
  // round lines were read at least a second apart from first to last: they came while the job ran
  assert.ok(seenAt[5].t - seenAt[0].t >= 1000, JSON.stringify(seenAt));
});


test("the parsed streams kept are bounded: the least recently read are dropped and parsed again from their files when read, with what was appended meanwhile", () => {
  const root = tmpDir("log-cache");
  const writer = new LogStreams(root);
  const lines = (stream: string, n: number) => Array.from({ length: n }, (_, i) => `${stream} line ${i} ${"é".repeat(20)}`);
  for (const s of ["a", "b", "c"]) {
    const w = writer.open(GROUP, `${s}/algo-1-1`);
    for (const l of lines(s, 20)) w.line(l);
  }
  const fileBytes = (s: string) => fs.statSync(path.join(root, encodeURIComponent(GROUP), `${encodeURIComponent(`${s}/algo-1-1`)}.jsonl`)).size;
  const bound = fileBytes("a") + fileBytes("b") + 10; // room for two of the three streams
  const reader = new LogStreams(root, bound);
  const messages = (s: string) => reader.stream(GROUP, `${s}/algo-1-1`)!.events.map((e) => e.message);
  for (const s of ["a", "b", "c"]) assert.equal(messages(s), lines(s, 20));
  assert.ok(reader.cachedBytes() <= bound, `kept ${reader.cachedBytes()} bytes, bound ${bound}`);
  assert.is(reader.cachedBytes(), fileBytes("b") + fileBytes("c"), "the least recently read stream (a) was dropped");
  // a, dropped, grows meanwhile: read again, it is whole, and the bound holds
  const w = writer.open(GROUP, "a/algo-1-1");
  for (const l of lines("a", 25).slice(20)) w.line(l);
  assert.equal(messages("a"), lines("a", 25));
  assert.ok(reader.cachedBytes() <= bound, `kept ${reader.cachedBytes()} bytes, bound ${bound}`);
  // one stream larger than the bound is still read whole (and kept alone)
  const tight = new LogStreams(root, 10);
  assert.equal(tight.stream(GROUP, "b/algo-1-1")!.events.map((e) => e.message), lines("b", 20));
  assert.is(tight.cachedBytes(), fileBytes("b"));
});

test("TrainingStartTime is before the data's download, so no line of the job's log is earlier (the log's lines of the download were)", async () => {
  // DescribeTrainingJob's TrainingStartTime, as the service model documents it: the start in CloudWatch Logs "might be
  // later than this time. The difference is due to the time it takes to download the training data"
  const doc = serviceModelShapes().DescribeTrainingJobResponse.members!.TrainingStartTime.documentation ?? "";
  assert.match(doc, /might be later than this time\. The difference is due to the time it takes to download the training data/);
  // two channels: the first channel's log line is written while the second is copied
  const many = tmpDir("many");
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(many, `part-${i}.csv`), "1,2,3\n");
  const req = trainingRequest("logs-start", `file://${data}`, out);
  req.InputDataConfig.push({ ChannelName: "extra", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${many}` } } });
  await ctx.sm.send(new CreateTrainingJobCommand(req));
  await waitUntilTrainingJobCompletedOrStopped({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TrainingJobName: "logs-start" });
  const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "logs-start" }));
  const events = (await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: await streamOf("logs-start"), startFromHead: true }))).events!;
  assert.match(events[0].message!, /channel train: 1 file/);
  assert.ok(events[0].timestamp! >= d.TrainingStartTime!.getTime(), `first line ${events[0].timestamp}, TrainingStartTime ${d.TrainingStartTime!.getTime()}`);
  const downloading = d.SecondaryStatusTransitions!.find((t) => t.Status === "Downloading")!;
  assert.ok(d.TrainingStartTime!.getTime() <= downloading.StartTime!.getTime(), `TrainingStartTime ${d.TrainingStartTime!.getTime()}, Downloading ${downloading.StartTime!.getTime()}`);
});

test.run();
