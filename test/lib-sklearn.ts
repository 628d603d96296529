/**
 * Test helper (not a test file): run scikit-learn from Debian's python3 on
 * the same arrays, for independent reference values. `sklearn()` returns
 * undefined (and the caller skips with a message) when python3/sklearn is
 * missing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";

const PYTHON = "/usr/bin/python3";
let available: boolean | undefined;

export function hasSklearn(): boolean {
  if (available === undefined) {
    available = fs.existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import sklearn, numpy"], { encoding: "utf8" }).status === 0;
    if (!available) console.log("  (skipping scikit-learn comparisons: /usr/bin/python3 with sklearn not found)");
  }
  return available;
}

/** Run python `code` with `data` (JSON) bound to the variable `data`; the code prints JSON. */
export function python(code: string, data: unknown): any {
  const script = `import json, sys\nimport numpy as np\ndata = json.load(sys.stdin)\n${code}`;
  const r = spawnSync(PYTHON, ["-c", script], { input: JSON.stringify(data), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
