/** AWS-shaped errors: `__type` + message (JSON 1.1) or x-amzn-ErrorType (REST JSON). */
export class ApiError extends Error {
  constructor(public type: string, message: string, public status = 400, public extra: Record<string, unknown> = {}) {
    super(message);
  }
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
  required(v: unknown, path: string): boolean {
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
      this.problems.push(`Value '${String(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${re.source.replace(/\$$/, "")}`);
  }
  role(v: unknown, path: string): void {
    if (!this.required(v, path)) return;
    if (typeof v !== "string" || !ROLE_RE.test(v))
      this.problems.push(`Value '${String(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ROLE_RE.source.replace(/\$$/, "")}`);
  }
  range(v: unknown, path: string, min: number, max: number, required = false): void {
    if (v === undefined || v === null) {
      if (required) this.required(v, path);
      return;
    }
    if (typeof v !== "number" || !Number.isInteger(v)) this.problems.push(`Value '${String(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must be an integer`);
    else if (v < min) this.problems.push(`Value '${v}' at '${this.at(path)}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
    else if (v > max) this.problems.push(`Value '${v}' at '${this.at(path)}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
  }
  oneOf(v: unknown, path: string, values: string[], required = false): void {
    if (v === undefined || v === null) {
      if (required) this.required(v, path);
      return;
    }
    if (!values.includes(v as string))
      this.problems.push(`Value '${String(v)}' at '${this.at(path)}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(", ")}]`);
  }
  custom(msg: string): void {
    this.problems.push(msg);
  }
  throwIfAny(): void {
    const p = this.problems;
    if (!p.length) return;
    const custom = p.filter((m) => !m.startsWith("Value "));
    if (custom.length) throw validation(custom[0]);
    throw validation(`${p.length} validation error${p.length > 1 ? "s" : ""} detected: ${p.join("; ")}`);
  }
}
