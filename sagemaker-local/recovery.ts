/**
 * What a crash of a server (kill -9, power loss) leaves in its state folder, put right by the next server that
 * starts on it alone (with another live server on the folder, nothing is touched — those are its jobs):
 *
 *  - the temporary files of interrupted atomic writes (./storage writeFileAtomic: records, and model.tar.gz /
 *    output.tar.gz in the local S3 folder) are removed; those of file:// outputs are removed by ./training when it
 *    fails the job that was writing them;
 *  - container processes still running for the folder — a trainer, a model server: children of the dead server
 *    that nobody will stop — are killed. They are found by their environment (OPT_ML under this state folder,
 *    which only this server's children have), read from /proc on Linux; elsewhere they are left running.
 *
 * The records are put right by their owners as they load: running training jobs become Failed (./training),
 * tuning jobs Failed with their trials recounted from the training jobs (./tuning-jobs), endpoints being created
 * Failed (./endpoints).
 */
import * as fs from "fs";
import * as path from "path";
import { RECORD_KINDS, TMP_FILE } from "./storage";

export function recoverStateFolder(stateDir: string, log: (msg: string) => void): void {
  const removed = removeTemporaries(stateDir);
  if (removed) log(`recovery: removed ${removed} temporary file(s) of interrupted writes`);
  const killed = killOrphans(stateDir);
  if (killed.length) log(`recovery: killed ${killed.length} container process(es) left running by a server that stopped: ${killed.join(", ")}`);
}

/** temporary files of writeFileAtomic in the record folders and the local S3 folder (job trees are left alone) */
function removeTemporaries(stateDir: string): number {
  let n = 0;
  const walk = (dir: string, deep: boolean) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isFile() && TMP_FILE.test(e.name)) {
        fs.rmSync(p, { force: true });
        n++;
      } else if (e.isDirectory() && deep) walk(p, true);
    }
  };
  // every kind (a list of its own left transform-jobs out: a crash while saving one left its temporary file for good)
  for (const kind of RECORD_KINDS) walk(path.join(stateDir, kind), false);
  walk(path.join(stateDir, "s3"), true);
  return n;
}

/** processes whose OPT_ML is inside stateDir (Linux), SIGKILLed; their pids */
export function killOrphans(stateDir: string): number[] {
  if (process.platform !== "linux" || !fs.existsSync("/proc/self/environ")) return [];
  const prefix = path.resolve(stateDir) + path.sep;
  const killed: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let env: string;
    try {
      env = fs.readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue; // gone, or not ours
    }
    const optml = env.split("\0").find((v) => v.startsWith("OPT_ML="));
    if (!optml || !optml.slice(7).startsWith(prefix)) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      /* gone meanwhile */
    }
  }
  return killed;
}
