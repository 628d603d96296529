/**
 * Checks of the option objects lib's functions take, for JavaScript callers and misspellings that TypeScript does
 * not catch: an option a function does not read is an Error naming it (crossValidate({ weight: "age" }) ran
 * unweighted, trainTestSplit({ stratify }) unstratified), and a seed is a whole number (1.5 gave seed 1's folds,
 * NaN and "abc" seed 0's).
 */
import { shownValue } from "./core";

/** `opts` must be an object (or undefined) whose keys are all in `valid`. */
export function checkOptionKeys(opts: unknown, valid: readonly string[], what: string): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) throw new Error(`${what}: options must be an object, got ${shownValue(opts)}`);
  const unknown = Object.keys(opts).filter((k) => !valid.includes(k));
  if (unknown.length)
    throw new Error(`${what}: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; valid: ${valid.join(", ")}`);
}

/** A data seed (folds, splits, inner folds): an integer from 0 to 2³² − 1, the PRNG's state width; default 0. */
export function checkSeed(seed: unknown, what: string): number {
  if (seed === undefined) return 0;
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new Error(`${what}: seed must be an integer from 0 to 4294967295, got ${shownValue(seed)}`);
  return seed;
}
