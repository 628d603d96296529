/**
 * The state folder under stress: a full disk and record files that are not what the server wrote. What must hold:
 * the server goes on answering, nothing already stored is lost, and what could not be done says why (a job Failed
 * with its FailureReason, a 500 naming the error, a record moved aside and logged).
 *
 * The full disk is a small tmpfs mounted for the test (root only: otherwise that test skips, naming why).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { CreateModelCommand, CreateTrainingJobCommand, DescribeTrainingJobCommand, ListTrainingJobsCommand } from "@aws-sdk/client-sagemaker";
import { localServer, rejects, tmpDir, trainingRequest, until } from "./sagemaker-helpers";

/** a fresh tmpfs of `mb` MB, or why none can be mounted here */
function smallDisk(mb: number): string | { skip: string } {
  const dir = tmpDir("small-disk");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${mb}m`, "tmpfs", dir], { stdio: "pipe" });
  } catch (e) {
    return { skip: `cannot mount a tmpfs (${String((e as Error).message).split("\n")[0]})` };
  }
  return dir;
}

test("a full disk: a trainer printing past it fails its job saying so, the server answers on, a create that cannot be saved is a 500 and leaves nothing", async () => {
  const disk = smallDisk(2);
  if (typeof disk !== "string") return console.log(`    skipped: ${disk.skip}`);
  const data = tmpDir("state-data");
  fs.writeFileSync(path.join(data, "rows.csv"), "y,x\n1,2\n");
  const ctx = await localServer({ stateDir: disk });
  try {
    const { sm } = ctx;
    const job = async (name: string) => until(async () => {
      const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      return d.TrainingJobStatus !== "InProgress" && d.TrainingJobStatus !== "Stopping" && d;
    }, `${name} to end`, 60_000);
    await sm.send(new CreateTrainingJobCommand(trainingRequest("kept", `file://${data}`, path.join(disk, "out"))));
    assert.is((await job("kept")).TrainingJobStatus, "Completed");
    // 4 million characters on one line (cut into events): several MB of log.txt and stream, past the 2 MB disk —
    // the ENOSPC was thrown in the pipe's handler and ended the server
    await sm.send(new CreateTrainingJobCommand(trainingRequest("flood", `file://${data}`, path.join(disk, "out"), { long_line: "4000000" })));
    const flood = await job("flood");
    assert.is(flood.TrainingJobStatus, "Failed");
    assert.match(flood.FailureReason ?? "", /output could not be written to its log \(ENOSPC/);
    // the disk is full now: a create that cannot be saved is refused, and leaves no job InProgress that never runs
    const e = await rejects(sm.send(new CreateTrainingJobCommand(trainingRequest("unsaved", `file://${data}`, path.join(disk, "out")))), "InternalFailure", /ENOSPC/);
    assert.is(e.$metadata.httpStatusCode, 500);
    await rejects(sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "unsaved" })), "ValidationException", /not found/);
    assert.equal(fs.readdirSync(path.join(disk, "training-jobs")).filter((f) => f.endsWith(".tmp")), [], "the failed write's temporary file is removed");
    await rejects(sm.send(new CreateModelCommand({ ModelName: "unsaved", ExecutionRoleArn: "arn:aws:iam::123456789012:role/R", PrimaryContainer: { Image: "img", ModelDataUrl: (await job("kept")).ModelArtifacts!.S3ModelArtifacts } })), "InternalFailure", /ENOSPC/);
    const names = (await sm.send(new ListTrainingJobsCommand({}))).TrainingJobSummaries!.map((s) => `${s.TrainingJobName}:${s.TrainingJobStatus}`).sort();
    assert.equal(names, ["flood:Failed", "kept:Completed"]);
  } finally {
    await ctx.srv.close();
    ctx.sm.destroy();
    ctx.rt.destroy();
    execFileSync("umount", [disk]);
  }
});

test.run();
