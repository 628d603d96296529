/**
 * Log streams as CloudWatch Logs keeps them: log groups of streams of events, each event a line with its
 * timestamp (epoch ms, when the line arrived) and ingestionTime. The groups are SageMaker's:
 *
 *   /aws/sagemaker/TrainingJobs          <job>/algo-1-<epoch s>             a training job's container output
 *   /aws/sagemaker/TransformJobs         <job>/algo-1-<epoch s>             a transform job's container output
 *                                        <job>/algo-1-<epoch s>/data-log   its per-file data messages
 *   /aws/sagemaker/Endpoints/<endpoint>  AllTraffic/algo-1-<epoch s>        an endpoint's model server output
 *
 * On disk: <state>/logs/<group>/<stream>.jsonl (names URI-encoded), one JSON object per event, the first line the
 * stream's creation time. A stream file is only appended to, in time order; readers cache what they parsed and
 * read only what was appended since (another process sharing the state folder may be writing), so a reader
 * polling a running job's stream costs the new lines, not the whole file.
 */
import * as fs from "fs";
import * as path from "path";
import { StringDecoder } from "string_decoder";

export const TRAINING_JOBS_GROUP = "/aws/sagemaker/TrainingJobs";
export const TRANSFORM_JOBS_GROUP = "/aws/sagemaker/TransformJobs";
export const endpointGroup = (endpoint: string) => `/aws/sagemaker/Endpoints/${endpoint}`;
/** `<prefix>/algo-1-<epoch seconds>`, as SageMaker names a container's stream */
export const containerStream = (prefix: string, startMs: number) => `${prefix}/algo-1-${Math.floor(startMs / 1000)}`;

/** one event as stored and answered (GetLogEvents' OutputLogEvent) */
export interface StoredEvent {
  timestamp: number;
  ingestionTime: number;
  message: string;
}

export interface StreamInfo {
  group: string;
  name: string;
  creationTime: number;
  events: StoredEvent[];
  /** bytes of the messages (CloudWatch's storedBytes) */
  bytes: number;
}

interface Cached {
  info: StreamInfo;
  /** file bytes parsed so far */
  size: number;
  /** an incomplete last line, kept until the writer finishes it */
  rest: Buffer;
}

/** the groups and streams under <state>/logs */
export class LogStreams {
  private cache = new Map<string, Cached>();
  /** cacheBytes: the stream file bytes whose events are kept parsed (default CACHE_BYTES) */
  constructor(
    readonly root: string,
    private readonly cacheBytes = CACHE_BYTES,
  ) {}

  /** the stream file bytes whose events are kept parsed now: at most cacheBytes, unless one stream alone is larger */
  cachedBytes(): number {
    let total = 0;
    for (const c of this.cache.values()) total += c.size;
    return total;
  }

  private groupDir(group: string): string {
    return path.join(this.root, encodeURIComponent(group));
  }
  private streamFile(group: string, stream: string): string {
    return path.join(this.groupDir(group), `${encodeURIComponent(stream)}.jsonl`);
  }

  /** A stream to append to (created now, with the group if need be). */
  open(group: string, stream: string): StreamWriter {
    const file = this.streamFile(group, stream);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(path.join(this.groupDir(group), ".group"))) fs.writeFileSync(path.join(this.groupDir(group), ".group"), JSON.stringify({ creationTime: Date.now() }));
    if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify({ creationTime: Date.now() }) + "\n");
    return new StreamWriter(file);
  }

  /** every group: its name and creation time */
  groups(): { name: string; creationTime: number }[] {
    if (!fs.existsSync(this.root)) return [];
    const out: { name: string; creationTime: number }[] = [];
    for (const d of fs.readdirSync(this.root)) {
      const meta = readJson(path.join(this.root, d, ".group"));
      if (meta) out.push({ name: decodeURIComponent(d), creationTime: Number(meta.creationTime) || 0 });
    }
    return out;
  }

  hasGroup(group: string): boolean {
    return fs.existsSync(path.join(this.groupDir(group), ".group"));
  }

  /** the names of a group's streams */
  streamNames(group: string): string[] {
    const dir = this.groupDir(group);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => decodeURIComponent(f.slice(0, -".jsonl".length)));
  }

  /** a stream with every event so far, or undefined when it does not exist */
  stream(group: string, name: string): StreamInfo | undefined {
    const file = this.streamFile(group, name);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return undefined;
    }
    const key = `${group}\n${name}`;
    let c = this.cache.get(key);
    if (!c || size < c.size) c = { info: { group, name, creationTime: 0, events: [], bytes: 0 }, size: 0, rest: Buffer.alloc(0) };
    this.cache.delete(key); // most recently read last: the least recently read streams are dropped first (below)
    this.cache.set(key, c);
    if (size > c.size) {
      const fd = fs.openSync(file, "r");
      const buf = Buffer.alloc(size - c.size);
      fs.readSync(fd, buf, 0, buf.length, c.size);
      fs.closeSync(fd);
      c.size = size;
      // decoded up to the last newline only: a read that ends inside a line (being appended) must not split a
      // character, which decoded alone becomes U+FFFD
      const bytes = c.rest.length ? Buffer.concat([c.rest, buf]) : buf;
      const cut = bytes.lastIndexOf(0x0a) + 1;
      c.rest = bytes.subarray(cut);
      const lines = bytes.subarray(0, cut).toString("utf8").split("\n");
      lines.pop();
      for (const line of lines) {
        if (!line) continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          continue; // a line torn by a crash: skip it
        }
        if (typeof v !== "object" || v === null) continue;
        const o = v as Record<string, unknown>;
        if (typeof o.creationTime === "number") c.info.creationTime = o.creationTime;
        else if (typeof o.m === "string" && typeof o.t === "number") {
          c.info.events.push({ timestamp: o.t, ingestionTime: typeof o.i === "number" ? o.i : o.t, message: o.m });
          c.info.bytes += Buffer.byteLength(o.m);
        }
      }
      this.trim();
    }
    return c.info;
  }

  /** streams parsed and kept: at most cacheBytes of their files (it kept every stream it had read: ~217 MB of
   * RSS for ~97 MB of logs); the least recently read go first — a stream read again is parsed again from its file */
  private trim(): void {
    let total = this.cachedBytes();
    for (const [key, c] of this.cache) {
      if (total <= this.cacheBytes || this.cache.size <= 1) break;
      this.cache.delete(key);
      total -= c.size;
    }
  }
}

/** the most stream file bytes whose events a server keeps parsed (LogStreams' cache) */
const CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The longest event, in characters: a longer line is cut into several events. CloudWatch Logs takes events of up to
 * 1 MB (1,048,576 bytes less 26 of overhead); 200,000 characters are at most 800,000 bytes of UTF-8. An event larger
 * than a page (GetLogEvents' 1 MB) was never returned, and every later event waited behind it: the paginators saw the
 * same token twice, and a follower never saw the lines after it.
 */
export const MAX_EVENT_CHARS = 200_000;

/**
 * Lines out of a process's output, as they arrive in chunks: UTF-8 decoded across chunk boundaries (each chunk was
 * decoded alone, and a character split between two pipe reads became U+FFFD), each chunk scanned once for its
 * newlines (the partial line was re-scanned with every chunk: 24 MB without a newline, as a progress bar writes with
 * \r, held the server for seconds at a time), and a line longer than MAX_EVENT_CHARS cut into several; a \r\n ending
 * loses its \r.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private parts: string[] = [];
  private length = 0;
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly max = MAX_EVENT_CHARS,
  ) {}
  push(chunk: Buffer | string): void {
    const text = typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", start)) {
      this.add(text.slice(start, i));
      this.emit();
      start = i + 1;
    }
    this.add(text.slice(start));
  }
  /** the end of the output: its last line, even without a newline */
  end(): void {
    const rest = this.decoder.end();
    if (rest) this.add(rest);
    if (this.length) this.emit();
  }
  private add(s: string): void {
    while (s.length) {
      const room = this.max - this.length;
      if (s.length <= room) {
        this.parts.push(s);
        this.length += s.length;
        return;
      }
      // never between the two halves of a surrogate pair (a character past U+FFFF, an emoji): each half alone is
      // written as U+FFFD
      let cut = room;
      if (cut > 0 && isHighSurrogate(s.charCodeAt(cut - 1))) cut--;
      if (cut === 0 && this.length === 0) cut = Math.min(2, s.length); // a pair wider than the whole room (max < 2)
      if (cut > 0) {
        this.parts.push(s.slice(0, cut));
        this.length += cut;
        s = s.slice(cut);
      }
      this.emit();
    }
  }
  private emit(): void {
    const line = this.parts.join("");
    this.parts = [];
    this.length = 0;
    this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  }
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** Appends lines to one stream: each complete line is one event, timestamped when it arrives. */
export class StreamWriter {
  private readonly lines = new LineSplitter((line) => this.append([line]));
  constructor(private file: string) {}

  /** text as a process writes it: complete lines become events, the rest waits for its newline */
  write(text: string | Buffer): void {
    this.lines.push(text);
  }
  /** one event per line (a line may not contain a newline) */
  line(message: string): void {
    this.append([message]);
  }
  /** the last incomplete line, as an event */
  flush(): void {
    this.lines.end();
  }
  private append(lines: string[]): void {
    if (!lines.length) return;
    const t = Date.now();
    const out = lines.map((m) => JSON.stringify({ t, i: t, m: m.replace(/\r$/, "") })).join("\n") + "\n";
    fs.appendFileSync(this.file, out);
  }
}

/**
 * A container's output as it arrives: its job's or endpoint's log.txt and its CloudWatch Logs stream. Writing never
 * throws — it runs in the child's pipe handlers, where an exception (ENOSPC: a trainer printing gigabytes onto a full
 * disk) ended the whole server, and every job and endpoint with it: the first failure goes to `failed`, once, and the
 * output after it is dropped (what the owner does about it is its own: a training job fails, an endpoint serves on).
 */
export class ContainerOutput {
  private readonly fd: number;
  private error?: Error;
  constructor(
    logFile: string,
    readonly stream: StreamWriter,
    private readonly failed: (error: Error) => void,
  ) {
    this.fd = fs.openSync(logFile, "a");
  }
  write(text: string): void {
    if (this.error) return;
    try {
      fs.writeSync(this.fd, text);
      this.stream.write(text);
    } catch (e) {
      this.error = e instanceof Error ? e : new Error(String(e));
      this.failed(this.error);
    }
  }
  /** the stream's last incomplete line, and the log file closed */
  close(): void {
    if (!this.error)
      try {
        this.stream.flush();
      } catch (e) {
        this.error = e instanceof Error ? e : new Error(String(e));
        this.failed(this.error);
      }
    fs.closeSync(this.fd);
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
