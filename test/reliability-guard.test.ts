/**
 * Loopback servers a web page cannot drive (issue 17): what the real clients send, DNS rebinding (Host), browser
 * origins (Origin / Sec-Fetch-Site) — in raw requests and from a real headless Chromium page — the allow-lists,
 * file:// roots, slowloris timeouts, the connection cap under a flood of 2 000 connections, body limits.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHROMIUM, dumpDomAsync } from "./helpers/chromium";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { ListTrainingJobsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { Guard, hostName, isLoopbackName, peerUid } from "@ensemble-workbook/sagemaker-local/guard";
import { creds, localServer, rejects, tmpDir, trainingRequest } from "./sagemaker-helpers";

type Local = Awaited<ReturnType<typeof localServer>>;
let ctx: Local;
let port = 0;

test.before(async () => {
  ctx = await localServer();
  port = ctx.srv.port;
});
test.after(async () => {
  await ctx.srv.close();
  ctx.sm.destroy();
  ctx.rt.destroy();
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}
/** a raw request: any Host, Origin, body (fetch cannot set Host) */
function raw(p: number, method: string, urlPath: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: p, method, path: urlPath, headers, agent: false }, (res) => {
      let data = "";
      res.on("data", (d) => (data += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
const api = (op: string, extra: Record<string, string> = {}, body = "{}") =>
  raw(port, "POST", "/", { "content-type": "application/x-amz-json-1.1", "x-amz-target": `SageMaker.${op}`, ...extra }, body);

/** a plain server that records the headers of one request and answers an empty ListTrainingJobs */
async function capture(run: (url: string) => Promise<unknown> | unknown): Promise<http.IncomingHttpHeaders> {
  let seen: http.IncomingHttpHeaders | undefined;
  const srv = http.createServer((req, res) => {
    seen ??= req.headers;
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end('{"TrainingJobSummaries":[]}'));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
  try {
    await run(url);
  } finally {
    srv.close();
  }
  assert.ok(seen, "the client sent no request");
  return seen!;
}

const run = promisify(execFile);
const PY = `import boto3,sys
c=boto3.client("sagemaker",endpoint_url=sys.argv[1],region_name="us-east-1",aws_access_key_id="x",aws_secret_access_key="x")
print(len(c.list_training_jobs()["TrainingJobSummaries"]))`;
const cliEnv = { ...process.env, AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", AWS_DEFAULT_REGION: "us-east-1", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };

test("what the real clients send: the AWS SDK, boto3 and the AWS CLI send Host with the port and no Origin or Sec-Fetch-*; all three are answered", async () => {
  const clients: [string, (url: string) => unknown][] = [
    ["AWS SDK v3", async (url) => {
      const sm = new SageMakerClient({ endpoint: url, region: "us-east-1", credentials: creds });
      await sm.send(new ListTrainingJobsCommand({}));
      sm.destroy();
    }],
    // (asynchronously: the servers run in this process)
    ["boto3", async (url) => (await run("/usr/bin/python3", ["-c", PY, url], { env: cliEnv })).stdout],
    ["AWS CLI", async (url) => (await run("aws", ["--endpoint-url", url, "sagemaker", "list-training-jobs"], { env: cliEnv })).stdout],
  ];
  for (const [name, call] of clients) {
    const h = await capture(call);
    assert.match(String(h.host), /^127\.0\.0\.1:\d+$/, `${name} Host: ${h.host}`);
    assert.is(h.origin, undefined, `${name} sent Origin`);
    assert.is(Object.keys(h).filter((k) => k.startsWith("sec-fetch")).length, 0, `${name} sent Sec-Fetch-*`);
    // and the guarded server answers it
    const out = String((await call(ctx.srv.url)) ?? "");
    if (name !== "AWS SDK v3") assert.match(out, name === "boto3" ? /^0/ : /TrainingJobSummaries/);
  }
  // localhost and [::1] as the endpoint name
  const sm = new SageMakerClient({ endpoint: `http://localhost:${port}`, region: "us-east-1", credentials: creds });
  assert.equal((await sm.send(new ListTrainingJobsCommand({}))).TrainingJobSummaries, []);
  sm.destroy();
  assert.is((await api("ListTrainingJobs", { host: `[::1]:${port}` })).status, 200);
  assert.is((await api("ListTrainingJobs", { host: `LOCALHOST.:${port}` })).status, 200);
  assert.is((await api("ListTrainingJobs", { host: `notebook.localhost:${port}` })).status, 200);
});

test("DNS rebinding: a request whose Host is not a loopback name is refused with 421 in AWS's error shape, and does nothing", async () => {
  for (const host of [`evil.example:${port}`, "evil.example", `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`, `0.0.0.0:${port}`, `10.0.0.5:${port}`, "a b", `[::2]:${port}`]) {
    const r = await api("CreateTrainingJob", { host }, JSON.stringify(trainingRequest(`rebind-${Math.random().toString(36).slice(2, 8)}`, `file://${tmpDir("data")}`, tmpDir("out"))));
    assert.is(r.status, 421, `${host}: ${r.body}`);
    const body = JSON.parse(r.body);
    assert.is(body.__type, "MisdirectedRequest");
    assert.match(body.message, /not a loopback name/);
    assert.match(body.message, /allowedHosts/);
    assert.is(r.headers["x-amzn-errortype"], "MisdirectedRequest");
  }
  assert.equal(JSON.parse((await api("ListTrainingJobs")).body).TrainingJobSummaries, [], "no job was created");
  assert.ok(!hostName("a b") && isLoopbackName("127.1.2.3") && isLoopbackName("::ffff:127.0.0.1") && !isLoopbackName("::ffff:10.0.0.1"));
});

test("browser origins: Origin or Sec-Fetch-Site cross-site/same-site → 403 AccessDeniedException naming allowedOrigins; Sec-Fetch-Site none passes", async () => {
  const cases: Record<string, string>[] = [
    { origin: "https://evil.example" },
    { origin: "null" },
    { origin: `http://127.0.0.1:${port}` }, // even the server's own origin: it serves no pages
    { "sec-fetch-site": "cross-site" },
    { "sec-fetch-site": "same-site" },
  ];
  for (const h of cases) {
    const r = await api("ListTrainingJobs", h);
    assert.is(r.status, 403, JSON.stringify(h));
    const body = JSON.parse(r.body);
    assert.is(body.__type, "AccessDeniedException");
    assert.match(body.message, /allowedOrigins/);
  }
  // the runtime too: a "simple" cross-origin POST (text/plain) to an endpoint, which needs no CORS preflight
  const inv = await raw(port, "POST", "/endpoints/any/invocations", { "content-type": "text/plain", origin: "https://evil.example" }, "1,2,3");
  assert.is(inv.status, 403);
  assert.is((await api("ListTrainingJobs", { "sec-fetch-site": "none" })).status, 200, "a URL the user typed");
});

test("allow-lists: an allowed origin is answered with CORS headers (preflight included); an allowed host name is accepted; wildcards are refused", async () => {
  const page = "http://localhost:8888";
  const other = await localServer({ allowedOrigins: [page], allowedHosts: ["my-laptop.local"] });
  try {
    const p = other.srv.port;
    const pre = await raw(p, "OPTIONS", "/", { origin: page, "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-amz-target", "access-control-request-private-network": "true" });
    assert.is(pre.status, 204);
    assert.is(pre.headers["access-control-allow-origin"], page);
    assert.is(pre.headers["access-control-allow-headers"], "content-type,x-amz-target");
    assert.is(pre.headers["access-control-allow-private-network"], "true");
    const r = await raw(p, "POST", "/", { origin: page, "content-type": "application/x-amz-json-1.1", "x-amz-target": "SageMaker.ListTrainingJobs" }, "{}");
    assert.is(r.status, 200);
    assert.is(r.headers["access-control-allow-origin"], page);
    assert.is((await raw(p, "POST", "/", { origin: "http://localhost:9999", "x-amz-target": "SageMaker.ListTrainingJobs" }, "{}")).status, 403);
    assert.is((await raw(p, "POST", "/", { host: "my-laptop.local:1234", "x-amz-target": "SageMaker.ListTrainingJobs" }, "{}")).status, 200);
    assert.is((await raw(p, "POST", "/", { host: "other.local", "x-amz-target": "SageMaker.ListTrainingJobs" }, "{}")).status, 421);
  } finally {
    await other.srv.close();
    other.sm.destroy();
    other.rt.destroy();
  }
  assert.throws(() => new Guard({ allowedOrigins: ["*"] }), /wildcards/);
});

test("a real browser (headless Chromium): a page on another origin cannot create a job or invoke an endpoint; an allowed origin can read ListTrainingJobs", async () => {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`  (skipped: no Chromium at ${CHROMIUM})`);
    return;
  }
  const data = tmpDir("page-data");
  fs.writeFileSync(path.join(data, "train.csv"), "1,2\n3,4\n");
  const create = JSON.stringify(trainingRequest("from-a-page", `file://${data}`, tmpDir("page-out")));
  // the page tries, against each server: a "simple" POST to an endpoint (no CORS preflight), CreateTrainingJob
  // and ListTrainingJobs (custom headers: preflighted); it writes what it could see into the DOM
  const page = (victims: string[]) => `<!doctype html><body><script>
    const attempt = async (victim) => {
      const out = {};
      try { await fetch(victim + "/endpoints/e/invocations", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: "1,2,3" }); out.simple = "sent"; } catch (e) { out.simple = "blocked"; }
      try { out.create = (await fetch(victim + "/", { method: "POST", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "SageMaker.CreateTrainingJob" }, body: ${JSON.stringify(create)} })).status; } catch (e) { out.create = "blocked"; }
      try {
        const r = await fetch(victim + "/", { method: "POST", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "SageMaker.ListTrainingJobs" }, body: "{}" });
        out.list = r.status + " " + (await r.text()).slice(0, 40);
      } catch (e) { out.list = "blocked"; }
      return out;
    };
    (async () => {
      const all = [];
      for (const v of ${JSON.stringify(victims)}) all.push(await attempt(v));
      document.body.setAttribute("data-out", JSON.stringify(all));
    })();
  </script></body>`;
  // the "attacker": a page served from another local port (another origin, the same site), as any web page could be
  let victims: string[] = [];
  const pages = http.createServer((req, res) => res.writeHead(200, { "content-type": "text/html" }).end(page(victims)));
  await new Promise<void>((r) => pages.listen(0, "127.0.0.1", r));
  const pageOrigin = `http://127.0.0.1:${(pages.address() as net.AddressInfo).port}`;
  const trusting = await localServer({ allowedOrigins: [pageOrigin] });
  victims = [ctx.srv.url, trusting.srv.url];
  try {
    const before = JSON.parse((await raw(port, "GET", "/_local/health", {})).body).refused.origin;
    // asynchronously: the page and the local SageMakers it calls are served by this process
    const r = await dumpDomAsync(`${pageOrigin}/`, { virtualTimeMs: 10_000, timeoutMs: 90_000 });
    const m = /data-out="([^"]*)"/.exec(r.stdout);
    assert.ok(m, `no result in the page: ${r.stdout.slice(0, 300)} ${r.stderr.slice(-300)}`);
    const [blocked, allowed] = JSON.parse(m![1].replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as Record<string, unknown>[];
    assert.is(blocked.create, "blocked", "the CORS preflight of CreateTrainingJob is refused, so the browser never sends it");
    assert.is(blocked.list, "blocked");
    const refused = JSON.parse((await raw(port, "GET", "/_local/health", {})).body).refused.origin - before;
    assert.ok(refused >= 3, `the server refused the page's requests (${refused}: the simple POST, the two preflights)`);
    assert.equal(JSON.parse((await api("ListTrainingJobs")).body).TrainingJobSummaries, [], "no training job was created from the page");
    assert.match(String(allowed.list), /^200 \{"TrainingJobSummaries":\[/, `an allowed origin reads the answer: ${JSON.stringify(allowed)}`);
  } finally {
    pages.close();
    await trusting.srv.close();
    trusting.sm.destroy();
    trusting.rt.destroy();
  }
});

test("file:// channels, outputs and model data outside the allowed folders are a ValidationException naming the option; fileRoots / allowFileRoot add folders", async () => {
  const outside = fs.mkdtempSync(path.join(os.homedir(), ".sm-guard-outside-"));
  try {
    fs.writeFileSync(path.join(outside, "train.csv"), "1,2\n3,4\n");
    const r = await api("CreateTrainingJob", {}, JSON.stringify(trainingRequest("outside-1", `file://${outside}`, tmpDir("out"))));
    assert.is(r.status, 400);
    assert.match(JSON.parse(r.body).message, /outside the folders .* fileRoots \(env SAGEMAKER_LOCAL_FILE_ROOTS, --file-root\)/);
    const o = await api("CreateTrainingJob", {}, JSON.stringify(trainingRequest("outside-2", `file://${tmpDir("data")}`, outside)));
    assert.is(o.status, 400);
    assert.match(JSON.parse(o.body).message, /OutputDataConfig\.S3OutputPath: file:\/\/.* is outside/);
    const m = await api("CreateModel", {}, JSON.stringify({ ModelName: "outside", PrimaryContainer: { Image: "img", ModelDataUrl: `file:///etc/passwd` } }));
    assert.is(m.status, 400);
    assert.match(JSON.parse(m.body).message, /ModelDataUrl: file:\/\/\/etc\/passwd is outside/);
    // a symbolic link inside an allowed folder does not lead out of it
    const link = path.join(tmpDir("link"), "data");
    fs.symlinkSync(outside, link);
    assert.is((await api("CreateTrainingJob", {}, JSON.stringify(trainingRequest("outside-3", `file://${link}`, tmpDir("out"))))).status, 400);
    // inside a channel folder a link is followed where it leads inside the allowed folders (it was skipped: a.csv and a
    // link b.csv were one object), and is an Error where it leads out or to nothing
    const channel = tmpDir("links");
    fs.writeFileSync(path.join(channel, "a.csv"), "1,2\n");
    const linked = tmpDir("linked");
    fs.writeFileSync(path.join(linked, "b.csv"), "3,4\n");
    fs.symlinkSync(path.join(linked, "b.csv"), path.join(channel, "b.csv"));
    assert.equal((await ctx.srv.objects(`file://${channel}`)).map((o) => o.rel).sort(), ["a.csv", "b.csv"]);
    fs.symlinkSync(path.join(outside, "train.csv"), path.join(channel, "c.csv"));
    await rejects(ctx.srv.objects(`file://${channel}`), "Error", /c\.csv \(a symbolic link to .*train\.csv\) is outside the folders/);
    fs.unlinkSync(path.join(channel, "c.csv"));
    fs.symlinkSync(path.join(channel, "gone.csv"), path.join(channel, "d.csv"));
    await rejects(ctx.srv.objects(`file://${channel}`), "Error", /d\.csv is a symbolic link to .*gone\.csv, which does not exist/);
    ctx.srv.fileRoots.add(outside);
    assert.is((await api("CreateTrainingJob", {}, JSON.stringify(trainingRequest("inside-now", `file://${outside}`, tmpDir("out"))))).status, 200);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test("another local user's process is refused with 403 (127.0.0.1 is every user's, no credentials are checked); the peer's user is read right", async () => {
  // the peer's user as the guard reads it (/proc/net/tcp): this process's own, for a connection it makes itself
  const seen = new Promise<ReturnType<typeof peerUid>>((resolve) => {
    const srv = net.createServer((s) => {
      resolve(peerUid(s));
      s.destroy();
      srv.close();
    });
    srv.listen(0, "127.0.0.1", () => net.connect((srv.address() as net.AddressInfo).port, "127.0.0.1").on("error", () => undefined));
  });
  if (process.platform === "linux") assert.is(await seen, process.getuid!());
  // a peer that closed its socket: the kernel keeps it (FIN_WAIT2) with uid 0 and inode 0 — it read as root's, and passed
  if (process.platform === "linux") {
    const closed = await new Promise<ReturnType<typeof peerUid>>((resolve) => {
      const srv = net.createServer((s) => {
        s.once("end", () => setTimeout(() => (resolve(peerUid(s)), s.destroy(), srv.close()), 100));
      });
      srv.listen(0, "127.0.0.1", () => {
        const c: net.Socket = net.connect((srv.address() as net.AddressInfo).port, "127.0.0.1", () => c.end(() => c.destroy()));
      });
    });
    assert.is(closed, "gone");
  }
  if (process.getuid?.() !== 0) return console.log("    another user's request: skipped (it needs root to run curl as another user)");
  const curl = (uid?: number) =>
    promisify(execFile)("curl", ["-s", "-w", " %{http_code}", "-H", "content-type: application/x-amz-json-1.1", "-H", "x-amz-target: SageMaker.ListTrainingJobs", "--data", "{}", ctx.srv.url], uid === undefined ? {} : { uid, gid: uid });
  const other = (await curl(65534)).stdout;
  assert.match(other, / 403$/);
  assert.match(other, /AccessDeniedException.*another local user \(uid 65534\)/);
  assert.match((await curl()).stdout, / 200$/);
  // another user's client bound to 127.0.0.2 and the server's own port: a port-only match found the server's own
  // accepted socket (the owner's uid) and let it in
  const spoofed = await promisify(execFile)("curl", ["-s", "-w", " %{http_code}", "--interface", "127.0.0.2", "--local-port", String(port), "-H", "content-type: application/x-amz-json-1.1", "-H", "x-amz-target: SageMaker.ListTrainingJobs", "--data", "{}", ctx.srv.url], { uid: 65534, gid: 65534 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
  assert.match(spoofed.stdout, / 403$/, `another user's client on 127.0.0.2:${port}: ${spoofed.stdout}`);
  // a request sent and the connection reset at once (SO_LINGER 0): its socket is gone before the guard looks — it passed
  const reset = `import socket,struct,sys
b=b'{"ModelName":"reset-made","PrimaryContainer":{"Image":"img","ModelDataUrl":"file:///tmp/m.tar.gz"}}'
s=socket.create_connection(("127.0.0.1",${port}))
s.setsockopt(socket.SOL_SOCKET,socket.SO_LINGER,struct.pack("ii",1,0))
s.sendall(b"POST / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nX-Amz-Target: SageMaker.CreateModel\\r\\nContent-Length: %d\\r\\n\\r\\n"%len(b)+b)
s.close()`;
  for (let i = 0; i < 3; i++) await promisify(execFile)("/usr/bin/python3", ["-c", reset], { uid: 65534, gid: 65534 });
  await new Promise((r) => setTimeout(r, 300)); // what the server read, it has handled by now
  assert.not.match((await api("ListModels")).body, /reset-made/);
});

test("a request's Environment cannot make this host load code: LD_PRELOAD, PATH, NODE_OPTIONS … for a process container fail the job with a ClientError naming them", async () => {
  const data = tmpDir("env-data");
  fs.writeFileSync(path.join(data, "rows.csv"), "y,x\n1,2\n");
  // an unsigned request, as any local process can send it: LD_PRELOAD ran the named library as this server's user
  const req = { ...trainingRequest("env-preload", `file://${data}`, tmpDir("out")), Environment: { LD_PRELOAD: path.join(data, "x.so"), PATH: "/tmp", path: "/tmp", ENV: "prod", OMP_NUM_THREADS: "1" } };
  assert.is((await api("CreateTrainingJob", {}, JSON.stringify(req))).status, 200);
  let job: { TrainingJobStatus: string; FailureReason?: string } = { TrainingJobStatus: "InProgress" };
  for (const t0 = Date.now(); job.TrainingJobStatus === "InProgress" && Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 100)))
    job = JSON.parse((await api("DescribeTrainingJob", {}, JSON.stringify({ TrainingJobName: "env-preload" }))).body);
  assert.is(job.TrainingJobStatus, "Failed");
  assert.match(job.FailureReason ?? "", /^ClientError: Environment LD_PRELOAD, PATH: not passed to a container that runs as a process on this host/);
});

test("slow clients: headers trickled line by line (slowloris) are cut off with 408 after the headers timeout; the server answers meanwhile", async () => {
  const slow = await localServer({ headersTimeoutMs: 1000 });
  try {
    const sock = net.connect(slow.srv.port, "127.0.0.1");
    const t0 = Date.now();
    sock.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const drip = setInterval(() => sock.write("X-Slow: 1\r\n"), 200);
    const answer = new Promise<{ text: string; ms: number }>((resolve) => {
      let text = "";
      sock.on("data", (d) => (text += d));
      sock.on("close", () => resolve({ text, ms: Date.now() - t0 }));
    });
    assert.is((await raw(slow.srv.port, "POST", "/", { "x-amz-target": "SageMaker.ListTrainingJobs" }, "{}")).status, 200);
    const r = await answer;
    clearInterval(drip);
    assert.match(r.text, /^HTTP\/1\.1 408/);
    assert.ok(r.ms >= 900 && r.ms < 3000, `cut off after ${r.ms} ms (headers timeout 1 s, checked every second)`);
    // a body that trickles: the request timeout
    const slower = await localServer({ requestTimeoutMs: 1500 });
    const s2 = net.connect(slower.srv.port, "127.0.0.1");
    const t1 = Date.now();
    s2.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: SageMaker.ListTrainingJobs\r\nContent-Length: 1000\r\n\r\n{");
    const drip2 = setInterval(() => s2.write(" "), 200);
    const ended = await new Promise<{ text: string; ms: number }>((resolve) => {
      let text = "";
      s2.on("data", (d) => (text += d));
      s2.on("close", () => resolve({ text, ms: Date.now() - t1 }));
    });
    clearInterval(drip2);
    assert.match(ended.text, /^HTTP\/1\.1 408/);
    assert.ok(ended.ms < 4000, `slow body cut off after ${ended.ms} ms`);
    await slower.srv.close();
    slower.sm.destroy();
    slower.rt.destroy();
  } finally {
    await slow.srv.close();
    slow.sm.destroy();
    slow.rt.destroy();
  }
});

test("clients that stall mid-body and never close hold no slot once their request timed out: with every slot taken so, a new client is answered", async () => {
  const capped = await localServer({ requestTimeoutMs: 1000, maxConnections: 8 });
  const socks: net.Socket[] = [];
  try {
    const answers: Promise<string>[] = [];
    for (let i = 0; i < 8; i++) {
      const s = net.connect(capped.srv.port, "127.0.0.1");
      s.on("error", () => undefined);
      s.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: SageMaker.ListTrainingJobs\r\nContent-Length: 100\r\n\r\n{");
      answers.push(new Promise((resolve) => {
        let text = "";
        s.on("data", (d) => (text += d));
        s.on("close", () => resolve(text));
      }));
      socks.push(s); // never ended by the client
    }
    // each is answered 408 and its socket closed by the server (it stayed half-closed and counted busy: every new
    // connection was refused while the 8 sat there)
    for (const a of answers) assert.match(await a, /^HTTP\/1\.1 408/);
    assert.is((await raw(capped.srv.port, "POST", "/", { "x-amz-target": "SageMaker.ListTrainingJobs" }, "{}")).status, 200);
  } finally {
    for (const s of socks) s.destroy();
    await capped.srv.close();
    capped.sm.destroy();
    capped.rt.destroy();
  }
});

test("a flood of 2 000 connections (idle, or sending half a request) leaves the server answering within 2 s; the cap closes the oldest idle ones", async () => {
  const socks: net.Socket[] = [];
  let closedByServer = 0;
  for (let i = 0; i < 2000; i++) {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => undefined);
    s.on("close", () => closedByServer++);
    if (i % 2) s.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"); // half a request
    socks.push(s);
    if (i % 200 === 199) {
      const t = Date.now();
      const r = await api("ListTrainingJobs");
      assert.is(r.status, 200);
      assert.ok(Date.now() - t < 2000, `answered in ${Date.now() - t} ms with ${i + 1} flood connections`);
    }
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(closedByServer >= 2000 - 256, `${closedByServer} flood connections closed by the cap (at most 256 stay open)`);
  for (const s of socks) s.destroy();
  assert.is((await api("ListTrainingJobs")).status, 200);
});

test("body limits: a SageMaker API request above 2 MiB → 413 ValidationException; an invocation above 6 MB → 413 ValidationError; bodies nested 100 deep → 400 SerializationException", async () => {
  const big = await api("ListTrainingJobs", {}, JSON.stringify({ NameContains: "x".repeat(2 * 1024 * 1024 + 10) }));
  assert.is(big.status, 413);
  assert.is(JSON.parse(big.body).__type, "ValidationException");
  const inv = await raw(port, "POST", "/endpoints/e/invocations", { "content-type": "text/csv" }, "1,".repeat(3.2 * 1024 * 1024));
  assert.is(inv.status, 413);
  assert.is(inv.headers["x-amzn-errortype"], "ValidationError");
  // Expect: 100-continue: a body declared larger than the route takes is refused before it is sent (no 100 Continue;
  // the client uploaded all of it for the 413), one within the limit gets its 100 Continue
  const expecting = (headers: Record<string, string>, declared: number, send: string) =>
    new Promise<{ status: number; continued: boolean; type?: string }>((resolve, reject) => {
      let continued = false;
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", headers: { ...headers, "Content-Length": String(declared), Expect: "100-continue" }, agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode!, continued, type: res.headers["x-amzn-errortype"] as string | undefined }));
      });
      req.on("continue", () => {
        continued = true;
        req.end(send);
      });
      req.on("error", reject);
    });
  assert.equal(await expecting({ "x-amz-target": "SageMaker.ListTrainingJobs", "content-type": "application/x-amz-json-1.1" }, 200 * 1048576, ""), { status: 413, continued: false, type: "ValidationException" });
  assert.equal((await expecting({ "x-amz-target": "SageMaker.ListTrainingJobs", "content-type": "application/x-amz-json-1.1" }, 2, "{}")).continued, true);
  const deep = await api("ListTrainingJobs", {}, `{"a":${"[".repeat(100)}${"]".repeat(100)}}`);
  assert.is(deep.status, 400);
  assert.is(JSON.parse(deep.body).__type, "SerializationException");
  assert.is((await api("ListTrainingJobs")).status, 200);
});

test.run();
