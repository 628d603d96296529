// The exported scripts (scripts/NN-*.mts, made by `npm run export`) are what batch jobs run:
// each must typecheck as an ES module (scripts/tsconfig.json, nodenext) and run to the end
// with tsx from the repository root, writing its plots as files.
// The type check is `tsc --noEmit -p scripts` in `npm run typecheck`, which the README's test command
// (`npm test`) runs before any test file: it is not run a second time here.
// The runs happen when NOTEBOOKS_EXECUTE is unset or "all" (as for the notebooks themselves).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as path from "path";
import { listScripts, runScript } from "../tools/run-scripts";

const root = path.resolve(__dirname, "..");

if ((process.env.NOTEBOOKS_EXECUTE ?? "all") === "all") {
  for (const script of listScripts(root)) {
    const name = path.relative(root, script);
    test(`${name} runs to the end with tsx`, () => {
      const r = runScript(script, root);
      console.log(`    ${name}: ${r.seconds.toFixed(1)} s`);
      assert.ok(r.ok, `${name} failed:\n${r.output.slice(-4000)}`);
    });
  }
}

test.run();
