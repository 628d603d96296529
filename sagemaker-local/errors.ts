/**
 * AWS-shaped errors: `__type` + message (JSON 1.1) or x-amzn-ErrorType (REST JSON), and the validation of
 * requests. A request is untrusted JSON (./wire `Unchecked`): the Checker's type checks are type guards, its
 * problems are collected and thrown as one ValidationException, as AWS does, and only a request that passed
 * may be narrowed to the SDK's input shape.
 */
import { isJsonObject, JsonObject } from "./wire";

export class ApiError extends Error {
  constructor(public type: string, message: string, public status = 400, public extra: Record<string, unknown> = {}) {
    super(message);
  }
}
/** an Error's message, or what was thrown as text */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A request's value as a message shows it: a string as it is, anything else as JSON — shortened, and never
 * throwing (String() throws on {"toString": "x"}, a client's JSON can be that).
 */
export function show(v: unknown): string {
  let s: string;
  try {
    // a non-finite number as itself: JSON.stringify made MaxResults 1e400 (Infinity once parsed) "null"
    s = typeof v === "string" ? v : typeof v === "number" && !Number.isFinite(v) ? String(v) : JSON.stringify(v) ?? "undefined";
  } catch {
    s = Object.prototype.toString.call(v);
  }
  return s.length > 200 ? `${s.slice(0, 200)}… (${s.length} characters)` : s;
}

export const validation = (msg: string) => new ApiError("ValidationException", msg);
export const notFound = (msg = "Requested resource not found.") => new ApiError("ResourceNotFound", msg);
export const inUse = (msg: string) => new ApiError("ResourceInUse", msg);
export const limitExceeded = (msg: string) => new ApiError("ResourceLimitExceeded", msg);

export const NAME_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
export const TUNING_NAME_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/;
/** the service model's length limits of the names with these patterns: the patterns count the letters and digits
 * only (any run of '-' between them passes), so 'a' + 70 dashes + 'b' matched NAME_RE — a job name AWS refuses */
const NAME_MAX = new Map<RegExp, number>([
  [NAME_RE, 63],
  [TUNING_NAME_RE, 32],
]);
const ENV_KEY_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const ROLE_RE = /^arn:aws[a-z\-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;

/** Collects "Value … at '…' failed to satisfy constraint: …" problems and throws them as one ValidationException, as AWS does. */
export class Checker {
  problems: string[] = [];
  private at(path: string) {
    return path.replace(/(^|\.)([A-Z])/g, (_m, d, c) => d + c.toLowerCase());
  }
  required<T>(v: T, path: string): v is Exclude<T, undefined | null> {
    if (v === undefined || v === null) {
      this.problems.push(`Value null at '${this.at(path)}' failed to satisfy constraint: Member must not be null`);
      return false;
    }
    return true;
  }
  name(v: unknown, path: string, re = NAME_RE, required = true, max = NAME_MAX.get(re)): void {
    if (v === undefined || v === null) {
      if (required) this.required(v, path);
      return;
    }
    if (typeof v !== "string" || !re.test(v))
      this.problems.push(`Value '${show(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${re.source.replace(/\$$/, "")}`);
    else if (max !== undefined) this.maxLength(v, path, max);
  }
  role(v: unknown, path: string): void {
    if (!this.required(v, path)) return;
    if (typeof v === "string" && v.length > 2048) return this.maxLength(v, path, 2048);
    if (typeof v !== "string" || !ROLE_RE.test(v))
      this.problems.push(`Value '${show(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ROLE_RE.source.replace(/\$$/, "")}`);
  }
  range(v: unknown, path: string, min: number, max: number, required = false): void {
    if (v === undefined || v === null) {
      if (required) this.required(v, path);
      return;
    }
    if (typeof v !== "number" || !Number.isInteger(v)) this.problems.push(`Value '${show(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must be an integer`);
    else if (v < min) this.problems.push(`Value '${v}' at '${this.at(path)}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
    else if (v > max) this.problems.push(`Value '${v}' at '${this.at(path)}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
  }
  oneOf(v: unknown, path: string, values: string[], required = false): void {
    if (v === undefined || v === null) {
      if (required) this.required(v, path);
      return;
    }
    if (!values.includes(v as string))
      this.problems.push(`Value '${show(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(", ")}]`);
  }
  /** one of SageMaker's values `all`, of which the local SageMaker implements `here` (a problem naming them otherwise) */
  implemented(v: unknown, path: string, all: string[], here: string[], required = false): void {
    this.oneOf(v, path, all, required);
    if (typeof v === "string" && all.includes(v) && !here.includes(v)) this.custom(`${path} ${v} is not supported by the local SageMaker: use ${here.join(" or ")}.`);
  }
  /** A JSON value of the wrong type (the SDK never sends one; a hand-written request may). */
  private wrongType(v: unknown, path: string, what: string): false {
    this.problems.push(`Value '${show(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must be ${what}`);
    return false;
  }
  /** a structure; false (and a problem if required) when absent */
  object(v: unknown, path: string, required = false): v is JsonObject {
    if (v === undefined || v === null) return required ? this.required(v, path) : false;
    return isJsonObject(v) || this.wrongType(v, path, "a structure");
  }
  /** a list; false (and a problem if required) when absent */
  list(v: unknown, path: string, required = false): v is unknown[] {
    if (v === undefined || v === null) return required ? this.required(v, path) : false;
    return Array.isArray(v) || this.wrongType(v, path, "a list");
  }
  /** a string; false (and a problem if required) when absent */
  string(v: unknown, path: string, required = false): v is string {
    if (v === undefined || v === null) return required ? this.required(v, path) : false;
    return typeof v === "string" || this.wrongType(v, path, "a string");
  }
  /** a string of at most `max` characters, when it is a string (the service model's length limits) */
  maxLength(v: unknown, path: string, max: number): void {
    if (typeof v === "string" && v.length > max)
      this.problems.push(`Value '${show(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  }
  /** a string of at least `min` characters, when it is a string */
  minLength(v: unknown, path: string, min: number): void {
    if (typeof v === "string" && v.length < min)
      this.problems.push(`Value '${show(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`);
  }
  /** a list of at least `min` members, when it is a list (the service model's min) */
  minItems(v: unknown, path: string, min: number): void {
    if (Array.isArray(v) && v.length < min)
      this.problems.push(`Value '${show(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`);
  }
  /** a map's number of entries and the lengths of its keys and values, when it is a map */
  mapLimits(v: unknown, path: string, limits: { entries: number; key: number; value: number }): void {
    if (!isJsonObject(v)) return;
    const entries = Object.entries(v);
    if (entries.length > limits.entries)
      this.problems.push(`Value at '${this.at(path)}' failed to satisfy constraint: Member must have length less than or equal to ${limits.entries}`);
    for (const [k, x] of entries) {
      this.maxLength(k, `${path}.key`, limits.key);
      this.maxLength(x, `${path}.${k.slice(0, 50)}`, limits.value);
    }
  }
  /** a number when present */
  number(v: unknown, path: string): void {
    if (v !== undefined && v !== null && (typeof v !== "number" || !Number.isFinite(v))) this.wrongType(v, path, "a number");
  }
  /** a boolean when present */
  boolean(v: unknown, path: string): void {
    if (v !== undefined && v !== null && typeof v !== "boolean") this.wrongType(v, path, "a boolean");
  }
  /** a map of strings when present (Environment, HyperParameters) */
  stringMap(v: unknown, path: string): v is Record<string, string> {
    if (v === undefined || v === null) return false;
    if (!isJsonObject(v) || Object.values(v).some((x) => typeof x !== "string")) return this.wrongType(v, path, "a map of strings");
    return true;
  }
  /** a container's Environment when present: a map of strings, keys as SageMaker's pattern has them
   * ([a-zA-Z_][a-zA-Z0-9_]*), values without a NUL byte (no process environment can hold one: the job failed as it
   * started its container, as an AlgorithmError), within `limits` */
  environment(v: unknown, path: string, limits: { entries: number; key: number; value: number }): void {
    if (!this.stringMap(v, path)) return;
    for (const [k, x] of Object.entries(v)) {
      if (!ENV_KEY_RE.test(k))
        this.problems.push(`Value '${show(k)}' at '${this.at(path)}' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: ${ENV_KEY_RE.source.slice(1, -1)}]`);
      if (x.includes("\0")) this.custom(`${path}: the value of ${show(k)} holds a NUL byte.`);
    }
    this.mapLimits(v, path, limits);
  }
  /**
   * The fields a structure may have, when it is one: any other is a problem — a field of SageMaker's that the local
   * SageMaker does not implement (spot training, VPC, Pipe mode, async endpoints…) or none of SageMaker's. An option
   * that would do nothing here is refused, never ignored; null stands for absent, as the SDKs send it.
   */
  supported(v: unknown, path: string, fields: readonly string[]): void {
    if (!isJsonObject(v)) return;
    const unknown = Object.keys(v).filter((k) => !fields.includes(k) && v[k] !== undefined && v[k] !== null);
    if (unknown.length)
      this.custom(`${unknown.map((k) => (path ? `${path}.${k}` : k)).join(", ")}: not supported by the local SageMaker (it would be ignored) — leave ${unknown.length > 1 ? "them" : "it"} out, or run on AWS. Supported here: ${fields.join(", ")}.`);
  }
  custom(msg: string): void {
    this.problems.push(msg);
  }
  /**
   * Throws the problems, if any; else returns the request narrowed to `T` — the shape the checks made above
   * guarantee (the one place a request's static type is asserted, after validation).
   */
  valid<T>(input: unknown): T {
    this.throwIfAny();
    return input as T;
  }
  throwIfAny(): void {
    const p = this.problems;
    if (!p.length) return;
    const custom = p.filter((m) => !m.startsWith("Value "));
    if (custom.length) throw validation(custom[0]);
    throw validation(`${p.length} validation error${p.length > 1 ? "s" : ""} detected: ${p.join("; ")}`);
  }
}

/**
 * One of the SageMaker API's enums (an instance type's hundreds of values) as the AWS SDK client has it, loaded when a
 * request first needs it: the client is ~0.3–0.6 s of module loading, which the server's start does not pay (the
 * same reason server.ts loads it only to name an unimplemented operation).
 */
export function sdkEnum(name: "ProductionVariantInstanceType" | "TransformInstanceType" | "TrainingInstanceType"): string[] {
  const e = (require("@aws-sdk/client-sagemaker") as Record<string, Record<string, string> | undefined>)[name];
  if (!e) throw new Error(`@aws-sdk/client-sagemaker has no enum ${name}`);
  return Object.values(e);
}
