/**
 * Ensemble: named members + a blend (blends.ts).
 *
 * fit(table, { label }) trains every member on all rows. Blends with
 * parameters (weighted, stacking) first need out-of-fold predictions: an
 * inner k-fold (innerK, default 5, same seed) fits fresh clones of every
 * member on k−1 parts and predicts the held-out part, so each row gets a
 * prediction from models that never saw it; the blend is fitted on those,
 * then the members are refitted on all rows.
 *
 * Tables with text: fit types the columns (data/matrix.ts) and keeps each feature's type and categories
 * (`columns`) and, for a text label, the class list (`classes`), so predict reads new rows with their
 * original text values — unseen categories become missing and are counted (`Prediction.drift`) — and
 * predictClasses answers with the original labels and their probabilities.
 */
import { checkOptionKeys, checkSeed } from "../options";
import type { Table } from "../data/table";
import { ColumnSchema, Drift, encodeLabels, encodeRows, evalMatrixFor, isLabelledMatrix, LabelledMatrix, Matrix, recodeMatrix, RowsInput, sameColumns, trainingMatrix } from "../data/matrix";
import { holdCoreMatrix, splitRowViews } from "../data/core-matrix";
import { kFold, stratifiedKFold } from "../data/folds";
import type { Member } from "../members/member";
import { applyBlend, Blend, BlendState, checkBlend, checkGivenBlend, fitBlend, needsFitting, predictsClasses } from "./blends";
import { BLEND_REFUSED, canonicalObjective, catboostLoss, isClassification, isMulticlass, objectiveTask, shownValue } from "../core";
import { checkNthread, checkWorkers, fitMembers } from "./parallel";
import { positiveClass } from "../metrics/classification";

export interface ProgressEvent {
  /** member fits finished so far / planned in total */
  done: number;
  total: number;
  message: string;
  fold?: number;
  member?: string;
}

export type ProgressCallback = (e: ProgressEvent) => void;

export interface EnsembleOptions {
  members: Member[];
  blend?: Blend | string;
  /** XGBoost objective name; default: the first member's `objective`, else reg:squarederror. */
  objective?: string;
  /**
   * A fitted blend (as loadEnsemble makes one from a manifest): weights ≥ 0 summing to 1, one per member, for the
   * weighted blend; stacker for stacking. Such an ensemble predicts with them, and fit() refuses to replace them.
   */
  weights?: number[];
  stacker?: { intercept: number; coef: number[] };
  /** Ridge penalty of the stacking meta-learner (default 1). */
  stackerAlpha?: number;
  /** Folds of the inner cross-validation that fits weighted/stacking blends (default 5). */
  innerK?: number;
  seed?: number;
}

const ENSEMBLE_OPTIONS = Object.keys({ members: 1, blend: 1, objective: 1, weights: 1, stacker: 1, stackerAlpha: 1, innerK: 1, seed: 1 } satisfies Record<keyof EnsembleOptions, 1>);

export interface FitTableOptions {
  label: string;
  features?: string[];
  /** Feature columns to treat as categorical although they hold numbers (integer-coded categories). */
  categorical?: string[];
  onProgress?: ProgressCallback;
  /** A validation table (same columns), or toMatrix's labelled matrix of it (read by its categories' and classes'
   * text, as a table is): tree members evaluate it after every round of the final fit. */
  evalSet?: Table | LabelledMatrix;
  /** Per-round metrics of each tree member on evalSet (or on the training rows without evalSet). */
  onRound?: RoundCallback;
  /** Core threads per member fit (XGBoost's `nthread`, unless a member's params set it); default the core's. */
  nthread?: number;
  /** Members fitted at once, in worker threads (this thread fits too); default 1: one after another. Same model either way. */
  workers?: number;
}

const FIT_OPTIONS = Object.keys({ label: 1, features: 1, categorical: 1, onProgress: 1, evalSet: 1, onRound: 1, nthread: 1, workers: 1 } satisfies Record<keyof FitTableOptions, 1>);

export type RoundCallback = (member: string, round: number, metrics: Record<string, number>) => void;

export interface FitMatrixOptions {
  onProgress?: ProgressCallback;
  evalSet?: Matrix;
  onRound?: RoundCallback;
  nthread?: number;
  workers?: number;
}

export interface Prediction {
  prediction: Float64Array;
  members: Record<string, Float64Array>;
  /** Per feature column: missing cells and categories not seen in training (inputs given as tables or rows, not as a Matrix). */
  drift?: Drift;
}

/** One row's class: the label (the training text, or the class index for numeric labels) and each class's probability. */
export interface ClassPrediction {
  label: string | number;
  /** Absent for a vote blend, which predicts classes and no probabilities (its 0/1 were shown as certainty), as
   * scikit-learn's hard VotingClassifier has predict and no predict_proba. */
  probabilities?: Record<string, number>;
}

/**
 * The names an Ensemble gives members named `names`: a repeated name gets a numeric suffix — xgboost, xgboost_2, … —
 * the next one no member has: xgboost, xgboost, xgboost_2 named two members xgboost_2 (predict's members by name held
 * one of them, saveEnsemble wrote both to xgboost_2.json); now xgboost, xgboost_3, xgboost_2.
 */
export function uniqueMemberNames(names: readonly string[]): string[] {
  const taken = new Set(names);
  const next = new Map<string, number>();
  return names.map((name, i) => {
    if (names.indexOf(name) === i) return name;
    let n = next.get(name) ?? 2;
    while (taken.has(`${name}_${n}`)) n++;
    next.set(name, n + 1);
    taken.add(`${name}_${n}`);
    return `${name}_${n}`;
  });
}

export class Ensemble {
  members: Member[];
  blend: Blend;
  objective: string;
  blendState: BlendState;
  stackerAlpha: number;
  innerK: number;
  seed: number;
  featureNames?: string[];
  label?: string;
  numClass?: number;
  /** Each feature's type and categories (code → text, training order), set by fit. */
  columns?: ColumnSchema[];
  /** The class labels when the training labels were text (class index → label). */
  classes?: string[];
  /**
   * The missing-value tokens the training table was read with, when not pandas' defaults (loadTable's
   * `na_values`; the training job sets it from its hyperparameter): saved with the ensemble, and read as missing
   * in text cells of prediction rows, as in training.
   */
  naValues?: string[];
  /** weights or a stacker came with the constructor (a loaded model's): fitting would replace them */
  private blendGiven = false;
  /** the members given num_class by a fit (prepareLabels), not by the caller: the next fit counts the classes again */
  private numClassSetOn: Member[] = [];

  /** @internal saveEnsemble / loadEnsemble: which members' num_class a fit took from its labels (names), so that a
   * loaded ensemble's refit counts its classes again as the one it was saved from does */
  numClassFromLabels(set?: string[]): string[] {
    if (set) this.numClassSetOn = this.members.filter((m) => set.includes(m.name) && m.params.num_class !== undefined);
    return this.numClassSetOn.map((m) => m.name);
  }

  constructor(opts: EnsembleOptions) {
    if (!opts || !Array.isArray(opts.members) || opts.members.length === 0) throw new Error("an Ensemble needs at least one member");
    checkOptionKeys(opts, ENSEMBLE_OPTIONS, "Ensemble");
    // a kind's name or a plain object failed as "Cannot create property 'name' on string 'ridge'" / "reading 'objective'"
    const notMember = opts.members.findIndex((m) => !m || typeof m !== "object" || typeof m.fit !== "function" || typeof m.predict !== "function" || typeof m.clone !== "function" || !m.params);
    if (notMember >= 0)
      throw new Error(`Ensemble: members[${notMember}] is not a member (${shownValue(opts.members[notMember])}); make members with xgboost(), catboost(), randomForest(), ridge() or memberFromSpec(kind, params)`);
    // a member is fitted and renamed in place: one object given twice was renamed xgboost_2 twice, and predict's table
    // of members by name held it once — the ensemble predicted the mean of 2 where crossValidate scored that of 3
    const again = opts.members.findIndex((m, i) => opts.members.indexOf(m) !== i);
    if (again >= 0)
      throw new Error(`Ensemble: members[${again}] is the member given as members[${opts.members.indexOf(opts.members[again])}] — each place needs a member of its own (a new one, or that member's clone())`);
    this.members = opts.members;
    // the members are renamed and given the objective at the end, once every check has passed: an Ensemble refused
    // left the caller's members renamed (xgboost_2), and the same members made a second one of other names
    const names = uniqueMemberNames(this.members.map((m) => m.name));
    if (names.includes("ensemble")) throw new Error('"ensemble" is reserved and cannot be a member name');
    // crossValidate's rows and oof of extra blends are "ensemble:<blend>": a member so named shared them (its summary row
    // averaged its folds with the blend's); a member is saved as <name>.json beside manifest.json — "manifest"
    // overwrote it, a "/" failed the save after the fit with ENOENT
    for (const name of names) {
      if (typeof name !== "string") throw new Error(`member name ${shownValue(name)}: a member's name is text`);
      if (name.startsWith("ensemble:")) throw new Error(`member name "${name}": names starting with "ensemble:" are crossValidate's extra blends'`);
      if (name === "" || name === "manifest" || /[/\\\0]/.test(name))
        throw new Error(`member name ${JSON.stringify(name)}: a member is saved as <name>.json beside manifest.json, so its name must be a file name (no / or \\) other than "manifest"`);
    }
    // names through canonicalObjective: reg:linear next to reg:squarederror is one objective, not a disagreement
    const declared = (m: Member): string | undefined => {
      const o = m.params.objective ?? (m.params.loss_function ? catboostLoss(String(m.params.loss_function)).objective : undefined);
      return o === undefined ? undefined : canonicalObjective(String(o));
    };
    this.objective = canonicalObjective(opts.objective ?? this.members.map(declared).find((o) => o !== undefined) ?? "reg:squarederror");
    const conflicting = this.members.flatMap((m, i) => (declared(m) !== undefined && declared(m) !== this.objective ? [`${names[i]} ${declared(m)}`] : []));
    if (conflicting.length) {
      throw new Error(`members disagree on the objective: ensemble ${this.objective}, ${conflicting.join(", ")}`);
    }
    // a class index per row (multi:softmax, binary:hinge) or a log-odds (binary:logitraw): blends averaged indexes
    // (classes 0 and 2 → 1), the out-of-fold table and logloss read them as probabilities (a logloss of −0.18),
    // predictClasses failed; softprob / logistic fit the same trees. Before the members' own checks: this is the
    // reason whatever the members are (a ridge member named its own)
    if (BLEND_REFUSED[this.objective]) throw new Error(BLEND_REFUSED[this.objective]);
    // known now, not at the first fit (a training job failed after its read, naming whichever fold's fit came first)
    for (const m of this.members) m.checkObjective?.(this.objective);
    this.blend = checkBlend(opts.blend ?? "mean", this.objective);
    this.blendState = { weights: opts.weights, stacker: opts.stacker };
    checkGivenBlend(this.blend, this.blendState, this.members.length);
    this.blendGiven = opts.weights !== undefined || opts.stacker !== undefined;
    this.stackerAlpha = opts.stackerAlpha ?? 1;
    if (!(typeof this.stackerAlpha === "number" && Number.isFinite(this.stackerAlpha) && this.stackerAlpha >= 0))
      throw new Error(`Ensemble: stackerAlpha (the stacker's ridge penalty) must be a finite number ≥ 0, got ${shownValue(opts.stackerAlpha)}`);
    this.innerK = opts.innerK ?? 5;
    // the inner folds' k, named here as it is given (it failed at the first fit as "k must be an integer ≥ 2 (got k=1)")
    if (!(Number.isInteger(this.innerK) && this.innerK >= 2)) throw new Error(`Ensemble: innerK (the inner folds that fit a weighted or stacking blend) must be an integer ≥ 2, got ${shownValue(opts.innerK)}`);
    this.seed = checkSeed(opts.seed, "Ensemble");
    // one class count: members fitted with num_class 3 and 4 gave 3 and 4 probabilities per row, and the blend read
    // the longer one as rows of 3 (row 2's mean took row 1's fourth class)
    const withClasses = this.members.flatMap((m, i) => (m.params.num_class !== undefined ? [{ m, name: names[i] }] : []));
    if (withClasses.some(({ m }) => Number(m.params.num_class) !== Number(withClasses[0].m.params.num_class)))
      throw new Error(`members disagree on num_class: ${withClasses.map(({ m, name }) => `${name} ${shownValue(m.params.num_class)}`).join(", ")}`);
    if (withClasses.length) this.numClass = Number(withClasses[0].m.params.num_class);
    names.forEach((name, i) => (this.members[i].name = name));
    for (const m of this.members) if (m.params.objective === undefined && m.params.loss_function === undefined) m.params.objective = this.objective;
  }

  get weights(): number[] | undefined {
    return this.blendState.weights;
  }

  get stacker(): { intercept: number; coef: number[] } | undefined {
    return this.blendState.stacker;
  }

  /** For multi:* make sure every member knows num_class (from the classes or labels if not given). */
  prepareLabels(y: Float32Array, classes?: string[]): void {
    if (classes && objectiveTask(this.objective) === "regression") {
      throw new Error(`the labels are text (${classes.slice(0, 5).join(", ")}${classes.length > 5 ? ", …" : ""}) but the objective ${this.objective} needs numbers; for class labels use binary:logistic or multi:softprob`);
    }
    if (!isMulticlass(this.objective)) return;
    // a class count an earlier fit took from its labels is that fit's: refitted on labels of 2 classes, an ensemble
    // first fitted on 3 kept num_class 3 (3 probabilities a row, a class with no rows; text labels a, b were refused as
    // "num_class is 3"), where scikit-learn's fit takes the classes of the labels it is given (classes_)
    if (this.numClassSetOn.length) {
      for (const m of this.numClassSetOn) delete m.params.num_class;
      this.numClassSetOn = [];
      if (!this.members.some((m) => m.params.num_class !== undefined)) this.numClass = undefined;
    }
    if (classes && this.numClass !== undefined && this.numClass !== classes.length) {
      throw new Error(`num_class is ${this.numClass} but the label has ${classes.length} classes (${classes.join(", ")})`);
    }
    if (classes) this.numClass = classes.length;
    if (this.numClass === undefined) {
      let max = 0;
      for (const v of y) max = Math.max(max, v);
      checkClassesFromZero(y, max, this.objective);
      this.numClass = max + 1;
    }
    // one class was the first fit's "parameter num_class must be set (>= 2)", a setting nobody gave
    if (this.numClass < 2)
      throw new Error(`the label has one class (${classes ? classes[0] : y[0]}) and ${this.objective} needs at least 2 (scikit-learn's classifiers refuse one class too)`);
    for (const m of this.members)
      if (m.params.num_class === undefined) {
        m.params.num_class = this.numClass;
        this.numClassSetOn.push(m);
      }
  }

  /**
   * Folds for a labelled matrix: stratified for classification, shuffled k-fold otherwise — and for binary:logistic's
   * soft labels (probabilities in [0, 1], which XGBoost fits), which are no classes to stratify (stratifiedKFold refuses them).
   */
  foldsFor(y: Float32Array, k: number, seed: number) {
    return isClassification(this.objective) && y.every(Number.isInteger) ? stratifiedKFold(y, k, { seed }) : kFold(y.length, k, { seed });
  }

  fit(table: Table, opts: FitTableOptions): this {
    const workers = opts?.workers === undefined ? 1 : checkWorkers(opts.workers, "fit's workers");
    checkNthread(opts?.nthread, "fit's nthread");
    const { m, evalSet } = this.fitInputs(table, opts, workers > 1, "fit");
    return this.fitMatrix(m, { onProgress: opts.onProgress, evalSet, onRound: opts.onRound, nthread: opts.nthread, workers });
  }

  /** fit's and fitParallel's table (or toMatrix's matrix of it) → training matrix and evaluation matrix; the label column */
  private fitInputs(input: Table | LabelledMatrix, opts: FitTableOptions, shared: boolean, what: "fit" | "fitParallel"): { m: Matrix; evalSet?: Matrix } {
    this.refuseRefit();
    if (!opts || typeof opts.label !== "string") throw new Error("fit needs { label: <label column name> }");
    checkOptionKeys(opts, what === "fitParallel" ? [...FIT_OPTIONS, "onMemberDone"] : FIT_OPTIONS, what);
    const m = trainingMatrix(input, { label: opts.label, features: opts.features, categorical: opts.categorical, objective: this.objective, shared }, what);
    if (opts.evalSet && (opts.evalSet as Matrix).X instanceof Float32Array && !isLabelledMatrix(opts.evalSet))
      throw new Error(`${what}: the evalSet matrix has no labels: make it with toMatrix(table, { label: ${JSON.stringify(opts.label)} })`);
    const evalSet = !opts.evalSet ? undefined
      : isLabelledMatrix(opts.evalSet) ? evalMatrixFor(opts.evalSet, m, new Set(this.naValues ?? []))
      : { ...encodeRows(opts.evalSet, m.columns!).matrix, y: encodeLabels(opts.evalSet, opts.label, m.classes) };
    this.label = opts.label;
    return { m, evalSet };
  }

  /**
   * fit, with the members trained at the same time, each in a thread of its own — this one and worker threads
   * (./parallel's fitMembers): on several cores the final fit takes about as long as its slowest member, and
   * `onRound` receives every member's rounds as they finish, interleaved — what a training job's live per-round log
   * lines need. The model is the one fit() gives. `workers` (default: every member at once) caps how many members
   * train at the same time; the matrix is shared with the workers, not copied per worker. The promise settles once
   * the fit is done (this thread fits a member too, so it is busy until then).
   */
  async fitParallel(input: Table | LabelledMatrix, opts: FitTableOptions & { onMemberDone?: (member: string) => void; workers?: number }): Promise<this> {
    checkNthread(opts?.nthread, "fitParallel's nthread");
    const { m, evalSet } = this.fitInputs(input, opts, true, "fitParallel");
    const tick = this.prepareFit(m, opts.onProgress);
    fitMembers(this.members, m, {
      evalSet,
      onRound: opts.onRound,
      workers: opts.workers === undefined ? this.members.length : checkWorkers(opts.workers, "fitParallel's workers"),
      nthread: opts.nthread,
      onMemberDone: (name) => {
        tick(`fit ${name} on ${m.nrow} rows`, name);
        opts.onMemberDone?.(name);
      },
    });
    this.fitted(m);
    return this;
  }

  /** what a fitted ensemble remembers of its training matrix */
  private fitted(m: Matrix): void {
    this.featureNames = [...m.featureNames];
    this.columns = m.columns;
    this.classes = m.classes;
  }

  /** labels, and for weighted / stacking blends the inner out-of-fold fit of the blend; the progress ticker */
  private prepareFit(m: Matrix, onProgress?: ProgressCallback): (message: string, member?: string, fold?: number) => void {
    if (!m.y) throw new Error("fit needs a label");
    this.prepareLabels(m.y, m.classes);
    const inner = needsFitting(this.blend);
    const total = this.members.length * (inner ? this.innerK + 1 : 1);
    let done = 0;
    const tick = (message: string, member?: string, fold?: number) => onProgress?.({ done: ++done, total, message, member, fold });
    if (inner) {
      if (this.innerK > m.nrow) throw new Error(`the ${this.blend} blend is fitted on inner folds of the training rows (innerK ${this.innerK}), and there are ${m.nrow}: give the Ensemble innerK ≤ ${m.nrow}`);
      const oof = innerOutOfFold(this.members, m, this.foldsFor(m.y, this.innerK, this.seed), (member, fold) =>
        tick(`inner fold ${fold + 1}/${this.innerK} ${member}`, member, fold),
      );
      this.fitBlendOn(oof, m.y);
    }
    return tick;
  }

  /** a weighted / stacking blend fitted on the members' inner out-of-fold predictions over rows labelled y */
  private fitBlendOn(innerOof: Float64Array[], y: Float32Array): void {
    this.blendState = fitBlend(this.blend, innerOof, y, { numClass: this.numClass, stackerAlpha: this.stackerAlpha, members: this.members.map((m) => m.name) });
  }

  /**
   * For a fit made elsewhere — crossValidate's `refit`, which fits the members on every row of m (loaded into them)
   * in the same run as the folds — what fit() leaves besides the members' models: the blend fitted on `innerOof`,
   * the members' out-of-fold predictions over the inner folds of m's rows (foldsFor(m.y, innerK, seed), as fit()
   * makes them: weighted / stacking blends), and what the ensemble remembers of m.
   */
  fittedElsewhere(m: Matrix, innerOof?: Float64Array[]): void {
    this.refuseRefit();
    if (needsFitting(this.blend)) {
      if (!innerOof || !m.y) throw new Error(`fittedElsewhere: the ${this.blend} blend needs the members' inner out-of-fold predictions and the labels`);
      this.fitBlendOn(innerOof, m.y);
    }
    this.fitted(m);
  }

  /** given weights or a stacker (the constructor's) are not silently replaced by a fitted blend — asked before any fit
   * (crossValidate's refit asks too: it fits the members in place) */
  refuseRefit(): void {
    if (this.blendGiven)
      throw new Error(`this ensemble was made with a fitted ${this.blend} blend (${this.blend === "weighted" ? "weights" : "stacker"}, as loadEnsemble makes one), which fitting would replace: make a new Ensemble without ${this.blend === "weighted" ? "weights" : "stacker"} to fit one`);
  }

  fitMatrix(m: Matrix, opts: FitMatrixOptions | ProgressCallback = {}): this {
    this.refuseRefit();
    const { onProgress, evalSet: given, onRound, nthread, workers = 1 } = typeof opts === "function" ? { onProgress: opts, evalSet: undefined, onRound: undefined, nthread: undefined, workers: 1 } : opts;
    if (!m.y) throw new Error("fit needs a label");
    // toMatrix(valid)'s codes and classes are its own: read by their text against m's, as predict reads such a matrix
    const evalSet = given && evalMatrixFor(given, m, new Set(this.naValues ?? []));
    checkWorkers(workers, "fit's workers");
    checkNthread(nthread, "fit's nthread");
    // one core DMatrix of m for the inner folds' fits (row views) and every member's fit here: binned once
    const release = this.members.some((mem) => mem.kind !== "ridge") ? holdCoreMatrix(m) : () => {};
    try {
      const tick = this.prepareFit(m, onProgress);
      if (workers > 1 && this.members.length > 1) {
        fitMembers(this.members, m, { evalSet, onRound, nthread, workers, onMemberDone: (name) => tick(`fit ${name} on ${m.nrow} rows`, name) });
        this.fitted(m);
        return this;
      }
      for (const member of this.members) {
        member.fit(m, { evalSet, onRound: onRound ? (round, metrics) => onRound(member.name, round, metrics) : undefined, nthread });
        tick(`fit ${member.name} on ${m.nrow} rows`, member.name);
      }
    } finally {
      release();
    }
    this.fitted(m);
    return this;
  }

  /** The fitted columns (all numeric for an ensemble fitted on a Matrix without them). */
  private fittedColumns(): ColumnSchema[] {
    const names = this.featureNames;
    if (!names) throw new Error("the ensemble is not fitted (no feature names); call fit or loadEnsemble first");
    return this.columns ?? names.map((name) => ({ name, type: "numeric" as const }));
  }

  /**
   * Prediction input as a Matrix: a table or rows (arrays in feature order, or objects by column name) are read
   * with the fitted columns (text categories → codes, unseen → missing, counted in drift); a Matrix is checked
   * against the trained feature names and used as it is (codes already) when its columns are the fitted ones or it
   * has none — toMatrix of other rows (its own codes) is read by its categories' text, as a table is.
   */
  encodeInput(input: RowsInput | Matrix): { matrix: Matrix; drift?: Drift } {
    const names = this.fittedColumns().map((c) => c.name);
    // null / undefined are not rows: encodeRows names what is expected (reading .X of null was a TypeError)
    if ((input as Matrix | null | undefined)?.X instanceof Float32Array) {
      const m = input as Matrix;
      if (m.ncol !== names.length || (m.featureNames && m.featureNames.some((n, i) => n !== names[i]))) {
        throw new Error(`the ensemble was trained on features [${names.join(", ")}] but got [${(m.featureNames ?? []).join(", ")}] (${m.ncol} columns)`);
      }
      // the same matrix when it is the training matrix (a training job's scores), so its held core DMatrix is used
      if (m.columns === this.columns) return { matrix: m };
      // toMatrix of new rows has its own codes (categories in their order of first appearance there) and maybe other
      // types: read by the categories' text, as a table is (its codes taken as the fitted ones were other categories)
      if (m.columns && !sameColumns(m.columns, this.fittedColumns())) return recodeMatrix(m as Matrix & { columns: ColumnSchema[] }, this.fittedColumns(), new Set(this.naValues ?? []));
      return { matrix: { ...m, featureNames: names, columns: this.columns } };
    }
    return encodeRows(input as RowsInput, this.fittedColumns(), new Set(this.naValues ?? []));
  }

  /** Matrix for prediction input (see encodeInput). */
  matrixFor(input: RowsInput | Matrix): Matrix {
    return this.encodeInput(input).matrix;
  }

  /** Every member's prediction and the blended prediction (multiclass: n × K probabilities, row-major). */
  predict(input: RowsInput | Matrix): Prediction {
    const { matrix: m, drift } = this.encodeInput(input);
    // blended in the members' order, which the weights and the stacker's coefficients follow — not an object's values:
    // integer-like names come first there (members "b" and "1": the stacker's coefficients applied to the other member)
    const preds = this.members.map((member) => member.predict(m));
    const members: Record<string, Float64Array> = Object.fromEntries(this.members.map((member, j) => [member.name, preds[j]]));
    const prediction = applyBlend(this.blend, preds, this.blendState, { objective: this.objective, numClass: this.numClass, members: this.members.map((member) => member.name) });
    return { prediction, members, ...(drift ? { drift } : {}) };
  }

  /** The class names in probability order: the training labels' text, else "0", "1", …. */
  classNames(): string[] {
    if (this.classes) return this.classes;
    const k = isMulticlass(this.objective) ? this.numClass ?? 0 : 2;
    return Array.from({ length: k }, (_, i) => String(i));
  }

  /** Each row's predicted class (the original label) and every class's probability (binary:* and multi:* only; a vote blend: the label). */
  predictClasses(input: RowsInput | Matrix): ClassPrediction[] {
    if (!isClassification(this.objective)) throw new Error(`predictClasses needs a classification objective (binary:* or multi:*), not ${this.objective}`);
    return this.classesOf(this.predict(input).prediction);
  }

  /**
   * predict's blended probabilities (binary: P(class 1) per row; multi: n × K) → each row's class and probabilities.
   * A vote blend's prediction is classes (0/1, one-hot): each row's label alone.
   */
  classesOf(p: Float64Array): ClassPrediction[] {
    if (!isClassification(this.objective)) throw new Error(`classesOf needs a classification objective (binary:* or multi:*), not ${this.objective}`);
    const names = this.classNames();
    const k = isMulticlass(this.objective) ? names.length : 1;
    const n = p.length / k;
    const labelOf = (c: number): string | number => (this.classes ? this.classes[c] : c);
    const withProbabilities = !predictsClasses(this.blend);
    const out: ClassPrediction[] = new Array(n);
    for (let i = 0; i < n; i++) {
      if (k === 1) {
        const label = labelOf(positiveClass(p[i]) ? 1 : 0);
        out[i] = withProbabilities ? { label, probabilities: { [names[0]]: 1 - p[i], [names[1]]: p[i] } } : { label };
        continue;
      }
      let best = 0;
      const probabilities: Record<string, number> = {};
      for (let c = 0; c < k; c++) {
        probabilities[names[c]] = p[i * k + c];
        if (p[i * k + c] > p[i * k + best]) best = c;
      }
      out[i] = withProbabilities ? { label: labelOf(best), probabilities } : { label: labelOf(best) };
    }
    return out;
  }

  /** Feature importance per member ({ member: { feature: score } }), for featureImportanceFigure. */
  importance(): Record<string, Record<string, number>> {
    return Object.fromEntries(this.members.map((m) => [m.name, m.importance()]));
  }

  free(): void {
    for (const m of this.members) m.free();
  }
}

/**
 * Numeric multiclass labels counted as classes 0..max (no num_class given, no text classes): every one of them must
 * have a row. Labels 1, 2, 3 (UCI wine's) made num_class 4, a class "0" that never occurs got a share of every row's
 * probability (0.21 after 5 rounds) and could be predicted; XGBClassifier refuses such labels ("Invalid classes
 * inferred from unique values of `y`"), scikit-learn's classifiers take the classes present. Labels that are not
 * whole numbers ≥ 0 are left to the members' fits, which name the row.
 */
function checkClassesFromZero(y: Float32Array, max: number, objective: string): void {
  const present = new Set<number>();
  for (const v of y) {
    if (!(Number.isInteger(v) && v >= 0)) return;
    present.add(v);
  }
  if (present.size === max + 1) return;
  const missing: number[] = [];
  for (let c = 0; c <= max && missing.length < 10; c++) if (!present.has(c)) missing.push(c);
  const absent = max + 1 - present.size;
  const shown = [...present].sort((a, b) => a - b);
  throw new Error(
    `${objective} numbers the classes 0..K−1, and the labels are ${shown.slice(0, 10).join(", ")}${shown.length > 10 ? ", …" : ""}: ` +
      `${absent === 1 ? "class" : `${absent} classes`} ${missing.join(", ")}${absent > missing.length ? ", …" : ""} ${absent === 1 ? "has" : "have"} no rows, so the model would give ${absent === 1 ? "it" : "them"} probability and could predict ${absent === 1 ? "it" : "them"} (XGBClassifier refuses such labels too) — ` +
      "renumber the classes 0..K−1, give the labels as text (\"1\", \"2\", …: the classes are then the labels present), or give the members num_class to declare classes these rows lack",
  );
}

/**
 * Out-of-fold predictions of fresh clones of `members` over `folds` of m:
 * returns one array per member (length n, or n × K for multiclass).
 */
export function innerOutOfFold(
  members: Member[],
  m: Matrix,
  folds: { train: Int32Array; test: Int32Array }[],
  onFit?: (member: string, fold: number) => void,
): Float64Array[] {
  const out: Float64Array[] = members.map(() => new Float64Array(0));
  folds.forEach((fold, f) => {
    const { train: tr, test: te } = splitRowViews(m, fold.train, fold.test);
    members.forEach((member, j) => {
      const c = member.clone();
      c.fit(tr);
      const p = c.predict(te);
      c.free();
      if (out[j].length === 0) out[j] = new Float64Array((p.length / te.nrow) * m.nrow);
      const width = p.length / te.nrow;
      fold.test.forEach((row, r) => {
        for (let c2 = 0; c2 < width; c2++) out[j][row * width + c2] = p[r * width + c2];
      });
      onFit?.(member.name, f);
    });
  });
  return out;
}
