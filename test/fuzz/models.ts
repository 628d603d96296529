/**
 * Fuzz target: the saved-ensemble loader (lib's loadEnsemble: manifest.json and the member files — XGBoost JSON
 * for the tree members, ridge JSON) on mutated copies of saved ensembles (mean and stacking blends): structural
 * edits of the manifest or a member's JSON (a field removed, added, or replaced by a value of another type),
 * text edits, a member file deleted or renamed. The core's own model-JSON fuzz is test/core-errors.
 *
 * Invariants: loadEnsemble returns or throws an Error within 2 s — never a WebAssembly trap, a TypeError /
 * RangeError from inside (a crash, whose message names nothing), a non-Error; a loaded ensemble predicts
 * finite values for valid rows or throws an Error — or ±Infinity when finite but extreme parameters overflow
 * (counted), never NaN; it never reads a file outside its folder.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadEnsemble } from "ensemble-workbook";
import { fuzzModel } from "./invocations";
import { Budget, count, fail, Fuzz, newTally, spend, Tally, timed } from "./common";

function crashed(e: unknown): string | undefined {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  if (e instanceof WebAssembly.RuntimeError) return `WebAssembly trap: ${e.message}`;
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError) return `${e.name} inside the loader: ${e.message}\n${e.stack?.split("\n").slice(1, 4).join("\n")}`;
  return undefined;
}

export async function fuzzModels(budget: Budget, seed = 1): Promise<Tally> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fuzz-models-"));
  const t = newTally("saved-ensemble loader (manifest + member files)");
  const f = new Fuzz(seed);
  try {
    // two saved ensembles: blend mean, and stacking (weights, stacker in the manifest)
    const sources = ["mean", "stacking"].map((blend) => {
      const dir = path.join(root, blend);
      fs.mkdirSync(dir);
      const { rows } = fuzzModel(dir, blend);
      const files = Object.fromEntries(fs.readdirSync(path.join(dir, "model")).map((n) => [n, fs.readFileSync(path.join(dir, "model", n), "utf8")]));
      return { files, rows: rows.slice(0, 5) };
    });
    // a secret next to the model folders: a manifest must not make the loader read it
    fs.writeFileSync(path.join(root, "secret.json"), JSON.stringify({ learner: "CONTENT-OF-A-FILE-OUTSIDE-7a1" }));
    const report = (target: string, _kind: string, what: string, sample: unknown) => fail(t, `${target}: ${what}`, sample);
    const kindOf = (e: unknown, where: string) => `${e instanceof Error ? e.name : "non-Error"} in ${where}`;
    await spend(budget, t, (i) => {
      const src = f.pick(sources);
      const dir = path.join(root, `m${i}`);
      fs.mkdirSync(dir);
      const files = { ...src.files };
      const names = Object.keys(files);
      const target = f.chance(0.5) ? "manifest.json" : f.pick(names);
      const how = f.int(10);
      if (how < 5) {
        try {
          files[target] = JSON.stringify(f.mutateJson(JSON.parse(files[target])));
        } catch {
          files[target] = f.mutateText(files[target]);
        }
      } else if (how < 8) files[target] = f.mutateText(files[target]);
      else if (how === 8) delete files[f.pick(names.filter((n) => n !== "manifest.json"))];
      else {
        const m = JSON.parse(files["manifest.json"]);
        m.members[f.int(m.members.length)].file = f.pick(["../secret.json", "/etc/hostname", "sub/x.json", "", ".", "manifest.json", "xgboost.json\u0000"]);
        files["manifest.json"] = JSON.stringify(m);
      }
      for (const [n, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), c);
      const r = timed(() => loadEnsemble(dir));
      if (r.ms > 2000) fail(t, `loadEnsemble took ${r.ms} ms (twice over 2 s)`, files[target]);
      if ("error" in r) {
        count(t, "rejected");
        const why = crashed(r.error);
        if (why) report(target, kindOf(r.error, "loadEnsemble"), why, files[target]);
        else if (/CONTENT-OF-A-FILE-OUTSIDE/.test((r.error as Error).message)) fail(t, "the error shows the content of a file outside the model folder", (r.error as Error).message);
      } else {
        const e = r.value;
        try {
          const p = e.predict(src.rows).prediction;
          if (p.length && p.every(Number.isFinite)) count(t, "loaded, finite predictions");
          // finite parameters can still overflow when combined (a leaf of 3e38 summed over trees, a stacker
          // coefficient of 1e308), as in native XGBoost; no loader can rule that out, so ±Infinity (never NaN) is
          // counted — trainer serve answers such a prediction with a 500 logged as a model fault, never as an answer
          else if (p.length && !p.some(Number.isNaN)) count(t, "loaded, extreme finite parameters overflow to ±Infinity");
          else report(target, "non-finite predictions", `loaded, but predicts NaN: ${Array.from(p).slice(0, 5)}`, files[target]);
        } catch (err) {
          count(t, "loaded, predict rejected");
          const why = crashed(err);
          if (why) report(target, kindOf(err, "predict"), `predict: ${why}`, files[target]);
        } finally {
          e.free();
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return t;
}
