/**
 * The validation of a training job's specification — AlgorithmSpecification, RoleArn, channels, output,
 * resources, stopping condition, hyperparameters — shared by CreateTrainingJob and a tuning job's
 * TrainingJobDefinition (whose paths get the prefix "TrainingJobDefinition."). Problems are collected in the
 * Checker and thrown together, with AWS's messages; what the local SageMaker does not implement (multi-instance
 * training, non-S3 data sources) is an error too, never ignored.
 */
import { Checker } from "./errors";
import { checkUri } from "./storage";

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
