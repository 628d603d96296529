/**
 * Headless Chromium for the tests that check what a real browser renders or refuses: one set of flags, and no
 * traffic beyond this machine's loopback. `--disable-background-networking` alone still let it resolve host names
 * through the machine's DNS resolver (strace: a dozen connections to 10.255.255.53:53 while rendering a file://
 * page), so every host name is refused inside Chromium (`--host-resolver-rules`), but the loopback address the
 * tests' own servers listen on. What strace still shows with the rule: an IPv6 UDP socket connect()ed to
 * 2001:4860:4860::8888 and closed unused — Chromium's reachability probe, which sends no packet.
 */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** the flags of every run: headless, a profile of its own, nothing fetched or resolved but 127.0.0.1 */
function chromiumArgs(url: string, profile: string, virtualTimeMs: number): string[] {
  return [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", `--user-data-dir=${profile}`,
    `--virtual-time-budget=${virtualTimeMs}`, "--dump-dom", url,
  ];
}

export interface DumpOptions {
  /** the page's virtual time budget (its timers run that far) */
  virtualTimeMs: number;
  timeoutMs?: number;
  maxBuffer?: number;
}

/** The DOM of `url` after its scripts ran (--dump-dom), from a fresh profile that is removed afterwards. */
export function dumpDom(url: string, o: DumpOptions): { status: number | null; stdout: string; stderr: string } {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
  try {
    const r = spawnSync(CHROMIUM, chromiumArgs(url, profile, o.virtualTimeMs), { encoding: "utf8", maxBuffer: o.maxBuffer ?? 64 << 20, timeout: o.timeoutMs ?? 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** dumpDom without blocking this process: for a page served by this process (its event loop must run meanwhile). */
export async function dumpDomAsync(url: string, o: DumpOptions): Promise<{ stdout: string; stderr: string }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
  try {
    return await promisify(execFile)(CHROMIUM, chromiumArgs(url, profile, o.virtualTimeMs), { encoding: "utf8", maxBuffer: o.maxBuffer ?? 64 << 20, timeout: o.timeoutMs ?? 120_000 });
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
