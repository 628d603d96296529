/**
 * Models and endpoint configurations: the two resources an endpoint is made from. Both are plain records —
 * created after validation, described, deleted — with nothing running behind them; an endpoint copies what it
 * needs from them when it is created (./endpoints), so deleting a model does not disturb an endpoint serving it,
 * as on AWS.
 */
import type {
  CreateEndpointConfigCommandInput,
  CreateEndpointConfigCommandOutput,
  CreateModelCommandInput,
  CreateModelCommandOutput,
  DeleteEndpointConfigCommandInput,
  DeleteEndpointConfigCommandOutput,
  DeleteModelCommandInput,
  DeleteModelCommandOutput,
  DescribeEndpointConfigCommandInput,
  DescribeEndpointConfigCommandOutput,
  DescribeModelCommandInput,
  DescribeModelCommandOutput,
  ListEndpointConfigsCommandInput,
  ListEndpointConfigsCommandOutput,
  ListModelsCommandInput,
  ListModelsCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { checkList, Context, findByName, Listed, listOrder, now, paginate, sortAndFilter, nameTaken } from "./context";
import { Checker, sdkEnum, show, validation } from "./errors";
import type { EndpointConfigRecord, ModelRecord, VariantSpec } from "./records";
import { checkUri } from "./storage";
import type { JsonObject, Reply, Request } from "./wire";

/** ServerlessConfig.MemorySizeInMB: 1 to 6 GB in 1 GB steps */
const MEMORY_SIZES = [1024, 2048, 3072, 4096, 5120, 6144];
const CONTAINER_IMAGE_RE = /^[\S]+$/;

/** the requests once validated */
type CreateModel = { ModelName: string; ExecutionRoleArn?: string; EnableNetworkIsolation?: boolean; PrimaryContainer?: ModelRecord["PrimaryContainer"]; Containers?: ModelRecord["PrimaryContainer"][] };
type CreateEndpointConfig = { EndpointConfigName: string; ProductionVariants: VariantSpec[] };

/** the fields ListModels and ListEndpointConfigs take (no status, no last-modified time) */
const LIST_BY_NAME_AND_TIME = ["MaxResults", "NextToken", "NameContains", "CreationTimeAfter", "CreationTimeBefore", "SortBy", "SortOrder"];
const MODELS: Listed<ModelRecord> = { name: (m) => m.ModelName, status: () => "", created: (m) => m.CreationTime, modified: (m) => m.CreationTime, createdAfterInclusive: true };
const CONFIGS: Listed<EndpointConfigRecord> = { name: (c) => c.EndpointConfigName, status: () => "", created: (c) => c.CreationTime, modified: (c) => c.CreationTime, createdAfterInclusive: true };

export class Models {
  readonly models = new Map<string, ModelRecord>();
  readonly configs = new Map<string, EndpointConfigRecord>();
  constructor(private ctx: Context) {
    for (const m of ctx.store.loadAll("models")) this.models.set(m.ModelName, m);
    for (const c of ctx.store.loadAll("endpoint-configs")) this.configs.set(c.EndpointConfigName, c);
  }

  // ---------- models ----------
  createModel(request: Request<CreateModelCommandInput>): Reply<CreateModelCommandOutput> {
    const c = new Checker();
    c.supported(request, "", ["ModelName", "ExecutionRoleArn", "PrimaryContainer", "Containers", "EnableNetworkIsolation"]);
    c.name(request.ModelName, "ModelName");
    if (request.ExecutionRoleArn !== undefined) c.role(request.ExecutionRoleArn, "ExecutionRoleArn");
    c.boolean(request.EnableNetworkIsolation, "EnableNetworkIsolation");
    // a model's container serves on the host's network (Docker's --network host, or a process): isolation asked for
    // was recorded and ignored — the model server, and a transform job's, reached the network all the same
    if (request.EnableNetworkIsolation === true)
      c.custom("EnableNetworkIsolation true: not supported by the local SageMaker (a model's container serves on this host's network: it would be ignored) — leave it out or false, or run on AWS.");
    // one or the other, as AWS takes them: with both, Containers was ignored (and its image never checked)
    if (request.PrimaryContainer != null && request.Containers != null) c.custom("Specify either PrimaryContainer or Containers, not both.");
    const containers: unknown[] = request.PrimaryContainer ? [request.PrimaryContainer] : c.list(request.Containers, "Containers") ? request.Containers : [];
    const wrongType = !request.PrimaryContainer && request.Containers != null && !Array.isArray(request.Containers); // already a problem
    if (!containers.length && !wrongType) c.custom("Either PrimaryContainer or Containers must be specified.");
    if (containers.length > 1) c.custom("Local SageMaker supports one container per model.");
    for (const ct of containers) {
      if (!c.object(ct, "PrimaryContainer", true)) continue;
      // one model's files in one container: no ModelDataSource (uncompressed S3 models), model packages, multi-model mode
      c.supported(ct, "PrimaryContainer", ["Image", "ModelDataUrl", "Environment", "Mode"]);
      c.implemented(ct.Mode, "PrimaryContainer.Mode", ["SingleModel", "MultiModel"], ["SingleModel"]);
      if (!ct.Image && !ct.ModelPackageName) c.custom("Image must be specified in the container definition.");
      // the service model's ContainerImage: at most 255 characters, no whitespace ("my-algo:latest " with its space ran here)
      if (c.string(ct.Image, "PrimaryContainer.Image")) {
        c.maxLength(ct.Image, "PrimaryContainer.Image", 255);
        if (ct.Image && ct.Image.length <= 255) c.name(ct.Image, "PrimaryContainer.Image", CONTAINER_IMAGE_RE);
      }
      if (ct.ModelDataUrl !== undefined) {
        c.maxLength(ct.ModelDataUrl, "PrimaryContainer.ModelDataUrl", 1024);
        checkUri(ct.ModelDataUrl, "ModelDataUrl");
      }
      c.environment(ct.Environment, "PrimaryContainer.Environment", { entries: 16, key: 1024, value: 1024 });
    }
    const input = c.valid<CreateModel>(request);
    const url = (input.PrimaryContainer ?? input.Containers?.[0])?.ModelDataUrl;
    if (url) this.ctx.data.checkAllowed(url, "ModelDataUrl");
    const arn = this.ctx.arn("model", input.ModelName.toLowerCase());
    if (nameTaken(this.models, input.ModelName, this.ctx.store, "models")) throw validation(`Cannot create already existing model "${arn}".`);
    const container = (input.PrimaryContainer ?? input.Containers?.[0])!; // one container: checked above
    const m: ModelRecord = {
      ModelName: input.ModelName,
      ModelArn: arn,
      PrimaryContainer: container,
      // described as created (describeModel): DescribeModel answers Containers for a model made with them
      ...(input.Containers ? { Containers: [container] } : {}),
      ExecutionRoleArn: input.ExecutionRoleArn,
      CreationTime: now(),
      EnableNetworkIsolation: input.EnableNetworkIsolation ?? false,
    };
    this.ctx.store.save("models", m.ModelName, m); // before it is known: a save that fails (ENOSPC) leaves nothing
    this.models.set(m.ModelName, m);
    return { ModelArn: arn };
  }
  model(name: unknown): ModelRecord {
    return findByName(this.ctx, this.models, name, "ModelName", "model", "model");
  }
  /** a model made with Containers is described with Containers and no PrimaryContainer (the record's PrimaryContainer
   * is the one container endpoints and transform jobs run) — describe_model()["Containers"] was a KeyError */
  describeModel(input: Request<DescribeModelCommandInput>): Reply<DescribeModelCommandOutput> {
    const m = this.model(input.ModelName);
    if (!m.Containers) return m;
    const { PrimaryContainer: _run, ...described } = m;
    return described;
  }
  deleteModel(input: Request<DeleteModelCommandInput>): Reply<DeleteModelCommandOutput> {
    const m = this.model(input.ModelName);
    this.models.delete(m.ModelName);
    this.ctx.store.remove("models", m.ModelName);
    return {};
  }

  // ---------- endpoint configs ----------
  createEndpointConfig(request: Request<CreateEndpointConfigCommandInput>): Reply<CreateEndpointConfigCommandOutput> {
    const c = new Checker();
    c.supported(request, "", ["EndpointConfigName", "ProductionVariants"]);
    c.name(request.EndpointConfigName, "EndpointConfigName");
    const pvs = request.ProductionVariants;
    if (c.required(pvs, "ProductionVariants")) {
      if (!Array.isArray(pvs) || pvs.length < 1 || pvs.length > 10)
        c.custom(`Value '${JSON.stringify(pvs)}' at 'productionVariants' failed to satisfy constraint: Member must have length between 1 and 10`);
      else pvs.forEach((v: unknown, i: number) => validateVariant(c, v, `ProductionVariants.${i + 1}.member`));
    }
    const input = c.valid<CreateEndpointConfig>(request);
    const variants = input.ProductionVariants;
    if (variants.length > 1) throw validation("Local SageMaker supports one production variant per endpoint configuration.");
    const names = new Set<string>();
    for (const v of variants) {
      if (names.has(v.VariantName)) throw validation(`Variant names must be unique: ${v.VariantName}`);
      names.add(v.VariantName);
      if (!this.models.has(v.ModelName)) throw validation(`Could not find model "${this.ctx.arn("model", v.ModelName.toLowerCase())}".`);
    }
    const arn = this.ctx.arn("endpoint-config", input.EndpointConfigName.toLowerCase());
    if (nameTaken(this.configs, input.EndpointConfigName, this.ctx.store, "endpoint-configs")) throw validation(`Cannot create already existing endpoint configuration "${arn}".`);
    const rec: EndpointConfigRecord = { EndpointConfigName: input.EndpointConfigName, EndpointConfigArn: arn, ProductionVariants: variants, CreationTime: now() };
    this.ctx.store.save("endpoint-configs", rec.EndpointConfigName, rec); // before it is known, as a model
    this.configs.set(rec.EndpointConfigName, rec);
    return { EndpointConfigArn: arn };
  }
  config(name: unknown): EndpointConfigRecord {
    return findByName(this.ctx, this.configs, name, "EndpointConfigName", "endpoint-config", "endpoint configuration");
  }
  describeEndpointConfig(input: Request<DescribeEndpointConfigCommandInput>): Reply<DescribeEndpointConfigCommandOutput> {
    return this.config(input.EndpointConfigName);
  }
  /**
   * ListModels / ListEndpointConfigs, as AWS answers them: NameContains, CreationTimeAfter/Before, SortBy Name |
   * CreationTime (default), SortOrder (default Descending), MaxResults / NextToken — what a user looks for after a
   * deploy that left a model or config behind (they were UnknownOperationException).
   */
  listModels(input: Request<ListModelsCommandInput>): Reply<ListModelsCommandOutput> {
    checkList(input, { statuses: [], sortBy: ["Name", "CreationTime"], fields: LIST_BY_NAME_AND_TIME });
    const { page, NextToken } = paginate(sortAndFilter([...this.models.values()], input, MODELS), input, listOrder(input, MODELS));
    return { Models: page.map((m) => ({ ModelName: m.ModelName, ModelArn: m.ModelArn, CreationTime: m.CreationTime })), NextToken };
  }
  listEndpointConfigs(input: Request<ListEndpointConfigsCommandInput>): Reply<ListEndpointConfigsCommandOutput> {
    checkList(input, { statuses: [], sortBy: ["Name", "CreationTime"], fields: LIST_BY_NAME_AND_TIME });
    const { page, NextToken } = paginate(sortAndFilter([...this.configs.values()], input, CONFIGS), input, listOrder(input, CONFIGS));
    return { EndpointConfigs: page.map((c) => ({ EndpointConfigName: c.EndpointConfigName, EndpointConfigArn: c.EndpointConfigArn, CreationTime: c.CreationTime })), NextToken };
  }
  deleteEndpointConfig(input: Request<DeleteEndpointConfigCommandInput>): Reply<DeleteEndpointConfigCommandOutput> {
    const r = this.config(input.EndpointConfigName);
    this.configs.delete(r.EndpointConfigName);
    this.ctx.store.remove("endpoint-configs", r.EndpointConfigName);
    return {};
  }
}

/** one production variant: serverless (memory in 1 GB steps, concurrency) or InstanceType with InitialInstanceCount */
function validateVariant(c: Checker, v: unknown, p: string): void {
  if (!c.object(v, p, true)) return;
  c.supported(v, p, ["VariantName", "ModelName", "InitialVariantWeight", "ContainerStartupHealthCheckTimeoutInSeconds", "ServerlessConfig", "InstanceType", "InitialInstanceCount"]);
  c.name(v.VariantName, `${p}.VariantName`); // VariantName has the names' pattern and 63
  c.name(v.ModelName, `${p}.ModelName`);
  c.number(v.InitialVariantWeight, `${p}.InitialVariantWeight`);
  if (typeof v.InitialVariantWeight === "number" && v.InitialVariantWeight < 0)
    c.custom(`Value '${v.InitialVariantWeight}' at '${p.replace(/(^|\.)([A-Z])/g, (_m, d, x) => d + x.toLowerCase())}.initialVariantWeight' failed to satisfy constraint: Member must have value greater than or equal to 0`);
  // how long the model server may take to answer GET /ping 200 (./model-servers; instead of the server's startTimeoutMs)
  c.range(v.ContainerStartupHealthCheckTimeoutInSeconds, `${p}.ContainerStartupHealthCheckTimeoutInSeconds`, 60, 3600);
  if (v.ServerlessConfig) {
    if (c.object(v.ServerlessConfig, `${p}.ServerlessConfig`)) validateServerless(c, v, v.ServerlessConfig, p);
  } else {
    if (!v.InstanceType) c.custom(`Production variant ${show(v.VariantName)}: InstanceType is required when ServerlessConfig is not specified.`);
    // AWS's enum, as the SDK has it (the form ml.<family>.<size> let ml.m5.larg through)
    else c.oneOf(v.InstanceType, `${p}.InstanceType`, sdkEnum("ProductionVariantInstanceType"));
    c.range(v.InitialInstanceCount, `${p}.InitialInstanceCount`, 1, 1e6, !!v.InstanceType);
    // one model server per endpoint: more instances would be a count the local SageMaker ignores
    if (typeof v.InitialInstanceCount === "number" && v.InitialInstanceCount > 1) c.custom(`Local SageMaker runs an endpoint on one instance: ${p}.InitialInstanceCount must be 1.`);
  }
}

function validateServerless(c: Checker, v: JsonObject, s: JsonObject, p: string): void {
  c.supported(s, `${p}.ServerlessConfig`, ["MemorySizeInMB", "MaxConcurrency", "ProvisionedConcurrency"]);
  c.range(s.MemorySizeInMB, `${p}.ServerlessConfig.MemorySizeInMB`, 1024, 6144, true);
  c.range(s.MaxConcurrency, `${p}.ServerlessConfig.MaxConcurrency`, 1, 200, true);
  const memory = s.MemorySizeInMB;
  if (typeof memory === "number" && Number.isInteger(memory) && memory >= 1024 && memory <= 6144 && !MEMORY_SIZES.includes(memory))
    c.custom(`Invalid MemorySizeInMB ${memory} for ServerlessConfig: must be one of ${MEMORY_SIZES.join(", ")}.`);
  if (s.ProvisionedConcurrency !== undefined) {
    c.range(s.ProvisionedConcurrency, `${p}.ServerlessConfig.ProvisionedConcurrency`, 1, 200);
    if (typeof s.ProvisionedConcurrency === "number" && typeof s.MaxConcurrency === "number" && s.ProvisionedConcurrency > s.MaxConcurrency)
      c.custom("ProvisionedConcurrency must be less than or equal to MaxConcurrency.");
  }
  if (v.InstanceType || v.InitialInstanceCount !== undefined)
    c.custom(`Production variant ${show(v.VariantName)}: specify either ServerlessConfig or InstanceType and InitialInstanceCount, not both.`);
}
