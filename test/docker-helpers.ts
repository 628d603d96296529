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
 */
import { ChildProcess, spawn, spawnSync } from "child_process";

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
