/**
 * Fitting an ensemble's members at the same time, one worker thread each: every member is an independent fit on
 * the same rows, so on n cores up to n members train at once, and their per-round metrics arrive as their rounds
 * finish — interleaved, live — instead of one member's after another's. Each worker runs memberFromSpec with the
 * member's kind and params and fits the same matrix (a copy), so the model is the one a fit in this thread gives;
 * it comes back as the member's saved file and is loaded into the member here.
 *
 * The worker script is ./fit-worker next to this module (a bundle must ship it next to its own entry: see
 * trainer/bundle.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import type { Matrix } from "../data/matrix";
import type { Member, MemberKind, StoredParams } from "../members/member";
import type { RoundCallback } from "./ensemble";

/** what a worker gets */
export interface FitJob {
  kind: MemberKind;
  name: string;
  params: StoredParams;
  train: Matrix;
  evalSet?: Matrix;
  /** post per-round metrics */
  rounds: boolean;
}

/** what a worker sends back */
export type FitMessage =
  | { type: "round"; round: number; metrics: Record<string, number> }
  | { type: "done"; content: string }
  | { type: "error"; message: string };

/** the worker script: fit-worker.js beside this module (fit-worker.ts when lib runs from source) */
export function fitWorkerFile(): string {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `fit-worker${ext}`);
  if (!fs.existsSync(file)) throw new Error(`the member fit worker ${file} is missing (a bundle must ship it beside its entry)`);
  return file;
}

/**
 * Fits every member on m, each in its own worker thread, all at once. `onRound(member, round, metrics)` is called
 * as each round of each member finishes; `onMemberDone(member)` once a member is fitted (and loaded here). Rejects
 * with the first member's error (naming it) after every worker has ended.
 */
export async function fitMembersInWorkers(
  members: Member[],
  m: Matrix,
  opts: { evalSet?: Matrix; onRound?: RoundCallback; onMemberDone?: (member: string) => void } = {},
): Promise<void> {
  const file = fitWorkerFile();
  const results = await Promise.allSettled(
    members.map(
      (member) =>
        new Promise<void>((resolve, reject) => {
          const job: FitJob = { kind: member.kind, name: member.name, params: member.params, train: m, evalSet: opts.evalSet, rounds: !!opts.onRound };
          // plain JavaScript needs no loader: do not pass on this process's (tsx's hooks cost ~0.4 s per worker)
          const w = new Worker(file, { workerData: job, ...(file.endsWith(".js") ? { execArgv: [] } : {}) });
          let settled = false;
          w.on("message", (msg: FitMessage) => {
            if (msg.type === "round") opts.onRound?.(member.name, msg.round, msg.metrics);
            else if (msg.type === "error") {
              settled = true;
              reject(new Error(`member "${member.name}": ${msg.message}`));
            } else {
              try {
                member.loadFile(msg.content);
                opts.onMemberDone?.(member.name);
                settled = true;
                resolve();
              } catch (e) {
                settled = true;
                reject(e);
              }
            }
          });
          w.on("error", (e) => {
            if (!settled) reject(new Error(`member "${member.name}": the fit worker failed: ${e.message}`));
            settled = true;
          });
          w.on("exit", (code) => {
            if (!settled) reject(new Error(`member "${member.name}": the fit worker exited (code ${code}) before finishing`));
            settled = true;
          });
        }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
