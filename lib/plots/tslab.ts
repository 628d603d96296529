/**
 * Are we running inside a tslab (Jupyter) kernel, and if so, its display API.
 *
 * Detection, without side effects and without loading tslab in ordinary
 * Node processes (tslab pulls in a TypeScript compiler):
 *  1. env ENSEMBLE_WORKBOOK_DISPLAY=file forces "not tslab", =tslab forces it.
 *  2. Otherwise look in require.cache for tslab's `dist/jupyter.js`: the
 *     kernel loads it at start-up, and sets its `lastWriteDisplayData` once it
 *     is serving a notebook. Only when that module is loaded *and* ready do
 *     we require the sibling `dist/public.js` (the same module instance the
 *     notebook's `import * as tslab from "tslab"` gets) and use its `display`.
 * A plain `node`/`tsx` process never has that module loaded, so it writes
 * files instead; a process that merely installed tslab is not mistaken for
 * a kernel.
 */
import * as path from "path";

export interface TslabDisplay {
  html(s: string): void;
  text(s: string): void;
}

export function tslabDisplay(): TslabDisplay | undefined {
  const mode = process.env.ENSEMBLE_WORKBOOK_DISPLAY;
  if (mode === "file" || mode === "text") return undefined;
  const suffix = path.join("tslab", "dist", "jupyter.js");
  for (const [id, mod] of Object.entries(require.cache)) {
    if (!id.endsWith(suffix) || !mod) continue;
    const ready = (mod.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData != null;
    if (!ready && mode !== "tslab") continue;
    try {
      const pub = require(path.join(path.dirname(id), "public.js"));
      if (pub?.display && typeof pub.display.html === "function") return pub.display as TslabDisplay;
    } catch {
      /* fall through: not usable */
    }
  }
  return undefined;
}

export function inTslab(): boolean {
  return tslabDisplay() !== undefined;
}
