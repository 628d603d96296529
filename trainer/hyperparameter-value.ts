/**
 * One hyperparameter's value as text: what trainer/hyperparameters.ts parses by type, and what trainer/main.ts
 * peeks at before lib loads (parallel_fits: the first fit worker starts early). No import of lib here, so that the
 * peek loads nothing else.
 */
/** Undo one level of JSON string encoding ("\"0.2\"" → "0.2"); other values become strings. */
export function decodeValue(v: unknown): string {
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.map(String).join(",");
  if (typeof v !== "string") throw new Error(`expected a string, got ${v === null ? "null" : typeof v}`);
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      const inner = JSON.parse(t);
      if (typeof inner === "string") return inner.trim();
    } catch {
      /* not JSON: keep as is */
    }
  }
  return t;
}
