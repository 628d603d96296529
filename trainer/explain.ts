/**
 * The custom attributes of an invocation, and contributions at the endpoint (issue 16).
 *
 * X-Amzn-SageMaker-Custom-Attributes carries key=value pairs separated by "," or ";":
 *   members=true        each member's prediction beside the blended one (JSON answers);
 *   contributions=true  each row's contributions, from lib.contributions on the ensemble's prediction scale
 *                       (the numbers in "predictions": probabilities for classification; see
 *                       lib/ensemble/explain.ts) — they add up to the row's prediction;
 *   both                each member's contributions too;
 *   probabilities=true  a classifier's answer per row: the label and every class's probability (./invocation).
 * Values are true or false (also 1/0, yes/no, any case). Any other value of these keys is a 400 naming it, as is
 * a key that looks like a misspelling of one (contribution=…, member=…); other keys pass untouched — the header
 * is the caller's channel (a trace id, say), not only ours.
 *
 * JSON answers add "contributions": per row { <feature>: value, …, "bias": value }, for multi:* per row
 * { <class>: { <feature>: value, …, "bias": value } }; with members=true also "member_contributions":
 * { <member>: rows as above }. Features are named as the model names them — c1, c2, … for a model trained on
 * CSV without a header; a member file saved without names takes the manifest's.
 * CSV answers (no header, as the predictions): per row one line — the prediction (multi:*: the K
 * probabilities), then the contributions in the model's feature order and the bias (multi:*: per class, in
 * class order). members=true needs JSON (one line of numbers per row has no place for them): a 400 with CSV.
 */
import type { Ensemble, Matrix } from "ensemble-workbook";
import { contributions, type Contributions } from "ensemble-workbook";
import { HttpError } from "./formats";

export interface CustomAttributes {
  members: boolean;
  contributions: boolean;
  /** each row's class probabilities beside its label (classifiers; ./invocation) */
  probabilities: boolean;
}

const KEYS = ["members", "contributions", "probabilities"] as const;
const TRUE = ["true", "1", "yes"], FALSE = ["false", "0", "no"];

/** `key` as a misspelling of `known`: its singular or plural (probability, member), or within two edits (memebrs) —
 * not a caller's own key that shares a prefix (member_id, contributor, probability_threshold: refused before) */
function misspelt(key: string, known: string): boolean {
  const singular = (w: string) => w.replace(/ies$/, "y").replace(/s$/, "");
  return singular(key) === singular(known) || editDistance(key, known) <= 2;
}

/** Levenshtein distance (short keys) */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Keys of lib's explain options and XGBoost's predict arguments, which a caller may well send here: each is a 400
 * saying what the endpoint does instead (contribs=true passed as a caller's key, and the answer lacked contributions) */
const NOT_OFFERED: Record<string, string> = {
  contribs: "contributions=true asks for contributions",
  pred_contribs: "contributions=true asks for contributions",
  interactions: "interaction values are not offered by the endpoint: lib.explain(ensemble, rows, { interactions: true }) gives them",
  pred_interactions: "interaction values are not offered by the endpoint: lib.explain(ensemble, rows, { interactions: true }) gives them",
  approx: "Saabas values are not offered by the endpoint: lib.explain(ensemble, rows, { approx: true }) gives them",
  approx_contribs: "Saabas values are not offered by the endpoint: lib.explain(ensemble, rows, { approx: true }) gives them",
  scale: "contributions here are on the prediction's scale; lib.explain(ensemble, rows, { scale: \"margin\" }) gives the margin's",
};

/** The attributes this endpoint acts on; a bad value, a near-miss of a key, a key given twice with two values or an
 * explain option the endpoint does not offer is a 400 naming it. */
export function customAttributes(header: string | string[] | undefined): CustomAttributes {
  const h = Array.isArray(header) ? header.join(";") : header ?? "";
  const out: CustomAttributes = { members: false, contributions: false, probabilities: false };
  const seen = new Set<string>();
  for (const pair of h.split(/[;,]/)) {
    if (pair.trim() === "") continue;
    const at = pair.indexOf("=");
    const key = (at < 0 ? pair : pair.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? undefined : pair.slice(at + 1).trim();
    if (key in NOT_OFFERED) throw new HttpError(400, `X-Amzn-SageMaker-Custom-Attributes: ${key} — ${NOT_OFFERED[key]}`);
    const known = KEYS.find((k) => k === key);
    if (!known) {
      // a misspelling of this endpoint's keys is an error; any other key is the caller's (a trace id…), passed over
      const near = KEYS.find((k) => misspelt(key, k));
      if (near) throw new HttpError(400, `X-Amzn-SageMaker-Custom-Attributes: unknown attribute "${key}"; did you mean ${near}=true? (this endpoint reads ${KEYS.join(", ")})`);
      continue;
    }
    const v = (value ?? "").toLowerCase();
    const on = TRUE.includes(v) ? true : FALSE.includes(v) ? false : undefined;
    if (on === undefined) throw new HttpError(400, `X-Amzn-SageMaker-Custom-Attributes: ${known}=${value ?? ""} — the value must be true or false`);
    // the last of two different values won silently
    if (seen.has(known) && out[known] !== on) throw new HttpError(400, `X-Amzn-SageMaker-Custom-Attributes: ${known} is given twice, as ${!on} and ${on}: give it once`);
    seen.add(known);
    out[known] = on;
  }
  return out;
}

/** lib.contributions for the request's rows; what lib refuses (median/vote blends) is the request's 400. */
function explainRows(ensemble: Ensemble, m: Matrix, members: boolean): Contributions {
  try {
    return contributions(ensemble, m, { members, progress: false });
  } catch (e) {
    throw new HttpError(400, `contributions=true: ${(e as Error).message.replace(/^explain: /, "")}`);
  }
}

/** One block of contributions (the ensemble's or a member's) as JSON rows by feature name. */
function rowsByName(c: Contributions, values: Float64Array): unknown[] {
  const w = c.features.length + 1;
  const keys = [...c.features, "bias"];
  const one = (o: number) => Object.fromEntries(keys.map((k, j) => [k, values[o + j]]));
  return Array.from({ length: c.nrow }, (_, r) =>
    c.classes ? Object.fromEntries(c.classes.map((cls, g) => [cls, one((r * c.groups + g) * w)])) : one(r * w),
  );
}

/** The JSON fields contributions=true adds: "contributions", and with members "member_contributions". */
export function contributionsJson(ensemble: Ensemble, m: Matrix, members: boolean): { contributions: unknown[]; member_contributions?: Record<string, unknown[]> } {
  const c = explainRows(ensemble, m, members);
  if (c.features.includes("bias")) {
    throw new HttpError(400, `contributions=true: the model has a feature named "bias", the key of each row's bias in the answer; ask for text/csv (features in model order, the bias last)`);
  }
  return {
    contributions: rowsByName(c, c.ensemble!),
    ...(members ? { member_contributions: Object.fromEntries(Object.entries(c.members).map(([name, v]) => [name, rowsByName(c, v)])) } : {}),
  };
}

/** CSV with contributions: per row its leading cells (the prediction(s), or the label and every class's probability),
 * then the contributions and the bias (per class for multi:*). */
export function contributionsCsv(ensemble: Ensemble, m: Matrix, leading: (row: number) => string[]): string {
  const c = explainRows(ensemble, m, false);
  const width = c.groups * (c.features.length + 1);
  let out = "";
  for (let r = 0; r < c.nrow; r++) {
    const cells = leading(r);
    for (let j = 0; j < width; j++) cells.push(String(c.ensemble![r * width + j]));
    out += cells.join(",") + "\n";
  }
  return out;
}
