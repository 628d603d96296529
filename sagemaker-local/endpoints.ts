/**
 * Endpoints: CreateEndpoint / UpdateEndpoint / DescribeEndpoint / ListEndpoints / DeleteEndpoint.
 *
 * An endpoint is created from an endpoint configuration and its model, both copied into the endpoint's record
 * (one production variant). Creating it is asynchronous, as on AWS: the status is Creating while the model's
 * ModelDataUrl is unpacked into the endpoint's opt_ml/model/ and its model server has started once (for a
 * serverless endpoint that first start checks that the model serves; the server then scales to zero when idle),
 * then InService — or Failed with the reason. The processes are ./model-servers'; the invocation proxy is
 * ./invocations'.
 *
 * UpdateEndpoint deploys another endpoint configuration the way AWS's blue/green update does, with no loss of
 * availability: the status is Updating while the new fleet (its own /opt/ml folder, its own model server) comes up
 * and the old one goes on answering invocations; once the new server has started, invocations go to it, the old one
 * is stopped when its invocations in flight have been answered, and the status is InService with the new
 * EndpointConfigName. A new fleet that fails to come up is rolled back: the old one serves on, the status is
 * InService again with the old configuration, and FailureReason says why the update failed. Only an InService
 * endpoint can be updated (AWS: DeleteEndpoint is the only operation on a Failed one).
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
  UpdateEndpointCommandInput,
  UpdateEndpointCommandOutput,
  EndpointSortKey,
  EndpointStatus,
} from "@aws-sdk/client-sagemaker";
import { checkList, Context, Listed, now, listOrder, paginate, sortAndFilter, findByName, nameTaken } from "./context";
import { Checker, errorMessage, validation } from "./errors";
import { saveInBackground } from "./storage";
import { Models } from "./models";
import { ModelServer, ModelServers, ModelServerOptions } from "./model-servers";
import { EndpointLocal, EndpointRecord, EndpointWire, fromDisk, toDisk } from "./records";
import { unpack } from "./tar";
import type { Reply, Request } from "./wire";
import { INVOCATION_TIMEOUT_MS } from "./invocations";
import { crashPoint } from "./crash-points";

const ENDPOINT_STATUSES = Object.keys({
  OutOfService: 1, Creating: 1, Updating: 1, SystemUpdating: 1, RollingBack: 1, InService: 1, Deleting: 1, Failed: 1, UpdateRollbackFailed: 1,
} satisfies Record<EndpointStatus, 1>);
const SORT_BY = Object.keys({ Name: 1, CreationTime: 1, Status: 1 } satisfies Record<EndpointSortKey, 1>);
const LISTED: Listed<EndpointRecord> = { name: (e) => e.wire.EndpointName, status: (e) => e.wire.EndpointStatus, created: (e) => e.wire.CreationTime, modified: (e) => e.wire.LastModifiedTime, createdAfterInclusive: true };

/** a fleet an update replaced, waiting for its invocations in flight */
interface Retiring {
  old: EndpointRecord;
  poll?: NodeJS.Timeout;
}

export class Endpoints {
  readonly endpoints = new Map<string, EndpointRecord>();
  private readonly retiring = new Set<Retiring>();
  readonly servers: ModelServers;
  constructor(private ctx: Context, private models: Models, opts: ModelServerOptions & { recover?: boolean }) {
    this.servers = new ModelServers(ctx, opts);
    for (const file of ctx.store.loadAll("endpoints")) {
      const e = fromDisk<EndpointWire, EndpointLocal>(file);
      if (opts.recover !== false && e.wire.EndpointStatus === "Creating") {
        e.wire.EndpointStatus = "Failed";
        e.wire.FailureReason = "The local SageMaker server stopped while the endpoint was being created.";
        e.wire.LastModifiedTime = now();
        this.save(e);
      }
      if (opts.recover !== false && e.wire.EndpointStatus === "Updating") this.rollBackOnStart(e);
      // a fleet folder the record does not name: an update's new fleet (rolled back) or its retired one (a stop between
      // the switch and the old folder's removal kept a whole copy of the model until DeleteEndpoint)
      if (opts.recover !== false) this.removeOtherFleets(e);
      this.endpoints.set(e.wire.EndpointName, e);
    }
  }

  /** an update the server stopped in the middle of: the old fleet (the record's) serves on, the new one's folder goes */
  private rollBackOnStart(e: EndpointRecord): void {
    const w = e.wire;
    w.EndpointStatus = "InService";
    w.FailureReason = `The local SageMaker server stopped while the endpoint was being updated to ${e.local.pending?.EndpointConfigName ?? "another configuration"}; rolled back to ${w.EndpointConfigName}.`;
    w.LastModifiedTime = now();
    delete e.local.pending;
    this.save(e);
  }

  /** removes the endpoint's fleet folders (opt_ml*) other than the one its record serves from */
  private removeOtherFleets(e: EndpointRecord): void {
    const current = e.local.optml ?? "opt_ml";
    const dir = this.servers.dir(e);
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) if (f.startsWith("opt_ml") && f !== current) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
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

  /** model.tar.gz → the fleet's opt_ml/model, then its model server's first start (serverless: to check that the
   * model serves — the first cold start) */
  private async prepare(e: EndpointRecord): Promise<void> {
    const optml = this.servers.optml(e);
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
    crashPoint("endpoint-fleet-unpacked");
    await this.servers.ensureStarted(e);
  }

  updateEndpoint(request: Request<UpdateEndpointCommandInput>): Reply<UpdateEndpointCommandOutput> {
    const c = new Checker();
    c.supported(request, "", ["EndpointName", "EndpointConfigName", "RetainAllVariantProperties", "RetainDeploymentConfig"]);
    c.name(request.EndpointName, "EndpointName");
    c.name(request.EndpointConfigName, "EndpointConfigName");
    // false is what they mean when left out; true keeps what this server does not have (scaling set outside the
    // endpoint configuration, a deployment configuration)
    for (const k of ["RetainAllVariantProperties", "RetainDeploymentConfig"] as const) {
      c.boolean(request[k], k);
      if (request[k] === true) c.custom(`${k} true: not supported by the local SageMaker (its endpoints have no variant properties or deployment configuration beyond their endpoint configuration) — leave it out, or run on AWS.`);
    }
    const input = c.valid<{ EndpointName: string; EndpointConfigName: string }>(request);
    const old = this.endpoint(input.EndpointName);
    const w = old.wire;
    if (w.EndpointStatus === "Failed") throw validation(`Cannot update endpoint "${w.EndpointArn}": it is Failed (${w.FailureReason ?? "no reason given"}); DeleteEndpoint is the only operation on a failed endpoint.`);
    if (w.EndpointStatus !== "InService") throw validation(`Cannot update in-progress endpoint "${w.EndpointArn}" (status ${w.EndpointStatus}).`);
    const cfg = this.models.config(input.EndpointConfigName);
    const variant = cfg.ProductionVariants[0];
    // AWS's serverless guide (Update a serverless endpoint): "Updating a real-time inference endpoint to either an
    // on-demand serverless endpoint or a serverless endpoint with Provisioned Concurrency is currently not supported"
    // (serverless to real-time is) — here such an update went through, and code tried locally failed on AWS
    if (variant.ServerlessConfig && !old.local.variant.ServerlessConfig)
      throw validation(
        `Cannot update endpoint "${w.EndpointArn}" to endpoint configuration ${cfg.EndpointConfigName}: the endpoint is real-time (InstanceType ${old.local.variant.InstanceType ?? "?"}) and ${cfg.EndpointConfigName} is serverless — updating a real-time endpoint to a serverless one is not supported; delete the endpoint and create it with ${cfg.EndpointConfigName}.`,
      );
    const model = this.models.models.get(variant.ModelName);
    if (!model) throw validation(`Could not find model "${this.ctx.arn("model", variant.ModelName.toLowerCase())}".`);
    // the new fleet: the same wire record (its status is the endpoint's), its own folder and model server
    const next: EndpointRecord = { wire: w, local: { variant, model, optml: `opt_ml-${Date.now()}` } };
    const before = { status: w.EndpointStatus, modified: w.LastModifiedTime, reason: w.FailureReason };
    w.EndpointStatus = "Updating";
    w.LastModifiedTime = now();
    delete w.FailureReason;
    old.local.pending = { EndpointConfigName: cfg.EndpointConfigName, StartTime: w.LastModifiedTime, variant };
    try {
      this.save(old); // before anything starts: a save that fails leaves the endpoint as it was
    } catch (err) {
      Object.assign(w, { EndpointStatus: before.status, LastModifiedTime: before.modified, FailureReason: before.reason });
      delete old.local.pending;
      throw err;
    }
    // deleted (or deleted and created again) while the new fleet came up: the name holds neither fleet
    const deleted = () => {
      const current = this.endpoints.get(w.EndpointName);
      return current !== old && current !== next;
    };
    // the new fleet given up: its server stopped, its folder removed (a unique name: never another endpoint's)
    const dropNext = () => {
      this.servers.release(next);
      try {
        fs.rmSync(this.servers.optml(next), { recursive: true, force: true });
      } catch (err) {
        this.ctx.log(`endpoint ${w.EndpointName}: the new fleet's folder could not be removed: ${errorMessage(err)}`);
      }
    };
    let switched = false;
    this.prepare(next)
      .then(() => {
        if (deleted()) return dropNext();
        const updated = { EndpointConfigName: cfg.EndpointConfigName, EndpointStatus: "InService" as const, LastModifiedTime: now() };
        this.save({ wire: { ...w, ...updated }, local: next.local }); // first: a save that fails rolls the update back
        const retired = this.servers.of(old);
        Object.assign(w, updated);
        this.endpoints.set(w.EndpointName, next); // invocations from now on reach the new fleet
        switched = true;
        if (variant.ServerlessConfig) this.servers.armIdle(next, this.servers.of(next));
        this.ctx.log(`endpoint ${w.EndpointName}: updated to ${cfg.EndpointConfigName}, InService`);
        this.retire(old, retired); // it never throws: a folder it cannot remove is logged
      })
      .catch((err) => {
        // after the switch the new fleet serves: nothing to roll back
        if (switched) return this.ctx.log(`endpoint ${w.EndpointName}: after the update: ${errorMessage(err)}`);
        dropNext();
        if (deleted()) return;
        // rolled back: the old fleet never stopped serving
        delete old.local.pending;
        w.EndpointStatus = "InService";
        w.FailureReason = `UpdateEndpoint to ${cfg.EndpointConfigName} failed, rolled back to ${w.EndpointConfigName}: ${errorMessage(err)}`.slice(0, 1024);
        w.LastModifiedTime = now();
        saveInBackground(`endpoint ${w.EndpointName}: update rolled back`, this.ctx.log, () => this.save(old));
        this.ctx.log(`endpoint ${w.EndpointName}: ${w.FailureReason}`);
      });
    return { EndpointArn: w.EndpointArn };
  }

  /**
   * The old fleet after an update: stopped once its invocations in flight are answered — each within the runtime's
   * 60 s, after a cold start of at most the variant's start timeout — then its folder removed, unless the name's
   * endpoint serves from that folder again (deleted and created anew meanwhile: DeleteEndpoint drops a fleet being
   * retired). A folder it cannot remove (files a container wrote as root) is logged, never thrown: the update has
   * switched, and a throw here stopped the fleet that serves (or, from the poll, the whole process).
   */
  private retire(old: EndpointRecord, s: ModelServer): void {
    const entry: Retiring = { old };
    const done = () => {
      clearInterval(entry.poll);
      this.retiring.delete(entry);
      this.servers.release(old);
      const dir = this.servers.optml(old);
      const current = this.endpoints.get(old.wire.EndpointName);
      if (current && this.servers.optml(current) === dir) return;
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        this.ctx.log(`endpoint ${old.wire.EndpointName}: the retired fleet's folder ${dir} could not be removed: ${errorMessage(err)}`);
      }
    };
    if (s.inFlight === 0) return done();
    this.retiring.add(entry);
    const t0 = Date.now(), cap = this.servers.startTimeoutMs(old) + INVOCATION_TIMEOUT_MS + 5000;
    entry.poll = setInterval(() => {
      if (s.inFlight > 0 && Date.now() - t0 < cap) return;
      done();
    }, 50);
    entry.poll.unref();
  }

  private endpoint(name: unknown): EndpointRecord {
    return findByName(this.ctx, this.endpoints, name, "EndpointName", "endpoint", "endpoint");
  }
  describeEndpoint(input: Request<DescribeEndpointCommandInput>): Reply<DescribeEndpointCommandOutput> {
    const { wire, local } = this.endpoint(input.EndpointName);
    const v = local.variant;
    const image = local.model.PrimaryContainer.Image;
    // an endpoint being updated serves from its current fleet, as AWS's blue/green update does
    const inService = wire.EndpointStatus === "InService" || wire.EndpointStatus === "Updating";
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
    const p = wire.EndpointStatus === "Updating" ? local.pending : undefined;
    const pending = p
      ? { PendingDeploymentSummary: { EndpointConfigName: p.EndpointConfigName, StartTime: p.StartTime, ProductionVariants: [{ VariantName: p.variant.VariantName, DesiredWeight: p.variant.InitialVariantWeight ?? 1, InstanceType: p.variant.InstanceType, DesiredInstanceCount: p.variant.ServerlessConfig ? undefined : p.variant.InitialInstanceCount, DesiredServerlessConfig: p.variant.ServerlessConfig }] } }
      : {};
    return { ...wire, ProductionVariants: [variant], ...pending };
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
    // a fleet an update replaced that still answers: stopped now (its poll would have removed a folder of the name's
    // next endpoint)
    for (const r of [...this.retiring]) {
      if (r.old.wire.EndpointName !== e.wire.EndpointName) continue;
      clearInterval(r.poll);
      this.retiring.delete(r);
      this.servers.release(r.old);
    }
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
