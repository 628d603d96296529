/**
 * memberFromSpec: build a member from a kind and hyperparameters, as the
 * trainer receives them (values may be strings such as "0.1" or "true";
 * numeric-looking strings become numbers, "true"/"false" booleans, JSON
 * arrays/objects are parsed and a JSON-quoted string loses its quotes).
 */
import { decimalNumber } from "../core";
import { catboost } from "./catboost";
import { canonicalMemberKind, Member, MEMBER_KINDS, StoredParams } from "./member";
import type { CatBoostMemberParams, RandomForestParams, RidgeParams, XGBoostMemberParams } from "./params";
import { randomForest } from "./randomForest";
import { ridge } from "./ridge";
import { xgboost } from "./xgboost";

function coerce(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const t = v.trim();
  if (t === "true") return true;
  if (t === "false") return false;
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
  const p: StoredParams = Object.fromEntries(Object.entries(params).map(([key, v]) => [key, key === "name" ? v : coerce(v)]));
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
