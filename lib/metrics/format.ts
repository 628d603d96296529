/**
 * formatMetric: a metric as a plain decimal string (never exponent notation,
 * so log regexes like `rmse:([0-9.]+)` always match), with about `significant`
 * significant digits and trailing zeros removed: 54.83121 → "54.831",
 * 0.000012345 → "0.000012345", 123456.7 → "123457".
 */
export function formatMetric(v: number, significant = 5): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v === 0) return "0";
  if (Math.abs(v) >= 1e21) return BigInt(Math.round(v)).toString(); // toFixed switches to exponents here
  const magnitude = Math.floor(Math.log10(Math.abs(v)));
  const decimals = Math.min(20, Math.max(0, significant - 1 - magnitude));
  let s = v.toFixed(decimals);
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}
