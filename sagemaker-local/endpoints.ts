/** Models, endpoint configs, endpoints (serverless and real-time), and InvokeEndpoint → the trainer's `serve` process. */
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { spawn, ChildProcess } from "child_process";
import { Context, now, publicView, paginate, sortAndFilter, ACCOUNT, terminate } from "./context";
import { ApiError, Checker, validation } from "./errors";
import { checkUri } from "./storage";
import { unpack } from "./tar";

const MEMORY_SIZES = [1024, 2048, 3072, 4096, 5120, 6144];
const VARIANT_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

interface Live {
  proc?: ChildProcess;
  url?: string;
  starting?: Promise<string>;
  inFlight: number;
  idleTimer?: NodeJS.Timeout;
  coldStarts: number;
  lastColdStartMs?: number;
  invocations: number;
  throttled: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export class Endpoints {
  models = new Map<string, any>();
  configs = new Map<string, any>();
  endpoints = new Map<string, any>();
  /** runtime state per endpoint record (a deleted and re-created endpoint gets a new one) */
  private lives = new WeakMap<object, Live>();
  private allLives = new Set<Live>();
  constructor(private ctx: Context, private opts: { serverlessIdleMs: number; startTimeoutMs: number; recover?: boolean }) {
    for (const m of ctx.store.loadAll<any>("models")) this.models.set(m.ModelName, m);
    for (const c of ctx.store.loadAll<any>("endpoint-configs")) this.configs.set(c.EndpointConfigName, c);
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
  /** A stored resource by name: the name is validated first, an unknown one is AWS's "Could not find …". */
  private lookup(map: Map<string, any>, name: unknown, field: string, kind: string, what: string): any {
    const c = new Checker();
    c.name(name, field);
    c.throwIfAny();
    const r = map.get(name as string);
    if (!r) throw validation(`Could not find ${what} "${this.ctx.arn(kind, String(name).toLowerCase())}".`);
    return r;
  }
  private model(name: unknown): any {
    return this.lookup(this.models, name, "ModelName", "model", "model");
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
  private config(name: unknown): any {
    return this.lookup(this.configs, name, "EndpointConfigName", "endpoint-config", "endpoint configuration");
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

  // ---------- endpoints ----------
  createEndpoint(input: any): any {
    const c = new Checker();
    c.name(input.EndpointName, "EndpointName");
    c.name(input.EndpointConfigName, "EndpointConfigName");
    c.throwIfAny();
    const cfg = this.config(input.EndpointConfigName);
    const arn = this.ctx.arn("endpoint", input.EndpointName.toLowerCase());
    if (this.endpoints.has(input.EndpointName)) throw validation(`Cannot create already existing endpoint "${arn}".`);
    const v = cfg.ProductionVariants[0];
    const model = this.models.get(v.ModelName);
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
      .then(() => (v.ServerlessConfig ? undefined : this.ensureStarted(e)))
      .then(() => {
        if (this.endpoints.get(e.EndpointName) !== e) return this.stopProcess(this.liveOf(e)); // deleted while creating
        e.EndpointStatus = "InService";
        e.LastModifiedTime = now();
        this.ctx.store.save("endpoints", e.EndpointName, e);
        if (v.ServerlessConfig) this.armIdle(e, this.liveOf(e));
        this.ctx.log(`endpoint ${e.EndpointName}: InService`);
      })
      .catch((err) => {
        if (this.endpoints.get(e.EndpointName) !== e) return this.stopProcess(this.liveOf(e));
        e.EndpointStatus = "Failed";
        e.FailureReason = String(err?.message ?? err).slice(0, 1024);
        e.LastModifiedTime = now();
        this.ctx.store.save("endpoints", e.EndpointName, e);
        this.ctx.log(`endpoint ${e.EndpointName}: Failed (${e.FailureReason})`);
      });
    return { EndpointArn: arn };
  }

  private dir(e: any): string {
    return this.ctx.store.dir("endpoints", e.EndpointName);
  }

  /** model.tar.gz → <endpoint dir>/opt_ml/model; serverless: one start to check the model serves (the first cold start) */
  private async prepare(e: any): Promise<void> {
    const optml = path.join(this.dir(e), "opt_ml");
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
      await this.ensureStarted(e);
    }
  }

  private liveOf(e: any): Live {
    let l = this.lives.get(e);
    if (!l) {
      l = { inFlight: 0, coldStarts: 0, invocations: 0, throttled: 0 };
      this.lives.set(e, l);
      this.allLives.add(l);
    }
    return l;
  }

  /** the serve process URL, starting it if needed (a cold start) */
  ensureStarted(e: any): Promise<string> {
    const l = this.liveOf(e);
    if (l.url && l.proc && l.proc.exitCode === null && l.proc.signalCode === null) return Promise.resolve(l.url);
    if (l.starting) return l.starting;
    const t0 = Date.now();
    l.starting = this.spawnServe(e, l)
      .then((url) => {
        l.url = url;
        l.coldStarts++;
        l.lastColdStartMs = Date.now() - t0;
        this.ctx.log(`endpoint ${e.EndpointName}: cold start ${l.lastColdStartMs} ms`);
        return url;
      })
      .finally(() => {
        l.starting = undefined;
      });
    return l.starting;
  }

  private async spawnServe(e: any, l: Live): Promise<string> {
    const optml = path.join(this.dir(e), "opt_ml");
    const port = await freePort();
    const [cmd, ...args] = this.ctx.trainerCommand;
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...(e._model.PrimaryContainer.Environment ?? {}),
      OPT_ML: optml,
      SAGEMAKER_BIND_TO_PORT: String(port),
      SAGEMAKER_BIND_TO_HOST: "127.0.0.1",
    };
    delete env.NODE_OPTIONS;
    const logFd = fs.openSync(path.join(this.dir(e), "log.txt"), "a");
    const proc = spawn(cmd, [...args, "serve"], { cwd: this.ctx.trainerCwd, env, stdio: ["ignore", "pipe", "pipe"] });
    l.proc = proc;
    return await new Promise<string>((resolve, reject) => {
      let out = "";
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`the model server did not start within ${this.opts.startTimeoutMs} ms`)), this.opts.startTimeoutMs);
      timer.unref();
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        proc.kill("SIGKILL");
        reject(err);
      };
      const onData = (d: Buffer) => {
        fs.writeSync(logFd, d.toString("utf8"));
        if (settled) return;
        out += d.toString("utf8");
        const m = /serving on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          const url = m[1].replace(/\/+$/, "");
          ping(url)
            .then(() => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              resolve(url);
            })
            .catch((err) => fail(new Error(`the model server does not answer GET /ping: ${err.message}`)));
        }
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      proc.on("error", (err) => fail(new Error(`could not start the model server: ${err.message}`)));
      proc.on("exit", (code, signal) => {
        fs.closeSync(logFd);
        if (l.proc === proc) {
          l.proc = undefined;
          l.url = undefined;
        }
        fail(new Error(`the model server exited (${signal ?? `code ${code}`}) before serving: ${out.trim().split("\n").slice(-3).join(" | ")}`));
      });
    });
  }

  private stopProcess(l: Live): void {
    if (l.idleTimer) clearTimeout(l.idleTimer);
    l.idleTimer = undefined;
    const p = l.proc;
    l.proc = undefined;
    l.url = undefined;
    if (p) terminate(p, 3000);
  }

  private endpoint(name: unknown): any {
    return this.lookup(this.endpoints, name, "EndpointName", "endpoint", "endpoint");
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
    const l = this.lives.get(e);
    if (l) {
      this.stopProcess(l);
      this.allLives.delete(l);
    }
    this.endpoints.delete(e.EndpointName);
    this.ctx.store.remove("endpoints", e.EndpointName);
    fs.rmSync(this.dir(e), { recursive: true, force: true });
    return {};
  }
  stats(name: string): any {
    const e = this.endpoints.get(name);
    if (!e) return undefined;
    const l = this.liveOf(e);
    return { EndpointName: name, warm: !!l.url, inFlight: l.inFlight, coldStarts: l.coldStarts, lastColdStartMs: l.lastColdStartMs, invocations: l.invocations, throttled: l.throttled };
  }

  // ---------- runtime ----------
  async invoke(name: string, req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const e = this.endpoints.get(name);
    if (!e || e.EndpointStatus !== "InService")
      throw new ApiError("ValidationError", e ? `Endpoint ${name} of account ${ACCOUNT} is not in service (status ${e.EndpointStatus}).` : `Endpoint ${name} of account ${ACCOUNT} not found.`, 400);
    if (body.length > 6 * 1024 * 1024) throw new ApiError("ValidationError", "Request payload exceeds the 6 MB limit.", 413);
    const v = e._variant;
    const l = this.liveOf(e);
    const max = v.ServerlessConfig ? v.ServerlessConfig.MaxConcurrency : Infinity;
    if (l.inFlight >= max) {
      l.throttled++;
      throw new ApiError("ThrottlingException", "Rate exceeded", 429);
    }
    l.inFlight++;
    l.invocations++;
    if (l.idleTimer) clearTimeout(l.idleTimer);
    l.idleTimer = undefined;
    try {
      let url: string;
      const warm = !!(l.url && l.proc && l.proc.exitCode === null && l.proc.signalCode === null);
      const t0 = Date.now();
      try {
        url = await this.ensureStarted(e);
      } catch (err: any) {
        throw new ApiError("ServiceUnavailable", `The model server of endpoint ${name} could not start: ${err.message}`, 503);
      }
      const headers: Record<string, string> = {};
      if (req.headers["content-type"]) headers["content-type"] = String(req.headers["content-type"]);
      if (req.headers["accept"]) headers["accept"] = String(req.headers["accept"]);
      const ca = req.headers["x-amzn-sagemaker-custom-attributes"];
      if (ca) headers["x-amzn-sagemaker-custom-attributes"] = String(ca);
      const res = await forward(`${url}/invocations`, headers, body);
      if (res.status < 200 || res.status >= 300) {
        const msg = res.body.toString("utf8").slice(0, 1024);
        throw new ApiError(
          "ModelError",
          `Received ${res.status < 500 ? "client" : "server"} error (${res.status}) from primary with message "${msg}". See https://127.0.0.1/cloudwatch/home?region=${this.ctx.region}#logEventViewer:group=/aws/sagemaker/Endpoints/${name} in account ${ACCOUNT} for more information.`,
          424,
          { OriginalStatusCode: res.status, OriginalMessage: msg, LogStreamArn: `arn:aws:logs:${this.ctx.region}:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/${name}` },
        );
      }
      const out: Record<string, string> = { "x-amzn-invoked-production-variant": v.VariantName };
      // not an AWS header: this invocation waited for a cold start of the model server (lib/sagemaker reports it)
      if (!warm) out["x-local-sagemaker-cold-start-ms"] = String(Date.now() - t0);
      out["content-type"] = res.headers["content-type"] ? String(res.headers["content-type"]) : "application/octet-stream";
      if (res.headers["x-amzn-sagemaker-custom-attributes"]) out["x-amzn-sagemaker-custom-attributes"] = String(res.headers["x-amzn-sagemaker-custom-attributes"]);
      return { status: 200, headers: out, body: res.body };
    } finally {
      l.inFlight--;
      if (v.ServerlessConfig && l.inFlight === 0 && this.endpoints.get(name) === e) this.armIdle(e, l);
    }
  }

  /** serverless: scale to zero after serverlessIdleMs without invocations */
  private armIdle(e: any, l: Live): void {
    if (l.idleTimer) clearTimeout(l.idleTimer);
    l.idleTimer = setTimeout(() => {
      l.idleTimer = undefined;
      if (l.inFlight === 0 && l.proc) {
        this.ctx.log(`endpoint ${e.EndpointName}: idle for ${this.opts.serverlessIdleMs} ms, scaled to zero`);
        this.stopProcess(l);
      }
    }, this.opts.serverlessIdleMs);
    l.idleTimer.unref();
  }

  /** serverless endpoints: scale to zero now (tests, and after CreateEndpoint when no traffic) */
  scaleToZero(name: string): void {
    const e = this.endpoints.get(name);
    const l = e && this.lives.get(e);
    if (l && l.inFlight === 0) this.stopProcess(l);
  }

  shutdown(): void {
    for (const l of this.allLives) {
      if (l.idleTimer) clearTimeout(l.idleTimer);
      l.proc?.kill("SIGKILL");
      l.proc = undefined;
      l.url = undefined;
    }
  }
}

function ping(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = http.get(`${url}/ping`, { agent: false }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`status ${res.statusCode}`));
    });
    r.on("error", reject);
  });
}

const agent = false as const;

function forward(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = http.request(url, { method: "POST", agent, headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    r.on("error", (err) => reject(new ApiError("ModelError", `Could not reach the model server: ${err.message}`, 424)));
    r.end(body);
  });
}
