/**
 * Containers: how a training job, a transform job or an endpoint runs its image's `train` / `serve` — the one
 * place that knows the two backends.
 *
 *   docker   the image itself, in the local Docker engine, as SageMaker runs it: the job's /opt/ml tree mounted
 *            (`docker run --rm --network none -v <opt_ml>:/opt/ml IMAGE train`; `serve` with `--network host
 *            -e SAGEMAKER_BIND_TO_PORT=<port> -e SAGEMAKER_BIND_TO_HOST=127.0.0.1`, a serverless endpoint with
 *            `--memory <MemorySizeInMB>m`). The image's own entrypoint gets `train` / `serve`, exactly as on AWS:
 *            this is the image you push to ECR, run before it is pushed.
 *   process  the container program (`trainerCommand`, lib's local mode: this project's trainer) as a child
 *            process, `OPT_ML=<opt_ml>` instead of the mount, serve on a loopback port — no Docker needed.
 *
 * Which one (`backend` option, env SAGEMAKER_LOCAL_BACKEND): `auto` (default) runs the image in Docker when
 * `docker image inspect <image>` finds it in the local engine, the process otherwise; `docker` always runs the
 * image (no engine → the server does not start; an image the engine lacks → ValidationException "Requested image
 * … not found.", as AWS answers CreateTrainingJob / CreateModel for an image ECR lacks); `process` never uses Docker.
 * The choice is logged as the first line of the job's CloudWatch Logs stream and shown in DescribeTrainingJob's
 * SecondaryStatusTransitions (the Training message) and DescribeEndpoint's DeployedImages (ResolvedImage = the
 * image's ID when Docker ran it).
 *
 * Every container carries two labels: `ensemble-workbook.sagemaker-local=<server id>` (this server) and
 * `ensemble-workbook.sagemaker-local.state=<state folder>`, so that closing the server removes its own
 * (`removeAll`), and the next server alone on a state folder removes what a crashed one left (`removeOrphans`).
 * Stopping one is SageMaker's: SIGTERM (`docker stop -t <grace>`, then SIGKILL); killing one is `docker rm -f`.
 */
import { spawn, spawnSync, execFile, ChildProcess } from "child_process";
import * as crypto from "crypto";

export type BackendOption = "auto" | "docker" | "process";
export type Backend = "docker" | "process";
export const BACKENDS: readonly BackendOption[] = ["auto", "docker", "process"];

/** label key → this server's id; and the state folder's, for recovery */
export const SERVER_LABEL = "ensemble-workbook.sagemaker-local";
export const STATE_LABEL = "ensemble-workbook.sagemaker-local.state";

export interface ContainerSpec {
  mode: "train" | "serve";
  /** AlgorithmSpecification.TrainingImage / PrimaryContainer.Image */
  image: string;
  /** the host folder that is /opt/ml (mounted; the process backend gets it as OPT_ML) */
  optml: string;
  /** the container's environment: SageMaker's variables and the request's Environment */
  environment: Record<string, string>;
  /** serve: the loopback port (SAGEMAKER_BIND_TO_PORT) */
  port?: number;
  /** a serverless endpoint's MemorySizeInMB: the container's memory limit (docker only) */
  memoryMb?: number;
  /** the job's or endpoint's name (part of the container's name) */
  owner: string;
}

/** one running container (or container process) */
export interface Container {
  readonly backend: Backend;
  /** the `docker run` client (attached: its output and exit code are the container's) or the trainer process */
  readonly proc: ChildProcess;
  /** the Docker container's name */
  readonly name?: string;
  /** what runs, for the log: "docker image … as container …" | "process …" */
  readonly description: string;
  /** the image's ID when Docker runs it */
  readonly imageId?: string;
  running(): boolean;
  /** SIGTERM now, SIGKILL after graceMs (as SageMaker stops a container) */
  stop(graceMs: number): void;
  /** SIGKILL now (docker rm -f) */
  kill(): void;
}

/**
 * A Docker image reference: [registry[:port]/]path[:tag][@digest] — lowercase path components, a tag of
 * [\w.-] up to 128, a sha256 digest (docker's reference grammar, simplified; at most 255 as TrainingImage).
 */
const IMAGE_REFERENCE = /^(?=.{1,255}$)[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

/** the image's ID, or why the engine has none */
type Inspect = { id: string } | { missing: string };

/** a container that cannot start because of what the caller asked: the job fails with a ClientError */
export class ClientError extends Error {}

/** the image is absent and the backend is docker: the caller's mistake (ValidationException / ClientError) */
export class ImageNotFound extends ClientError {}

/** start's `cancelled()` held once the backend was chosen: no container was started */
export class StartCancelled extends Error {}

/**
 * Environment variables a process container does not take from the request: they make this host's dynamic loader,
 * node, Python or a shell load code the caller names (LD_PRELOAD=/tmp/x.so ran that library as this server's user
 * for anyone who can send a request to 127.0.0.1 — no credentials are checked), or choose another program (PATH).
 * In Docker they are the image's business (its own file system) and pass. No list covers every interpreter: the
 * container program's own (trainer/main) reads none of the others.
 */
// case-sensitive, as the environment is (path is not PATH); not sh's ENV, read by interactive shells only and a common
// name for an application's own setting (ENV=prod)
const HOST_CODE_VARIABLES = /^(LD_\w*|DYLD_\w*|NODE_OPTIONS|NODE_PATH|PATH|GCONV_PATH|PYTHONPATH|PYTHONSTARTUP|PYTHONHOME|BASH_ENV|PERL5OPT|PERL5LIB|RUBYOPT)$/;

export interface ContainersOptions {
  backend: BackendOption;
  /** the container program's argv, asked at each start */
  trainerCommand: () => string[];
  trainerCwd: string;
  stateDir: string;
  log(msg: string): void;
  /** a process backend's model server answers this user's processes only (TRAINER_OWNER_ONLY), as the server does */
  ownerOnly?: boolean;
}

function firstLine(s: string): string {
  return s.trim().split("\n").filter(Boolean).slice(-1)[0] ?? "";
}

/** docker <args> to completion: stdout, or rejects with the CLI's message (ENOENT: no docker command) */
export function docker(args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("docker", args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { code?: unknown };
      if (e.code === "ENOENT") return reject(new Error("no docker command (Debian: apt-get install docker.io)"));
      reject(new Error(firstLine(String(stderr)) || e.message));
    });
  });
}

/** the backend option from the environment (SAGEMAKER_LOCAL_BACKEND), checked */
export function backendFromEnv(value = process.env.SAGEMAKER_LOCAL_BACKEND): BackendOption | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(BACKENDS as readonly string[]).includes(value)) throw new Error(`SAGEMAKER_LOCAL_BACKEND=${JSON.stringify(value)}: expected one of ${BACKENDS.join(", ")}`);
  return value as BackendOption;
}

export class Containers {
  /** this server's id: the value of its containers' SERVER_LABEL */
  readonly serverId = `${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  /** the Docker containers started and not yet seen exiting */
  private live = new Set<string>();
  /** this server has started a Docker container (close() then asks the engine for its leftovers) */
  private usedDocker = false;

  constructor(private o: ContainersOptions) {}

  get backend(): BackendOption {
    return this.o.backend;
  }

  /** backend docker: the engine must answer (startServer refuses to start otherwise, naming the cause) */
  async checkEngine(): Promise<void> {
    if (this.o.backend !== "docker") return;
    try {
      await docker(["version", "--format", "{{.Server.Version}}"], 20_000);
    } catch (e) {
      throw new Error(`backend docker (option backend / SAGEMAKER_LOCAL_BACKEND) but no Docker engine answers: ${(e as Error).message} — start one (\`dockerd --bridge=none &\` as root) or use backend auto/process`);
    }
  }

  private async inspect(image: string): Promise<Inspect> {
    // a name Docker cannot take is no image of the engine (and never reaches the CLI as an option: "--help")
    if (!IMAGE_REFERENCE.test(image)) return { missing: "not a Docker image reference" };
    try {
      const id = (await docker(["image", "inspect", "--format", "{{.Id}}", image], 20_000)).trim();
      return /^sha256:[0-9a-f]{64}$/.test(id) ? { id } : { missing: `docker image inspect answered ${JSON.stringify(id.slice(0, 80))}` };
    } catch (e) {
      return { missing: (e as Error).message };
    }
  }

  /**
   * Backend docker: the image must be in the local engine, else ValidationException as AWS answers for an image
   * ECR lacks (CreateTrainingJob, CreateHyperParameterTuningJob, CreateModel). Other backends: nothing to check.
   */
  async requireImage(image: unknown): Promise<void> {
    if (this.o.backend !== "docker" || typeof image !== "string" || image === "") return;
    const i = await this.inspect(image);
    if ("missing" in i) throw new ImageNotFound(`Requested image ${image} not found in the local Docker engine (backend docker: ${i.missing}).`);
  }

  /** which backend runs `image`, and why (the log line) */
  async choose(image: string): Promise<{ backend: "docker"; imageId: string; why: string } | { backend: "process"; why: string }> {
    if (this.o.backend === "process") return { backend: "process", why: "backend process (forced)" };
    const i = await this.inspect(image);
    if ("id" in i) return { backend: "docker", imageId: i.id, why: `image ${image} (${i.id.slice(0, 19)}) found in the local Docker engine` };
    if (this.o.backend === "docker") throw new ImageNotFound(`Requested image ${image} not found in the local Docker engine (backend docker: ${i.missing}).`);
    return { backend: "process", why: `no image ${image} in the local Docker engine (${i.missing})` };
  }

  /**
   * starts the container (the backend chosen for its image); `said` gets the one line saying which and why. Choosing
   * takes a `docker image inspect`: `cancelled()` true by then (a training job stopped meanwhile) throws StartCancelled
   * and starts nothing — a job stopped in that window had its container started after the stop.
   */
  async start(spec: ContainerSpec, said: (line: string) => void, cancelled?: () => boolean): Promise<Container> {
    const choice = await this.choose(spec.image);
    if (cancelled?.()) throw new StartCancelled(`${spec.owner}: stopped before its container started`);
    if (choice.backend === "process") {
      const c = this.startProcess(spec);
      said(`[local-sagemaker] backend process: ${choice.why}; running ${c.description}`);
      return c;
    }
    const c = this.startDocker(spec, choice.imageId);
    said(`[local-sagemaker] backend docker: ${choice.why}; running ${c.description}`);
    return c;
  }

  private startProcess(spec: ContainerSpec): Container {
    const refused = Object.keys(spec.environment).filter((k) => HOST_CODE_VARIABLES.test(k));
    if (refused.length)
      throw new ClientError(
        `Environment ${refused.join(", ")}: not passed to a container that runs as a process on this host (backend process), where it would make the host load code the request names; run the image in Docker (backend docker, or auto with the image in the local engine) to set it.`,
      );
    const [cmd, ...args] = this.o.trainerCommand();
    const env: Record<string, string | undefined> = { ...process.env, ...spec.environment, OPT_ML: spec.optml };
    if (spec.port !== undefined) {
      env.SAGEMAKER_BIND_TO_PORT = String(spec.port);
      env.SAGEMAKER_BIND_TO_HOST = "127.0.0.1";
    }
    delete env.NODE_OPTIONS;
    // the container program stops itself when this process is gone without stopping it (kill -9): trainer/parent-watch.ts
    env.SAGEMAKER_LOCAL_PARENT_PID = String(process.pid);
    // its model server's port is on 127.0.0.1, every local user's: it answers this user's processes only, as this
    // server does (trainer/limits.ts; not in Docker, whose container runs as its own user)
    if (this.o.ownerOnly) env.TRAINER_OWNER_ONLY = "1";
    env.MALLOC_ARENA_MAX ??= "2"; // as the image sets it (trainer/Dockerfile: glibc's per-thread arenas)
    const proc = spawn(cmd, [...args, spec.mode], { cwd: this.o.trainerCwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const running = () => proc.exitCode === null && proc.signalCode === null;
    return {
      backend: "process",
      proc,
      description: `${[cmd, ...args].join(" ")} ${spec.mode} (OPT_ML=${spec.optml})`,
      running,
      stop(graceMs) {
        if (!running()) return;
        proc.kill("SIGTERM");
        setTimeout(() => running() && proc.kill("SIGKILL"), graceMs).unref();
      },
      kill() {
        if (running()) proc.kill("SIGKILL");
      },
    };
  }

  private startDocker(spec: ContainerSpec, imageId: string): Container {
    const slug = spec.owner.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 40);
    const name = `sagemaker-local-${slug}-${spec.mode}-${crypto.randomBytes(3).toString("hex")}`;
    const env = { ...spec.environment };
    if (spec.port !== undefined) {
      env.SAGEMAKER_BIND_TO_PORT = String(spec.port);
      env.SAGEMAKER_BIND_TO_HOST = "127.0.0.1"; // the host's network: loopback only
    }
    const args = [
      "run", "--rm", "--name", name,
      "--label", `${SERVER_LABEL}=${this.serverId}`,
      "--label", `${STATE_LABEL}=${this.o.stateDir}`,
      // training: no network at all (SageMaker's network isolation); serve: the host's, bound to loopback above
      "--network", spec.mode === "train" ? "none" : "host",
      "-v", `${spec.optml}:/opt/ml`,
      ...(spec.memoryMb ? ["--memory", `${spec.memoryMb}m`, "--memory-swap", `${spec.memoryMb}m`] : []),
      ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
      spec.image, spec.mode,
    ];
    this.live.add(name);
    this.usedDocker = true;
    const proc = spawn("docker", args, { stdio: ["ignore", "pipe", "pipe"] });
    const running = () => proc.exitCode === null && proc.signalCode === null;
    const remove = () => {
      // the container, wherever the client is; then the client, in case the engine no longer answers
      const rm = spawn("docker", ["rm", "-f", name], { stdio: "ignore" });
      rm.on("error", () => undefined);
      setTimeout(() => running() && proc.kill("SIGKILL"), 10_000).unref();
    };
    proc.on("close", (code, signal) => {
      this.live.delete(name);
      // the client died (killed) or the engine failed it (125): the container may live on without it
      if (signal !== null || code === 125) remove();
    });
    proc.on("error", () => this.live.delete(name));
    return {
      backend: "docker",
      proc,
      name,
      imageId,
      description: `docker image ${spec.image} as container ${name} (${spec.mode === "train" ? "--network none" : `--network host, 127.0.0.1:${spec.port}`}${spec.memoryMb ? `, --memory ${spec.memoryMb}m` : ""}, /opt/ml = ${spec.optml})`,
      running,
      stop(graceMs) {
        if (!running()) return;
        const st = spawn("docker", ["stop", "-t", String(Math.max(1, Math.ceil(graceMs / 1000))), name], { stdio: "ignore" });
        st.on("error", () => undefined);
        // the engine stops it within the grace time; if it did not (an engine that stopped answering), remove it
        setTimeout(() => running() && remove(), graceMs + 5_000).unref();
      },
      kill() {
        if (running()) remove();
      },
    };
  }

  /** the host process is exiting: remove every container of this server now (synchronously) */
  killAllSync(): void {
    if (!this.live.size) return;
    spawnSync("docker", ["rm", "-f", ...this.live], { stdio: "ignore", timeout: 20_000 });
    this.live.clear();
  }

  /** close(): every container labelled with this server's id removed (none must outlive it) */
  async removeAll(): Promise<void> {
    if (!this.usedDocker) return;
    const ids = await docker(["ps", "-aq", "--filter", `label=${SERVER_LABEL}=${this.serverId}`]).catch(() => "");
    const list = ids.split("\n").filter(Boolean);
    if (list.length) await docker(["rm", "-f", ...list]).catch((e) => this.o.log(`could not remove containers ${list.join(" ")}: ${(e as Error).message}`));
    this.live.clear();
  }

  /**
   * Recovery (the server is alone on its state folder): containers labelled with this state folder belong to a
   * server that is gone — removed. No docker command or no engine: nothing to do.
   */
  async removeOrphans(): Promise<string[]> {
    let out: string;
    try {
      out = await docker(["ps", "-a", "--filter", `label=${STATE_LABEL}=${this.o.stateDir}`, "--format", "{{.Names}}"], 20_000);
    } catch {
      return [];
    }
    const names = out.split("\n").filter(Boolean);
    if (names.length) await docker(["rm", "-f", ...names]).catch((e) => this.o.log(`recovery: could not remove containers: ${(e as Error).message}`));
    return names;
  }
}

/**
 * The failure reason for a container that exited ≠ 0 without an output/failure file: the signal, or the exit code
 * with what it means for `docker run` (125: the engine could not run it; 126/127: the entrypoint cannot be
 * executed / found; 137: SIGKILL — `docker kill` / `rm -f` from outside, the engine stopping, or --memory exceeded).
 */
export function exitReason(c: Container, code: number | null, signal: string | null, tail: string[]): string {
  const last = tail.slice(-3).join(" | ");
  if (c.backend === "process") {
    if (signal) return `the trainer was killed by signal ${signal}`;
    return `the trainer exited with code ${code}; last log lines: ${last}`;
  }
  if (signal) return `the docker client of container ${c.name} was killed by signal ${signal}; last log lines: ${last}`;
  const meaning: Record<number, string> = {
    125: "the Docker engine could not run the container",
    126: "the image's entrypoint cannot be executed",
    127: "the image's entrypoint was not found",
    137: "the container was killed (SIGKILL: docker kill / rm -f from outside, the Docker engine stopping, or the memory limit)",
    143: "the container was stopped by SIGTERM",
  };
  return `container ${c.name} exited with code ${code}${code !== null && meaning[code] ? ` (${meaning[code]})` : ""}; last log lines: ${last}`;
}
