/**
 * Who may call the model server, and how much: the local servers' guard (`@ensemble-workbook/sagemaker-local/guard`,
 * the same one the local SageMaker uses) configured for an endpoint.
 *
 *   where it listens   SAGEMAKER_BIND_TO_HOST, 127.0.0.1 by default: on a laptop the endpoint is not reachable
 *                      from the network. The container image sets 0.0.0.0 (SageMaker reaches the container from
 *                      outside it); the Host check is then off, since SageMaker's requests carry the container's
 *                      address, and a browser's Origin is still refused.
 *   who                Host a loopback name (DNS rebinding), no browser Origin / cross-site Sec-Fetch-Site, unless
 *                      allowed: TRAINER_ALLOWED_ORIGINS, TRAINER_ALLOWED_HOSTS (comma-separated), or
 *                      `serve --allow-origin <origin> --allow-host <name>`; with TRAINER_OWNER_ONLY=1 (the local
 *                      SageMaker's process backend) this process's user only (127.0.0.1 is every local user's).
 *   how much           the payload limit (SAGEMAKER_MAX_PAYLOAD_IN_MB, 6 as SageMaker's InvokeEndpoint), headers
 *                      within 10 s and the whole request within 60 s (SageMaker's invocation timeout), idle
 *                      keep-alive sockets kept 65 s (longer than SageMaker's load balancer keeps them), at most
 *                      TRAINER_MAX_CONNECTIONS (256) sockets — the oldest idle one makes room for a new one.
 */
import { Guard, isLoopbackAddress, listFromEnv } from "@ensemble-workbook/sagemaker-local/guard";

export interface AccessOptions {
  /** browser origins allowed to call the endpoint (default none) */
  allowedOrigins?: string[];
  /** Host names accepted besides localhost, 127.0.0.1 and [::1] */
  allowedHosts?: string[];
  /** open sockets at most (default 256) */
  maxConnections?: number;
  /** answer only processes of this process's user (TRAINER_OWNER_ONLY=1: set by the local SageMaker's process backend) */
  ownerOnly?: boolean;
}

/** TRAINER_ALLOWED_ORIGINS, TRAINER_ALLOWED_HOSTS, TRAINER_MAX_CONNECTIONS, and the serve command's --allow-origin / --allow-host */
export function accessFromEnv(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): AccessOptions {
  const flags = (name: string) => argv.flatMap((a, i) => (a === `--${name}` ? [argv[i + 1] ?? ""] : a.startsWith(`--${name}=`) ? [a.slice(name.length + 3)] : [])).flatMap((v) => listFromEnv(v));
  const raw = env.TRAINER_MAX_CONNECTIONS;
  const max = raw === undefined || raw.trim() === "" ? undefined : Number(raw);
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) throw new Error(`TRAINER_MAX_CONNECTIONS=${raw} is not a positive integer`);
  return {
    allowedOrigins: [...listFromEnv(env.TRAINER_ALLOWED_ORIGINS), ...flags("allow-origin")],
    allowedHosts: [...listFromEnv(env.TRAINER_ALLOWED_HOSTS), ...flags("allow-host")],
    maxConnections: max,
    ownerOnly: env.TRAINER_OWNER_ONLY === "1",
  };
}

/** the guard of a model server listening on `host` */
export function endpointGuard(host: string, access: AccessOptions = {}): Guard {
  return new Guard({
    ...access,
    checkHost: isLoopbackAddress(host),
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 60_000,
    keepAliveTimeoutMs: 65_000,
    optionNames: { hosts: "TRAINER_ALLOWED_HOSTS (or serve --allow-host)", origins: "TRAINER_ALLOWED_ORIGINS (or serve --allow-origin)" },
  });
}
