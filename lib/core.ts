/**
 * The one place lib loads the core package `node-xgboost-wasm`.
 *
 * It is required lazily, so everything in lib that does not train trees
 * (data, metrics, ridge, blends, plots) works even before the core is built.
 * The interfaces below are the subset of the core API (see contracts.md) that
 * lib uses; they are declared here structurally so lib type-checks against
 * the contract rather than against whatever the core's build currently emits.
 */
export interface CoreDMatrix {
  readonly nrow: number;
  readonly ncol: number;
  free(): void;
}

export interface CoreBooster {
  predict(d: CoreDMatrix, opts?: { outputMargin?: boolean; iterationRange?: [number, number] }): Float32Array;
  saveModel(): string;
  getScore(opts: { importanceType: string }): Record<string, number>;
  bestIteration?: number;
  numBoostedRounds(): number;
  free(): void;
}

export interface IterationInfo {
  iteration: number;
  evals: Record<string, Record<string, number>>;
}

export interface CoreApi {
  DMatrix: new (
    X: Float32Array | number[][],
    opts?: { nrow?: number; ncol?: number; label?: ArrayLike<number>; weight?: ArrayLike<number>; missing?: number; featureNames?: string[] },
  ) => CoreDMatrix;
  train(
    params: Record<string, unknown>,
    dtrain: CoreDMatrix,
    opts?: {
      numBoostRound?: number;
      evals?: [CoreDMatrix, string][];
      earlyStoppingRounds?: number;
      verboseEval?: boolean | number;
      callbacks?: { afterIteration?(info: IterationInfo): boolean | void }[];
    },
  ): CoreBooster;
  Booster: { loadModel(json: string): CoreBooster };
  catboostParams?: (p: Record<string, unknown>) => { params: Record<string, unknown>; numBoostRound: number };
}

let cached: CoreApi | undefined;

/** The core module; throws a clear error if it is not built/installed. */
export function core(): CoreApi {
  if (cached) return cached;
  let mod: any;
  try {
    mod = require("node-xgboost-wasm");
  } catch (e) {
    throw new Error(`node-xgboost-wasm could not be loaded (run \`npm run build\`): ${(e as Error).message}`);
  }
  if (typeof mod.DMatrix !== "function" || typeof mod.train !== "function") {
    throw new Error("node-xgboost-wasm is not built yet: DMatrix/train are missing (run `npm run build`)");
  }
  cached = mod as CoreApi;
  return cached;
}

/** Version of an installed package (by its package.json), or "unknown". */
export function packageVersion(name: string): string {
  try {
    return require(`${name}/package.json`).version ?? "unknown";
  } catch {
    return "unknown";
  }
}
