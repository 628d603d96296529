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
import type {
  CreateEndpointCommandInput,
  CreateEndpointCommandOutput,
  DeleteEndpointCommandInput,
  DeleteEndpointCommandOutput,
  DescribeEndpointCommandInput,
  DescribeEndpointCommandOutput,
  ListEndpointsCommandInput,
  ListEndpointsCommandOutput,
  EndpointSortKey,
  EndpointStatus,
} from "@aws-sdk/client-sagemaker";
import { checkList, Context, Listed, now, listOrder, paginate, sortAndFilter, findByName, nameTaken } from "./context";
import { Checker, errorMessage, validation } from "./errors";
import { saveInBackground } from "./storage";
import { Models } from "./models";
import { ModelServers, ModelServerOptions } from "./model-servers";
import { EndpointLocal, EndpointRecord, EndpointWire, fromDisk, toDisk } from "./records";
import { unpack } from "./tar";
import type { Reply, Request } from "./wire";

const ENDPOINT_STATUSES = Object.keys({
  OutOfService: 1, Creating: 1, Updating: 1, SystemUpdating: 1, RollingBack: 1, InService: 1, Deleting: 1, Failed: 1, UpdateRollbackFailed: 1,
} satisfies Record<EndpointStatus, 1>);
const SORT_BY = Object.keys({ Name: 1, CreationTime: 1, Status: 1 } satisfies Record<EndpointSortKey, 1>);
const LISTED: Listed<EndpointRecord> = { name: (e) => e.wire.EndpointName, status: (e) => e.wire.EndpointStatus, created: (e) => e.wire.CreationTime, modified: (e) => e.wire.LastModifiedTime, createdAfterInclusive: true };

export class Endpoints {
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly servers: ModelServers;
  constructor(private ctx: Context, private models: Models, opts: ModelServerOptions & { recover?: boolean }) {
    this.servers = new ModelServers(ctx, opts);
    for (const file of ctx.store.loadAll("endpoints")) {
      const e = fromDisk<EndpointWire, EndpointLocal>(file);
      if (opts.recover !== false && (e.wire.EndpointStatus === "Creating" || e.wire.EndpointStatus === "Updating")) {
        e.wire.EndpointStatus = "Failed";
        e.wire.FailureReason = "The local SageMaker server stopped while the endpoint was being created.";
        e.wire.LastModifiedTime = now();
        this.save(e);
      }
      this.endpoints.set(e.wire.EndpointName, e);
    }
  }

  private save(e: EndpointRecord): void {
    this.ctx.store.save("endpoints", e.wire.EndpointName, toDisk(e));
  }

  createEndpoint(request: Request<CreateEndpointCommandInput>): Reply<CreateEndpointCommandOutput> {
    const c = new Checker();
    c.supported(request, "", ["EndpointName", "EndpointConfigName"]);
    c.name(request.EndpointName, "EndpointName");
    c.name(request.EndpointConfigName, "EndpointConfigName");
    const input = c.valid<{ EndpointName: string; EndpointConfigName: string }>(request);
    const cfg = this.models.config(input.EndpointConfigName);
    const arn = this.ctx.arn("endpoint", input.EndpointName.toLowerCase());
    if (nameTaken(this.endpoints, input.EndpointName, this.ctx.store, "endpoints")) throw validation(`Cannot create already existing endpoint "${arn}".`);
    const variant = cfg.ProductionVariants[0];
    const model = this.models.models.get(variant.ModelName);
    if (!model) throw validation(`Could not find model "${this.ctx.arn("model", variant.ModelName.toLowerCase())}".`);
    const t = now();
    const e: EndpointRecord = {
      wire: {
        EndpointName: input.EndpointName,
        EndpointArn: arn,
        EndpointConfigName: cfg.EndpointConfigName,
        EndpointStatus: "Creating",
        CreationTime: t,
        LastModifiedTime: t,
      },
      local: { variant, model },
    };
    const w = e.wire;
    const deleted = () => this.endpoints.get(w.EndpointName) !== e;
    this.save(e); // before it is known: a save that fails leaves no endpoint Creating for good
    this.endpoints.set(w.EndpointName, e);
    this.prepare(e)
      .then(() => (variant.ServerlessConfig ? undefined : this.servers.ensureStarted(e)))
      .then(() => {
        if (deleted()) return this.servers.release(e); // deleted while creating
        w.EndpointStatus = "InService";
        w.LastModifiedTime = now();
        this.save(e);
        if (variant.ServerlessConfig) this.servers.armIdle(e, this.servers.of(e));
        this.ctx.log(`endpoint ${w.EndpointName}: InService`);
      })
      .catch((err) => {
        // a server that started, if saving InService failed; a deleted endpoint's entry goes too (of() made one anew)
        if (deleted()) return this.servers.release(e);
        this.servers.stop(this.servers.of(e));
        w.EndpointStatus = "Failed";
        w.FailureReason = errorMessage(err).slice(0, 1024);
        w.LastModifiedTime = now();
        saveInBackground(`endpoint ${w.EndpointName}: status Failed`, this.ctx.log, () => this.save(e));
        this.ctx.log(`endpoint ${w.EndpointName}: Failed (${w.FailureReason})`);
      });
    return { EndpointArn: arn };
  }

  /** model.tar.gz → <endpoint dir>/opt_ml/model; serverless: one start to check the model serves (the first cold start) */
  private async prepare(e: EndpointRecord): Promise<void> {
    const optml = path.join(this.servers.dir(e), "opt_ml");
    fs.rmSync(optml, { recursive: true, force: true });
    const url = e.local.model.PrimaryContainer.ModelDataUrl;
    // extracted next to model/ and renamed into place once whole: a model server never starts on half a model
    const partial = path.join(optml, ".model.partial");
    fs.mkdirSync(partial, { recursive: true });
    if (url) {
      const buf = await this.ctx.data.readObject(url, "ModelDataUrl");
      try {
        unpack(buf, partial);
      } catch (err) {
        throw new Error(`Failed to extract model data archive from URL "${url}": ${errorMessage(err)}`);
      }
    }
    fs.renameSync(partial, path.join(optml, "model"));
    if (e.local.variant.ServerlessConfig) {
      await this.servers.ensureStarted(e);
    }
  }

  private endpoint(name: unknown): EndpointRecord {
    return findByName(this.ctx, this.endpoints, name, "EndpointName", "endpoint", "endpoint");
  }
  describeEndpoint(input: Request<DescribeEndpointCommandInput>): Reply<DescribeEndpointCommandOutput> {
    const { wire, local } = this.endpoint(input.EndpointName);
    const v = local.variant;
    const image = local.model.PrimaryContainer.Image;
    const inService = wire.EndpointStatus === "InService";
    const variant = {
      VariantName: v.VariantName,
      DeployedImages: inService ? [{ SpecifiedImage: image, ResolvedImage: this.servers.of(this.endpoints.get(wire.EndpointName)!).resolvedImage ?? image, ResolutionTime: wire.CreationTime }] : undefined,
      CurrentWeight: inService ? v.InitialVariantWeight ?? 1 : undefined,
      DesiredWeight: v.InitialVariantWeight ?? 1,
      CurrentInstanceCount: v.ServerlessConfig ? undefined : inService ? v.InitialInstanceCount : undefined,
      DesiredInstanceCount: v.ServerlessConfig ? undefined : v.InitialInstanceCount,
      CurrentServerlessConfig: v.ServerlessConfig && inService ? v.ServerlessConfig : undefined,
      DesiredServerlessConfig: v.ServerlessConfig,
    };
    return { ...wire, ProductionVariants: [variant] };
  }
  listEndpoints(input: Request<ListEndpointsCommandInput>): Reply<ListEndpointsCommandOutput> {
    checkList(input, { statuses: ENDPOINT_STATUSES, sortBy: SORT_BY });
    const items = sortAndFilter([...this.endpoints.values()], input, LISTED);
    const { page, NextToken } = paginate(items, input, listOrder(input, LISTED));
    return {
      Endpoints: page.map(({ wire: e }) => ({ EndpointName: e.EndpointName, EndpointArn: e.EndpointArn, CreationTime: e.CreationTime, LastModifiedTime: e.LastModifiedTime, EndpointStatus: e.EndpointStatus })),
      NextToken,
    };
  }
  deleteEndpoint(input: Request<DeleteEndpointCommandInput>): Reply<DeleteEndpointCommandOutput> {
    const e = this.endpoint(input.EndpointName);
    this.servers.release(e);
    this.endpoints.delete(e.wire.EndpointName);
    this.ctx.store.remove("endpoints", e.wire.EndpointName);
    fs.rmSync(this.servers.dir(e), { recursive: true, force: true });
    return {};
  }

  /** GET /_local/endpoints/<name>: the model server's state and counters (not an AWS operation) */
  stats(name: string): EndpointStats | undefined {
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

/** the local extension GET /_local/endpoints/<name> */
export interface EndpointStats {
  EndpointName: string;
  /** a model server is running */
  warm: boolean;
  inFlight: number;
  coldStarts: number;
  lastColdStartMs?: number;
  invocations: number;
  throttled: number;
}
