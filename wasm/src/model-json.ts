/**
 * XGBoost's JSON model format (schema of XGBoost 1.7 and 2.x), the one model format of
 * the project. Saving writes what native XGBoost 1.7.4 loads; loading accepts models
 * written by XGBoost 1.7 / 2.x (gbtree, numerical and categorical splits) and by this
 * package, and checks every index before anything reaches the core, so a malformed
 * model is an Error, not a trap or an endless walk.
 *
 * Categorical splits use XGBoost's fields, per tree:
 *   split_type[node]       0 numeric, 1 categorical
 *   categories_nodes       the categorical split nodes, ascending
 *   categories_segments[i] where node categories_nodes[i]'s codes start in `categories`
 *   categories_sizes[i]    how many codes it has (at least one)
 *   categories             the codes, ascending per node: a row whose code is in the
 *                          node's list goes RIGHT (tree.h)
 * and learner.feature_types marks categorical features "c". A categorical node's
 * split_conditions entry is unused: native XGBoost writes NaN there, which is not JSON,
 * so this package writes 0 and reads NaN / Infinity tokens in native files.
 */
import type { Objective } from "./params";
import { AFT_DISTRIBUTIONS, canonicalObjective, LOG_LINK, OBJECTIVES } from "./params";

export interface TreeArrays {
  left: Int32Array; right: Int32Array; parent: Int32Array; feature: Int32Array;
  cond: Float32Array; baseWeight: Float32Array; lossChg: Float32Array; sumHess: Float32Array;
  defaultLeft: Uint8Array;
  /** categorical splits, as the core keeps them (tree.h): split type per node (0 numeric,
   * 1 categorical) and the node's category set as catSize[n] bitset words from catBegin[n]
   * of catWords (bit c % 32 of word c / 32 set = code c goes right) */
  splitType: Uint8Array; catBegin: Int32Array; catSize: Int32Array; catWords: Uint32Array;
}

/** The codes of node n's category set, ascending. */
export function nodeCategories(t: TreeArrays, n: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < t.catSize[n]; w++) {
    const word = t.catWords[t.catBegin[n] + w];
    if (word) for (let b = 0; b < 32; b++) if ((word >>> b) & 1) out.push(w * 32 + b);
  }
  return out;
}

/** Numeric-only arrays for a tree of n nodes (no categorical splits). */
export function noCategories(n: number): Pick<TreeArrays, "splitType" | "catBegin" | "catSize" | "catWords"> {
  return { splitType: new Uint8Array(n), catBegin: new Int32Array(n), catSize: new Int32Array(n), catWords: new Uint32Array(0) };
}

export interface ModelData {
  objective: Objective;
  numClass: number;
  numFeature: number;
  baseScore: number;
  numParallelTree: number;
  trees: TreeArrays[];
  treeGroup: number[];
  featureNames?: string[];
  /** XGBoost's feature_types ("c" categorical, "q" / "float" / "int" / "i" numeric), when known */
  featureTypes?: string[];
  attributes: Record<string, string>;
  /** extra objective settings that the JSON carries */
  huberSlope?: number;
  maxDeltaStep?: number;
  /** XGBoost's RegLossObj objectives' (their reg_loss_param: params.ts REG_LOSS_OBJECTIVES) */
  scalePosWeight?: number;
  /** reg:tweedie's (its tweedie_regression_param) */
  tweedieVariancePower?: number;
  /** survival:aft's (its aft_loss_param): the noise distribution's name and scale */
  aftLossDistribution?: string;
  aftLossDistributionScale?: number;
  /** rank:*'s (their lambda_rank_param) */
  numPairsample?: number;
  fixListWeight?: number;
}

/** float32 values written with 9 significant digits (enough to read back the same
 * float) — the shortest text of that 9-digit decimal, String(Number(toPrecision(9))) —
 * always with a decimal point or exponent: XGBoost's parser reads "0" as an
 * integer and refuses it where a float is expected. */
export function floatText(v: number): string {
  if (v === 0) return "0.0"; // -0 too
  const s = String(Number(Math.fround(v).toPrecision(9)));
  return /[.eE]/.test(s) || !Number.isFinite(v) ? s : s + ".0";
}
/** 10^0 … 10^12, each exact in a double */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

/**
 * A model's text, written as bytes into one growing buffer and decoded once: the JSON around the trees' arrays, and
 * the arrays' numbers. Making a string per number and joining them (floatText per value) was most of a model's
 * save: the seed's catboost member, 250 trees, 96,000 floats, ~45 ms of every training job, on one thread.
 */
class TextWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private len = 0;
  private readonly digits = new Uint8Array(9);
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
  /** any text (UTF-8: a feature name may be any string) */
  text(s: string): void {
    this.room(3 * s.length);
    this.len += this.buf.write(s, this.len, "utf8");
  }
  /** a JSON array of the values: float32s as floatText writes them, or integers as String does */
  array(a: Float32Array | Int32Array | Uint8Array): void {
    const floats = a instanceof Float32Array;
    this.room(1);
    this.buf[this.len++] = 91; /* [ */
    for (let i = 0; i < a.length; i++) {
      this.room(24);
      if (i) this.buf[this.len++] = 44; /* , */
      if (floats) this.float(a[i]);
      else this.int(a[i]);
    }
    this.room(1);
    this.buf[this.len++] = 93; /* ] */
  }
  /** an int32's decimal digits, as String(v) writes them */
  private int(v: number): void {
    const b = this.buf;
    if (v < 0) {
      if (v === -2147483648) return this.text(String(v)); // its magnitude is no int32
      b[this.len++] = 45; /* - */
      v = -v;
    }
    if (v < 10) {
      b[this.len++] = 48 + v;
      return;
    }
    let end = this.len + (v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10);
    this.len = end;
    while (v >= 10) {
      const q = (v / 10) | 0;
      b[--end] = 48 + v - 10 * q;
      v = q;
    }
    b[--end] = 48 + v;
  }
  /**
   * floatText(v), the same characters. 1e-4 ≤ |v| < 1e9 (nearly every value of a model): |v| = d.dddddddd × 10^k,
   * -4 ≤ k ≤ 8, and y = |v| × 10^(8 - k) is exact in a double — a float32's 24 significant bits times 5^(8 - k), at
   * most 5^12 (28 bits), is at most 52 bits — so the comparisons that fix k are exact and round-half-up of y is
   * toPrecision(9)'s nine digits to the last (ECMAScript rounds a tie up; y + 0.5 is exact too). Its trailing zeros
   * go: a decimal of 9 significant digits is its own shortest text then (two such decimals are never the same
   * double, which tells 15 digits apart). Other values (0 aside) are written from floatText itself.
   */
  private float(v: number): void {
    const x = Math.fround(v);
    const a = x < 0 ? -x : x;
    if (a === 0) {
      // "0.0", -0 too: a third of a catboost-style model's floats (its leaves' loss changes)
      this.buf[this.len++] = 48;
      this.buf[this.len++] = 46;
      this.buf[this.len++] = 48;
      return;
    }
    if (a >= 1e-4 && a < 1e9) {
      let k = Math.floor(Math.log10(a));
      if (k < -4) k = -4; // log10 near a power of ten may be one off: corrected below
      else if (k > 8) k = 8;
      let y = a * POW10[8 - k];
      if (y >= 1e9) y = a * POW10[8 - ++k];
      else if (y < 1e8 && k > -4) y = a * POW10[8 - --k];
      let n = Math.floor(y + 0.5);
      if (y >= 1e8 && y < 1e9 && n < 1e9) {
        const d = this.digits, b = this.buf;
        for (let i = 8; i >= 0; i--) {
          const q = (n / 10) | 0; // n < 1e9: an int32
          d[i] = n - 10 * q;
          n = q;
        }
        let end = 9;
        while (end > k + 2 && d[end - 1] === 0) end--;
        let at = this.len;
        if (x < 0) b[at++] = 45; /* - */
        if (k >= 0) {
          for (let i = 0; i <= k; i++) b[at++] = 48 + d[i];
          b[at++] = 46; /* . */
          if (end > k + 1) for (let i = k + 1; i < end; i++) b[at++] = 48 + d[i];
          else b[at++] = 48;
        } else {
          b[at++] = 48;
          b[at++] = 46;
          for (let i = -1; i > k; i--) b[at++] = 48;
          for (let i = 0; i < end; i++) b[at++] = 48 + d[i];
        }
        this.len = at;
        return;
      }
    }
    this.text(floatText(v));
  }
  toString(): string {
    return this.buf.toString("utf8", 0, this.len);
  }
}

/** The text of float32 values as a JSON array, as a model file holds them: "[" + floatText of each, "," + "]". */
export function floatArrayText(a: Float32Array): string {
  const w = new TextWriter();
  w.array(a);
  return w.toString();
}

/** A tree's arrays stand in the object given to JSON.stringify as placeholders; splice writes the JSON with each
 * placeholder replaced by its array's numbers (TextWriter.array: floats as floatText writes them, integers as String
 * does). */
class ArrayTexts {
  private arrays: (Float32Array | Int32Array | Uint8Array)[] = [];
  /** the placeholder of array a */
  of(a: Float32Array | Int32Array | Uint8Array): string {
    this.arrays.push(a);
    return `@@array:${this.arrays.length - 1}@@`;
  }
  splice(json: string): string {
    // split with the capture: the JSON between the placeholders, each followed by its array's index
    const parts = json.split(/"@@array:(\d+)@@"/);
    const w = new TextWriter();
    for (let i = 0; i < parts.length; i += 2) {
      w.text(parts[i]);
      if (i + 1 >= parts.length) break;
      w.array(this.arrays[Number(parts[i + 1])]);
    }
    return w.toString();
  }
}
function fstr(v: number): string {
  return Math.fround(v).toPrecision(9).replace(/\.?0+(e|$)/, "$1").toUpperCase();
}

function objectiveJson(m: ModelData): Record<string, unknown> {
  const name = m.objective;
  switch (name) {
    case "reg:squarederror": case "binary:logistic": case "reg:logistic": case "binary:logitraw": case "reg:squaredlogerror":
      return { name, reg_loss_param: { scale_pos_weight: fstr(m.scalePosWeight ?? 1) } };
    case "reg:tweedie":
      return { name, tweedie_regression_param: { tweedie_variance_power: fstr(m.tweedieVariancePower ?? 1.5) } };
    case "reg:pseudohubererror":
      return { name, pseudo_huber_param: { huber_slope: fstr(m.huberSlope ?? 1) } };
    case "count:poisson":
      return { name, poisson_regression_param: { max_delta_step: fstr(m.maxDeltaStep ?? 0.7) } };
    case "multi:softprob": case "multi:softmax":
      return { name, softmax_multiclass_param: { num_class: String(m.numClass) } };
    case "survival:aft":
      return { name, aft_loss_param: { aft_loss_distribution: m.aftLossDistribution ?? "normal", aft_loss_distribution_scale: fstr(m.aftLossDistributionScale ?? 1) } };
    case "rank:pairwise": case "rank:ndcg": case "rank:map":
      return { name, lambda_rank_param: { num_pairsample: String(m.numPairsample ?? 1), fix_list_weight: fstr(m.fixListWeight ?? 0) } };
    default:
      return { name };
  }
}

export function toJson(m: ModelData): string {
  const texts = new ArrayTexts();
  const trees = m.trees.map((t, id) => {
    const n = t.left.length;
    const categories: number[] = [], categoriesNodes: number[] = [], segments: number[] = [], sizes: number[] = [];
    for (let i = 0; i < n; i++) {
      if (t.splitType[i] !== 1 || t.left[i] < 0) continue;
      const codes = nodeCategories(t, i);
      categoriesNodes.push(i); segments.push(categories.length); sizes.push(codes.length);
      categories.push(...codes);
    }
    return {
      base_weights: texts.of(t.baseWeight),
      categories, categories_nodes: categoriesNodes, categories_segments: segments, categories_sizes: sizes,
      default_left: texts.of(t.defaultLeft),
      id,
      left_children: texts.of(t.left),
      loss_changes: texts.of(t.lossChg),
      parents: texts.of(t.parent),
      right_children: texts.of(t.right),
      split_conditions: texts.of(t.cond),
      split_indices: texts.of(t.feature),
      split_type: texts.of(t.splitType),
      sum_hessian: texts.of(t.sumHess),
      tree_param: { num_deleted: "0", num_feature: String(m.numFeature), num_nodes: String(n), size_leaf_vector: "0" },
    };
  });
  const model = {
    learner: {
      attributes: m.attributes,
      feature_names: m.featureNames ?? [],
      feature_types: m.featureTypes ?? (m.featureNames ? m.featureNames.map(() => "float") : []),
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: String(m.numParallelTree), num_trees: String(trees.length), size_leaf_vector: "0" },
          tree_info: m.treeGroup,
          trees,
        },
        name: "gbtree",
      },
      learner_model_param: {
        base_score: fstr(m.baseScore),
        boost_from_average: "1",
        num_class: String(m.objective.startsWith("multi:") ? m.numClass : 0),
        num_feature: String(m.numFeature),
        num_target: "1",
      },
      name: "generic",
      objective: objectiveJson(m),
    },
    version: [1, 7, 4],
  };
  return texts.splice(JSON.stringify(model));
}

class ModelError extends Error {
  constructor(msg: string) { super(`invalid XGBoost JSON model: ${msg}`); }
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new ModelError(`${where} is missing or not an object`);
  return v as Record<string, unknown>;
}
function arr(v: unknown, where: string, n: number): unknown[] {
  if (!Array.isArray(v)) throw new ModelError(`${where} is missing or not an array`);
  if (v.length !== n) throw new ModelError(`${where} has ${v.length} entries, expected ${n}`);
  return v;
}
function num(v: unknown, where: string): number {
  const x = typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : typeof v === "string" ? Number(v.replace(/^\[|\]$/g, "")) : NaN;
  if (!Number.isFinite(x)) throw new ModelError(`${where} is not a number (${JSON.stringify(v)})`);
  return x;
}
// ints and floats read JSON numbers directly and hand anything else to num(), which reads numbers written as text
// and names what is wrong: the entry's name is made only then (made for every entry, it was most of a load's time)
function ints(v: unknown, where: string, n: number): Int32Array {
  const a = arr(v, where, n), out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const k = typeof x === "number" && Number.isFinite(x) ? x : num(x, `${where}[${i}]`);
    if (!Number.isInteger(k)) throw new ModelError(`${where}[${i}] is not an integer`);
    out[i] = k;
  }
  return out;
}
function floats(v: unknown, where: string, n: number, allowNonFinite = false): Float32Array {
  const a = arr(v, where, n), out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    out[i] = typeof x === "number" && Number.isFinite(x) ? x
      : allowNonFinite && (x === "NaN" || x === "Infinity" || x === "-Infinity") ? Number(x) : num(x, `${where}[${i}]`);
  }
  return out;
}

/** Checks that the arrays describe one tree: every node reached once from the root. */
function checkTree(t: TreeArrays, numFeature: number, where: string): void {
  const n = t.left.length;
  const seen = new Uint8Array(n);
  const stack = [0];
  seen[0] = 1;
  while (stack.length) {
    const id = stack.pop()!;
    const l = t.left[id], r = t.right[id];
    if (l === -1 && r === -1) continue;
    for (const c of [l, r]) {
      if (!(c > 0 && c < n)) throw new ModelError(`${where}: node ${id} has child index ${c}, outside [1, ${n})`);
      if (seen[c]) throw new ModelError(`${where}: node ${c} is reached twice (the children arrays do not form a tree)`);
      seen[c] = 1;
      stack.push(c);
    }
    if (!(t.feature[id] >= 0 && t.feature[id] < numFeature)) {
      throw new ModelError(`${where}: node ${id} splits on feature ${t.feature[id]}, but the model has ${numFeature} features`);
    }
  }
}

/** Native XGBoost writes non-finite floats as bare NaN / Infinity / -Infinity (e.g. the
 * split condition of a categorical node), which JSON.parse refuses: outside strings they
 * are turned into the strings "NaN", "Infinity", "-Infinity", which num() reads. */
function quoteNonFinite(text: string): string {
  let out = "", last = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++;              // backslash: skip the escaped character
      else if (ch === 34) inString = false;
      continue;
    }
    if (ch === 34) { inString = true; continue; }
    for (const token of ["NaN", "Infinity", "-Infinity"]) {
      if (text.startsWith(token, i)) {
        out += text.slice(last, i) + `"${token}"`;
        i += token.length - 1;
        last = i + 1;
        break;
      }
    }
  }
  return out + text.slice(last);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    try {
      return JSON.parse(quoteNonFinite(text));
    } catch {
      throw new ModelError(`not JSON (${(e as Error).message})`);
    }
  }
}

/** The largest category code a model may use (wasm/csrc/tree.h XGB_MAX_CAT). */
const MAX_CATEGORY_CODE = 65535;

/** A tree's categorical fields (XGBoost's layout) → the core's bitsets; checks every index. */
function readCategories(t: Record<string, unknown>, tree: Omit<TreeArrays, "splitType" | "catBegin" | "catSize" | "catWords">,
  where: string): Pick<TreeArrays, "splitType" | "catBegin" | "catSize" | "catWords"> {
  const n = tree.left.length;
  if (t.split_type === undefined) return noCategories(n);
  const splitType = Uint8Array.from(ints(t.split_type, `${where}.split_type`, n), (v, i) => {
    if (v !== 0 && v !== 1) throw new ModelError(`${where}.split_type[${i}] is ${v}; expected 0 (numeric) or 1 (categorical)`);
    return v;
  });
  const cat = noCategories(n);
  cat.splitType = splitType;
  const isCat = (i: number) => splitType[i] === 1 && tree.left[i] !== -1;
  const nCat = splitType.reduce((a, v, i) => a + (isCat(i) ? 1 : 0), 0);
  if (nCat === 0) return cat;
  const rawNodes = t.categories_nodes;
  const nNodes = Array.isArray(rawNodes) ? rawNodes.length : -1;
  const nodes = ints(rawNodes, `${where}.categories_nodes`, nNodes < 0 ? 0 : nNodes);
  const segments = ints(t.categories_segments, `${where}.categories_segments`, nodes.length);
  const sizes = ints(t.categories_sizes, `${where}.categories_sizes`, nodes.length);
  const codesRaw = t.categories;
  const codes = ints(codesRaw, `${where}.categories`, Array.isArray(codesRaw) ? codesRaw.length : 0);
  const words: number[] = [];
  nodes.forEach((node, k) => {
    if (!(node >= 0 && node < n) || (k > 0 && node <= nodes[k - 1])) {
      throw new ModelError(`${where}.categories_nodes[${k}] = ${node}: node ids must be ascending and in [0, ${n})`);
    }
    if (!isCat(node)) throw new ModelError(`${where}: node ${node} is in categories_nodes but is not a categorical split (split_type 1 with children)`);
    const begin = segments[k], size = sizes[k];
    if (!(size >= 1 && begin >= 0 && begin + size <= codes.length)) {
      throw new ModelError(`${where}: categorical node ${node} has segment [${begin}, ${begin + size}) outside categories (${codes.length} codes)`);
    }
    let max = -1;
    for (let j = begin; j < begin + size; j++) {
      const c = codes[j];
      if (!(c >= 0 && c <= MAX_CATEGORY_CODE)) {
        throw new ModelError(`${where}: categorical node ${node} has category ${c}; codes must be 0..${MAX_CATEGORY_CODE} (this package supports at most 65,536 categories)`);
      }
      if (c > max) max = c;
    }
    const nWords = (max >> 5) + 1, at = words.length;
    for (let w = 0; w < nWords; w++) words.push(0);
    for (let j = begin; j < begin + size; j++) words[at + (codes[j] >> 5)] |= 1 << (codes[j] & 31);
    cat.catBegin[node] = at;
    cat.catSize[node] = nWords;
    tree.cond[node] = 0;
  });
  for (let i = 0; i < n; i++) {
    if (isCat(i) && cat.catSize[i] === 0) throw new ModelError(`${where}: node ${i} has split_type 1 but no entry in categories_nodes`);
  }
  cat.catWords = Uint32Array.from(words, (w) => w >>> 0);
  return cat;
}

/**
 * Checks a ModelData handed to Booster.fromModelData as fromJson checks a model's JSON: the arrays' types and lengths,
 * every child and feature index, output groups, categorical nodes' bitsets inside catWords — so that data not read
 * by toModelData is an Error, not a WebAssembly trap or an endless walk in the core.
 */
export function checkModelData(m: ModelData): void {
  try {
    checkModelDataArrays(m);
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    throw new Error(e.message.replace(/^invalid XGBoost JSON model: /, "invalid model data: "));
  }
}
function checkModelDataArrays(m: ModelData): void {
  if (m === null || typeof m !== "object") throw new ModelError("model data must be an object (Booster.toModelData's)");
  if (!(OBJECTIVES as readonly string[]).includes(m.objective)) throw new ModelError(`objective "${m.objective}" is not supported; supported: ${OBJECTIVES.join(", ")}`);
  if (!(Number.isInteger(m.numFeature) && m.numFeature >= 1)) throw new ModelError("num_feature must be a positive integer");
  const multi = m.objective.startsWith("multi:");
  if (multi && !(Number.isInteger(m.numClass) && m.numClass >= 2)) throw new ModelError(`num_class must be >= 2 for ${m.objective}`);
  if (!Number.isFinite(m.baseScore)) throw new ModelError(`base_score is ${m.baseScore}`);
  // base_score is kept in the objective's output space and turned into a margin: logit(p) for binary:logistic, log(λ)
  // for count:poisson. Outside their domains every prediction was NaN or ±Infinity; native refuses the logistic one as
  // it loads ("base_score must be in (0,1) for logistic loss"), and train() refuses both (params.ts)
  const bs = Math.fround(m.baseScore);
  if ((m.objective === "binary:logistic" || m.objective === "reg:logistic") && !(bs > 0 && bs < 1)) throw new ModelError(`base_score is ${m.baseScore}; ${m.objective} needs it in (0, 1) (a probability)`);
  if (LOG_LINK.includes(m.objective) && !(bs > 0)) throw new ModelError(`base_score is ${m.baseScore}; ${m.objective} needs it > 0 (a mean: its margin is the log)`);
  if (m.numPairsample !== undefined && !(Number.isInteger(m.numPairsample) && m.numPairsample >= 1)) throw new ModelError(`num_pairsample is ${m.numPairsample}; ${m.objective} needs an integer >= 1`);
  if (m.fixListWeight !== undefined && !(m.fixListWeight >= 0)) throw new ModelError(`fix_list_weight is ${m.fixListWeight}; ${m.objective} needs it >= 0`);
  if (m.tweedieVariancePower !== undefined && !(m.tweedieVariancePower >= 1 && m.tweedieVariancePower <= 2)) {
    throw new ModelError(`tweedie_variance_power is ${m.tweedieVariancePower}; reg:tweedie needs it in [1, 2]`);
  }
  if (m.aftLossDistributionScale !== undefined && !(m.aftLossDistributionScale > 0)) {
    throw new ModelError(`aft_loss_distribution_scale is ${m.aftLossDistributionScale}; survival:aft needs it > 0`);
  }
  if (!(Number.isInteger(m.numParallelTree) && m.numParallelTree >= 1)) throw new ModelError("num_parallel_tree must be a positive integer");
  const groups = multi ? m.numClass : 1;
  if (!Array.isArray(m.trees) || !Array.isArray(m.treeGroup) || m.treeGroup.length !== m.trees.length) {
    throw new ModelError("trees and treeGroup must be arrays of the same length");
  }
  m.treeGroup.forEach((g, i) => { if (!(Number.isInteger(g) && g >= 0 && g < groups)) throw new ModelError(`tree_info[${i}] = ${g} is not a valid output group (0..${groups - 1})`); });
  const kinds = { left: Int32Array, right: Int32Array, parent: Int32Array, feature: Int32Array, cond: Float32Array, baseWeight: Float32Array,
    lossChg: Float32Array, sumHess: Float32Array, defaultLeft: Uint8Array, splitType: Uint8Array, catBegin: Int32Array, catSize: Int32Array } as const;
  m.trees.forEach((t, i) => {
    const where = `tree ${i}`;
    const n = t?.left?.length;
    if (!(Number.isInteger(n) && n >= 1)) throw new ModelError(`${where}: it needs at least one node`);
    for (const [k, type] of Object.entries(kinds)) {
      const a = (t as unknown as Record<string, unknown>)[k];
      if (!(a instanceof type) || a.length !== n) throw new ModelError(`${where}.${k} must be ${type.name.startsWith("I") ? "an" : "a"} ${type.name} of ${n} entries`);
    }
    if (!(t.catWords instanceof Uint32Array)) throw new ModelError(`${where}.catWords must be a Uint32Array`);
    for (let j = 0; j < n; j++) {
      if (t.splitType[j] > 1) throw new ModelError(`${where}.split_type[${j}] is ${t.splitType[j]}; expected 0 (numeric) or 1 (categorical)`);
      if (t.splitType[j] === 1 && t.left[j] !== -1) {
        if (!(t.catSize[j] >= 1 && t.catBegin[j] >= 0 && t.catBegin[j] + t.catSize[j] <= t.catWords.length)) {
          throw new ModelError(`${where}: categorical node ${j} has words [${t.catBegin[j]}, ${t.catBegin[j] + t.catSize[j]}) outside catWords (${t.catWords.length})`);
        }
      } else if (!Number.isFinite(t.cond[j])) throw new ModelError(`${where}.split_conditions[${j}] is ${t.cond[j]}`);
    }
    checkTree(t, m.numFeature, where);
  });
  if (m.featureNames && m.featureNames.length !== m.numFeature) throw new ModelError(`feature_names has ${m.featureNames.length} names for ${m.numFeature} features`);
  if (m.featureTypes && m.featureTypes.length !== m.numFeature) throw new ModelError(`feature_types has ${m.featureTypes.length} types for ${m.numFeature} features`);
}

export function fromJson(text: string): ModelData {
  const doc = parseJson(text);
  const learner = obj(obj(doc, "the document").learner, "learner");
  const lmp = obj(learner.learner_model_param, "learner.learner_model_param");
  const objective = obj(learner.objective, "learner.objective");
  // reg:linear, XGBoost's old name of reg:squarederror, as native loads it (and as train() takes it)
  const name = canonicalObjective(String(objective.name));
  if (!(OBJECTIVES as readonly string[]).includes(name)) {
    throw new ModelError(`objective "${name}" is not supported; supported: ${OBJECTIVES.join(", ")}`);
  }
  const gb = obj(learner.gradient_booster, "learner.gradient_booster");
  if (gb.name !== "gbtree") throw new ModelError(`booster "${gb.name}" is not supported (only gbtree)`);
  const model = obj(gb.model, "gradient_booster.model");
  const numFeature = num(lmp.num_feature, "learner_model_param.num_feature");
  const numClass = num(lmp.num_class ?? 0, "learner_model_param.num_class");
  const baseScore = num(lmp.base_score, "learner_model_param.base_score");
  if (!(Number.isInteger(numFeature) && numFeature >= 1)) throw new ModelError("num_feature must be a positive integer");
  const multi = name.startsWith("multi:");
  if (multi && !(Number.isInteger(numClass) && numClass >= 2)) throw new ModelError(`num_class must be >= 2 for ${name}`);
  // XGBoost's multi-output regression (a 2-D label, 1.6+): num_target trees per round, tree_info naming the target,
  // or (2.x, multi_strategy "multi_output_tree") one tree whose leaves are vectors of size_leaf_vector values. This
  // package predicts one value a row (num_class for multi:*): said here, not as a tree_info or base_weights length
  // the model's author cannot relate to it
  const numTarget = lmp.num_target !== undefined ? num(lmp.num_target, "learner_model_param.num_target") : 1;
  if (numTarget !== 1) {
    throw new ModelError(`num_target is ${numTarget}: a multi-target model (XGBoost's multi-output regression) is not supported; this package predicts one output per row (num_class for multi:*)`);
  }
  const gtp = model.gbtree_model_param ? obj(model.gbtree_model_param, "gbtree_model_param") : {};
  const leafVector = gtp.size_leaf_vector !== undefined ? num(gtp.size_leaf_vector, "gbtree_model_param.size_leaf_vector") : 0;
  if (leafVector > 1) {
    throw new ModelError(`size_leaf_vector is ${leafVector}: trees with vector leaves (XGBoost's multi_strategy "multi_output_tree") are not supported; train with multi_strategy "one_output_per_tree"`);
  }
  const numParallelTree = gtp.num_parallel_tree !== undefined ? num(gtp.num_parallel_tree, "num_parallel_tree") : 1;
  const rawTrees = model.trees;
  if (!Array.isArray(rawTrees)) throw new ModelError("gradient_booster.model.trees is missing or not an array");
  const treeGroup = Array.from(ints(model.tree_info, "tree_info", rawTrees.length));
  const trees = rawTrees.map((raw, i) => {
    const where = `tree ${i}`;
    const t = obj(raw, where);
    const tp = obj(t.tree_param, `${where}.tree_param`);
    const n = num(tp.num_nodes, `${where}.tree_param.num_nodes`);
    const leafSize = tp.size_leaf_vector !== undefined ? num(tp.size_leaf_vector, `${where}.tree_param.size_leaf_vector`) : 0;
    if (leafSize > 1) throw new ModelError(`${where} has vector leaves (size_leaf_vector ${leafSize}, XGBoost's multi_strategy "multi_output_tree"), which are not supported; train with multi_strategy "one_output_per_tree"`);
    if (!(Number.isInteger(n) && n >= 1)) throw new ModelError(`${where}: num_nodes must be a positive integer`);
    const base = {
      left: ints(t.left_children, `${where}.left_children`, n),
      right: ints(t.right_children, `${where}.right_children`, n),
      parent: ints(t.parents, `${where}.parents`, n),
      feature: ints(t.split_indices, `${where}.split_indices`, n),
      cond: floats(t.split_conditions, `${where}.split_conditions`, n, true),
      baseWeight: t.base_weights ? floats(t.base_weights, `${where}.base_weights`, n) : new Float32Array(n),
      lossChg: t.loss_changes ? floats(t.loss_changes, `${where}.loss_changes`, n) : new Float32Array(n),
      sumHess: t.sum_hessian ? floats(t.sum_hessian, `${where}.sum_hessian`, n) : new Float32Array(n),
      defaultLeft: Uint8Array.from(arr(t.default_left, `${where}.default_left`, n), (x) => (num(x, `${where}.default_left`) ? 1 : 0)),
    };
    return { ...base, ...readCategories(t, base, where) };
  });
  const fn = Array.isArray(learner.feature_names) && learner.feature_names.length ? learner.feature_names.map(String) : undefined;
  if (fn && fn.length !== numFeature) throw new ModelError(`feature_names has ${fn.length} names for ${numFeature} features`);
  const ft = Array.isArray(learner.feature_types) && learner.feature_types.length ? learner.feature_types.map(String) : undefined;
  if (ft && ft.length !== numFeature) throw new ModelError(`feature_types has ${ft.length} types for ${numFeature} features`);
  ft?.forEach((x, i) => {
    if (!["q", "c", "int", "float", "i"].includes(x)) throw new ModelError(`feature_types[${i}] is ${JSON.stringify(x)}; valid: q, c, int, float, i`);
  });
  const attributes: Record<string, string> = {};
  if (learner.attributes && typeof learner.attributes === "object") {
    for (const [k, v] of Object.entries(learner.attributes as Record<string, unknown>)) attributes[k] = String(v);
  }
  const hp = objective.pseudo_huber_param as Record<string, unknown> | undefined;
  const pp = objective.poisson_regression_param as Record<string, unknown> | undefined;
  const rp = objective.reg_loss_param as Record<string, unknown> | undefined;
  const tp = objective.tweedie_regression_param as Record<string, unknown> | undefined;
  const ap = name === "survival:aft" ? (objective.aft_loss_param as Record<string, unknown> | undefined) : undefined;
  if (ap?.aft_loss_distribution !== undefined && !AFT_DISTRIBUTIONS.includes(String(ap.aft_loss_distribution))) {
    throw new ModelError(`aft_loss_distribution is ${JSON.stringify(ap.aft_loss_distribution)}; valid: ${AFT_DISTRIBUTIONS.join(", ")}`);
  }
  const lp = objective.lambda_rank_param as Record<string, unknown> | undefined;
  const data: ModelData = {
    objective: name as Objective, numClass: multi ? numClass : 0, numFeature, baseScore, numParallelTree,
    trees, treeGroup, featureNames: fn, featureTypes: ft, attributes,
    huberSlope: hp ? num(hp.huber_slope, "huber_slope") : undefined,
    maxDeltaStep: pp ? num(pp.max_delta_step, "max_delta_step") : undefined,
    scalePosWeight: rp?.scale_pos_weight !== undefined ? num(rp.scale_pos_weight, "scale_pos_weight") : undefined,
    tweedieVariancePower: name === "reg:tweedie" && tp?.tweedie_variance_power !== undefined ? num(tp.tweedie_variance_power, "tweedie_variance_power") : undefined,
    aftLossDistribution: ap?.aft_loss_distribution !== undefined ? String(ap.aft_loss_distribution) : undefined,
    aftLossDistributionScale: ap?.aft_loss_distribution_scale !== undefined ? num(ap.aft_loss_distribution_scale, "aft_loss_distribution_scale") : undefined,
    numPairsample: name.startsWith("rank:") && lp?.num_pairsample !== undefined ? num(lp.num_pairsample, "num_pairsample") : undefined,
    fixListWeight: name.startsWith("rank:") && lp?.fix_list_weight !== undefined ? num(lp.fix_list_weight, "fix_list_weight") : undefined,
  };
  checkModelDataArrays(data); // the trees' indexes, groups and conditions, as Booster.fromModelData checks them
  return data;
}
