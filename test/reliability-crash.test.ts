/**
 * Crash-safe state (issue 17): a bounded kill -9 campaign against the local SageMaker — seeded kills at random
 * moments and at the narrowest windows (between writing a temporary file and renaming it, between saving a trial
 * and its tuning job), each followed by a restart on the same state folder and the invariants of
 * test/fuzz/crash.ts. `npm run fuzz -- --targets crash --kills 200` runs a long campaign.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { summary } from "./fuzz/common";
import { crashCampaign } from "./fuzz/crash";

test("kill -9 at random moments and at the crash points: every restart loads the state, no job left running, whole artifacts, trials counted", async () => {
  const t = await crashCampaign({ kills: Number(process.env.CRASH_KILLS ?? 8), seconds: 60, seed: Number(process.env.FUZZ_SEED ?? 17) });
  console.log(`    ${summary(t)}`);
  assert.ok(t.inputs >= 4, `only ${t.inputs} kills`);
  assert.is(t.failures.length, 0, t.failures.map((f) => f.what).join("\n"));
});

test.run();
