/**
 * monotone_constraints and interaction_constraints, in the forms XGBoost and SageMaker's XGBoost take them, read
 * twice: their form and values when the params are resolved (params.ts, which has no matrix yet), then against the
 * training matrix's features (names, count) when a fit begins (train.ts). The core applies them as native 1.7.4's
 * hist does (csrc/split.h NodeBounds, csrc/grower.c allowed_features).
 */
import { shownNames, shownValue } from "./shown";

/** monotone_constraints as given: one value a feature (by index), or values by feature name (XGBoost's Python dict) */
export type MonotoneSpec = number[] | Record<string, number>;
/** interaction_constraints as given: groups of features, each an index or a feature name */
export type InteractionSpec = (number | string)[][];

const MONOTONE_VALUES = "-1 (decreasing), 0 (none) or 1 (increasing)";

function monotoneValue(v: unknown, where: string): number {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (n !== -1 && n !== 0 && n !== 1) throw new Error(`${where} is ${shownValue(v)}: each must be ${MONOTONE_VALUES}`);
  return n;
}

/**
 * monotone_constraints: XGBoost's tuple text "(1,-1,0)" (also "[1,-1,0]", as SageMaker's container reads it with
 * Python, and a bare "1", as native's reader takes it), an array, or an object of values by feature name (the
 * Python package's dict; also as JSON text). Each value -1, 0 or 1 (native reads any integer's sign; SageMaker's
 * container refuses the rest, and so does this). A bare number is one value.
 */
export function parseMonotone(value: unknown, key: string): MonotoneSpec {
  let v = value;
  if (typeof v === "string") {
    const t = v.trim();
    if (t.startsWith("{")) {
      try {
        v = JSON.parse(t);
      } catch {
        throw new Error(`parameter ${key} ${shownValue(value)} is not a JSON object of values by feature name`);
      }
    } else {
      const m = /^[([]\s*(.*?)\s*,?\s*[)\]]$/s.exec(t);
      // a bare list "1,-1,0" too: SageMaker's XGBoost container evaluates the text as Python, where it is a tuple
      const body = m ? m[1] : /^[+-]?\d+(\s*,\s*[+-]?\d+)*\s*,?$/.test(t) ? t.replace(/,\s*$/, "") : undefined;
      if (body === undefined || (m && !((t[0] === "(" && t.endsWith(")")) || (t[0] === "[" && t.endsWith("]"))))) {
        throw new Error(`parameter ${key} ${shownValue(value)} is not a list of constraints: write "(1,-1,0)", one value a feature, each ${MONOTONE_VALUES}`);
      }
      v = body === "" ? [] : body.split(",").map((x) => x.trim());
    }
  }
  // a bare value, as native reads "1" (a training job's "1" arrives here as a number)
  if (typeof v === "number") return [monotoneValue(v, `parameter ${key}`)];
  if (Array.isArray(v)) return v.map((x, i) => monotoneValue(x, `parameter ${key}[${i}]`));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([name, x]) => [name, monotoneValue(x, `parameter ${key}["${name}"]`)]));
  }
  throw new Error(`parameter ${key} must be a list of ${MONOTONE_VALUES} ("(1,-1,0)" or [1, -1, 0]) or an object of them by feature name, got ${shownValue(value)}`);
}

/**
 * interaction_constraints: the nested list "[[0,1],[2,3]]" (JSON text, as native parses it) or nested arrays; each
 * feature a 0-based index or a feature name (the Python package's form).
 */
export function parseInteractions(value: unknown, key: string): InteractionSpec {
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      throw new Error(`parameter ${key} ${shownValue(value)} is not a nested list: write "[[0, 1], [2, 3]]" (groups of feature indexes or names, as JSON)`);
    }
  }
  if (!Array.isArray(v)) throw new Error(`parameter ${key} must be a list of groups of features ([[0, 1], [2, 3]]), got ${shownValue(value)}`);
  return v.map((group, g) => {
    if (!Array.isArray(group)) throw new Error(`parameter ${key}[${g}] must be a list of features (0-based indexes or names), got ${shownValue(group)}`);
    return group.map((f, i) => {
      if (typeof f === "string" && f !== "") return f;
      if (typeof f === "number" && Number.isInteger(f) && f >= 0) return f;
      throw new Error(`parameter ${key}[${g}][${i}] is ${shownValue(f)}: a feature is a 0-based index or a name`);
    });
  });
}

/** A feature of the training matrix by index or name (names need the matrix's feature names) */
function featureIndex(f: number | string, ncol: number, names: string[] | undefined, where: string): number {
  if (typeof f === "number") {
    if (f >= ncol) throw new Error(`${where}: feature index ${f}, but the training data has ${ncol} features (0 .. ${ncol - 1})`);
    return f;
  }
  if (!names) throw new Error(`${where}: feature "${f}" is named, but the training data has no feature names; give 0-based indexes`);
  const i = names.indexOf(f);
  if (i < 0) throw new Error(`${where}: feature "${f}" is not one of the training data's feature names (${shownNames(names)})`);
  return i;
}

/**
 * The constraints for a fit on ncol features (names: the matrix's feature names): monotone one value a feature
 * (fewer values than features are padded with 0, as native pads them; more are an Error — native drops them
 * silently), interactions as groups of indexes.
 */
export function constraintsFor(
  p: { monotone_constraints?: MonotoneSpec; interaction_constraints?: InteractionSpec },
  ncol: number, names: string[] | undefined,
): { monotone?: number[]; interactions?: number[][] } {
  let monotone: number[] | undefined;
  const m = p.monotone_constraints;
  if (Array.isArray(m)) {
    if (m.length > ncol) throw new Error(`train: monotone_constraints has ${m.length} values, but the training data has ${ncol} features`);
    monotone = m;
  } else if (m) {
    // the Python package's dict: the names' values, 0 for the other features
    monotone = new Array(ncol).fill(0);
    for (const [name, v] of Object.entries(m)) monotone[featureIndex(name, ncol, names, "train: monotone_constraints")] = v;
  }
  const interactions = p.interaction_constraints?.map((g) => g.map((f) => featureIndex(f, ncol, names, "train: interaction_constraints")));
  return { monotone, interactions };
}
