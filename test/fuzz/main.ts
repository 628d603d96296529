/**
 * `npm run fuzz` — the fuzz targets and the kill -9 campaign for as long as you like (npm test runs each for a
 * few seconds: test/reliability-fuzz.test.ts, test/reliability-crash.test.ts):
 *
 *   npm run fuzz -- [--seconds 60] [--iterations N] [--seed 1] [--targets invocations,sagemaker,readers,parquet,models,crash] [--kills 100]
 *
 * --seconds / --iterations bound each target (whichever ends first; the crash campaign is bounded by --kills
 * and --seconds). Prints inputs tried and failures per target (with the failing inputs, shortened); exit code 1
 * if any target failed.
 */
import { Budget, summary, Tally } from "./common";
import { fuzzInvocations } from "./invocations";
import { fuzzSageMakerApi } from "./sagemaker-api";
import { fuzzReaders } from "./readers";
import { fuzzModels } from "./models";
import { fuzzParquet } from "./parquet";
import { crashCampaign } from "./crash";

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
if (args.includes("--help")) {
  console.log("npm run fuzz -- [--seconds 60] [--iterations N] [--seed 1] [--targets invocations,sagemaker,readers,parquet,models,crash] [--kills 100]");
  process.exit(0);
}
const num = (name: string, dflt?: number): number | undefined => {
  const v = opt(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${name} ${v}: not a positive number`);
  return n;
};
const budget: Budget = { seconds: num("seconds", 60)!, iterations: num("iterations") };
const seed = num("seed", 1)!;
const all = ["invocations", "sagemaker", "readers", "parquet", "models", "crash"];
const targets = (opt("targets") ?? all.join(",")).split(",");
for (const t of targets) if (!all.includes(t)) throw new Error(`--targets: unknown target ${t}; targets: ${all.join(", ")}`);

const RUN: Record<string, () => Promise<Tally>> = {
  invocations: () => fuzzInvocations(budget, seed),
  sagemaker: () => fuzzSageMakerApi(budget, seed),
  readers: () => fuzzReaders(budget, seed),
  parquet: () => fuzzParquet(budget, seed),
  models: () => fuzzModels(budget, seed),
  crash: () => crashCampaign({ kills: num("kills", 100)!, seconds: budget.seconds, seed, log: (l) => console.log(`  ${l}`) }),
};

(async () => {
  console.log(`fuzz: seed ${seed}, ${budget.seconds} s${budget.iterations ? ` or ${budget.iterations} inputs` : ""} per target: ${targets.join(", ")}`);
  let failed = 0;
  for (const name of targets) {
    const t = await RUN[name]();
    console.log(summary(t));
    for (const f of t.failures) console.log(`  FAILURE at input ${f.input}: ${f.what}\n    input: ${JSON.stringify(f.sample)}`);
    failed += t.failures.length;
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
