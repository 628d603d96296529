/**
 * The CloudWatch Logs API (AWS JSON 1.1, `X-Amz-Target: Logs_20140328.<Op>`) over the local SageMaker's log
 * streams (./log-streams): DescribeLogGroups, DescribeLogStreams, GetLogEvents and FilterLogEvents, typed by
 * `@aws-sdk/client-cloudwatch-logs`, so the SDK's CloudWatchLogsClient, boto3's `logs` client and the AWS CLI's
 * `aws logs …` read a job's log as they read it on AWS. Timestamps are epoch milliseconds (Logs' own unit).
 *
 * Paging as AWS documents it:
 * - GetLogEvents pages a stream. Without a token it answers the first `limit` events (startFromHead) or the last
 *   (the default); a page [a, b) answers nextForwardToken "f/<b>" and nextBackwardToken "b/<a>", positions in the
 *   stream. At either end of the stream the token passed in comes back unchanged — that is how a client (boto3's
 *   paginator, a follower) knows it has everything so far; asked again later, "f/<b>" answers what was appended.
 *   At most `limit` (1–10000, default 10000) events and 1 MB (a message's UTF-8 bytes + 26 each) per page.
 * - FilterLogEvents interleaves the group's streams by timestamp (stream name, then position, on ties); its
 *   nextToken is the position after the last event answered and is left out when nothing more matches now.
 *   filterPattern: CloudWatch's terms for unstructured logs — case-sensitive terms that must all occur, "quoted
 *   phrases", `?term` (any of these), `-term` (none of these). JSON (`{ $.… }`) and space-delimited (`[…]`)
 *   patterns and regular expressions (`%…%`) are not implemented: InvalidParameterException, never ignored.
 *
 * Errors as Logs shapes them: ResourceNotFoundException ("The specified log group does not exist." / "… log stream
 * …"), InvalidParameterException for every bad parameter (Logs answers constraint violations with it too).
 */
import type {
  DescribeLogGroupsCommandInput,
  DescribeLogGroupsCommandOutput,
  DescribeLogStreamsCommandInput,
  DescribeLogStreamsCommandOutput,
  FilterLogEventsCommandInput,
  FilterLogEventsCommandOutput,
  FilteredLogEvent,
  GetLogEventsCommandInput,
  GetLogEventsCommandOutput,
  LogGroup,
  LogStream,
  OutputLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import { ACCOUNT } from "./context";
import { ApiError } from "./errors";
import { LogStreams, StoredEvent, StreamInfo } from "./log-streams";
import type { JsonObject, Reply, Request } from "./wire";

type Handler<I, O> = (input: Request<I>) => Reply<O>;

/** the CloudWatch Logs operations this server answers */
export interface LogsOperations {
  DescribeLogGroups: Handler<DescribeLogGroupsCommandInput, DescribeLogGroupsCommandOutput>;
  DescribeLogStreams: Handler<DescribeLogStreamsCommandInput, DescribeLogStreamsCommandOutput>;
  GetLogEvents: Handler<GetLogEventsCommandInput, GetLogEventsCommandOutput>;
  FilterLogEvents: Handler<FilterLogEventsCommandInput, FilterLogEventsCommandOutput>;
}

export const LOGS_TARGET_PREFIX = "Logs_20140328";
const MAX_PAGE_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;

const invalid = (msg: string) => new ApiError("InvalidParameterException", msg);
const groupNotFound = () => new ApiError("ResourceNotFoundException", "The specified log group does not exist.");
const streamNotFound = () => new ApiError("ResourceNotFoundException", "The specified log stream does not exist.");

export function logsOperationsOf(streams: LogStreams, region: string): LogsOperations {
  const logs = new Logs(streams, region);
  return {
    DescribeLogGroups: (i) => logs.describeLogGroups(i),
    DescribeLogStreams: (i) => logs.describeLogStreams(i),
    GetLogEvents: (i) => logs.getLogEvents(i),
    FilterLogEvents: (i) => logs.filterLogEvents(i),
  };
}

/** the operation named by X-Amz-Target Logs_20140328.<name>, or undefined */
export function findLogsOperation(ops: LogsOperations, name: string): ((input: JsonObject) => unknown) | undefined {
  if (!Object.hasOwn(ops, name)) return undefined;
  return ops[name as keyof LogsOperations]; // every handler takes a JSON object's fields, unknown until validated
}

/** Logs' constraint messages ("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: …") */
class Params {
  private problems: string[] = [];
  /** the fields an operation reads: done() refuses any other (a misspelt `logStreamNamPrefix` listed every stream) */
  private read = new Set<string>();
  constructor(private input: JsonObject) {}
  private value(field: string): unknown {
    this.read.add(field);
    return this.input[field];
  }
  /** a field the operation takes and checks itself (accountIdentifiers) */
  take(field: string): unknown {
    return this.value(field);
  }
  string(field: string, opts: { min?: number; max?: number; required?: boolean } = {}): string | undefined {
    const v = this.value(field);
    if (v === undefined || v === null) {
      if (opts.required) this.problems.push(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof v !== "string") return this.wrong(field, v, "a string");
    if (opts.min !== undefined && v.length < opts.min) this.problems.push(`Value '${v}' at '${field}' failed to satisfy constraint: Member must have length greater than or equal to ${opts.min}`);
    else if (opts.max !== undefined && v.length > opts.max) this.problems.push(`Value '${v.slice(0, 64)}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${opts.max}`);
    return v;
  }
  integer(field: string, min: number, max: number): number | undefined {
    const v = this.value(field);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v)) return this.wrong(field, v, "an integer");
    if (v < min) this.problems.push(`Value '${v}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
    else if (v > max) this.problems.push(`Value '${v}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
    return v;
  }
  boolean(field: string): boolean | undefined {
    const v = this.value(field);
    if (v === undefined || v === null) return undefined;
    return typeof v === "boolean" ? v : this.wrong(field, v, "a boolean");
  }
  strings(field: string, maxItems: number): string[] | undefined {
    const v = this.value(field);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) return this.wrong(field, v, "a list of strings");
    if (v.length < 1 || v.length > maxItems) this.problems.push(`Value '[${v.join(", ")}]' at '${field}' failed to satisfy constraint: Member must have length between 1 and ${maxItems}`);
    return v as string[];
  }
  oneOf<T extends string>(field: string, values: readonly T[]): T | undefined {
    const v = this.value(field);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
      this.problems.push(`Value '${String(v)}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(", ")}]`);
      return undefined;
    }
    return v as T;
  }
  private wrong(field: string, v: unknown, what: string): undefined {
    this.problems.push(`Value '${typeof v === "string" ? v : JSON.stringify(v)}' at '${field}' failed to satisfy constraint: Member must be ${what}`);
    return undefined;
  }
  /** the problems found, thrown; and any field the operation does not read (none of Logs', or one not implemented here) — never ignored */
  done(): void {
    const unknown = Object.keys(this.input).filter((k) => !this.read.has(k) && this.input[k] !== undefined && this.input[k] !== null);
    if (unknown.length)
      throw invalid(`${unknown.join(", ")}: not a parameter of this operation, or not supported by the local SageMaker (it would be ignored) — leave ${unknown.length > 1 ? "them" : "it"} out. Its parameters here: ${[...this.read].sort().join(", ")}.`);
    const p = this.problems;
    if (p.length) throw invalid(`${p.length} validation error${p.length > 1 ? "s" : ""} detected: ${p.join("; ")}`);
  }
}

/** a page position token: "f/<n>" or "b/<n>" (GetLogEvents), "<n>" in base64 (FilterLogEvents, Describe…) */
function parseToken(token: string | undefined, kinds: "fb" | "plain"): { dir: "f" | "b"; pos: number } | undefined {
  if (token === undefined) return undefined;
  if (kinds === "fb") {
    const m = /^([fb])\/(\d{1,20})$/.exec(token);
    if (!m) throw invalid("The specified nextToken is invalid.");
    return { dir: m[1] as "f" | "b", pos: Number(m[2]) };
  }
  const n = /^\d{1,15}$/.test(Buffer.from(token, "base64").toString("utf8")) ? Number(Buffer.from(token, "base64").toString("utf8")) : NaN;
  if (!Number.isFinite(n)) throw invalid("The specified nextToken is invalid.");
  return { dir: "f", pos: n };
}
const plainToken = (n: number) => Buffer.from(String(n)).toString("base64");

/** a filterPattern for unstructured logs: all of `all`, at least one of `any` (when given), none of `none` */
interface Pattern {
  all: string[];
  any: string[];
  none: string[];
}

function parseFilterPattern(pattern: string | undefined): Pattern | undefined {
  if (pattern === undefined || pattern.trim() === "") return undefined;
  const t = pattern.trim();
  if (t.startsWith("{") || t.startsWith("[") || t.startsWith("%"))
    throw invalid(`Invalid filter pattern '${pattern}': JSON, space-delimited and regular-expression patterns are not supported by the local SageMaker; use terms, "quoted phrases", ?term and -term.`);
  const p: Pattern = { all: [], any: [], none: [] };
  const re = /([?-]?)(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(t))) {
    if (t.slice(consumed, m.index).trim()) break;
    consumed = m.index + m[0].length;
    const term = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
    (m[1] === "?" ? p.any : m[1] === "-" ? p.none : p.all).push(term);
  }
  if (t.slice(consumed).trim()) throw invalid(`Invalid filter pattern '${pattern}': unbalanced quotes.`);
  return p;
}

function matches(p: Pattern | undefined, message: string): boolean {
  if (!p) return true;
  if (!p.all.every((s) => message.includes(s))) return false;
  if (p.any.length && !p.any.some((s) => message.includes(s))) return false;
  return !p.none.some((s) => message.includes(s));
}

class Logs {
  constructor(private streams: LogStreams, private region: string) {}

  private groupArn(name: string): string {
    return `arn:aws:logs:${this.region}:${ACCOUNT}:log-group:${name}`;
  }

  /** logGroupName or logGroupIdentifier (a name or an ARN), not both; the group must exist */
  private group(q: Params): string {
    const name = q.string("logGroupName", { min: 1, max: 512 });
    const id = q.string("logGroupIdentifier", { min: 1, max: 2048 });
    q.done();
    if (name !== undefined && id !== undefined) throw invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    let g = name ?? id;
    if (g === undefined) throw invalid("Either logGroupName or logGroupIdentifier must be specified.");
    if (id !== undefined && id.startsWith("arn:")) {
      const m = /^arn:aws[a-z-]*:logs:[^:]*:\d{12}:log-group:(.+?)(:\*)?$/.exec(id);
      if (!m) throw invalid(`Invalid logGroupIdentifier: ${id}`);
      g = m[1];
    }
    if (!this.streams.hasGroup(g)) throw groupNotFound();
    return g;
  }

  describeLogGroups(input: Request<DescribeLogGroupsCommandInput>): Reply<DescribeLogGroupsCommandOutput> {
    const q = new Params(input);
    const prefix = q.string("logGroupNamePrefix", { min: 1, max: 512 });
    const pattern = q.string("logGroupNamePattern", { min: 0, max: 512 });
    const limit = q.integer("limit", 1, 50) ?? 50;
    const token = q.string("nextToken", { min: 1 });
    const ids = q.strings("logGroupIdentifiers", 50);
    const cls = q.oneOf("logGroupClass", ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"] as const);
    if (q.boolean("includeLinkedAccounts") === true || q.take("accountIdentifiers") !== undefined)
      throw invalid("The local SageMaker has no linked accounts: includeLinkedAccounts and accountIdentifiers are not supported.");
    q.done();
    if (prefix !== undefined && pattern !== undefined) throw invalid("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.");
    let groups = this.streams.groups().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (prefix !== undefined) groups = groups.filter((g) => g.name.startsWith(prefix));
    if (pattern) groups = groups.filter((g) => g.name.includes(pattern));
    if (ids) groups = groups.filter((g) => ids.includes(g.name) || ids.includes(this.groupArn(g.name)));
    if (cls !== undefined && cls !== "STANDARD") groups = [];
    const start = parseToken(token, "plain")?.pos ?? 0;
    const page = groups.slice(start, start + limit);
    return {
      logGroups: page.map((g): Reply<LogGroup> => {
        const bytes = this.streams.streamNames(g.name).reduce((s, n) => s + (this.streams.stream(g.name, n)?.bytes ?? 0), 0);
        return { logGroupName: g.name, creationTime: g.creationTime, metricFilterCount: 0, arn: `${this.groupArn(g.name)}:*`, logGroupArn: this.groupArn(g.name), storedBytes: bytes, logGroupClass: "STANDARD" };
      }),
      nextToken: start + limit < groups.length ? plainToken(start + limit) : undefined,
    };
  }

  describeLogStreams(input: Request<DescribeLogStreamsCommandInput>): Reply<DescribeLogStreamsCommandOutput> {
    const q = new Params(input);
    const prefix = q.string("logStreamNamePrefix", { min: 1, max: 512 });
    const orderBy = q.oneOf("orderBy", ["LogStreamName", "LastEventTime"] as const) ?? "LogStreamName";
    const descending = q.boolean("descending") ?? false;
    const limit = q.integer("limit", 1, 50) ?? 50;
    const token = q.string("nextToken", { min: 1 });
    const group = this.group(q);
    if (prefix !== undefined && orderBy === "LastEventTime") throw invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
    let infos = this.streams
      .streamNames(group)
      .filter((n) => prefix === undefined || n.startsWith(prefix))
      .map((n) => this.streams.stream(group, n))
      .filter((s): s is StreamInfo => s !== undefined);
    const last = (s: StreamInfo) => s.events[s.events.length - 1]?.timestamp ?? s.creationTime;
    infos.sort((a, b) => (orderBy === "LastEventTime" ? last(a) - last(b) : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (descending) infos = infos.reverse();
    const start = parseToken(token, "plain")?.pos ?? 0;
    const page = infos.slice(start, start + limit);
    return {
      logStreams: page.map((s): Reply<LogStream> => ({
        logStreamName: s.name,
        creationTime: s.creationTime,
        firstEventTimestamp: s.events[0]?.timestamp,
        lastEventTimestamp: s.events[s.events.length - 1]?.timestamp,
        lastIngestionTime: s.events[s.events.length - 1]?.ingestionTime,
        arn: `${this.groupArn(group)}:log-stream:${s.name}`,
        storedBytes: s.bytes,
      })),
      nextToken: start + limit < infos.length ? plainToken(start + limit) : undefined,
    };
  }

  getLogEvents(input: Request<GetLogEventsCommandInput>): Reply<GetLogEventsCommandOutput> {
    const q = new Params(input);
    const streamName = q.string("logStreamName", { min: 1, max: 512, required: true });
    const startTime = q.integer("startTime", 0, Number.MAX_SAFE_INTEGER);
    const endTime = q.integer("endTime", 0, Number.MAX_SAFE_INTEGER);
    const limit = q.integer("limit", 1, 10000) ?? 10000;
    const fromHead = q.boolean("startFromHead") ?? false;
    q.boolean("unmask"); // nothing is masked locally
    const token = parseToken(q.string("nextToken", { min: 1 }), "fb");
    const group = this.group(q);
    const s = this.streams.stream(group, streamName!);
    if (!s) throw streamNotFound();
    const ev = s.events;
    const n = ev.length;
    // startTime inclusive, endTime exclusive (GetLogEvents)
    const inRange = (e: StoredEvent) => (startTime === undefined || e.timestamp >= startTime) && (endTime === undefined || e.timestamp < endTime);
    const take: number[] = [];
    let bytes = 0;
    // a page holds at least one event: one larger than a page (an older state folder's; the writer cuts lines now) was
    // never returned, and every later event waited behind it
    const fits = (e: StoredEvent) => take.length < limit && (take.length === 0 || bytes + Buffer.byteLength(e.message) + EVENT_OVERHEAD <= MAX_PAGE_BYTES);
    let a: number;
    let b: number;
    const forward = token ? token.dir === "f" : fromHead;
    if (forward) {
      a = Math.min(token?.pos ?? 0, n);
      b = a;
      while (b < n) {
        const e = ev[b];
        if (inRange(e)) {
          if (!fits(e)) break;
          take.push(b);
          bytes += Buffer.byteLength(e.message) + EVENT_OVERHEAD;
        }
        b++;
      }
    } else {
      b = Math.min(token?.pos ?? n, n);
      a = b;
      while (a > 0) {
        const e = ev[a - 1];
        if (inRange(e)) {
          if (!fits(e)) break;
          take.push(a - 1);
          bytes += Buffer.byteLength(e.message) + EVENT_OVERHEAD;
        }
        a--;
      }
      take.reverse();
    }
    return {
      events: take.map((i): Reply<OutputLogEvent> => ({ timestamp: ev[i].timestamp, message: ev[i].message, ingestionTime: ev[i].ingestionTime })),
      nextForwardToken: `f/${String(b).padStart(20, "0")}`,
      nextBackwardToken: `b/${String(a).padStart(20, "0")}`,
    };
  }

  filterLogEvents(input: Request<FilterLogEventsCommandInput>): Reply<FilterLogEventsCommandOutput> {
    const q = new Params(input);
    const names = q.strings("logStreamNames", 100);
    const prefix = q.string("logStreamNamePrefix", { min: 1, max: 512 });
    const startTime = q.integer("startTime", 0, Number.MAX_SAFE_INTEGER);
    const endTime = q.integer("endTime", 0, Number.MAX_SAFE_INTEGER);
    const limit = q.integer("limit", 1, 10000) ?? 10000;
    const patternText = q.string("filterPattern", { min: 0, max: 1024 });
    const token = q.string("nextToken", { min: 1 });
    q.boolean("interleaved"); // deprecated by AWS: results are always interleaved
    q.boolean("unmask");
    const group = this.group(q);
    if (names !== undefined && prefix !== undefined) throw invalid("You cannot specify both logStreamNames and logStreamNamePrefix.");
    const pattern = parseFilterPattern(patternText);
    const start = parseToken(token, "plain")?.pos ?? 0;
    const streams = this.streams
      .streamNames(group)
      .filter((n) => (names ? names.includes(n) : prefix === undefined || n.startsWith(prefix)))
      .sort()
      .map((n) => this.streams.stream(group, n))
      .filter((s): s is StreamInfo => s !== undefined);
    // startTime and endTime both inclusive (FilterLogEvents); merged by timestamp, then stream name, then position
    const all: { s: StreamInfo; i: number; e: StoredEvent }[] = [];
    for (const s of streams)
      s.events.forEach((e, i) => {
        if ((startTime === undefined || e.timestamp >= startTime) && (endTime === undefined || e.timestamp <= endTime)) all.push({ s, i, e });
      });
    all.sort((x, y) => x.e.timestamp - y.e.timestamp || (x.s.name < y.s.name ? -1 : x.s.name > y.s.name ? 1 : 0) || x.i - y.i);
    const events: Reply<FilteredLogEvent>[] = [];
    let bytes = 0;
    let pos = start;
    for (; pos < all.length; pos++) {
      const { s, i, e } = all[pos];
      if (!matches(pattern, e.message)) continue;
      const size = Buffer.byteLength(e.message) + EVENT_OVERHEAD;
      if (events.length >= limit || (events.length > 0 && bytes + size > MAX_PAGE_BYTES)) break; // at least one a page (above)
      bytes += size;
      events.push({ logStreamName: s.name, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: eventId(s.name, i, e.timestamp) });
    }
    const more = all.slice(pos).some((x) => matches(pattern, x.e.message));
    return {
      events,
      searchedLogStreams: streams.map((s) => ({ logStreamName: s.name, searchedCompletely: !more })),
      nextToken: more ? plainToken(pos) : undefined,
    };
  }
}

/** a stable event id of digits, as AWS's look (timestamp, stream, position) */
function eventId(stream: string, index: number, timestamp: number): string {
  let h = 0;
  for (let k = 0; k < stream.length; k++) h = (h * 31 + stream.charCodeAt(k)) >>> 0;
  return `${String(timestamp).padStart(15, "0")}${String(h).padStart(10, "0")}${String(index).padStart(10, "0")}`;
}
