/**
 * Batch transform's container contract: a transform job runs `serve` with SAGEMAKER_BATCH=true,
 * SAGEMAKER_MAX_PAYLOAD_IN_MB, SAGEMAKER_BATCH_STRATEGY (SINGLE_RECORD | MULTI_RECORD) and
 * SAGEMAKER_MAX_CONCURRENT_TRANSFORMS for the parameters the job's request gives, and asks GET /execution-parameters
 * for those it left out. The server answers the parameters it was started with, and its preferences for the rest:
 * MULTI_RECORD (one request parses and predicts a whole mini-batch: far fewer requests than SINGLE_RECORD), the
 * payload limit, and one transform in flight per model-server process (SAGEMAKER_MODEL_SERVER_WORKERS) — each
 * process predicts on one core, so more requests in flight only queue. A bad value is an error naming it.
 */
export interface ExecutionParameters {
  MaxConcurrentTransforms: number;
  BatchStrategy: "MULTI_RECORD" | "SINGLE_RECORD";
  MaxPayloadInMB: number;
}

/** the parameters GET /execution-parameters answers; undefined outside batch mode for a limit under 1 MB (none to offer) */
export function batchEnv(env: NodeJS.ProcessEnv, maxPayloadMb: number, payloadSetting = `SAGEMAKER_MAX_PAYLOAD_IN_MB=${maxPayloadMb}`): ExecutionParameters | undefined {
  const batch = env.SAGEMAKER_BATCH;
  if (batch !== undefined && batch !== "" && batch !== "true" && batch !== "false") throw new Error(`SAGEMAKER_BATCH=${batch} must be true or false`);
  const strategy = env.SAGEMAKER_BATCH_STRATEGY;
  if (strategy !== undefined && strategy !== "" && strategy !== "MULTI_RECORD" && strategy !== "SINGLE_RECORD")
    throw new Error(`SAGEMAKER_BATCH_STRATEGY=${strategy} must be MULTI_RECORD or SINGLE_RECORD`);
  const raw = env.SAGEMAKER_MAX_CONCURRENT_TRANSFORMS;
  const concurrent = raw === undefined || raw.trim() === "" ? undefined : decimalInteger(raw);
  if (concurrent !== undefined && !(concurrent >= 1)) throw new Error(`SAGEMAKER_MAX_CONCURRENT_TRANSFORMS=${raw} must be an integer ≥ 1`);
  const workers = workerCount(env);
  if (batch === "true" && !(maxPayloadMb >= 1))
    throw new Error(`${payloadSetting} is under 1: a batch transform's payload is whole megabytes (1 to 100)`);
  if (!(maxPayloadMb >= 1)) return undefined;
  const payload = Math.floor(maxPayloadMb);
  return { MaxConcurrentTransforms: concurrent ?? workers, BatchStrategy: strategy === "SINGLE_RECORD" ? "SINGLE_RECORD" : "MULTI_RECORD", MaxPayloadInMB: payload };
}

/** decimal digits (spaces around, an optional "+"), as the inference toolkits' int() reads an environment variable;
 * NaN otherwise — Number() took "0x2", "0b11", "1e1" and "2.0" */
export function decimalInteger(raw: string): number {
  return /^\s*\+?[0-9]+\s*$/.test(raw) ? Number(raw.trim()) : NaN;
}

/** Worker processes: SAGEMAKER_MODEL_SERVER_WORKERS (the SageMaker inference toolkits' variable), default 1. */
export function workerCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SAGEMAKER_MODEL_SERVER_WORKERS;
  if (raw === undefined || raw.trim() === "") return 1;
  const n = decimalInteger(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`SAGEMAKER_MODEL_SERVER_WORKERS=${raw} must be an integer from 1 to 64`);
  return n;
}
