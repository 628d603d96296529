/**
 * One training job's run, as SageMaker runs a training container, step by step:
 *
 *   Starting     the job's /opt/ml tree: input/config/hyperparameters.json, inputdataconfig.json, resourceconfig.json
 *   Downloading  every channel copied (file://, local S3 folder) or downloaded (s3://) to input/data/<channel>/
 *   Training     the image's `train` — in Docker with /opt/ml mounted, or the container program as a child process
 *                with OPT_ML (./containers chooses, and says which in the log); each log line is matched against the
 *                MetricDefinitions (the last value of each becomes FinalMetricDataList; a tuning job's objective
 *                metric is reported as it appears, its intermediate values); MaxRuntimeInSeconds stops it
 *   Uploading    model/ packed as <S3OutputPath>/<job>/output/model.tar.gz (output/data/ as output.tar.gz)
 *
 * and the outcome: Completed; Failed with FailureReason "ClientError: …" (data, upload), "AlgorithmError: …"
 * (output/failure, the signal or the exit code) or "InternalServerError: …" (the server stopped); Stopped (by
 * StopTrainingJob or the tuning job) or Stopped/MaxRuntimeExceeded — what the trainer saved is uploaded either way.
 * Every status change is saved at once, so DescribeTrainingJob and a restarted server see it.
 */
import * as fs from "fs";
import * as path from "path";
import { ClientError, Container, exitReason, StartCancelled } from "./containers";
import { Context, longTimeout, now } from "./context";
import { errorMessage } from "./errors";
import type { MetricDefinitionSpec, TrainingJobRecord } from "./records";
import type { SecondaryStatus, TrainingJobStatus } from "@aws-sdk/client-sagemaker";
import { joinUri, saveInBackground } from "./storage";
import { packDir } from "./tar";
import { ContainerOutput, containerStream, LineSplitter, TRAINING_JOBS_GROUP } from "./log-streams";
import { compileMetricRegex, type MetricRegex } from "./metric-regex";

export interface JobHooks {
  /** objective metric name → called with every new value of that metric (intermediate values) */
  objectiveMetric?: string;
  onObjective?(value: number, line: string): void;
  tuningJobArn?: string;
}

/** a job whose run has not finished: its container, and why it is being stopped */
export interface Running {
  container?: Container;
  stopRequested?: string; // status message
  done: Promise<void>;
}

const ENDS: SecondaryStatus[] = ["Completed", "Failed", "Stopped", "MaxRuntimeExceeded"];

/** A stopped job's container (StopTrainingJob, MaxRuntimeInSeconds, a tuning job's stop) gets SIGTERM, then SIGKILL
 * after this: SageMaker's 120 s, "Algorithms can use this 120-second window to save the model artifacts" (the API
 * reference's StoppingCondition, StopTrainingJob) — after 5 s a container still saving its model lost it. A container
 * that exits on SIGTERM (the default) ends at once. */
export const STOP_GRACE_MS = 120_000;

/** a SecondaryStatusTransitions entry: the previous one ends now */
export function transition(r: TrainingJobRecord, status: SecondaryStatus, message: string): void {
  const t = now();
  const list = r.SecondaryStatusTransitions;
  const last = list[list.length - 1];
  if (last && last.EndTime === undefined) last.EndTime = t;
  list.push({ Status: status, StartTime: t, StatusMessage: message });
  if (ENDS.includes(status)) list[list.length - 1].EndTime = t;
  r.SecondaryStatus = status;
  r.LastModifiedTime = t;
}

interface Exit {
  code: number | null;
  signal: string | null;
  error?: Error;
}

export class TrainingRun {
  private readonly optml: string;
  private readonly name: string;
  /** the container running `train` (once started) */
  private container?: Container;
  /** log.txt and the job's CloudWatch Logs stream, /aws/sagemaker/TrainingJobs <job>/algo-1-<epoch> */
  private output?: ContainerOutput;
  /** why the job's output could not be written (the disk full): the job is stopped and fails with it */
  private outputFailed?: Error;

  constructor(
    private ctx: Context,
    private r: TrainingJobRecord,
    private run: Running,
    private hooks: JobHooks,
    private dir: string,
    private logFile: string,
    /** the run is over (the record is final and saved) */
    private ended: () => void,
  ) {
    this.name = r.TrainingJobName;
    this.optml = path.join(dir, "opt_ml");
  }

  async start(): Promise<void> {
    const { r, run } = this;
    try {
      this.output = new ContainerOutput(this.logFile, this.ctx.logs.open(TRAINING_JOBS_GROUP, containerStream(this.name, Date.now())), (e) => {
        // a job whose log is lost would go on unseen: it ends now, saying why (in outcome)
        this.outputFailed = e;
        this.ctx.log(`training job ${this.name}: its output could not be written to ${this.logFile} or its log stream (${e.message}); stopping it`);
        this.container?.stop(5000);
      });
      this.writeConfig();
      if (run.stopRequested) return this.finish("Stopped", "Stopped", run.stopRequested);
      // the job's start on its instance, before the data's download (DescribeTrainingJob's TrainingStartTime: the log's
      // start "might be later than this time … due to the time it takes to download the training data"); billed from here
      r.TrainingStartTime = now();
      this.step("Downloading", "Downloading input data");
      await this.downloadChannels();
    } catch (e) {
      return this.finish("Failed", "Failed", "Training job failed", `ClientError: ${errorMessage(e)}`);
    }
    if (run.stopRequested) return this.finish("Stopped", "Stopped", run.stopRequested);

    const metrics = new MetricWatcher(r.AlgorithmSpecification.MetricDefinitions ?? [], this.hooks);
    const exit = await this.runTrainer(metrics);
    run.container = undefined;
    r.FinalMetricDataList = metrics.final(now());
    await this.outcome(exit, metrics.tail);
  }

  private save(): void {
    this.ctx.store.save("training-jobs", this.name, this.r);
  }
  private step(status: SecondaryStatus, message: string): void {
    transition(this.r, status, message);
    this.save();
  }
  private writeLog(s: string): void {
    this.output?.write(s);
  }

  private finish(status: TrainingJobStatus, secondary: SecondaryStatus, msg: string, reason?: string): void {
    const r = this.r;
    r.TrainingJobStatus = status;
    if (reason) r.FailureReason = reason.slice(0, 1024);
    transition(r, secondary, msg);
    const end = (r.TrainingEndTime = now());
    if (r.TrainingStartTime) {
      r.TrainingTimeInSeconds = Math.max(1, Math.round(end - r.TrainingStartTime));
      r.BillableTimeInSeconds = r.TrainingTimeInSeconds;
    }
    this.output?.close(); // every line is in the stream before a reader sees the final status
    // a throw here left the job InProgress for good, its run never ended
    saveInBackground(`training job ${this.name}: its final status ${status}`, this.ctx.log, () => this.save());
    this.ended();
    this.ctx.log(`training job ${this.name}: ${status}${reason ? ` (${reason})` : ""}`);
  }

  /** Starting: the /opt/ml tree and its input/config files, as SageMaker writes them */
  private writeConfig(): void {
    const r = this.r;
    const config = path.join(this.optml, "input", "config");
    fs.mkdirSync(config, { recursive: true });
    fs.mkdirSync(path.join(this.optml, "model"), { recursive: true });
    fs.mkdirSync(path.join(this.optml, "output", "data"), { recursive: true });
    fs.writeFileSync(path.join(config, "hyperparameters.json"), JSON.stringify(r.HyperParameters));
    // input/config/inputdataconfig.json: one entry per channel, SageMaker's names
    const idc: Record<string, { ContentType?: string; TrainingInputMode: string; S3DistributionType: string; RecordWrapperType: string }> = {};
    for (const ch of r.InputDataConfig ?? [])
      idc[ch.ChannelName] = {
        ContentType: ch.ContentType,
        TrainingInputMode: ch.InputMode ?? r.AlgorithmSpecification.TrainingInputMode,
        S3DistributionType: ch.DataSource.S3DataSource.S3DataDistributionType ?? "FullyReplicated",
        RecordWrapperType: ch.RecordWrapperType ?? "None",
      };
    fs.writeFileSync(path.join(config, "inputdataconfig.json"), JSON.stringify(idc));
    const instanceType = r.ResourceConfig.InstanceType ?? "ml.m5.large";
    fs.writeFileSync(
      path.join(config, "resourceconfig.json"),
      JSON.stringify({
        current_host: "algo-1",
        current_instance_type: instanceType,
        current_group_name: "homogeneousCluster",
        hosts: ["algo-1"],
        instance_groups: [{ instance_group_name: "homogeneousCluster", instance_type: instanceType, hosts: ["algo-1"] }],
        network_interface_name: "eth0",
      }),
    );
  }

  /** Downloading: each channel into input/data/<channel>/ */
  private async downloadChannels(): Promise<void> {
    for (const ch of this.r.InputDataConfig ?? []) {
      const uri = ch.DataSource.S3DataSource.S3Uri;
      const n = await this.ctx.data.download(uri, path.join(this.optml, "input", "data", ch.ChannelName), `Channel ${ch.ChannelName}`);
      this.writeLog(`[local-sagemaker] channel ${ch.ChannelName}: ${n} file(s) from ${uri}\n`);
    }
  }

  /** Training: the image's `train` (./containers: in Docker, or the container program as a process), its output to the log and, line by line, to the metric watcher */
  private async runTrainer(metrics: MetricWatcher): Promise<Exit> {
    const { r, run } = this;
    let container: Container;
    try {
      container = await this.ctx.containers.start(
        {
          mode: "train",
          image: r.AlgorithmSpecification.TrainingImage ?? "",
          optml: this.optml,
          environment: { ...(r.Environment ?? {}), TRAINING_JOB_NAME: this.name, TRAINING_JOB_ARN: r.TrainingJobArn },
          owner: this.name,
        },
        (line) => {
          this.writeLog(line + "\n");
          // said once the container runs: a throw here (the record not saved) would lose the container, left running
          try {
            this.step("Training", `Training image download completed. Training in progress. ${line.replace(/^\[local-sagemaker\] /, "")}`);
          } catch (e) {
            this.ctx.log(`training job ${this.name}: status Training could not be saved (${errorMessage(e)})`);
          }
        },
        () => run.stopRequested !== undefined || this.outputFailed !== undefined, // stopped while the backend was chosen
      );
    } catch (e) {
      return { code: null, signal: null, error: e instanceof Error ? e : new Error(String(e)) };
    }
    this.container = container;
    const child = container.proc;
    return new Promise<Exit>((resolve) => {
      run.container = container;
      if (run.stopRequested || this.outputFailed) container.stop(this.outputFailed ? 5000 : STOP_GRACE_MS); // stopped, or the log lost, while the container was starting
      try {
        if (child.pid) fs.writeFileSync(path.join(this.dir, "pid"), String(child.pid));
      } catch {
        /* a convenience for whoever looks at the job's folder (the disk full): the job runs on without it */
      }
      const maxRt = r.StoppingCondition?.MaxRuntimeInSeconds;
      const timer = maxRt
        ? longTimeout(() => {
            run.stopRequested = "MaxRuntimeExceeded";
            container.stop(STOP_GRACE_MS);
          }, maxRt * 1000)
        : undefined;
      // each line once, to the log and the metric definitions (log-streams' LineSplitter: UTF-8 across chunks, long
      // lines cut, each chunk scanned once)
      const pump = (stream: NodeJS.ReadableStream) => {
        const lines = new LineSplitter((line) => {
          this.writeLog(line + "\n");
          metrics.line(line);
        });
        stream.on("data", (d: Buffer) => lines.push(d));
        stream.on("end", () => lines.end());
      };
      pump(child.stdout!);
      pump(child.stderr!);
      child.on("error", (error) => resolve({ code: null, signal: null, error }));
      child.on("close", (code, signal) => {
        timer?.clear();
        resolve({ code, signal });
      });
    });
  }

  /** the trainer has exited: why, and then Uploading and Completed, or the failure */
  private async outcome(exit: Exit, tail: string[]): Promise<void> {
    const { r, run } = this;
    // stopped (or its log lost) while its backend was chosen: no container ran, nothing to upload — the stop's end below
    const ran = !(exit.error instanceof StartCancelled);
    if (exit.error instanceof ClientError) return this.finish("Failed", "Failed", "Training job failed", `ClientError: ${exit.error.message}`);
    if (exit.error && ran)
      return this.finish("Failed", "Failed", "Training job failed", `AlgorithmError: could not start ${this.container?.backend === "docker" ? `the container of ${r.AlgorithmSpecification.TrainingImage}` : `the trainer ${this.ctx.trainerCommand().join(" ")}`}: ${exit.error.message}`);
    if (run.stopRequested === "server shutdown")
      return this.finish("Failed", "Failed", "Training job failed", "InternalServerError: the local SageMaker server stopped while the job was running.");
    if (this.outputFailed)
      return this.finish("Failed", "Failed", "Training job failed", `InternalServerError: the job's output could not be written to its log (${this.outputFailed.message}); free space in the state folder ${this.ctx.store.root}.`);
    // stopped by StopTrainingJob, the tuning job or MaxRuntimeInSeconds alike: SageMaker's SIGTERM window is for the
    // algorithm to save its model ("so the results of training are not lost", StoppingCondition), and what it saved is
    // uploaded — a job stopped by its MaxRuntimeInSeconds had none
    if (run.stopRequested && ran) await this.upload().catch(() => undefined);
    if (run.stopRequested === "MaxRuntimeExceeded")
      return this.finish("Stopped", "MaxRuntimeExceeded", `Job stopped because it exceeded MaxRuntimeInSeconds (${r.StoppingCondition.MaxRuntimeInSeconds})`);
    if (run.stopRequested) return this.finish("Stopped", "Stopped", run.stopRequested);
    if (exit.code !== 0) {
      // SageMaker uploads model/ and output/data/ "at the end of the training job" (How Amazon SageMaker Processes
      // Training Output), a failed one's too — a checkpoint or the diagnostics an algorithm wrote before it failed were
      // lost here
      await this.upload().catch((e) => this.writeLog(`[local-sagemaker] the failed job's model/ and output/data/ could not be uploaded: ${errorMessage(e)}\n`));
      const failureFile = path.join(this.optml, "output", "failure");
      let reason: string;
      if (fs.existsSync(failureFile) && fs.readFileSync(failureFile, "utf8").trim()) reason = fs.readFileSync(failureFile, "utf8").trim();
      else reason = exitReason(this.container!, exit.code, exit.signal, tail);
      return this.finish("Failed", "Failed", "Training job failed", `AlgorithmError: ${reason}`);
    }
    try {
      this.step("Uploading", "Uploading generated training model");
      await this.upload();
    } catch (e) {
      return this.finish("Failed", "Failed", "Training job failed", `ClientError: could not upload model.tar.gz: ${errorMessage(e)}`);
    }
    this.finish("Completed", "Completed", "Training job completed");
  }

  /** Uploading: model/ → model.tar.gz, output/data/ → output.tar.gz */
  private async upload(): Promise<void> {
    const r = this.r;
    const model = path.join(this.optml, "model");
    if (!fs.existsSync(model)) return;
    const tgz = packDir(model);
    const uri = joinUri(r.OutputDataConfig.S3OutputPath, r.TrainingJobName, "output", "model.tar.gz");
    await this.ctx.data.writeObject(uri, tgz);
    r.ModelArtifacts = { S3ModelArtifacts: uri };
    const outData = path.join(this.optml, "output", "data");
    if (fs.existsSync(outData) && fs.readdirSync(outData).length) {
      const out = joinUri(r.OutputDataConfig.S3OutputPath, r.TrainingJobName, "output", "output.tar.gz");
      await this.ctx.data.writeObject(out, packDir(outData));
    }
  }
}

/**
 * MetricDefinitions applied to the trainer's log, line by line: the last value of each metric (the first
 * capture group, else the whole match) becomes FinalMetricDataList; every value of a tuning job's objective
 * metric goes to its hook as it appears. The last 20 lines are kept for a failure reason.
 */
class MetricWatcher {
  private defs: { Name: string; regex: MetricRegex }[];
  private last = new Map<string, number>();
  readonly tail: string[] = [];
  constructor(definitions: MetricDefinitionSpec[], private hooks: JobHooks) {
    this.defs = definitions.map((m) => ({ Name: m.Name, regex: compileMetricRegex(m.Regex) }));
  }
  line(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 20) this.tail.shift();
    for (const d of this.defs) {
      const text = d.regex.value(line);
      if (text === undefined) continue;
      const v = parseFloat(text);
      if (!Number.isFinite(v)) continue;
      this.last.set(d.Name, v);
      if (this.hooks.objectiveMetric === d.Name) this.hooks.onObjective?.(v, line);
    }
  }
  final(timestamp: number): { MetricName: string; Value: number; Timestamp: number }[] {
    return [...this.last.entries()].map(([MetricName, Value]) => ({ MetricName, Value, Timestamp: timestamp }));
  }
}
