/**
 * The SDK's shapes as they travel on this server's wire.
 *
 * Every request and answer of the local SageMaker is typed by `@aws-sdk/client-sagemaker` (and
 * `-runtime` for invocations): `CreateTrainingJobCommandInput`, `DescribeEndpointCommandOutput`, … Those
 * are the shapes a client works with after the SDK has (de)serialised them; on the wire of AWS JSON 1.1 two
 * things differ, and `Wire<T>` maps them: a timestamp (`Date`) is a number of epoch seconds, and an answer
 * carries no `$metadata` (the SDK adds it from the HTTP response).
 *
 * A request is still untrusted JSON whatever its type says: a handler receives `Unchecked<Wire<Input>>` —
 * the operation's field names, each of `unknown` value — validates it (./errors `Checker`), and only then
 * narrows it to `Wire<Input>`. So a misspelt field name is a compile error, and an unvalidated value cannot
 * be used by mistake.
 */

/** `T` as JSON on the awsJson1_1 wire: `Date` → epoch seconds, no `$metadata`, recursively. */
export type Wire<T> = T extends Date
  ? number
  : T extends Uint8Array
    ? T
    : T extends readonly (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T as K extends "$metadata" ? never : K]: Wire<T[K]> }
        : T;

/** A request as it arrives: the operation's own field names, values not yet validated. */
export type Unchecked<T> = { [K in keyof T]?: unknown };

/** an operation's request as a handler receives it: validate, then narrow (Checker.valid) */
export type Request<Input> = Unchecked<Wire<Input>>;
/** an operation's answer as the handler returns it */
export type Reply<Output> = Wire<Output>;

/** A parsed JSON object (a request body, a nested structure): not yet validated. */
export type JsonObject = Record<string, unknown>;

/** `T` with the fields `K` present (not undefined): what a stored record always has. */
export type Having<T, K extends keyof T> = T & { [P in K]-?: Exclude<T[P], undefined> };

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
