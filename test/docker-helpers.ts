/**
 * Helpers for tests that drive a real Docker engine (not a test file itself).
 *
 * - dockerUnavailable(image): why containers cannot run here (no docker command, no engine
 *   answering, no permission, the base image absent, a container that cannot start), or
 *   undefined. Tests skip with that cause; they never fail for it alone.
 * - docker(...) / dockerRun(...): the docker CLI as a child process. Every container these
 *   helpers start gets --rm, a unique name and the label TEST_LABEL=<this run>, and is removed
 *   (`docker rm -f`) by removeContainers() and on process exit, so no container outlives the test
 *   run; leftoverContainers() lists what would remain.
 * - Networks: only `--network none` and `--network host` (no bridge, no traffic off loopback);
 *   dockerRun refuses anything else.
 * - Images: ensureTrainerImage() builds the trainer image (TRAINER_IMAGE, and its build stage as
 *   TRAINER_IMAGE-build, the layer cache) once per process — test/container.test.ts and
 *   test/sagemaker-docker.test.ts share it; both stay in the engine as the cache of the next run, with the
 *   base image. buildImage() builds any other image (a test's own), which the test removes (removeImage()).
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as path from "path";

export const TEST_LABEL = "ensemble-workbook.test";
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const started = new Set<string>();
let counter = 0;

function firstLine(s: string | undefined): string {
  return (s ?? "").trim().split("\n").filter(Boolean).slice(-1)[0] ?? "";
}

/** docker <args> to completion (synchronous); throws with the CLI's message when it fails. */
export function dockerSync(args: string[], timeoutMs = 60_000): string {
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`docker ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")} → exit ${r.status}: ${firstLine(r.stderr)}`);
  return r.stdout;
}

/**
 * Why Docker cannot run `image` here, or undefined when it can: the CLI, the engine, the
 * image, and one throw-away container (`--network none`, `true`) are tried in that order.
 */
export function dockerUnavailable(image: string): string | undefined {
  const v = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 20_000 });
  if (v.error && (v.error as NodeJS.ErrnoException).code === "ENOENT") return "no docker command (Debian: apt-get install docker.io)";
  if (v.error) return `docker version: ${v.error.message}`;
  if (v.status !== 0) {
    const why = firstLine(v.stderr);
    if (/permission denied/i.test(why)) return `no permission to use the Docker engine (${why}): run as root or join the docker group`;
    return `no Docker engine answers (${why}): start one as root with \`dockerd --bridge=none &\``;
  }
  const img = spawnSync("docker", ["image", "inspect", "--format", "{{.Id}}", image], { encoding: "utf8", timeout: 20_000 });
  if (img.status !== 0) {
    return `no ${image} image in the local engine: \`docker pull ${image}\`, or offline \`../shared/tools/docker-base.sh ${(/:(\d+)/.exec(image) ?? [])[1] ?? "22"}\` (a stand-in; .ci/run builds it)`;
  }
  const c = spawnSync("docker", ["run", "--rm", "--network", "none", "--label", `${TEST_LABEL}=${RUN_ID}`, image, "true"], { encoding: "utf8", timeout: 60_000 });
  if (c.status !== 0) return `the Docker engine cannot start a container (${firstLine(c.stderr) || c.error?.message || `exit ${c.status}`})`;
  return undefined;
}

export interface Running {
  name: string;
  child: ChildProcess;
  /** stdout and stderr so far, interleaved */
  output(): string;
  /** the `docker run` client's exit code (= the container's) */
  exited: Promise<number | null>;
}

/**
 * `docker run --rm --name <unique> --label … --network <network> <args…>` as a child process.
 * The container is tracked and removed by removeContainers() / on exit.
 */
export function dockerRun(network: "none" | "host", args: string[]): Running {
  const name = `ewb-test-${RUN_ID}-${++counter}`;
  const user = typeof process.getuid === "function" && process.getuid() !== 0 ? ["--user", `${process.getuid()}:${process.getgid!()}`] : [];
  started.add(name);
  const child = spawn("docker", ["run", "--rm", "--name", name, "--label", `${TEST_LABEL}=${RUN_ID}`, "--network", network, ...user, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  return { name, child, output: () => out, exited };
}

/** Runs a container to completion: { code, output }. Killed (docker rm -f) after timeoutMs. */
export async function dockerRunToEnd(network: "none" | "host", args: string[], timeoutMs = 120_000): Promise<{ code: number | null; output: string }> {
  const r = dockerRun(network, args);
  const timer = setTimeout(() => removeContainer(r.name), timeoutMs);
  try {
    const code = await r.exited;
    return { code, output: r.output() };
  } finally {
    clearTimeout(timer);
  }
}

/** docker rm -f <name> (a container already gone is fine). */
export function removeContainer(name: string): void {
  spawnSync("docker", ["rm", "-f", name], { stdio: "ignore", timeout: 30_000 });
}

/** docker rm -f every container these helpers started (missing ones are fine). */
export function removeContainers(): void {
  for (const name of started) removeContainer(name);
  started.clear();
}
process.on("exit", removeContainers);

/** Names of containers (running or not) that carry this run's label. */
export function leftoverContainers(): string[] {
  return dockerSync(["ps", "-a", "--filter", `label=${TEST_LABEL}=${RUN_ID}`, "--format", "{{.Names}}"]).split("\n").filter(Boolean);
}

/** the trainer image built from this checkout (kept in the engine as the next build's cache) */
export const TRAINER_IMAGE = "ensemble-workbook-trainer:test";
const ROOT = path.resolve(__dirname, "..");

/**
 * DOCKER_BUILDKIT=0 docker build --network host --force-rm [--target] -t <tag> <context>, streaming
 * "Step i/n" lines (FROM/RUN/COPY) to `log` as progress; → { ms, context bytes }.
 */
export function buildImage(o: { tag: string; context: string; dockerfile?: string; target?: string; buildArgs?: Record<string, string>; labels?: Record<string, string> }, log: (line: string) => void = () => undefined): Promise<{ ms: number; context: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const args = [
      "build", "--network", "host", "--force-rm",
      ...Object.entries(o.buildArgs ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
      ...Object.entries(o.labels ?? {}).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
      ...(o.dockerfile ? ["-f", o.dockerfile] : []),
      ...(o.target ? ["--target", o.target] : []),
      "-t", o.tag, o.context,
    ];
    const child = spawn("docker", args, { cwd: ROOT, env: { ...process.env, DOCKER_BUILDKIT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let partial = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      partial += d;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const l of lines) if (/^Step \d+\/\d+ : (FROM|RUN|COPY)/.test(l)) log(`build ${l.slice(0, 110)}`);
    });
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), 15 * 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`docker build → exit ${code}:\n${out.split("\n").slice(-40).join("\n")}`));
      const m = /Sending build context to Docker daemon\s+([0-9.]+)\s*([kMG]?B)/.exec(out);
      if (!m) return reject(new Error(`docker build: no "Sending build context" line in its output:\n${out.slice(0, 2000)}`));
      resolve({ ms: Date.now() - t0, context: Number(m[1]) * ({ B: 1, kB: 1e3, MB: 1e6, GB: 1e9 } as Record<string, number>)[m[2]] });
    });
  });
}

let trainerImage: Promise<{ ms: number; context: number }> | undefined;

/**
 * The trainer image (TRAINER_IMAGE) from this checkout on `base`, built once per process: the build stage
 * gets a tag of its own (TRAINER_IMAGE-build), so that its layers (npm ci, the compiled core) stay the build
 * cache while superseded builds — untagged, labelled by the Dockerfile — are pruned. → the build's time
 * (both stages) and the context size.
 */
export function ensureTrainerImage(base: string, log: (line: string) => void = () => undefined): Promise<{ ms: number; context: number }> {
  trainerImage ??= (async () => {
    log(`building ${TRAINER_IMAGE} from ${base} (classic builder, --network host; a clean engine takes ~0.5–1.5 min) …`);
    const common = { context: ".", dockerfile: "trainer/Dockerfile", buildArgs: { NODE_IMAGE: base } };
    const stage = await buildImage({ ...common, tag: `${TRAINER_IMAGE}-build`, target: "build" }, log);
    const image = await buildImage({ ...common, tag: TRAINER_IMAGE }, log);
    // untagged images of earlier builds of this Dockerfile (images in use by a container are kept)
    dockerSync(["image", "prune", "--force", "--filter", "label=ensemble-workbook.stage"]);
    return { ms: stage.ms + image.ms, context: image.context };
  })();
  return trainerImage;
}

/** docker rmi -f <tag> (an image already gone is fine) */
export function removeImage(tag: string): void {
  spawnSync("docker", ["rmi", "-f", tag], { stdio: "ignore", timeout: 60_000 });
}
