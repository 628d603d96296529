import type { ChildProcess } from "child_process";
import { Store, DataAccess, type RecordKind } from "./storage";
import { Checker, show, validation } from "./errors";
import type { LogStreams } from "./log-streams";
import type { Containers } from "./containers";

export const ACCOUNT = "000000000000";
export const now = () => Date.now() / 1000; // awsJson1_1 timestamps: epoch seconds

/** The longest delay setTimeout keeps: Node runs a longer one (over 24.8 days) after 1 ms, with a warning. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `fn` after `ms` milliseconds, any number of them: a delay past MAX_TIMER_MS waits in steps (a training job's
 * MaxRuntimeInSeconds goes to 28 days, and one of 2,419,200 s was stopped 1 ms after its start). Unref'd: it keeps no
 * process alive. `clear()` cancels it.
 */
export function longTimeout(fn: () => void, ms: number): { clear(): void } {
  const at = Date.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = at - Date.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left));
    timer.unref();
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}

export interface Context {
  store: Store;
  data: DataAccess;
  region: string;
  /** the container program: argv before "train"/"serve" (the process backend's; ./containers), as it is now */
  trainerCommand: () => string[];
  /** directory the trainer runs in */
  trainerCwd: string;
  /** where images run: Docker or the container program as a process (./containers) */
  containers: Containers;
  log(msg: string): void;
  arn(kind: string, name: string): string;
  /** the CloudWatch Logs groups the containers' output goes to (./log-streams) */
  logs: LogStreams;
}

/** SIGTERM a container process (as SageMaker stops a container), SIGKILL it if it is still running after graceMs. */
export function terminate(proc: ChildProcess, graceMs: number): void {
  const running = () => proc.exitCode === null && proc.signalCode === null;
  if (!running()) return;
  proc.kill("SIGTERM");
  setTimeout(() => running() && proc.kill("SIGKILL"), graceMs).unref();
}

/**
 * The container program when the caller gives none: env SAGEMAKER_LOCAL_TRAINER, a JSON array or a space-separated
 * command line (argv before "train"/"serve"). The local SageMaker knows no particular program of its own.
 */
export function trainerCommandFromEnv(): string[] | undefined {
  const env = process.env.SAGEMAKER_LOCAL_TRAINER;
  if (!env) return undefined;
  try {
    const a = JSON.parse(env);
    if (Array.isArray(a)) return a.map(String);
  } catch {
    /* space separated */
  }
  return env.split(/\s+/).filter(Boolean);
}

/** the paging and filtering fields that the List… operations share (checkList validates them) */
export interface ListRequest {
  MaxResults?: unknown;
  NextToken?: unknown;
  NameContains?: unknown;
  StatusEquals?: unknown;
  CreationTimeAfter?: unknown;
  CreationTimeBefore?: unknown;
  LastModifiedTimeAfter?: unknown;
  LastModifiedTimeBefore?: unknown;
  SortBy?: unknown;
  SortOrder?: unknown;
}

/** the fields of ListRequest: what a List… operation of training jobs, tuning jobs, transform jobs or endpoints takes */
export const LIST_FIELDS = Object.keys({
  MaxResults: 1, NextToken: 1, NameContains: 1, StatusEquals: 1, CreationTimeAfter: 1, CreationTimeBefore: 1, LastModifiedTimeAfter: 1, LastModifiedTimeBefore: 1, SortBy: 1, SortOrder: 1,
} satisfies Record<keyof ListRequest, 1>);

/**
 * A List… request's shared fields, as AWS validates them: MaxResults 1–100, NextToken a string, NameContains
 * [a-zA-Z0-9-] of at most 63, StatusEquals / SortBy from the operation's enums, SortOrder Ascending | Descending,
 * the times epoch seconds (a number, as every SDK sends them). ValidationException otherwise — and for a field the
 * operation has that the local SageMaker does not implement (ListTrainingJobs' WarmPoolStatusEquals: its filter was
 * ignored, every job listed): `allowed.fields`, the fields it implements (default LIST_FIELDS).
 */
export function checkList(input: ListRequest, allowed: { statuses: readonly string[]; sortBy: readonly string[]; fields?: readonly string[] }): void {
  const c = new Checker();
  c.supported(input, "", allowed.fields ?? LIST_FIELDS);
  c.range(input.MaxResults, "MaxResults", 1, 100);
  if (c.string(input.NextToken, "NextToken") && input.NextToken.length > 8192)
    c.custom(`Value at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 8192`);
  if (c.string(input.NameContains, "NameContains") && !/^[a-zA-Z0-9-]{1,63}$/.test(input.NameContains))
    c.custom(`Value '${show(input.NameContains)}' at 'nameContains' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9\-]+ and have length less than or equal to 63`);
  c.oneOf(input.StatusEquals, "StatusEquals", [...allowed.statuses]);
  c.oneOf(input.SortBy, "SortBy", [...allowed.sortBy]);
  c.oneOf(input.SortOrder, "SortOrder", ["Ascending", "Descending"]);
  c.number(input.CreationTimeAfter, "CreationTimeAfter");
  c.number(input.CreationTimeBefore, "CreationTimeBefore");
  c.number(input.LastModifiedTimeAfter, "LastModifiedTimeAfter");
  c.number(input.LastModifiedTimeBefore, "LastModifiedTimeBefore");
  c.throwIfAny();
}

/** the order of a List… answer: by key, then by name (a total order), ascending (1) or descending (-1) */
export interface ListOrder<T> {
  key(r: T): string | number;
  name(r: T): string;
  dir: 1 | -1;
}

function compareAt<T>(order: ListOrder<T>, r: T, key: string | number, name: string): number {
  const k = order.key(r), n = order.name(r);
  return order.dir * (k < key ? -1 : k > key ? 1 : n < name ? -1 : n > name ? 1 : 0);
}

/** items in the order (key, then name) */
export function sortBy<T>(items: T[], order: ListOrder<T>): T[] {
  return items.sort((a, b) => compareAt(order, a, order.key(b), order.name(b)));
}

/**
 * MaxResults (1–100, default 10) of the sorted items after NextToken. The token holds the last listed item's
 * position (its sort key and name, base64 JSON), and the page resumes after that position: a list that changed
 * between pages skips and repeats nothing that stayed (an offset skipped the item after a deleted one — a cleanup
 * deleting page by page left endpoints behind — and listed an item twice after a create). A token this server did
 * not give is a ValidationException, as AWS's "Invalid pagination token".
 */
export function paginate<T>(items: T[], input: ListRequest, order: ListOrder<T>): { page: T[]; NextToken?: string } {
  const max = Math.min(Math.max(Number(input.MaxResults) || 10, 1), 100);
  let start = 0;
  if (input.NextToken !== undefined && input.NextToken !== null && input.NextToken !== "") {
    const token = String(input.NextToken);
    let at: unknown;
    try {
      at = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
    } catch {
      at = undefined;
    }
    const valid = Array.isArray(at) && at.length === 2 && (typeof at[0] === "string" || typeof at[0] === "number") && typeof at[1] === "string" && positionToken(at[0], at[1]) === token;
    if (!valid) throw validation(`Invalid pagination token: ${show(token)}`);
    const [key, name] = at as [string | number, string];
    start = items.findIndex((r) => compareAt(order, r, key, name) > 0);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + max);
  const last = page[page.length - 1];
  const next = start + max < items.length && last !== undefined ? positionToken(order.key(last), order.name(last)) : undefined;
  return { page, NextToken: next };
}

function positionToken(key: string | number, name: string): string {
  return Buffer.from(JSON.stringify([key, name])).toString("base64");
}

/** how a List… operation reads its items */
export interface Listed<T> {
  name(r: T): string;
  status(r: T): string;
  created(r: T): number;
  modified(r: T): number;
  /** CreationTimeAfter takes an item created at that very time: ListModels, ListEndpointConfigs and ListEndpoints
   * document "a creation time greater than or equal to" (the job lists: "created after") — a client passing a
   * resource's own CreationTime found it on AWS and not here */
  createdAfterInclusive?: true;
  /** the order without SortBy / SortOrder: CreationTime, Descending unless given (ListHyperParameterTuningJobs
   * documents Name, Ascending — its jobs came newest first here) */
  defaultSort?: { by: "Name" | "Status" | "CreationTime"; order: "Ascending" | "Descending" };
}

/** the order SortBy Name | Status | CreationTime and SortOrder ask for (defaults: fields.defaultSort's, or CreationTime, Descending) */
export function listOrder<T>(input: ListRequest, fields: Listed<T>): ListOrder<T> {
  const by = input.SortBy ?? fields.defaultSort?.by ?? "CreationTime";
  return {
    key: (r) => (by === "Name" ? fields.name(r) : by === "Status" ? fields.status(r) : fields.created(r)),
    name: fields.name,
    dir: (input.SortOrder ?? fields.defaultSort?.order ?? "Descending") === "Ascending" ? 1 : -1,
  };
}

/** NameContains, StatusEquals, CreationTimeAfter/Before, LastModifiedTimeAfter/Before, then in listOrder's order */
export function sortAndFilter<T>(items: T[], input: ListRequest, fields: Listed<T>): T[] {
  let out = items.slice();
  if (input.NameContains) out = out.filter((r) => fields.name(r).toLowerCase().includes(String(input.NameContains).toLowerCase()));
  if (input.StatusEquals) out = out.filter((r) => fields.status(r) === input.StatusEquals);
  if (input.CreationTimeAfter !== undefined) {
    const after = Number(input.CreationTimeAfter);
    out = out.filter((r) => fields.created(r) > after || (fields.createdAfterInclusive === true && fields.created(r) === after));
  }
  if (input.CreationTimeBefore !== undefined) out = out.filter((r) => fields.created(r) < Number(input.CreationTimeBefore));
  if (input.LastModifiedTimeAfter !== undefined) out = out.filter((r) => fields.modified(r) > Number(input.LastModifiedTimeAfter));
  if (input.LastModifiedTimeBefore !== undefined) out = out.filter((r) => fields.modified(r) < Number(input.LastModifiedTimeBefore));
  return sortBy(out, listOrder(input, fields));
}

/**
 * Whether a name is taken, as AWS takes names: without regard to case (CreateEndpoint: "The name is
 * case-insensitive"; every kind's ARN is the name in lower case). `CaseEp` and `caseep` were two resources with one
 * ARN — and on a case-insensitive disk one record file, the second overwriting the first.
 */
export function nameTaken(map: Map<string, unknown>, name: string, store: Store, kind: RecordKind): boolean {
  // on disk too: another process serving the same state folder (a notebook kernel and `npm start`) knows resources
  // this one never loaded — a training job of the same name was created over its running one, its folder removed
  if (store.has(kind, name)) return true;
  const lower = name.toLowerCase();
  for (const k of map.keys()) if (k.toLowerCase() === lower) return true;
  return false;
}

/**
 * A stored resource by name (models, endpoint configs, endpoints): the name is validated first, and an unknown one
 * is AWS's ValidationException "Could not find <what> "<arn>"." (not ResourceNotFound, for these three).
 */
export function findByName<T>(ctx: Context, map: Map<string, T>, name: unknown, field: string, kind: string, what: string): T {
  const c = new Checker();
  c.name(name, field);
  c.throwIfAny();
  const r = map.get(name as string);
  if (!r) throw validation(`Could not find ${what} "${ctx.arn(kind, String(name).toLowerCase())}".`);
  return r;
}
