/**
 * How an error message shows the bad value it names: JSON for text, lists and objects ("two", [1,2]), and
 * numbers as themselves — JSON.stringify writes NaN, Infinity and -Infinity as `null`, which names the wrong value.
 */
export function shownValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return `${v}n`; // a BigInt, not the number it prints as
  if (typeof v === "function" || typeof v === "symbol") return String(v);
  return JSON.stringify(v);
}

/** A list of names as an error message shows it: the first 12, then how many in all ("a, b, …, l, … (40)"). */
export function shownNames(names: readonly string[]): string {
  return (names.length > 12 ? [...names.slice(0, 12), `… (${names.length})`] : names).join(", ");
}
