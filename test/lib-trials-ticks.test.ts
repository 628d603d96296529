/** trialsFigure: trial numbers on the x axis get integer ticks (no 1.5, 2.5). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { trialsFigure } from "ensemble-workbook";
import { trialTicks } from "../lib/plots/trials";

/** Tick positions plotly draws for a linear axis (tick0 + n·dtick within [lo, hi]). */
function ticks(axis: Record<string, any>, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let v = Math.ceil((lo - axis.tick0) / axis.dtick) * axis.dtick + axis.tick0; v <= hi; v += axis.dtick) out.push(v);
  return out;
}

test("few trials: one tick per trial, integer format", () => {
  const fig = trialsFigure([{ objective: 3 }, { objective: 2 }, { objective: 2.5 }, { objective: 1 }]);
  const ax = fig.layout.xaxis!;
  assert.equal(fig.data[0].x, [1, 2, 3, 4]);
  assert.is(ax.tickmode, "linear");
  assert.is(ax.dtick, 1);
  assert.is(ax.tickformat, "d");
  assert.equal(ax.title, { text: "trial" });
  assert.equal(ticks(ax, 1, 4), [1, 2, 3, 4]);
});

test("many trials: integer steps of 1/2/5 × 10^n, at most ~10 ticks, all integers", () => {
  for (const [n, step] of [[10, 1], [11, 1], [12, 2], [30, 5], [100, 10], [150, 20], [400, 50], [1000, 100]] as const) {
    const rows = Array.from({ length: n }, (_, i) => ({ trial: i + 1, objective: 1 / (i + 1) }));
    const ax = trialsFigure(rows).layout.xaxis!;
    assert.is(ax.dtick, step, `n=${n}`);
    const t = ticks(ax, 1, n);
    assert.ok(t.length >= 2 && t.length <= 11, `n=${n}: ${t.length} ticks`);
    assert.ok(t.every(Number.isInteger));
  }
});

test("non-integer trial labels keep plotly's default axis", () => {
  assert.equal(trialTicks(["job-a", "job-b"]), {});
  assert.equal(trialTicks([1.5, 2]), {});
  const fig = trialsFigure([{ trial: "job-a", objective: 1 }, { trial: "job-b", objective: 2 }]);
  assert.is(fig.layout.xaxis!.dtick, undefined);
  assert.equal(fig.layout.xaxis!.title, { text: "trial" });
});

test.run();
