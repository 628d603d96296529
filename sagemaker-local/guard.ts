/**
 * What a loopback HTTP server accepts, and from whom — the one guard of the project's two local servers: the
 * local SageMaker (./server) and the model server (`trainer serve`, which imports it as
 * `@ensemble-workbook/sagemaker-local/guard`). Users run both on a laptop next to a browser, for hours.
 *
 * Why: any web page the user opens can send requests to 127.0.0.1. A "simple" cross-origin POST (text/plain,
 * no custom header) goes out without a CORS preflight, and DNS rebinding turns a page's own name into
 * 127.0.0.1, so even its same-origin requests reach a loopback server. Such a page could create training jobs
 * that read `file://` paths. The defences, each answered before a route runs:
 *
 *   Host            must be a loopback name or address — `localhost`, `*.localhost` (RFC 6761), 127.0.0.0/8,
 *                   `::1` — or a name in the host allow-list; a rebinding page's requests carry its own name:
 *                   421 Misdirected Request. (No Host at all, as HTTP/1.0 allows, is no rebinding: accepted.)
 *                   Not checked when the server deliberately listens on a non-loopback address (a container).
 *   Origin          every request a browser sends for a page carries it (all POSTs, cross-origin GETs): 403
 *                   unless the origin is in the origin allow-list. The AWS SDKs, boto3 and the AWS CLI never
 *                   send one.
 *   Sec-Fetch-Site  `cross-site` or `same-site` (another port on localhost is the same site): 403, for the
 *                   requests a browser sends without an Origin (no-cors GETs). `none` (the user typed the URL)
 *                   and `same-origin` (only a rebinding page, caught by Host) pass.
 *   peer user       (ownerOnly) another local user's process — 127.0.0.1 is every user's — 403: the server
 *                   acts as its own user (files, programs), and the SDKs' credentials are not checked.
 *
 * An allowed origin gets CORS answers (the preflight, Access-Control-Allow-Origin, Chrome's private network
 * access), so a page the user trusts — a JupyterLab at http://localhost:8888, say — can call the server.
 *
 * Slow and abusive clients: the request headers must arrive within headersTimeoutMs and the whole request
 * within requestTimeoutMs (slowloris; Node answers 408 and closes), idle keep-alive sockets close after
 * keepAliveTimeoutMs, and at most maxConnections sockets are open. Beyond that the oldest socket without a
 * request in progress is closed — idle, or still sending its headers — so a flood of idle or half-sent
 * connections cannot lock a real client out; if every socket is busy, the new one is closed.
 *
 * The JSON nesting limit (jsonNesting) is here too: both servers refuse a body nested deeper than any request
 * they understand before parsing it, since code that walks or prints a value recursively (JSON.stringify in a
 * message) overflows the stack on one nested a million levels deep.
 */
import * as fs from "fs";
import * as http from "http";
import * as net from "net";

export interface GuardOptions {
  /** Host names accepted besides the loopback ones (e.g. "my-laptop.local") */
  allowedHosts?: string[];
  /** Browser origins allowed to call the server (e.g. "http://localhost:8888"); none by default. */
  allowedOrigins?: string[];
  /** check the Host header (default true; false for a server listening on a non-loopback address on purpose) */
  checkHost?: boolean;
  /**
   * answer only connections from processes of this server's user (or root): 403 for another local user's (Linux, read
   * from /proc/net/tcp; where it cannot be told, as on other systems, every connection passes). Default false.
   */
  ownerOnly?: boolean;
  /** open sockets at most (default 256) */
  maxConnections?: number;
  /** the request line and headers must arrive within this time (default 10 s) */
  headersTimeoutMs?: number;
  /** the whole request, body included, within this time (default 60 s) */
  requestTimeoutMs?: number;
  /** idle keep-alive sockets are closed after this time (default 5 s) */
  keepAliveTimeoutMs?: number;
  /** how the options are named where this server is configured, for messages ("allowedOrigins / SAGEMAKER_LOCAL_ALLOWED_ORIGINS / --allow-origin") */
  optionNames?: { hosts: string; origins: string };
}

export const DEFAULT_MAX_CONNECTIONS = 256;

/** A request refused before routing: 421 (Host) or 403 (browser origin), with a message saying why and what to set. */
export interface Refusal {
  status: 403 | 421;
  reason: "host" | "origin" | "user";
  message: string;
}

/** The host part of a Host header ("[::1]:8790" → "::1", "LocalHost.:80" → "localhost"), or undefined if malformed. */
export function hostName(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  let name: string;
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    if (end < 0 || !/^(:\d{0,5})?$/.test(h.slice(end + 1))) return undefined;
    name = h.slice(1, end);
    if (!net.isIPv6(name)) return undefined;
  } else {
    const m = /^([a-z0-9._-]+)(:\d{0,5})?$/.exec(h);
    if (!m) return undefined;
    name = m[1];
  }
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

/** localhost, *.localhost, 127.0.0.0/8, ::1 and ::ffff:127.x.y.z */
export function isLoopbackName(name: string): boolean {
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (net.isIPv4(name)) return name.startsWith("127.");
  if (net.isIPv6(name)) {
    if (name === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(name)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
    return !!mapped && mapped[1].startsWith("127.");
  }
  return false;
}

/** An address a server may listen on without the Host check mattering: loopback. */
export function isLoopbackAddress(address: string): boolean {
  return isLoopbackName(address.toLowerCase().replace(/^\[|\]$/g, ""));
}

/**
 * An address as /proc/net/tcp and tcp6 print it: each 32-bit word of the address in the host's (little-endian) byte
 * order, in hex — 127.0.0.1 is 0100007F, ::1 is 00000000000000000000000001000000. An IPv4 address is given in both
 * tables' forms (an IPv4 client of a dual-stack server is in tcp, the server's socket sees ::ffff:127.0.0.1).
 */
export function procNetAddresses(address: string | undefined): string[] {
  if (!address) return [];
  const word = (b: number[]) => b.slice().reverse().map((x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(address);
  if (v4) {
    const b = v4.slice(1, 5).map(Number);
    return [word(b), `0000000000000000FFFF0000${word(b)}`];
  }
  const [head, tail = ""] = address.split("::");
  const groups = (t: string) => (t ? t.split(":").map((g) => parseInt(g, 16)) : []);
  const h = groups(head), t = groups(tail);
  const all = address.includes("::") ? [...h, ...new Array(8 - h.length - t.length).fill(0), ...t] : h;
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) return [];
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  return [[0, 4, 8, 12].map((i) => word(bytes.slice(i, i + 4))).join("")];
}

/**
 * The user owning the other end of a loopback TCP connection (Linux: the peer's socket in /proc/net/tcp or tcp6 — its
 * local address and port the connection's remote ones, its remote ones ours; whole addresses, as another user could
 * bind 127.0.0.2 to our port and match a port-only test with our own accepted socket). "gone" when the tables hold no
 * such live socket: none (the peer reset the connection right after sending), or one its process has closed — an
 * orphan in FIN_WAIT2/TIME_WAIT/CLOSE is listed with uid 0 and inode 0, which read as root. undefined only where no
 * table can be read. Read once per connection, at its first request (a flood of idle connections costs nothing).
 */
export function peerUid(socket: net.Socket): number | "gone" | undefined {
  const port = (p: number | undefined) => (p ?? 0).toString(16).toUpperCase().padStart(4, "0");
  const peer = new Set(procNetAddresses(socket.remoteAddress).map((a) => `${a}:${port(socket.remotePort)}`));
  const ours = new Set(procNetAddresses(socket.localAddress).map((a) => `${a}:${port(socket.localPort)}`));
  let read = false;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(table, "latin1");
    } catch {
      continue; // no IPv6 here, say: the other table still answers
    }
    read = true;
    for (const line of text.split("\n")) {
      const f = line.trim().split(/\s+/); // sl local rem st queues timer retr uid timeout inode …
      if (f.length < 10 || !peer.has(f[1]) || !ours.has(f[2])) continue;
      const closed = f[9] === "0" || f[3] === "05" || f[3] === "06" || f[3] === "07";
      return closed ? "gone" : Number(f[7]);
    }
  }
  return read ? "gone" : undefined;
}

/** A comma- or space-separated list from an environment variable (empty entries dropped). */
export function listFromEnv(value: string | undefined): string[] {
  return (value ?? "").split(/[\s,]+/).filter(Boolean);
}

const normOrigin = (o: string) => o.trim().toLowerCase().replace(/\/+$/, "");

export class Guard {
  /** requests refused so far, by reason (the local SageMaker shows them on GET /_local/health) */
  readonly refused = { host: 0, origin: 0, user: 0 };
  /** each connection's peer user, once its first request arrives (ownerOnly) */
  private readonly peerUsers = new WeakMap<net.Socket, number | "gone" | undefined>();
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;
  private readonly names: { hosts: string; origins: string };
  constructor(private readonly opts: GuardOptions = {}) {
    this.hosts = new Set((opts.allowedHosts ?? []).map((h) => hostName(h) ?? h.trim().toLowerCase()));
    for (const o of [...(opts.allowedHosts ?? []), ...(opts.allowedOrigins ?? [])])
      if (o.includes("*")) throw new Error(`allowedHosts / allowedOrigins: "${o}" — wildcards would let any web page drive this server; list the names (e.g. http://localhost:8888)`);
    this.origins = new Set((opts.allowedOrigins ?? []).map(normOrigin));
    const max = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (!(Number.isInteger(max) && max >= 1)) throw new Error(`maxConnections: ${max} is not a positive integer`);
    this.names = opts.optionNames ?? { hosts: "allowedHosts", origins: "allowedOrigins" };
  }

  /** the request's Origin, when it is in the allow-list */
  allowedOrigin(req: http.IncomingMessage): string | undefined {
    const o = req.headers.origin;
    return typeof o === "string" && this.origins.has(normOrigin(o)) ? o : undefined;
  }

  /** why the request is refused, or undefined when it may be answered */
  check(req: http.IncomingMessage): Refusal | undefined {
    if (this.opts.ownerOnly) {
      const s = req.socket;
      if (!this.peerUsers.has(s)) this.peerUsers.set(s, peerUid(s));
      const uid = this.peerUsers.get(s);
      const own = process.getuid?.();
      if (uid !== undefined && own !== undefined && uid !== own && uid !== 0)
        return {
          status: 403,
          reason: "user",
          message: `this connection comes from ${uid === "gone" ? "a peer that is gone, whose user cannot be told" : `another local user (uid ${uid})`}: this local server answers its own user's processes only (uid ${own}) — it reads and writes that user's files and runs programs as that user. Run the client as that user.`,
        };
    }
    const host = req.headers.host;
    if (this.opts.checkHost !== false && host !== undefined) {
      const name = hostName(host);
      if (name === undefined || (!isLoopbackName(name) && !this.hosts.has(name)))
        return {
          status: 421,
          reason: "host",
          message: `Host ${JSON.stringify(host.slice(0, 100))} is not a loopback name: this local server answers requests addressed to localhost, 127.0.0.1 or [::1] only (a web page using DNS rebinding sends its own name). To accept another name, add it with ${this.names.hosts}.`,
        };
    }
    const origin = req.headers.origin;
    const site = req.headers["sec-fetch-site"];
    if ((origin !== undefined || site === "cross-site" || site === "same-site") && !this.allowedOrigin(req))
      return {
        status: 403,
        reason: "origin",
        message: `requests from web pages are refused (${origin !== undefined ? `Origin ${JSON.stringify(String(origin).slice(0, 100))}` : `Sec-Fetch-Site: ${site}`}): a page in the browser must not drive this local server. SDKs, boto3 and the AWS CLI send no Origin. To allow a page you trust, add its origin with ${this.names.origins}.`,
      };
    return undefined;
  }

  /** CORS headers for an allowed origin (none otherwise) */
  corsHeaders(req: http.IncomingMessage): Record<string, string> {
    const origin = this.allowedOrigin(req);
    if (!origin) return {};
    return { "access-control-allow-origin": origin, vary: "Origin", "access-control-expose-headers": "*" };
  }

  /** answers an allowed origin's CORS preflight; true when it did */
  preflight(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (req.method !== "OPTIONS" || req.headers["access-control-request-method"] === undefined || !this.allowedOrigin(req)) return false;
    const headers: Record<string, string> = {
      ...this.corsHeaders(req),
      "access-control-allow-methods": "GET, POST, PUT, DELETE, OPTIONS",
      "access-control-max-age": "600",
      "content-length": "0",
    };
    const asked = req.headers["access-control-request-headers"];
    if (typeof asked === "string") headers["access-control-allow-headers"] = asked;
    if (req.headers["access-control-request-private-network"] === "true") headers["access-control-allow-private-network"] = "true";
    res.writeHead(204, headers);
    res.end();
    return true;
  }

  /** node:http options for the timeouts (createServer) */
  serverOptions(): http.ServerOptions {
    const requestTimeout = this.opts.requestTimeoutMs ?? 60_000;
    return {
      headersTimeout: Math.min(this.opts.headersTimeoutMs ?? 10_000, requestTimeout), // node requires ≤
      requestTimeout,
      keepAliveTimeout: this.opts.keepAliveTimeoutMs ?? 5_000,
      // how often node checks the two timeouts above (default 30 s would let a slow client hold on much longer)
      connectionsCheckingInterval: Math.min(1000, this.opts.headersTimeoutMs ?? 10_000),
    };
  }

  /** the connection cap: at most maxConnections sockets, the oldest socket without a request in progress goes first */
  limitConnections(server: http.Server): void {
    const max = this.opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    const open = new Set<net.Socket>(); // in order of arrival
    const busy = new Map<net.Socket, number>(); // requests in progress per socket
    server.on("connection", (socket: net.Socket) => {
      if (open.size >= max) {
        let victim: net.Socket | undefined;
        for (const s of open)
          if (!busy.get(s)) {
            victim = s;
            break;
          }
        (victim ?? socket).destroy();
        if (!victim) return;
        open.delete(victim);
      }
      open.add(socket);
      socket.once("close", () => {
        open.delete(socket);
        busy.delete(socket);
      });
    });
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      const s = req.socket;
      busy.set(s, (busy.get(s) ?? 0) + 1);
      res.once("close", () => {
        const n = (busy.get(s) ?? 1) - 1;
        if (n > 0) busy.set(s, n);
        else busy.delete(s);
      });
    });
  }
}

/** the most bytes a request's body may have on its route, and the 413's message; undefined: no limit known before the body */
export type BodyLimit = (req: http.IncomingMessage) => { bytes: number; message: string; type?: string } | undefined;

/** how a server words an error it did not route to: headers (without the length) and body, in its own shape */
export type ErrorAnswer = (status: number, message: string, type?: string) => { headers: Record<string, string>; body: string };

/**
 * A node:http server behind the guard: refused requests are answered by `errorAnswer` (each server in its own
 * error shape), an allowed origin's preflight is answered, its answers carry the CORS headers; then `handler`.
 * What node's HTTP parser cannot read (a malformed request line or header, headers too large, a request that
 * timed out) is answered in the same shape — 400, 431, 408 — instead of node's empty default, and the connection
 * closes.
 */
export function createGuardedServer(guard: Guard, errorAnswer: ErrorAnswer, handler: http.RequestListener, bodyLimit?: BodyLimit): http.Server {
  const onRequest: http.RequestListener = (req, res) => {
    const refusal = guard.check(req);
    if (refusal) {
      guard.refused[refusal.reason]++;
      req.resume(); // its body is read and dropped, so the client can read the refusal
      const a = errorAnswer(refusal.status, refusal.message);
      res.writeHead(refusal.status, { ...a.headers, "content-length": Buffer.byteLength(a.body) });
      res.end(a.body);
      return;
    }
    if (guard.preflight(req, res)) return;
    for (const [k, v] of Object.entries(guard.corsHeaders(req))) res.setHeader(k, v);
    handler(req, res);
  };
  const server = http.createServer(guard.serverOptions(), onRequest);
  // Expect: 100-continue (curl sends it for bodies over 1 MB): a body declared larger than the route takes is refused
  // before it is sent — node answered 100 Continue to every such request, and the client uploaded all of it (200 MB)
  // for a 413. Otherwise 100 Continue, and the request as any other.
  server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const limit = guard.check(req) ? undefined : bodyLimit?.(req); // a refused request: its refusal, as any other
    if (limit && Number(req.headers["content-length"]) > limit.bytes) {
      const a = errorAnswer(413, limit.message, limit.type);
      res.writeHead(413, { ...a.headers, "content-length": Buffer.byteLength(a.body), connection: "close" });
      res.end(a.body);
      return;
    }
    res.writeContinue();
    onRequest(req, res);
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket: net.Socket) => {
    // as node's own handler: answer only on a socket that has sent nothing yet (an answer already under way on
    // it would be corrupted; the client has what it asked for)
    if (err.code === "ECONNRESET" || !socket.writable || socket.bytesWritten > 0) return socket.destroy();
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const message =
      status === 431 ? "the request's headers are too large" : status === 408 ? "the request did not arrive in time (slow client)" : `the request is not valid HTTP/1.1 (${err.code ?? err.message})`;
    const a = errorAnswer(status, message);
    const head = Object.entries({ ...a.headers, "content-length": String(Buffer.byteLength(a.body)), connection: "close" }).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    // the answer, then the socket is destroyed: end() alone left it half-closed for as long as the client kept its
    // side open, its timed-out request still counted busy — 256 clients that stalled mid-body and sat held every
    // slot of the connection cap, and each new connection was refused until they left
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${head}\r\n${a.body}`, () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref(); // a client that does not read its answer either
  });
  guard.limitConnections(server);
  return server;
}

/**
 * How deep a JSON text nests ([ and { outside strings), counting only up to `limit` + 1: a linear scan that
 * lets a server refuse a body nested deeper than any request it understands before parsing it.
 */
export function jsonNesting(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return max;
}

/** what readBody gives: the body, or that it exceeded the limit, or that the client went away */
export type Body = { bytes: Buffer } | { tooLarge: true } | { aborted: true };

/**
 * A request body of at most `limit` bytes. Above it — declared by Content-Length or while arriving — buffering
 * stops and the rest is read and dropped; the result (`tooLarge`) comes when the request has ended, so the
 * answer goes to a client that is done sending: closing a socket with unread data would reset the connection
 * and the client would see a broken pipe instead of the 413. requestTimeoutMs bounds a client that never ends.
 * A client that goes away mid-body gives `aborted`.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve) => {
    let tooLarge = Number(req.headers["content-length"]) > limit;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(c);
    });
    req.on("end", () => resolve(tooLarge ? { tooLarge: true } : { bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }));
    req.on("close", () => resolve({ aborted: true })); // after "end" this changes nothing
    req.on("error", () => resolve({ aborted: true }));
  });
}
