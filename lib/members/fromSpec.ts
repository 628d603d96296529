/**
 * memberFromSpec: build a member from a kind and hyperparameters, as the
 * trainer receives them (values may be strings such as "0.1" or "true";
 * numeric-looking strings become numbers, "true"/"false" (any case) booleans, JSON
 * arrays/objects are parsed and a JSON-quoted string loses its quotes).
 */
import { catboostSetting, decimalNumber } from "../core";
import { catboost, catboostRecipe } from "./catboost";
import { canonicalMemberKind, Member, MEMBER_KINDS, type MemberKind, StoredParams } from "./member";
import type { CatBoostMemberParams, RandomForestParams, RidgeParams, XGBoostMemberParams } from "./params";
import { randomForest, randomForestRecipe, randomForestSetting } from "./randomForest";
import { ridge } from "./ridge";
import { xgboost, xgboostRecipe } from "./xgboost";
import { overDefaults, TreeMember, xgboostSetting, type ParamMapper } from "./tree";

function coerce(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const t = v.trim();
  // any case: Python's str(True) is "True", which the SageMaker Python SDK sends for a bool
  if (/^true$/i.test(t)) return true;
  if (/^false$/i.test(t)) return false;
  // decimal numbers only: "0x2" or "0b10" stay text, which the member's check names (XGBoost refuses them too)
  const n = decimalNumber(t);
  if (n !== undefined) return n;
  if ((t.startsWith("[") && t.endsWith("]")) || (t.startsWith("{") && t.endsWith("}"))) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1); // JSON-encoded string
  return v;
}

export function memberFromSpec(kind: string, params: Record<string, unknown> = {}): Member {
  const k = canonicalMemberKind(kind);
  // Values from a training job, coerced from strings: untyped until the member's recipe and the core check
  // every key and value (unknown names and bad values are Errors there).
  const p = coerced(params);
  switch (k) {
    case "xgboost":
      return xgboost(p as XGBoostMemberParams);
    case "catboost":
      return catboost(p as CatBoostMemberParams);
    case "random_forest":
      return randomForest(p as RandomForestParams);
    case "ridge":
      return ridge(p as RidgeParams);
    default:
      throw new Error(`unknown member kind "${kind}"; known kinds: ${MEMBER_KINDS.join(", ")}`);
  }
}

function coerced(params: Record<string, unknown>): StoredParams {
  return Object.fromEntries(Object.entries(params).map(([key, v]) => [key, key === "name" ? v : key === "eval_metric" ? metricList(v) : coerce(v)]));
}

/** eval_metric as SageMaker's XGBoost takes it: a comma-separated list ("rmse,mae"), or a JSON list */
function metricList(v: unknown): unknown {
  const c = coerce(v);
  return typeof c === "string" && c.includes(",") ? c.split(",").map((m) => m.trim()) : c;
}

/** The tree kinds' recipes (their params → the core's) and settings (a key → the setting it names, aliases resolved). */
const TREE_KINDS: Partial<Record<MemberKind, { recipe: ParamMapper; setting: (key: string) => string }>> = {
  xgboost: { recipe: xgboostRecipe, setting: xgboostSetting },
  catboost: { recipe: catboostRecipe, setting: catboostSetting },
  random_forest: { recipe: randomForestRecipe, setting: randomForestSetting },
};

/**
 * A member of a saved ensemble (loadEnsemble), its model file to load next: as memberFromSpec, but a tree member's
 * params are checked when it trains, not now (TreeMember's `check`) — a model saved under an earlier version's
 * rules still loads and predicts.
 */
export function memberFromStored(kind: string, params: Record<string, unknown> = {}): Member {
  const k = canonicalMemberKind(kind);
  const tree = k && TREE_KINDS[k];
  return tree ? new TreeMember(k, coerced(params), tree.recipe, false) : memberFromSpec(kind, params);
}

/**
 * A member's params `above` laid over `below` by setting, not by key: a key of `above` replaces every key of `below`
 * that names its setting, by the kind's names and aliases (xgboost's `learning_rate` and `eta` are one setting,
 * catboost's `n_estimators` and `iterations` one) — as a member's own params replace its defaults (overDefaults). A
 * training job layers a member's params so (shared settings, then its kind's, then a copy's own): a later layer's
 * alias replaces an earlier layer's name instead of meeting it as a conflict.
 */
export function overMemberParams(kind: MemberKind, below: StoredParams, above: StoredParams): StoredParams {
  const setting = TREE_KINDS[kind]?.setting ?? ((key: string) => key);
  return overDefaults(below, above, setting);
}
