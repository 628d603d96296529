/**
 * hyperparameters.json → validated training settings.
 *
 * The keys are lib's `TrainerHyperparameters` (lib/trainer-hyperparameters.ts, which the Estimator's
 * hyperparameters are typed with): one parser per key of `TRAINER_HYPERPARAMETER_KEYS`, in a table the compiler
 * checks is complete, plus `<member>.<param>` for a member kind's own parameters. SageMaker passes every
 * hyperparameter as a string ("0.2"); framework SDKs JSON-encode them first ("\"0.2\""), so a value is decoded
 * once if it is a JSON string literal, then parsed by type. SageMaker's own keys (`sagemaker_*`,
 * `_tuning_objective_metric`) are ignored. Unknown keys and bad values are errors naming the key, the value and
 * what is allowed.
 */
import {
  BLENDS,
  MAX_THREADS,
  MEMBER_KINDS,
  TRAINER_HYPERPARAMETER_KEYS,
  canonicalMemberKind,
  decimalNumber,
  isSageMakerHyperparameter,
  overMemberParams,
  type MemberKind,
  type TrainerHyperparameterKey,
  uniqueMemberNames,
} from "ensemble-workbook";
import { decodeValue } from "./hyperparameter-value";

export { decodeValue };

export type FinalModel = "refit" | "folds";

export interface MemberSpec {
  kind: MemberKind;
  /** the member's name as lib's Ensemble gives it: the kind, or `<kind>_<n>` for its n-th copy */
  name: string;
  params: Record<string, unknown>;
}

export interface Settings {
  models: MemberKind[];
  kFold: number;
  numRound?: number;
  eta?: number;
  maxDepth?: number;
  /** `<member>.<param>` values (as given, decoded; lib coerces them), by member kind (every member of that kind), and
   * by copy name (`xgboost_2`: the second xgboost in models; after its kind's) */
  memberParams: Partial<Record<string, Record<string, unknown>>>;
  blend: string;
  objective?: string;
  label?: string;
  seed: number;
  finalModel: FinalModel;
  /** categorical_features: column names, or 0-based column indexes (resolved against the channel's columns) */
  categoricalFeatures: (string | number)[];
  /** na_values: the missing-value tokens replacing pandas' defaults */
  naValues?: string[];
  /** header: CSV channels' first row — true, false, or "auto" (a header when a first-row cell is not a number) */
  header: boolean | "auto";
  /** fits at once (lib's crossValidate `workers`); undefined: the container's cores */
  parallelFits?: number;
}

export const DEFAULT_MODELS: MemberKind[] = ["xgboost", "catboost"];
/** Members that get the shared num_round / eta / max_depth. */
export const BOOSTED_KINDS: MemberKind[] = ["xgboost", "catboost"];

function bad(key: string, raw: unknown, why: string): Error {
  return new Error(`hyperparameter ${key}=${JSON.stringify(raw)}: ${why}`);
}

function num(key: string, raw: unknown, s: string): number {
  const v = decimalNumber(s);
  if (v === undefined) throw bad(key, raw, "is not a number");
  return v;
}

function int(key: string, raw: unknown, s: string, min: number, max = Infinity, why = ""): number {
  const v = num(key, raw, s);
  if (!Number.isInteger(v)) throw bad(key, raw, "must be an integer");
  if (v < min) throw bad(key, raw, `must be ≥ ${min}`);
  if (v > max) throw bad(key, raw, `must be ≤ ${max}${why}`);
  return v;
}

/** Canonical member kind, or an error listing the known kinds. */
export function canonicalKind(name: string, key = "models", raw: unknown = name): MemberKind {
  const k = canonicalMemberKind(name);
  if (!k) throw bad(key, raw, `unknown model "${name}"; known models: ${MEMBER_KINDS.join(", ")}`);
  return k;
}

function parseModels(raw: unknown, s: string): MemberKind[] {
  let list: unknown = s;
  if (s.startsWith("[")) {
    try {
      list = JSON.parse(s);
    } catch {
      throw bad("models", raw, "is not a valid JSON list");
    }
  }
  const names = Array.isArray(list) ? list.map((x) => String(x).trim()) : s.split(",").map((x) => x.trim());
  const kinds = names.filter((x) => x !== "").map((x) => canonicalKind(x, "models", raw));
  if (kinds.length === 0) throw bad("models", raw, `needs at least one model (${MEMBER_KINDS.join(", ")})`);
  return kinds;
}

/** A value that is a list: a JSON list, given as such or as its JSON text (as the Estimator sends one); undefined otherwise. */
function jsonList(raw: unknown, v: string): unknown[] | undefined {
  if (Array.isArray(raw)) return raw;
  if (!v.startsWith("[")) return undefined;
  try {
    const list: unknown = JSON.parse(v);
    return Array.isArray(list) ? list : undefined;
  } catch {
    return undefined;
  }
}

/** categorical_features: a list (JSON) or comma list of column names and 0-based indexes. */
function parseCategorical(key: string, raw: unknown, v: string): (string | number)[] {
  const list = jsonList(raw, v) ?? (v.startsWith("[") ? undefined : v.split(","));
  if (!list) throw bad(key, raw, 'is not a valid JSON list; give column names or 0-based indexes, e.g. ["store", 3] or "store,3"');
  const out = list.map((x) => {
    if (typeof x === "number") {
      if (!Number.isInteger(x) || x < 0) throw bad(key, raw, `${x} is not a 0-based column index`);
      return x;
    }
    if (typeof x !== "string") throw bad(key, raw, `${JSON.stringify(x)} is neither a column name nor a 0-based index`);
    const t = x.trim();
    if (t === "") throw bad(key, raw, "holds an empty column name");
    return /^\d+$/.test(t) ? Number(t) : t;
  });
  const dup = out.find((x, i) => out.indexOf(x) !== i);
  if (dup !== undefined) throw bad(key, raw, `names column ${JSON.stringify(dup)} twice`);
  return out;
}

/** na_values: a list of strings, nothing else (a bare string is refused: "NA,?" could be one token or two). */
function parseNaValues(key: string, raw: unknown, v: string): string[] {
  const list = jsonList(raw, v);
  if (!list) throw bad(key, raw, 'must be a list of strings, e.g. ["NA", "?"] (sent as the JSON text of the list)');
  const notText = list.find((x) => typeof x !== "string");
  if (notText !== undefined) throw bad(key, raw, `must be a list of strings; ${JSON.stringify(notText)} is not a string`);
  return list as string[];
}

/** One parser per trainer hyperparameter: `v` is the decoded string, `raw` the value as given (for messages). */
type KeyParser = (s: Settings, v: string, raw: unknown, key: TrainerHyperparameterKey) => void;

/** every key of TrainerHyperparameters (the mapped type makes a missing one a compile error) */
const PARSERS: { [K in TrainerHyperparameterKey]: KeyParser } = {
  models: (s, v, raw) => {
    s.models = parseModels(raw, v);
  },
  k_fold: (s, v, raw, key) => {
    s.kFold = int(key, raw, v, 2);
  },
  num_round: (s, v, raw, key) => {
    s.numRound = int(key, raw, v, 1);
  },
  eta: (s, v, raw, key) => {
    const eta = num(key, raw, v);
    if (!(eta > 0)) throw bad(key, raw, "must be > 0");
    s.eta = eta;
  },
  max_depth: (s, v, raw, key) => {
    s.maxDepth = int(key, raw, v, 1);
  },
  blend: (s, v, raw, key) => {
    if (!(BLENDS as string[]).includes(v)) throw bad(key, raw, `unknown blend; known blends: ${BLENDS.join(", ")}`);
    s.blend = v;
  },
  objective: (s, v, raw, key) => {
    if (v === "") throw bad(key, raw, "is empty");
    s.objective = v; // reg:linear, XGBoost's old name, is read as reg:squarederror by lib's Ensemble (canonicalObjective)
  },
  label: (s, v, raw, key) => {
    if (v === "") throw bad(key, raw, "is empty");
    s.label = v;
  },
  seed: (s, v, raw, key) => {
    s.seed = int(key, raw, v, 0);
  },
  final_model: (s, v, raw, key) => {
    if (v !== "refit" && v !== "folds") throw bad(key, raw, 'must be "refit" or "folds"');
    s.finalModel = v;
  },
  categorical_features: (s, v, raw, key) => {
    s.categoricalFeatures = v === "" ? [] : parseCategorical(key, raw, v);
  },
  na_values: (s, v, raw, key) => {
    s.naValues = parseNaValues(key, raw, v);
  },
  header: (s, v, raw, key) => {
    const h = v.toLowerCase();
    if (h !== "true" && h !== "false" && h !== "auto") throw bad(key, raw, 'must be true, false or "auto"');
    s.header = h === "auto" ? "auto" : h === "true";
  },
  parallel_fits: (s, v, raw, key) => {
    // also the job's budget of core threads (train.ts): at most what nthread may ask for
    s.parallelFits = int(key, raw, v, 1, MAX_THREADS, ` (the job's core threads, at most nthread's ${MAX_THREADS})`);
  },
};

/** The hyperparameters that take a list (a JSON list, or its text); every other key takes one value. */
const LIST_KEYS = new Set<string>(["models", "categorical_features", "na_values"]);

const isTrainerKey = (key: string): key is TrainerHyperparameterKey => (TRAINER_HYPERPARAMETER_KEYS as readonly string[]).includes(key);

/** hyperparameters.json (untrusted JSON: any keys, any values) → Settings, or an Error naming the key */
export function parseHyperparameters(hp: Record<string, unknown>): Settings {
  if (hp === null || typeof hp !== "object" || Array.isArray(hp)) throw new Error("hyperparameters.json must hold a JSON object");
  const s: Settings = { models: DEFAULT_MODELS, kFold: 5, memberParams: {}, blend: "mean", seed: 0, finalModel: "refit", categoricalFeatures: [], header: "auto" };
  const prefixed: [string, string, string, unknown][] = [];
  const sharedGiven: [string, unknown][] = [];
  for (const [key, raw] of Object.entries(hp)) {
    if (isSageMakerHyperparameter(key)) continue;
    let v: string;
    try {
      v = decodeValue(raw);
    } catch (e) {
      throw bad(key, raw, (e as Error).message);
    }
    const dot = key.indexOf(".");
    if (dot > 0) {
      prefixed.push([key, key.slice(0, dot), key.slice(dot + 1), raw]);
      continue;
    }
    if (Array.isArray(raw) && isTrainerKey(key) && !LIST_KEYS.has(key)) throw bad(key, raw, "is a list; this hyperparameter takes one value");
    if (!isTrainerKey(key))
      throw new Error(
        `unknown hyperparameter "${key}"; known: ${TRAINER_HYPERPARAMETER_KEYS.join(", ")}, and <model>.<param> for model-specific ones (e.g. xgboost.subsample)`,
      );
    PARSERS[key](s, v, raw, key);
    if ((SHARED_BOOSTED as readonly string[]).includes(key)) sharedGiven.push([key, raw]);
  }
  checkSharedBoosted(s.models, sharedGiven);
  for (const [key, prefix, param, raw] of prefixed) {
    const member = memberOf(s.models, prefix, key, raw);
    if (param === "" || param === "name") throw bad(key, raw, `"${param || "(empty)"}" cannot be set per model`);
    (s.memberParams[member] ??= {})[param] = decodeValue(raw);
  }
  return s;
}

/** The hyperparameters that set the boosted members alone (memberSpecs). */
const SHARED_BOOSTED = ["num_round", "eta", "max_depth"] as const;

/**
 * num_round, eta or max_depth with no boosted member in models: nothing reads it — `models=random_forest,
 * max_depth=4` trained the forest at its own depth 6, `models=ridge, eta=0.3` a ridge, without a word. An error, as a
 * `<kind>.<param>` of a kind not in models is; the member's own parameter is named where it has one.
 */
function checkSharedBoosted(models: readonly MemberKind[], given: readonly [string, unknown][]): void {
  if (given.length === 0 || models.some((m) => BOOSTED_KINDS.includes(m))) return;
  const [key, raw] = given[0];
  const own = models.includes("random_forest") && key === "max_depth" ? `; for the forest's depth give random_forest.max_depth` : "";
  throw bad(key, raw, `sets the boosted members (${BOOSTED_KINDS.join(", ")}), and models (${models.join(",")}) has none of them: nothing would read it${own}`);
}

/** The member a `<member>.<param>` key sets: a kind in models (every member of it; aliases allowed), or one copy of
 * a kind listed more than once, by the name lib gives it (`xgboost_2`: the second xgboost). */
function memberOf(models: readonly MemberKind[], prefix: string, key: string, raw: unknown): string {
  const copy = /^(.+)_([1-9][0-9]*)$/.exec(prefix);
  if (copy && !MEMBER_KINDS.includes(prefix as MemberKind)) {
    // `xgboost_2_3`: not "an unknown model xgboost_2" — the whole prefix is neither a model nor a copy of one
    if (!canonicalMemberKind(copy[1])) throw bad(key, raw, `unknown model "${prefix}": neither a model nor a copy of one (<model>_<n>, e.g. ${models[0]}_2); known models: ${MEMBER_KINDS.join(", ")}`);
    const kind = canonicalKind(copy[1], key, raw);
    const n = Number(copy[2]), copies = models.filter((m) => m === kind).length;
    if (n < 2 || n > copies) {
      throw bad(key, raw, copies < 2
        ? `sets a parameter of "${kind}_${n}", but models lists ${kind} ${copies ? "once" : "not at all"} (${models.join(",")}); copies are named ${kind}_2, ${kind}_3, … when ${kind} is listed more than once`
        : `sets a parameter of "${kind}_${n}", but models lists ${kind} ${copies} times: its copies are ${[...Array(copies - 1)].map((_, i) => `${kind}_${i + 2}`).join(", ")} (the first is "${kind}")`);
    }
    return `${kind}_${n}`;
  }
  const kind = canonicalKind(prefix, key, raw);
  if (!models.includes(kind)) throw bad(key, raw, `sets a parameter of "${kind}", which is not in models (${models.join(",")})`);
  return kind;
}

/** A parameter worth changing per kind, for the hint below */
const COPY_HINT: Record<MemberKind, string> = { xgboost: "max_depth", catboost: "depth", random_forest: "max_depth", ridge: "alpha" };
/** Parameters that do not change a member's model (its core threads). */
const MODEL_NEUTRAL = new Set(["name", "nthread", "n_jobs", "thread_count"]);

/**
 * The job's warnings about members that would be the same model: a kind listed more than once whose copies got the
 * same parameters (as the members store them, numbers coerced: "0.10" and 0.1 are one value; aliases and explicit
 * defaults are not resolved). Not an error: a tuning job's trial may land on equal values for two copies.
 */
export function sameModelCopies(members: readonly { kind: MemberKind; name: string; params: Record<string, unknown> }[]): string[] {
  const key = (params: Record<string, unknown>) => JSON.stringify(Object.keys(params).filter((k) => !MODEL_NEUTRAL.has(k)).sort().map((k) => [k, params[k]]));
  const keys = members.map((m) => key(m.params));
  const out: string[] = [];
  members.forEach((m, i) => {
    const twin = members.findIndex((o, j) => j < i && o.kind === m.kind && keys[j] === keys[i]);
    if (twin >= 0) out.push(`models: "${m.name}" has the same parameters as "${members[twin].name}" — the same model twice; give it its own with ${m.name}.<param> (e.g. ${m.name}.${COPY_HINT[m.kind]})`);
  });
  return out;
}

/**
 * Each member's params in layers: the shared boosted settings and the seed, its kind's `<kind>.<param>` values, then
 * a copy's own `<kind>_<n>.<param>`. A layer wins over the ones before it by setting, not by key (lib's
 * overMemberParams): `xgboost.random_state` replaces the job's seed, `catboost_2.depth` the shared max_depth,
 * `xgboost_2.eta` its kind's `xgboost.learning_rate`. Two keys of one setting in one layer stay as given, for the
 * member to refuse when their values differ.
 */
export function memberSpecs(s: Settings): MemberSpec[] {
  const names = uniqueMemberNames(s.models); // as lib's Ensemble names them
  return s.models.map((kind, i) => {
    const shared: Record<string, unknown> = {};
    if (BOOSTED_KINDS.includes(kind)) {
      if (s.numRound !== undefined) shared.num_round = s.numRound;
      if (s.eta !== undefined) shared.eta = s.eta;
      if (s.maxDepth !== undefined) shared.max_depth = s.maxDepth;
    }
    if (kind === "catboost") shared.random_seed = s.seed;
    else if (kind !== "ridge") shared.seed = s.seed;
    let params: Record<string, unknown> = shared;
    for (const layer of [s.memberParams[kind], names[i] !== kind ? s.memberParams[names[i]] : undefined]) if (layer) params = overMemberParams(kind, params, layer);
    return { kind, name: names[i], params };
  });
}
