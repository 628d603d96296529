/**
 * Models and endpoint configurations: the two resources an endpoint is made from. Both are plain records —
 * created after validation, described, deleted — with nothing running behind them; an endpoint copies what it
 * needs from them when it is created (./endpoints), so deleting a model does not disturb an endpoint serving it,
 * as on AWS.
 */
import { Context, now, publicView, findByName } from "./context";
import { Checker, validation } from "./errors";
import { checkUri } from "./storage";

/** ServerlessConfig.MemorySizeInMB: 1 to 6 GB in 1 GB steps */
const MEMORY_SIZES = [1024, 2048, 3072, 4096, 5120, 6144];
const VARIANT_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export class Models {
  models = new Map<string, any>();
  configs = new Map<string, any>();
  constructor(private ctx: Context) {
    for (const m of ctx.store.loadAll<any>("models")) this.models.set(m.ModelName, m);
    for (const c of ctx.store.loadAll<any>("endpoint-configs")) this.configs.set(c.EndpointConfigName, c);
  }

  // ---------- models ----------
  createModel(input: any): any {
    const c = new Checker();
    c.name(input.ModelName, "ModelName");
    if (input.ExecutionRoleArn !== undefined) c.role(input.ExecutionRoleArn, "ExecutionRoleArn");
    const containers = input.PrimaryContainer ? [input.PrimaryContainer] : input.Containers ?? [];
    if (!containers.length) c.custom("Either PrimaryContainer or Containers must be specified.");
    if (containers.length > 1) c.custom("Local SageMaker supports one container per model.");
    for (const ct of containers) {
      if (!ct.Image && !ct.ModelPackageName) c.custom("Image must be specified in the container definition.");
      if (ct.ModelDataUrl !== undefined) checkUri(ct.ModelDataUrl, "ModelDataUrl");
      for (const [k, v] of Object.entries(ct.Environment ?? {}))
        if (typeof v !== "string" || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) c.custom(`Environment: invalid entry ${k}.`);
    }
    c.throwIfAny();
    const arn = this.ctx.arn("model", input.ModelName.toLowerCase());
    if (this.models.has(input.ModelName)) throw validation(`Cannot create already existing model "${arn}".`);
    const m = {
      ModelName: input.ModelName,
      ModelArn: arn,
      PrimaryContainer: containers[0],
      ExecutionRoleArn: input.ExecutionRoleArn,
      CreationTime: now(),
      EnableNetworkIsolation: input.EnableNetworkIsolation ?? false,
    };
    this.models.set(m.ModelName, m);
    this.ctx.store.save("models", m.ModelName, m);
    return { ModelArn: arn };
  }
  model(name: unknown): any {
    return findByName(this.ctx, this.models, name, "ModelName", "model", "model");
  }
  describeModel(input: any): any {
    return publicView(this.model(input.ModelName));
  }
  deleteModel(input: any): any {
    const m = this.model(input.ModelName);
    this.models.delete(m.ModelName);
    this.ctx.store.remove("models", m.ModelName);
    return {};
  }

  // ---------- endpoint configs ----------
  createEndpointConfig(input: any): any {
    const c = new Checker();
    c.name(input.EndpointConfigName, "EndpointConfigName");
    const pvs = input.ProductionVariants;
    if (c.required(pvs, "ProductionVariants")) {
      if (!Array.isArray(pvs) || pvs.length < 1 || pvs.length > 10)
        c.custom(`Value '${JSON.stringify(pvs)}' at 'productionVariants' failed to satisfy constraint: Member must have length between 1 and 10`);
      else
        pvs.forEach((v: any, i: number) => {
          const p = `ProductionVariants.${i + 1}.member`;
          c.name(v.VariantName, `${p}.VariantName`, VARIANT_RE);
          c.name(v.ModelName, `${p}.ModelName`);
          if (v.ServerlessConfig) {
            const s = v.ServerlessConfig;
            c.range(s.MemorySizeInMB, `${p}.ServerlessConfig.MemorySizeInMB`, 1024, 6144, true);
            c.range(s.MaxConcurrency, `${p}.ServerlessConfig.MaxConcurrency`, 1, 200, true);
            if (Number.isInteger(s.MemorySizeInMB) && s.MemorySizeInMB >= 1024 && s.MemorySizeInMB <= 6144 && !MEMORY_SIZES.includes(s.MemorySizeInMB))
              c.custom(`Invalid MemorySizeInMB ${s.MemorySizeInMB} for ServerlessConfig: must be one of ${MEMORY_SIZES.join(", ")}.`);
            if (s.ProvisionedConcurrency !== undefined) {
              c.range(s.ProvisionedConcurrency, `${p}.ServerlessConfig.ProvisionedConcurrency`, 1, 200);
              if (s.ProvisionedConcurrency > s.MaxConcurrency) c.custom("ProvisionedConcurrency must be less than or equal to MaxConcurrency.");
            }
            if (v.InstanceType || v.InitialInstanceCount !== undefined)
              c.custom(`Production variant ${v.VariantName}: specify either ServerlessConfig or InstanceType and InitialInstanceCount, not both.`);
          } else {
            if (!v.InstanceType) c.custom(`Production variant ${v.VariantName}: InstanceType is required when ServerlessConfig is not specified.`);
            else if (!/^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(v.InstanceType))
              c.custom(`Value '${v.InstanceType}' at '${p.replace(/(^|\.)([A-Z])/g, (_m, d, x) => d + x.toLowerCase())}.instanceType' failed to satisfy constraint: Member must satisfy enum value set`);
            c.range(v.InitialInstanceCount, `${p}.InitialInstanceCount`, 1, 1e6, !!v.InstanceType);
          }
        });
    }
    c.throwIfAny();
    if (pvs.length > 1) throw validation("Local SageMaker supports one production variant per endpoint configuration.");
    const names = new Set<string>();
    for (const v of pvs) {
      if (names.has(v.VariantName)) throw validation(`Variant names must be unique: ${v.VariantName}`);
      names.add(v.VariantName);
      if (!this.models.has(v.ModelName)) throw validation(`Could not find model "${this.ctx.arn("model", v.ModelName.toLowerCase())}".`);
    }
    const arn = this.ctx.arn("endpoint-config", input.EndpointConfigName.toLowerCase());
    if (this.configs.has(input.EndpointConfigName)) throw validation(`Cannot create already existing endpoint configuration "${arn}".`);
    const rec = { EndpointConfigName: input.EndpointConfigName, EndpointConfigArn: arn, ProductionVariants: pvs, CreationTime: now() };
    this.configs.set(rec.EndpointConfigName, rec);
    this.ctx.store.save("endpoint-configs", rec.EndpointConfigName, rec);
    return { EndpointConfigArn: arn };
  }
  config(name: unknown): any {
    return findByName(this.ctx, this.configs, name, "EndpointConfigName", "endpoint-config", "endpoint configuration");
  }
  describeEndpointConfig(input: any): any {
    return publicView(this.config(input.EndpointConfigName));
  }
  deleteEndpointConfig(input: any): any {
    const r = this.config(input.EndpointConfigName);
    this.configs.delete(r.EndpointConfigName);
    this.ctx.store.remove("endpoint-configs", r.EndpointConfigName);
    return {};
  }
}
