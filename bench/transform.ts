/**
 * Batch transform throughput in local mode: `npx tsx bench/transform.ts [--rows 100000] [--runs 3]`.
 * One model (xgboost + catboost, trainer defaults), an input of `rows` diabetes rows with an id column, then transform
 * jobs with MultiRecord (6 MB mini-batches) and SingleRecord (one row per request), 1 and 2 transforms in flight, the
 * id dropped and joined back (InputFilter / JoinSource / OutputFilter). Reported per job: rows/s over the data phase
 * (the job's own `[sagemaker logs]` line: read, requests, answers, written) and over the whole job (container start
 * included). Reference in the same run: lib's Ensemble.predict on the same rows in this process (the ceiling: no
 * HTTP, no CSV).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { session, Estimator, Transformer, createModel, followJobLogs, LOG_GROUPS, type TransformerOptions } from "ensemble-workbook/sagemaker";
import { loadDiabetes, loadEnsemble, toMatrix } from "ensemble-workbook";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const rows = Number(arg("rows", "100000"));
  const runs = Number(arg("runs", "3"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "transform-bench-"));
  const sess = session({ mode: "local", stateDir: path.join(dir, "state"), log: null, pollMs: 100 });
  try {
    const est = new Estimator({ session: sess, hyperparameters: { models: "xgboost,catboost", k_fold: 2 } });
    const job = await est.fit({ train: path.join(__dirname, "..", "data", "diabetes.csv") }, { logs: false });
    const model = await createModel(sess, { modelData: job.ModelArtifacts.S3ModelArtifacts });
    const table = loadDiabetes();
    const features = table.columnNames().filter((c) => c !== "target");
    const base = table.select(features).toCSV({ header: false }).trim().split("\n");
    const input = path.join(dir, "input");
    fs.mkdirSync(input);
    let text = "";
    for (let i = 0; i < rows; i++) text += `${i + 1},${base[i % base.length]}\n`;
    fs.writeFileSync(path.join(input, "rows.csv"), text);
    console.log(`${rows} rows, ${(text.length / 1e6).toFixed(1)} MB; model: xgboost + catboost (trainer defaults); ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);

    // reference: lib in this process on the same rows
    const mdir = path.join(dir, "model");
    fs.mkdirSync(mdir);
    execFileSync("tar", ["xzf", job.ModelArtifacts.S3ModelArtifacts.replace(/^file:\/\//, ""), "-C", mdir]);
    const ens = loadEnsemble(mdir);
    const big = toMatrix(loadDiabetes(), { features });
    const X = new Float32Array(rows * features.length);
    for (let i = 0; i < rows; i++) X.set(big.X.subarray((i % big.nrow) * features.length, ((i % big.nrow) + 1) * features.length), i * features.length);
    const refTimes: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      ens.predict({ X, nrow: rows, ncol: features.length, featureNames: features });
      refTimes.push(performance.now() - t0);
    }
    ens.free();
    const refRate = rows / (Math.min(...refTimes) / 1000);
    console.log(`reference, lib Ensemble.predict in-process: ${Math.round(refRate).toLocaleString("en")} rows/s (best of ${runs})`);

    const configs: [string, TransformerOptions][] = [
      ["MultiRecord, 6 MB, 1 in flight", { strategy: "MultiRecord", maxPayloadMb: 6, maxConcurrentTransforms: 1 }],
      ["MultiRecord, 1 MB, 2 in flight", { strategy: "MultiRecord", maxPayloadMb: 1, maxConcurrentTransforms: 2 }],
      ["SingleRecord, 1 in flight", { strategy: "SingleRecord", maxConcurrentTransforms: 1 }],
      ["SingleRecord, 4 in flight", { strategy: "SingleRecord", maxConcurrentTransforms: 4 }],
    ];
    for (const [label, opts] of configs) {
      const data: number[] = [];
      const whole: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t = new Transformer(sess, model, opts);
        const t0 = Date.now();
        const d = await t.transform(input, { inputFilter: "$[1:]", joinSource: "Input", outputFilter: "$[0,-1]", logs: false });
        whole.push(Date.now() - t0);
        const lines = await (await followJobLogs(sess, LOG_GROUPS.transformJobs, d.TransformJobName)).poll();
        const m = lines.map((e) => /(\d+) record\(s\) in (\d+) request\(s\), (\d+) ms/.exec(e.message)).find(Boolean);
        if (!m) throw new Error(`no data line in the job's log`);
        data.push(Number(m[3]));
        if (r === 0) console.log(`  ${label}: ${m[2]} request(s)`);
      }
      const rate = (ms: number) => rows / (ms / 1000);
      const fmt = (a: number[]) => `${Math.round(rate(Math.max(...a))).toLocaleString("en")}–${Math.round(rate(Math.min(...a))).toLocaleString("en")}`;
      console.log(`${label}: data phase ${fmt(data)} rows/s (${(refRate / rate(Math.min(...data))).toFixed(1)}× slower than in-process), whole job ${fmt(whole)} rows/s`);
    }
  } finally {
    await sess.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
