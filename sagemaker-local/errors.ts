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
    s = typeof v === "string" ? v : JSON.stringify(v) ?? "undefined";
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
  name(v: unknown, path: string, re = NAME_RE, required = true): void {
    if (v === undefined || v === null) {
      if (required) this.required(v, path);
      return;
    }
    if (typeof v !== "string" || !re.test(v))
      this.problems.push(`Value '${show(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${re.source.replace(/\$$/, "")}`);
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
