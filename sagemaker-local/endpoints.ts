/**
 * Endpoints: CreateEndpoint / DescribeEndpoint / ListEndpoints / DeleteEndpoint.
 *
 * An endpoint is created from an endpoint configuration and its model, both copied into the endpoint's record
 * (one production variant). Creating it is asynchronous, as on AWS: the status is Creating while the model's
 * ModelDataUrl is unpacked into the endpoint's opt_ml/model/ and its model server has started once (for a
 * serverless endpoint that first start checks that the model serves; the server then scales to zero when idle),
 * then InService — or Failed with the reason. The processes are ./model-servers'; the invocation proxy is
 * ./invocations'.
 */
import * as fs from "fs";
import * as path from "path";
import { Context, now, publicView, paginate, sortAndFilter, findByName } from "./context";
import { Checker, validation } from "./errors";
import { Models } from "./models";
import { ModelServers, ModelServerOptions } from "./model-servers";
import { unpack } from "./tar";

export class Endpoints {
  endpoints = new Map<string, any>();
  readonly servers: ModelServers;
  constructor(private ctx: Context, private models: Models, opts: ModelServerOptions & { recover?: boolean }) {
    this.servers = new ModelServers(ctx, opts);
    for (const e of ctx.store.loadAll<any>("endpoints")) {
      if (opts.recover !== false && (e.EndpointStatus === "Creating" || e.EndpointStatus === "Updating")) {
        e.EndpointStatus = "Failed";
        e.FailureReason = "The local SageMaker server stopped while the endpoint was being created.";
        e.LastModifiedTime = now();
        ctx.store.save("endpoints", e.EndpointName, e);
      }
      this.endpoints.set(e.EndpointName, e);
    }
  }

  createEndpoint(input: any): any {
    const c = new Checker();
    c.name(input.EndpointName, "EndpointName");
    c.name(input.EndpointConfigName, "EndpointConfigName");
    c.throwIfAny();
    const cfg = this.models.config(input.EndpointConfigName);
    const arn = this.ctx.arn("endpoint", input.EndpointName.toLowerCase());
    if (this.endpoints.has(input.EndpointName)) throw validation(`Cannot create already existing endpoint "${arn}".`);
    const v = cfg.ProductionVariants[0];
    const model = this.models.models.get(v.ModelName);
    if (!model) throw validation(`Could not find model "${this.ctx.arn("model", v.ModelName.toLowerCase())}".`);
    const t = now();
    const e: any = {
      EndpointName: input.EndpointName,
      EndpointArn: arn,
      EndpointConfigName: cfg.EndpointConfigName,
      EndpointStatus: "Creating",
      CreationTime: t,
      LastModifiedTime: t,
      _variant: v,
      _model: model,
    };
    this.endpoints.set(e.EndpointName, e);
    this.ctx.store.save("endpoints", e.EndpointName, e);
    this.prepare(e)
      .then(() => (v.ServerlessConfig ? undefined : this.servers.ensureStarted(e)))
      .then(() => {
        if (this.endpoints.get(e.EndpointName) !== e) return this.servers.stop(this.servers.of(e)); // deleted while creating
        e.EndpointStatus = "InService";
        e.LastModifiedTime = now();
        this.ctx.store.save("endpoints", e.EndpointName, e);
        if (v.ServerlessConfig) this.servers.armIdle(e, this.servers.of(e));
        this.ctx.log(`endpoint ${e.EndpointName}: InService`);
      })
      .catch((err) => {
        if (this.endpoints.get(e.EndpointName) !== e) return this.servers.stop(this.servers.of(e));
        e.EndpointStatus = "Failed";
        e.FailureReason = String(err?.message ?? err).slice(0, 1024);
        e.LastModifiedTime = now();
        this.ctx.store.save("endpoints", e.EndpointName, e);
        this.ctx.log(`endpoint ${e.EndpointName}: Failed (${e.FailureReason})`);
      });
    return { EndpointArn: arn };
  }

  /** model.tar.gz → <endpoint dir>/opt_ml/model; serverless: one start to check the model serves (the first cold start) */
  private async prepare(e: any): Promise<void> {
    const optml = path.join(this.servers.dir(e), "opt_ml");
    fs.rmSync(optml, { recursive: true, force: true });
    fs.mkdirSync(path.join(optml, "model"), { recursive: true });
    const url = e._model.PrimaryContainer.ModelDataUrl;
    if (url) {
      const buf = await this.ctx.data.readObject(url, "ModelDataUrl");
      try {
        unpack(buf, path.join(optml, "model"));
      } catch (err: any) {
        throw new Error(`Failed to extract model data archive from URL "${url}": ${err.message}`);
      }
    }
    if (e._variant.ServerlessConfig) {
      await this.servers.ensureStarted(e);
    }
  }

  private endpoint(name: unknown): any {
    return findByName(this.ctx, this.endpoints, name, "EndpointName", "endpoint", "endpoint");
  }
  describeEndpoint(input: any): any {
    const e = this.endpoint(input.EndpointName);
    const v = e._variant;
    const out: any = publicView(e);
    const inService = e.EndpointStatus === "InService";
    out.ProductionVariants = [
      {
        VariantName: v.VariantName,
        DeployedImages: inService ? [{ SpecifiedImage: e._model.PrimaryContainer.Image, ResolvedImage: e._model.PrimaryContainer.Image, ResolutionTime: e.CreationTime }] : undefined,
        CurrentWeight: inService ? v.InitialVariantWeight ?? 1 : undefined,
        DesiredWeight: v.InitialVariantWeight ?? 1,
        CurrentInstanceCount: v.ServerlessConfig ? undefined : inService ? v.InitialInstanceCount : undefined,
        DesiredInstanceCount: v.ServerlessConfig ? undefined : v.InitialInstanceCount,
        CurrentServerlessConfig: v.ServerlessConfig && inService ? v.ServerlessConfig : undefined,
        DesiredServerlessConfig: v.ServerlessConfig,
      },
    ];
    return out;
  }
  listEndpoints(input: any): any {
    const items = sortAndFilter([...this.endpoints.values()], input, { name: "EndpointName", status: "EndpointStatus" });
    const { page, NextToken } = paginate(items, input);
    return {
      Endpoints: page.map((e) => ({ EndpointName: e.EndpointName, EndpointArn: e.EndpointArn, CreationTime: e.CreationTime, LastModifiedTime: e.LastModifiedTime, EndpointStatus: e.EndpointStatus })),
      NextToken,
    };
  }
  deleteEndpoint(input: any): any {
    const e = this.endpoint(input.EndpointName);
    this.servers.release(e);
    this.endpoints.delete(e.EndpointName);
    this.ctx.store.remove("endpoints", e.EndpointName);
    fs.rmSync(this.servers.dir(e), { recursive: true, force: true });
    return {};
  }

  /** GET /_local/endpoints/<name>: the model server's state and counters (not an AWS operation) */
  stats(name: string): any {
    const e = this.endpoints.get(name);
    if (!e) return undefined;
    const s = this.servers.of(e);
    return { EndpointName: name, warm: !!s.url, inFlight: s.inFlight, coldStarts: s.coldStarts, lastColdStartMs: s.lastColdStartMs, invocations: s.invocations, throttled: s.throttled };
  }

  /** serverless endpoints: scale to zero now (tests, and after CreateEndpoint when no traffic) */
  scaleToZero(name: string): void {
    const e = this.endpoints.get(name);
    if (e) this.servers.scaleToZero(e);
  }

  shutdown(): void {
    this.servers.shutdown();
  }
}
