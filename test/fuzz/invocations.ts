/**
 * Fuzz target: `POST /invocations` of `trainer serve` (a child process, as SageMaker runs it) with random CSV and
 * JSON mutations of valid requests — text edits, byte edits (invalid UTF-8, UTF-16 with and without BOM), JSON
 * structure edits, odd Content-Type / Accept / custom attributes, other methods and paths.
 *
 * Invariants, for every input: an answer within 2 s; no 5xx; a 4xx says why (`{"error": "…"}`); a 200 holds
 * only finite predictions; and then `GET /ping` answers 200 (the server did not crash or hang). Unmutated
 * requests must score (200), so the fuzz is known to reach the model.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catboost, Ensemble, loadDiabetes, ridge, saveEnsemble, xgboost } from "ensemble-workbook";
import { startServe } from "../trainer-helpers";
import { Budget, count, fail, Fuzz, httpRequest, newTally, spend, Tally } from "./common";

/** a saved ensemble of the kind the trainer writes (xgboost + catboost + ridge, few rounds) in `<root>/model` */
export function fuzzModel(root: string, blend = "mean"): { features: string[]; rows: number[][] } {
  const table = loadDiabetes();
  const e = new Ensemble({ members: [xgboost({ num_round: 8 }), catboost({ iterations: 8 }), ridge()], blend, innerK: 3 });
  e.fit(table, { label: "target" });
  saveEnsemble(e, path.join(root, "model"));
  const features = e.featureNames!;
  const rows = table.objects().map((o) => features.map((f) => Number((o as Record<string, unknown>)[f])));
  e.free();
  return { features, rows };
}

const CONTENT_TYPES = ["text/csv", "application/csv", "application/json", "text/csv; charset=utf-8", "text/csv; charset=utf-16", "text/csv; charset=utf-16le",
  "application/json; charset=latin1", "text/csv; charset=bogus", "text/csv; charset=", "text/plain", "application/x-www-form-urlencoded", "", "*/*", "text/CSV", "multipart/form-data; boundary=x"];
const ACCEPTS = ["", "*/*", "text/csv", "application/json", "application/json;q=0", "text/*", "application/*", "image/png", "text/csv;q=0.1, application/json;q=0.9", ",,,", "q=1"];

export async function fuzzInvocations(budget: Budget, seed = 1): Promise<Tally> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fuzz-serve-"));
  fs.mkdirSync(path.join(root, "model"), { recursive: true });
  const { features, rows } = fuzzModel(root);
  const served = await startServe(root);
  const t = newTally("/invocations (trainer serve)");
  const f = new Fuzz(seed);
  const port = served.port;
  let down = false;
  try {
    await spend(budget, t, async () => {
      if (down) return;
      const sample = Array.from({ length: 1 + f.int(f.chance(0.1) ? 300 : 8) }, () => f.pick(rows));
      const json = f.chance(0.45);
      const objects = json && f.chance(0.4);
      let body: string | Buffer = json
        ? JSON.stringify({ instances: objects ? sample.map((r) => Object.fromEntries(features.map((n, j) => [n, r[j]]))) : sample })
        : (f.chance(0.1) ? features.join(",") + "\n" : "") + sample.map((r) => r.join(",")).join(f.chance(0.2) ? "\r\n" : "\n") + (f.chance(0.7) ? "\n" : "");
      const headers: Record<string, string> = { "content-type": json ? "application/json" : "text/csv" };
      let method = "POST";
      let urlPath = "/invocations";
      const mutated = !f.chance(0.08);
      if (mutated) {
        const how = f.int(10);
        if (how <= 3) body = f.mutateText(body);
        else if (how === 4) body = f.mutateBytes(f.chance(0.5) ? body : f.mutateText(body));
        else if (how <= 6 && json) body = JSON.stringify(f.mutateJson(JSON.parse(body)));
        else if (how === 7) headers["content-type"] = f.pick(CONTENT_TYPES);
        else if (how === 8) {
          headers.accept = f.pick(ACCEPTS);
          if (f.chance(0.5)) headers["x-amzn-sagemaker-custom-attributes"] = f.pick(["members=true", "members=1,x=y", "members", "=", ";;", "a".repeat(5000)]);
          body = f.mutateText(body);
        } else {
          method = f.pick(["GET", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]);
          urlPath = f.pick(["/invocations", "/invocations?x=1", "/ping", "//invocations", "/%ff", "/invocations/../ping", "/execution-parameters"]);
        }
      }
      let r;
      try {
        r = await httpRequest(port, method, urlPath, headers, method === "GET" || method === "HEAD" ? undefined : body);
      } catch (e) {
        fail(t, `no answer: ${(e as Error).message}`, body);
        count(t, "no answer");
        return;
      }
      count(t, String(r.status));
      if (r.status >= 500) fail(t, `${r.status}: ${r.body.toString("utf8").slice(0, 200)}`, body);
      else if (r.status >= 400 && method !== "HEAD") {
        let msg: unknown;
        try {
          msg = (JSON.parse(r.body.toString("utf8")) as { error?: unknown }).error;
        } catch {
          /* checked below */
        }
        if (typeof msg !== "string" || !msg) fail(t, `${r.status} without a message: ${r.body.toString("utf8").slice(0, 100)}`, body);
      } else if (r.status === 200 && urlPath === "/invocations" && method === "POST") {
        const text = r.body.toString("utf8");
        const values = String(r.headers["content-type"]).startsWith("text/csv")
          ? text.trim().split(/[\n,]/).map(Number)
          : (JSON.parse(text) as { predictions: (number | number[])[] }).predictions.flat();
        if (!values.length || values.some((v) => !Number.isFinite(v))) fail(t, `200 with non-finite predictions: ${text.slice(0, 100)}`, body);
      }
      if (!mutated && r.status !== 200) fail(t, `a valid request was answered ${r.status}: ${r.body.toString("utf8").slice(0, 200)}`, body);
      try {
        const ping = await httpRequest(port, "GET", "/ping", {});
        if (ping.status !== 200) throw new Error(`status ${ping.status}`);
      } catch (e) {
        fail(t, `the server stopped answering /ping after this input: ${(e as Error).message}; its output: ${served.output().slice(-500)}`, body);
        down = true;
      }
    });
  } finally {
    served.kill();
    await served.exited;
    fs.rmSync(root, { recursive: true, force: true });
  }
  return t;
}
