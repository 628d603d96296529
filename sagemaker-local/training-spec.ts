/**
 * The validation of a training job's specification — AlgorithmSpecification, RoleArn, channels, output,
 * resources, stopping condition, hyperparameters — shared by CreateTrainingJob and a tuning job's
 * TrainingJobDefinition (whose paths get the prefix "TrainingJobDefinition."). Problems are collected in the
 * Checker and thrown together, with AWS's messages; what the local SageMaker does not implement (multi-instance
 * training, non-S3 data sources) is an error too, never ignored. String and map lengths are the service model's
 * (botocore's sagemaker service-2.json; test/reliability-limits checks them against it).
 */
import { Checker, sdkEnum, show } from "./errors";
import { compileMetricRegex } from "./metric-regex";
import { isJsonObject, JsonObject } from "./wire";
import { checkUri } from "./storage";
import type { Context } from "./context";
import type { TrainingSpec } from "./records";

/** SageMaker's limit on a training job's Environment entries */
export const ENVIRONMENT_ENTRIES = 48;

/** the Name of a MetricDefinition, if it has one (for messages) */
const nameOf = (m: unknown): string => show(isJsonObject(m) ? m.Name : undefined);

/** The fields of a training specification that the local SageMaker implements, beside the request's own (the job's
 * name and HyperParameters, or a TrainingJobDefinition's StaticHyperParameters); SageMaker's others — spot training,
 * VPC, checkpoints, retries, debugger, profiler, warm pools, tags… — are refused (Checker.supported). */
export const TRAINING_SPEC_FIELDS = ["AlgorithmSpecification", "RoleArn", "InputDataConfig", "OutputDataConfig", "ResourceConfig", "StoppingCondition", "Environment", "EnableNetworkIsolation"];

/** SageMaker's switches whose off is what the local SageMaker does: given off, they are no option (false is accepted) */
const OFF_SWITCHES = ["EnableManagedSpotTraining", "EnableInterContainerTrafficEncryption"];

/** `fields`, and the OFF_SWITCHES of `input` that are false: what a training specification's top level may hold */
export function trainingFields(input: JsonObject, fields: string[]): string[] {
  return [...fields, ...OFF_SWITCHES.filter((k) => input[k] === false)];
}

/**
 * Checks the training specification in a CreateTrainingJob request or a TrainingJobDefinition. After the
 * Checker passed, the request has the shape ./records `TrainingSpec` (the callers narrow it then). The callers check
 * the top level's fields (trainingFields); the structures below it are checked here.
 */
export function validateTrainingSpec(c: Checker, input: JsonObject, prefix = "", opts: { tuningTrial?: boolean } = {}): void {
  const p = (s: string) => (prefix ? `${prefix}.${s}` : s);
  const alg = input.AlgorithmSpecification;
  if (c.object(alg, p("AlgorithmSpecification"), true)) {
    c.supported(alg, p("AlgorithmSpecification"), ["TrainingImage", "TrainingInputMode", "MetricDefinitions"]);
    // the channels' files are copied into the container's input folder: File mode (FastFile reads as File does)
    c.implemented(alg.TrainingInputMode, p("AlgorithmSpecification.TrainingInputMode"), ["Pipe", "File", "FastFile"], ["File", "FastFile"], true);
    if (!alg.TrainingImage && !alg.AlgorithmName) c.custom("Either TrainingImage or AlgorithmName must be specified in AlgorithmSpecification.");
    if (c.string(alg.TrainingImage, p("AlgorithmSpecification.TrainingImage"))) c.maxLength(alg.TrainingImage, p("AlgorithmSpecification.TrainingImage"), 255);
    const defs = alg.MetricDefinitions;
    if (c.list(defs, p("AlgorithmSpecification.MetricDefinitions"))) {
      for (const [i, m] of defs.entries()) {
        const at = p(`AlgorithmSpecification.MetricDefinitions.${i + 1}.member`);
        if (!c.object(m, at, true)) continue;
        c.supported(m, at, ["Name", "Regex"]);
        if (c.string(m.Name, `${at}.Name`, true)) {
          c.minLength(m.Name, `${at}.Name`, 1);
          c.maxLength(m.Name, `${at}.Name`, 255);
        }
        if (c.string(m.Regex, `${at}.Regex`, true)) {
          c.minLength(m.Regex, `${at}.Regex`, 1);
          c.maxLength(m.Regex, `${at}.Regex`, 500);
          try {
            compileMetricRegex(m.Regex);
          } catch (e) {
            c.custom(`Invalid regular expression for metric ${nameOf(m)}: ${show(m.Regex)}: ${(e as Error).message}`);
          }
        }
      }
      if (defs.length > 40) c.custom("MetricDefinitions: at most 40 metric definitions are allowed.");
    }
  }
  c.role(input.RoleArn, p("RoleArn"));
  const out = input.OutputDataConfig;
  if (c.object(out, p("OutputDataConfig"), true)) {
    c.supported(out, p("OutputDataConfig"), ["S3OutputPath"]);
    if (c.string(out.S3OutputPath, p("OutputDataConfig.S3OutputPath"), true)) {
      c.maxLength(out.S3OutputPath, p("OutputDataConfig.S3OutputPath"), 1024);
      checkUri(out.S3OutputPath, "OutputDataConfig.S3OutputPath");
    }
  }
  const rc = input.ResourceConfig;
  if (c.object(rc, p("ResourceConfig"), true)) {
    // InstanceGroups (heterogeneous clusters), warm pools (KeepAlivePeriodInSeconds), volume keys: not here
    c.supported(rc, p("ResourceConfig"), ["InstanceType", "InstanceCount", "VolumeSizeInGB"]);
    c.range(rc.VolumeSizeInGB, p("ResourceConfig.VolumeSizeInGB"), 1, 1e6, true); // the service model's minimum (0 was accepted)
    c.range(rc.InstanceCount, p("ResourceConfig.InstanceCount"), 0, 1e6);
    // the service model's minimum is 0 for InstanceGroups' sake (whose jobs leave InstanceCount 0); without them a
    // job needs an instance — 0 or none was accepted and ran on one
    if (rc.InstanceGroups === undefined && (rc.InstanceCount === 0 || rc.InstanceCount === undefined || rc.InstanceCount === null))
      c.custom(`${p("ResourceConfig.InstanceCount")} must be at least 1: a training job without InstanceGroups (not implemented locally) runs on InstanceCount instances.`);
    // AWS's enum (a misspelt or non-training type, ml.m5.medium, passed a shape check and ran)
    c.oneOf(rc.InstanceType, p("ResourceConfig.InstanceType"), sdkEnum("TrainingInstanceType"), true);
    if (typeof rc.InstanceCount === "number" && rc.InstanceCount > 1) c.custom("Local SageMaker runs single-instance training jobs only: ResourceConfig.InstanceCount must be 1.");
  }
  const stop = input.StoppingCondition;
  if (c.object(stop, p("StoppingCondition"), true)) {
    c.supported(stop, p("StoppingCondition"), ["MaxRuntimeInSeconds"]); // MaxWaitTimeInSeconds is spot training's
    c.range(stop.MaxRuntimeInSeconds, p("StoppingCondition.MaxRuntimeInSeconds"), 1, 2419200);
  }
  c.environment(input.Environment, p("Environment"), { entries: ENVIRONMENT_ENTRIES, key: 512, value: 512 });
  c.boolean(input.EnableNetworkIsolation, p("EnableNetworkIsolation"));
  validateChannels(c, input.InputDataConfig, p);
  validateHyperParameters(c, input.HyperParameters ?? input.StaticHyperParameters, opts.tuningTrial);
}

/** InputDataConfig: at most 20 channels with unique names, each an S3DataSource with a file:// or s3:// URI */
function validateChannels(c: Checker, chans: unknown, p: (s: string) => string): void {
  if (!c.list(chans, p("InputDataConfig"))) return;
  if (chans.length > 20) c.custom("InputDataConfig: at most 20 channels are allowed.");
  c.minItems(chans, p("InputDataConfig"), 1); // the service model's: a job without channels leaves it out ([] was accepted)
  const seen = new Set<unknown>();
  for (const [i, ch] of chans.entries()) {
    const at = p(`InputDataConfig.${i + 1}.member`);
    if (!c.object(ch, at, true)) continue;
    // the files are copied whole (InputMode File), as they are (no decompression, no record wrapping, no shuffling)
    c.supported(ch, at, ["ChannelName", "DataSource", "ContentType", "InputMode", "CompressionType", "RecordWrapperType"]);
    c.implemented(ch.InputMode, `${at}.InputMode`, ["Pipe", "File", "FastFile"], ["File", "FastFile"]);
    c.implemented(ch.CompressionType, `${at}.CompressionType`, ["None", "Gzip"], ["None"]);
    c.implemented(ch.RecordWrapperType, `${at}.RecordWrapperType`, ["None", "RecordIO"], ["None"]);
    const name = ch.ChannelName;
    c.name(name, `${at}.ChannelName`, /^[A-Za-z0-9\.\-_]+$/);
    c.maxLength(name, `${at}.ChannelName`, 64);
    if (name === "." || name === "..") c.custom(`Invalid channel name ${name}.`);
    if (seen.has(name)) c.custom(`Channel names must be unique: ${show(name)}`);
    seen.add(name);
    if (c.string(ch.ContentType, `${at}.ContentType`)) c.maxLength(ch.ContentType, `${at}.ContentType`, 256);
    const ds = ch.DataSource;
    if (c.object(ds, `${at}.DataSource`, true)) {
      const s3 = ds.S3DataSource;
      if (!s3) c.custom(`Channel ${show(name)}: only S3DataSource is supported locally.`);
      else if (c.object(s3, `${at}.DataSource.S3DataSource`)) {
        c.supported(s3, `${at}.DataSource.S3DataSource`, ["S3DataType", "S3Uri", "S3DataDistributionType"]);
        // a prefix's objects, every one to the one instance (ShardedByS3Key shards across instances: one has them all)
        c.implemented(s3.S3DataType, `${at}.DataSource.S3DataSource.S3DataType`, ["ManifestFile", "S3Prefix", "AugmentedManifestFile", "Converse"], ["S3Prefix"], true);
        c.oneOf(s3.S3DataDistributionType, `${at}.DataSource.S3DataSource.S3DataDistributionType`, ["FullyReplicated", "ShardedByS3Key"]);
        if (c.string(s3.S3Uri, `${at}.DataSource.S3DataSource.S3Uri`, true)) {
          c.maxLength(s3.S3Uri, `${at}.DataSource.S3DataSource.S3Uri`, 1024);
          checkUri(s3.S3Uri, `Channel ${show(name)} S3Uri`);
        }
      }
    }
  }
}

/** the most hyperparameters a training job (and a tuning job's static + tuned ones) takes */
export const MAX_HYPERPARAMETERS = 100;

/**
 * HyperParameters / StaticHyperParameters: at most 100 string values of at most 2500 characters, keys of at most 256.
 * A tuning job's trial (tuningTrial) has its user's at most 100 (checked when the tuning job is created) and the
 * `_tuning_objective_metric` the tuning job adds, which is not counted: 99 static and 1 tuned hyperparameter were
 * accepted, and the job then Failed "InternalServerError: HyperParameters: at most 100 entries are allowed."
 */
function validateHyperParameters(c: Checker, hp: unknown, tuningTrial = false): void {
  if (!c.object(hp, "HyperParameters")) return;
  const counted = Object.keys(hp).filter((k) => !(tuningTrial && k === "_tuning_objective_metric")).length;
  if (counted > MAX_HYPERPARAMETERS) c.custom(`HyperParameters: at most ${MAX_HYPERPARAMETERS} entries are allowed.`);
  for (const [k, v] of Object.entries(hp)) {
    if (typeof v !== "string") c.custom(`HyperParameters: the value of ${k} must be a string.`);
    else if (v.length > 2500) c.custom(`HyperParameters: the value of ${k} is longer than 2500 characters.`);
    if (k.length > 256) c.custom(`HyperParameters: the key ${k.slice(0, 40)}… is longer than 256 characters.`);
  }
}

/** a validated specification's file:// URIs (channels, output) must be inside the allowed folders (./file-roots) */
export function checkFileRoots(ctx: Context, spec: TrainingSpec, prefix = ""): void {
  for (const ch of spec.InputDataConfig ?? []) ctx.data.checkAllowed(ch.DataSource.S3DataSource.S3Uri, `${prefix}Channel ${ch.ChannelName} S3Uri`);
  ctx.data.checkAllowed(spec.OutputDataConfig.S3OutputPath, `${prefix}OutputDataConfig.S3OutputPath`);
  ctx.data.checkOutputPrefix(spec.OutputDataConfig.S3OutputPath, `${prefix}OutputDataConfig.S3OutputPath`);
}
