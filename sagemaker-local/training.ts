/** Training jobs: the trainer (`train`) as a child process on a per-job OPT_ML tree. */
import * as fs from "fs";
import * as path from "path";
import { spawn, ChildProcess } from "child_process";
import { Context, now, publicView, paginate, sortAndFilter, terminate } from "./context";
import { ApiError, Checker, inUse, limitExceeded, notFound, validation } from "./errors";
import { checkUri, joinUri } from "./storage";
import { packDir } from "./tar";

export interface JobHooks {
  /** objective metric name → called with every new value of that metric (intermediate values) */
  objectiveMetric?: string;
  onObjective?(value: number, line: string): void;
  tuningJobArn?: string;
}

interface Running {
  child?: ChildProcess;
  stopRequested?: string; // status message
  done: Promise<void>;
}

const INSTANCE_RE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;

export function validateTrainingSpec(c: Checker, input: any, prefix = ""): void {
  const p = (s: string) => (prefix ? `${prefix}.${s}` : s);
  const alg = input.AlgorithmSpecification;
  if (c.required(alg, p("AlgorithmSpecification"))) {
    c.oneOf(alg.TrainingInputMode, p("AlgorithmSpecification.TrainingInputMode"), ["Pipe", "File", "FastFile"], true);
    if (!alg.TrainingImage && !alg.AlgorithmName) c.custom("Either TrainingImage or AlgorithmName must be specified in AlgorithmSpecification.");
    for (const [i, m] of (alg.MetricDefinitions ?? []).entries()) {
      c.required(m?.Name, p(`AlgorithmSpecification.MetricDefinitions.${i + 1}.member.Name`));
      if (c.required(m?.Regex, p(`AlgorithmSpecification.MetricDefinitions.${i + 1}.member.Regex`))) {
        try {
          new RegExp(m.Regex);
        } catch {
          c.custom(`Invalid regular expression for metric ${m.Name}: ${m.Regex}`);
        }
      }
    }
    if ((alg.MetricDefinitions ?? []).length > 40) c.custom("MetricDefinitions: at most 40 metric definitions are allowed.");
  }
  c.role(input.RoleArn, p("RoleArn"));
  if (c.required(input.OutputDataConfig, p("OutputDataConfig")))
    if (c.required(input.OutputDataConfig.S3OutputPath, p("OutputDataConfig.S3OutputPath"))) checkUri(input.OutputDataConfig.S3OutputPath, "OutputDataConfig.S3OutputPath");
  const rc = input.ResourceConfig;
  if (c.required(rc, p("ResourceConfig"))) {
    c.range(rc.VolumeSizeInGB, p("ResourceConfig.VolumeSizeInGB"), 0, 1e6, true);
    c.range(rc.InstanceCount, p("ResourceConfig.InstanceCount"), 0, 1e6);
    if (rc.InstanceType !== undefined && !INSTANCE_RE.test(rc.InstanceType))
      c.custom(`Value '${rc.InstanceType}' at 'resourceConfig.instanceType' failed to satisfy constraint: Member must satisfy enum value set`);
    if (rc.InstanceCount !== undefined && rc.InstanceCount > 1) c.custom("Local SageMaker runs single-instance training jobs only: ResourceConfig.InstanceCount must be 1.");
  }
  if (c.required(input.StoppingCondition, p("StoppingCondition"))) c.range(input.StoppingCondition.MaxRuntimeInSeconds, p("StoppingCondition.MaxRuntimeInSeconds"), 1, 2419200);
  const chans = input.InputDataConfig ?? [];
  if (chans.length > 20) c.custom("InputDataConfig: at most 20 channels are allowed.");
  const seen = new Set<string>();
  for (const [i, ch] of chans.entries()) {
    c.name(ch?.ChannelName, p(`InputDataConfig.${i + 1}.member.ChannelName`), /^[A-Za-z0-9\.\-_]+$/);
    if (ch?.ChannelName === "." || ch?.ChannelName === "..") c.custom(`Invalid channel name ${ch.ChannelName}.`);
    if (seen.has(ch?.ChannelName)) c.custom(`Channel names must be unique: ${ch.ChannelName}`);
    seen.add(ch?.ChannelName);
    const uri = ch?.DataSource?.S3DataSource?.S3Uri ?? ch?.DataSource?.FileSystemDataSource?.DirectoryPath;
    if (c.required(ch?.DataSource, p(`InputDataConfig.${i + 1}.member.DataSource`))) {
      if (!ch.DataSource.S3DataSource) c.custom(`Channel ${ch.ChannelName}: only S3DataSource is supported locally.`);
      else {
        c.required(ch.DataSource.S3DataSource.S3DataType, p(`InputDataConfig.${i + 1}.member.DataSource.S3DataSource.S3DataType`));
        if (c.required(uri, p(`InputDataConfig.${i + 1}.member.DataSource.S3DataSource.S3Uri`))) checkUri(uri, `Channel ${ch.ChannelName} S3Uri`);
      }
    }
  }
  const hp = input.HyperParameters ?? input.StaticHyperParameters;
  if (hp) {
    if (Object.keys(hp).length > 100) c.custom("HyperParameters: at most 100 entries are allowed.");
    for (const [k, v] of Object.entries(hp)) {
      if (typeof v !== "string") c.custom(`HyperParameters: the value of ${k} must be a string.`);
      else if (v.length > 2500) c.custom(`HyperParameters: the value of ${k} is longer than 2500 characters.`);
      if (k.length > 256) c.custom(`HyperParameters: the key ${k.slice(0, 40)}… is longer than 256 characters.`);
    }
  }
}

export class TrainingJobs {
  recs = new Map<string, any>();
  running = new Map<string, Running>();
  constructor(private ctx: Context, private opts: { maxConcurrentJobs: number; recover?: boolean }) {
    for (const r of ctx.store.loadAll<any>("training-jobs")) {
      if (opts.recover !== false && (r.TrainingJobStatus === "InProgress" || r.TrainingJobStatus === "Stopping")) {
        const t = now();
        r.TrainingJobStatus = "Failed";
        r.FailureReason = "InternalServerError: the local SageMaker server stopped while the job was running.";
        this.transition(r, "Failed", "The local SageMaker server stopped while the job was running.");
        r.TrainingEndTime = t;
        r.LastModifiedTime = t;
        ctx.store.save("training-jobs", r.TrainingJobName, r);
      }
      this.recs.set(r.TrainingJobName, r);
    }
  }

  private transition(r: any, status: string, message: string): void {
    const t = now();
    const list = (r.SecondaryStatusTransitions ??= []);
    const last = list[list.length - 1];
    if (last && last.EndTime === undefined) last.EndTime = t;
    list.push({ Status: status, StartTime: t, StatusMessage: message });
    if (["Completed", "Failed", "Stopped", "MaxRuntimeExceeded"].includes(status)) list[list.length - 1].EndTime = t;
    r.SecondaryStatus = status;
    r.LastModifiedTime = t;
  }
  private save(r: any): void {
    this.ctx.store.save("training-jobs", r.TrainingJobName, r);
  }
  jobDir(name: string): string {
    return this.ctx.store.dir("training-jobs", name);
  }
  logFile(name: string): string {
    return path.join(this.jobDir(name), "log.txt");
  }

  create(input: any, hooks: JobHooks = {}): { TrainingJobArn: string } {
    const c = new Checker();
    c.name(input.TrainingJobName, "TrainingJobName");
    validateTrainingSpec(c, input);
    c.throwIfAny();
    const name = input.TrainingJobName as string;
    const arn = this.ctx.arn("training-job", name.toLowerCase());
    if (this.recs.has(name))
      throw inUse(`Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`);
    const active = [...this.recs.values()].filter((r) => r.TrainingJobStatus === "InProgress" && !r.TuningJobArn).length;
    if (!hooks.tuningJobArn && active >= this.opts.maxConcurrentJobs)
      throw limitExceeded(
        `The account-level service limit 'Number of instances across all training jobs' is ${this.opts.maxConcurrentJobs} Instances, with current utilization of ${active} Instances and a request delta of 1 Instances. Please use AWS Service Quotas to request an increase for this quota.`,
      );
    const t = now();
    const r: any = {
      TrainingJobName: name,
      TrainingJobArn: arn,
      TuningJobArn: hooks.tuningJobArn,
      TrainingJobStatus: "InProgress",
      SecondaryStatus: "Starting",
      HyperParameters: input.HyperParameters ?? {},
      AlgorithmSpecification: input.AlgorithmSpecification,
      RoleArn: input.RoleArn,
      InputDataConfig: input.InputDataConfig,
      OutputDataConfig: input.OutputDataConfig,
      ResourceConfig: input.ResourceConfig,
      StoppingCondition: input.StoppingCondition,
      Environment: input.Environment,
      EnableNetworkIsolation: input.EnableNetworkIsolation ?? false,
      EnableInterContainerTrafficEncryption: false,
      EnableManagedSpotTraining: false,
      CreationTime: t,
      LastModifiedTime: t,
      SecondaryStatusTransitions: [],
      FinalMetricDataList: [],
    };
    this.transition(r, "Starting", "Launching requested ML instances");
    this.recs.set(name, r);
    fs.rmSync(this.jobDir(name), { recursive: true, force: true });
    fs.mkdirSync(this.jobDir(name), { recursive: true });
    this.save(r);
    const run: Running = { done: Promise.resolve() };
    this.running.set(name, run);
    run.done = this.run(r, run, hooks).catch((e) => this.ctx.log(`training job ${name}: internal error ${e?.stack ?? e}`));
    return { TrainingJobArn: arn };
  }

  private async run(r: any, run: Running, hooks: JobHooks): Promise<void> {
    const name = r.TrainingJobName;
    const dir = this.jobDir(name);
    const optml = path.join(dir, "opt_ml");
    const logFd = fs.openSync(this.logFile(name), "a");
    const writeLog = (s: string) => fs.writeSync(logFd, s);
    const finish = (status: string, secondary: string, msg: string, reason?: string) => {
      r.TrainingJobStatus = status;
      if (reason) r.FailureReason = reason.slice(0, 1024);
      this.transition(r, secondary, msg);
      r.TrainingEndTime = now();
      if (r.TrainingStartTime) {
        r.TrainingTimeInSeconds = Math.max(1, Math.round(r.TrainingEndTime - r.TrainingStartTime));
        r.BillableTimeInSeconds = r.TrainingTimeInSeconds;
      }
      this.save(r);
      this.running.delete(name);
      fs.closeSync(logFd);
      this.ctx.log(`training job ${name}: ${status}${reason ? ` (${reason})` : ""}`);
    };
    try {
      // 1. OPT_ML tree
      const config = path.join(optml, "input", "config");
      fs.mkdirSync(config, { recursive: true });
      fs.mkdirSync(path.join(optml, "model"), { recursive: true });
      fs.mkdirSync(path.join(optml, "output", "data"), { recursive: true });
      fs.writeFileSync(path.join(config, "hyperparameters.json"), JSON.stringify(r.HyperParameters));
      const idc: Record<string, any> = {};
      for (const ch of r.InputDataConfig ?? [])
        idc[ch.ChannelName] = {
          ContentType: ch.ContentType,
          TrainingInputMode: ch.InputMode ?? r.AlgorithmSpecification.TrainingInputMode,
          S3DistributionType: ch.DataSource?.S3DataSource?.S3DistributionType ?? "FullyReplicated",
          RecordWrapperType: ch.RecordWrapperType ?? "None",
        };
      fs.writeFileSync(path.join(config, "inputdataconfig.json"), JSON.stringify(idc));
      fs.writeFileSync(
        path.join(config, "resourceconfig.json"),
        JSON.stringify({
          current_host: "algo-1",
          current_instance_type: r.ResourceConfig.InstanceType ?? "ml.m5.large",
          current_group_name: "homogeneousCluster",
          hosts: ["algo-1"],
          instance_groups: [{ instance_group_name: "homogeneousCluster", instance_type: r.ResourceConfig.InstanceType ?? "ml.m5.large", hosts: ["algo-1"] }],
          network_interface_name: "eth0",
        }),
      );
      if (run.stopRequested) return finish("Stopped", "Stopped", run.stopRequested);
      this.transition(r, "Downloading", "Downloading input data");
      this.save(r);
      for (const ch of r.InputDataConfig ?? []) {
        const uri = ch.DataSource.S3DataSource.S3Uri;
        const n = await this.ctx.data.download(uri, path.join(optml, "input", "data", ch.ChannelName), `Channel ${ch.ChannelName}`);
        writeLog(`[local-sagemaker] channel ${ch.ChannelName}: ${n} file(s) from ${uri}\n`);
      }
    } catch (e: any) {
      const msg = e instanceof ApiError ? e.message : String(e?.message ?? e);
      return finish("Failed", "Failed", "Training job failed", `ClientError: ${msg}`);
    }
    if (run.stopRequested) return finish("Stopped", "Stopped", run.stopRequested);

    // 2. the trainer
    r.TrainingStartTime = now();
    this.transition(r, "Training", "Training image download completed. Training in progress.");
    this.save(r);
    const defs: { Name: string; re: RegExp }[] = (r.AlgorithmSpecification.MetricDefinitions ?? []).map((m: any) => ({ Name: m.Name, re: new RegExp(m.Regex) }));
    const last = new Map<string, number>();
    const objectiveValues: number[] = [];
    const tail: string[] = [];
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      for (const d of defs) {
        const m = d.re.exec(line);
        if (!m) continue;
        const v = parseFloat(m[1] ?? m[0]);
        if (!Number.isFinite(v)) continue;
        last.set(d.Name, v);
        if (hooks.objectiveMetric === d.Name) {
          objectiveValues.push(v);
          hooks.onObjective?.(v, line);
        }
      }
    };
    const [cmd, ...args] = this.ctx.trainerCommand;
    const env: Record<string, string | undefined> = { ...process.env, ...(r.Environment ?? {}), OPT_ML: optml, TRAINING_JOB_NAME: name, TRAINING_JOB_ARN: r.TrainingJobArn };
    delete env.NODE_OPTIONS;
    const exit = await new Promise<{ code: number | null; signal: string | null; error?: Error }>((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(cmd, [...args, "train"], { cwd: this.ctx.trainerCwd, env, stdio: ["ignore", "pipe", "pipe"] });
      } catch (e: any) {
        return resolve({ code: null, signal: null, error: e });
      }
      run.child = child;
      if (child.pid) fs.writeFileSync(path.join(dir, "pid"), String(child.pid));
      const maxRt = r.StoppingCondition?.MaxRuntimeInSeconds;
      let timer: NodeJS.Timeout | undefined;
      if (maxRt) {
        timer = setTimeout(() => {
          run.stopRequested = "MaxRuntimeExceeded";
          child.kill("SIGTERM");
        }, maxRt * 1000);
        timer.unref();
      }
      const pump = (stream: NodeJS.ReadableStream) => {
        let buf = "";
        stream.on("data", (d: Buffer) => {
          writeLog(d.toString("utf8"));
          buf += d.toString("utf8");
          let i: number;
          while ((i = buf.indexOf("\n")) >= 0) {
            onLine(buf.slice(0, i).replace(/\r$/, ""));
            buf = buf.slice(i + 1);
          }
        });
        stream.on("end", () => {
          if (buf) onLine(buf);
          buf = "";
        });
      };
      pump(child.stdout!);
      pump(child.stderr!);
      child.on("error", (error) => resolve({ code: null, signal: null, error }));
      child.on("close", (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({ code, signal });
      });
    });
    run.child = undefined;
    const t = now();
    r.FinalMetricDataList = [...last.entries()].map(([MetricName, Value]) => ({ MetricName, Value, Timestamp: t }));
    if (exit.error) return finish("Failed", "Failed", "Training job failed", `AlgorithmError: could not start the trainer ${this.ctx.trainerCommand.join(" ")}: ${exit.error.message}`);
    const failureFile = path.join(optml, "output", "failure");
    if (run.stopRequested === "server shutdown")
      return finish("Failed", "Failed", "Training job failed", "InternalServerError: the local SageMaker server stopped while the job was running.");
    if (run.stopRequested === "MaxRuntimeExceeded")
      return finish("Stopped", "MaxRuntimeExceeded", `Job stopped because it exceeded MaxRuntimeInSeconds (${r.StoppingCondition.MaxRuntimeInSeconds})`);
    if (run.stopRequested) {
      await this.upload(r, optml).catch(() => undefined);
      return finish("Stopped", "Stopped", run.stopRequested);
    }
    if (exit.code !== 0) {
      let reason: string;
      if (fs.existsSync(failureFile) && fs.readFileSync(failureFile, "utf8").trim()) reason = fs.readFileSync(failureFile, "utf8").trim();
      else if (exit.signal) reason = `the trainer was killed by signal ${exit.signal}`;
      else reason = `the trainer exited with code ${exit.code}; last log lines: ${tail.slice(-3).join(" | ")}`;
      return finish("Failed", "Failed", "Training job failed", `AlgorithmError: ${reason}`);
    }
    try {
      this.transition(r, "Uploading", "Uploading generated training model");
      this.save(r);
      await this.upload(r, optml);
    } catch (e: any) {
      return finish("Failed", "Failed", "Training job failed", `ClientError: could not upload model.tar.gz: ${e?.message ?? e}`);
    }
    finish("Completed", "Completed", "Training job completed");
  }

  private async upload(r: any, optml: string): Promise<void> {
    const model = path.join(optml, "model");
    if (!fs.existsSync(model)) return;
    const tgz = packDir(model);
    const uri = joinUri(r.OutputDataConfig.S3OutputPath, r.TrainingJobName, "output", "model.tar.gz");
    await this.ctx.data.writeObject(uri, tgz);
    r.ModelArtifacts = { S3ModelArtifacts: uri };
    const outData = path.join(optml, "output", "data");
    if (fs.existsSync(outData) && fs.readdirSync(outData).length) {
      const out = joinUri(r.OutputDataConfig.S3OutputPath, r.TrainingJobName, "output", "output.tar.gz");
      await this.ctx.data.writeObject(out, packDir(outData));
    }
  }

  get(name: unknown): any {
    const r = typeof name === "string" ? this.recs.get(name) : undefined;
    if (!r) throw notFound(`Requested resource not found.`);
    return r;
  }
  describe(input: any): any {
    const c = new Checker();
    c.name(input.TrainingJobName, "TrainingJobName");
    c.throwIfAny();
    return publicView(this.get(input.TrainingJobName));
  }
  stop(input: any, message = "Stopping the training job"): any {
    const c = new Checker();
    c.name(input.TrainingJobName, "TrainingJobName");
    c.throwIfAny();
    const r = this.get(input.TrainingJobName);
    if (r.TrainingJobStatus !== "InProgress") throw validation(`The request was rejected because the training job is in status ${r.TrainingJobStatus}.`);
    const run = this.running.get(r.TrainingJobName);
    r.TrainingJobStatus = "Stopping";
    this.transition(r, "Stopping", message);
    this.save(r);
    if (run) {
      run.stopRequested = message === "Stopping the training job" ? "Stopped by user" : message;
      if (run.child) terminate(run.child, 5000);
    }
    return {};
  }
  list(input: any): any {
    const items = sortAndFilter([...this.recs.values()], input, { name: "TrainingJobName", status: "TrainingJobStatus" });
    const { page, NextToken } = paginate(items, input);
    return {
      TrainingJobSummaries: page.map((r) => ({
        TrainingJobName: r.TrainingJobName,
        TrainingJobArn: r.TrainingJobArn,
        CreationTime: r.CreationTime,
        TrainingEndTime: r.TrainingEndTime,
        LastModifiedTime: r.LastModifiedTime,
        TrainingJobStatus: r.TrainingJobStatus,
        SecondaryStatus: r.SecondaryStatus,
      })),
      NextToken,
    };
  }
  waitFor(name: string): Promise<void> {
    return this.running.get(name)?.done ?? Promise.resolve();
  }
  async shutdown(): Promise<void> {
    for (const [, run] of this.running) {
      run.stopRequested ??= "server shutdown";
      run.child?.kill("SIGKILL");
    }
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}
