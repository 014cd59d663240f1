/**
 * Tests of lib/analysis/compare.ts: the gap-closed share, the method table, curve rows, the
 * mean cosine of a monitor's rows, and chained callbacks.
 */
import assert from "node:assert/strict";
import {
  type AfterStep,
  alignmentStats,
  chainAfterStep,
  gapClosed,
  meanCosine,
  methodCurves,
  methodTable,
  overheadStats,
} from "../lib/analysis/compare.ts";
import type { MetricRow, TrainSummary } from "../lib/train/trainer.ts";

function run(label: string, minValPpl: number, seconds = 2, steps = 100) {
  const rows: MetricRow[] = [
    { step: 50, split: "train", loss: 3, ppl: 20, seconds: 1, tokens: 1 },
    { step: 50, split: "valid", loss: 2.5, ppl: minValPpl + 1, seconds: 1, tokens: 1 },
    { step: 100, split: "valid", loss: 2, ppl: minValPpl, seconds: 2, tokens: 2 },
  ];
  return { label, summary: { minValPpl, seconds, steps } as TrainSummary, rows };
}

Deno.test("gapClosed: the paper's 1-layer numbers give 91%", () => {
  // Table 2, 1 layer: FT 56.61, DSF 37.42, BPTT 35.59.
  assert.equal(Math.round(100 * gapClosed(56.61, 37.42, 35.59)), 91);
  assert.equal(gapClosed(10, 10, 5), 0);
  assert.equal(gapClosed(10, 5, 5), 1);
  assert.ok(Number.isNaN(gapClosed(5, 5, 5)));
});

Deno.test("methodTable, methodCurves, meanCosine, chainAfterStep", async () => {
  const runs = [
    run("bptt", 2),
    { ...run("dsf", 4, 1), cosine: 0.5, overheadSeconds: 0.1 },
    run("ft", 10),
  ];
  const t = methodTable(runs, { ft: "ft", bptt: "bptt" });
  assert.deepEqual(t.map((r) => r["gap closed"]), [1, 0.75, 0]);
  assert.equal(t[1]["ms/step"], 10);
  assert.equal(t[1]["overhead ms/step"], 1);
  assert.equal(t[1]["cos with BPTT"], 0.5);
  assert.throws(() => methodTable(runs, { ft: "nope", bptt: "bptt" }), /nope/);
  const c = methodCurves(runs);
  assert.equal(c.length, 6);
  assert.deepEqual(c[1], { step: 100, ppl: 2, method: "bptt", split: "valid" });
  const rows = [
    { step: 1, group: "recurrent", mode: "dsf" as const, cosine: 0.2 },
    { step: 2, group: "recurrent", mode: "dsf" as const, cosine: 0.4 },
    { step: 2, group: "layer0", mode: "dsf" as const, cosine: 1 },
  ];
  assert.ok(Math.abs(meanCosine(rows, "dsf") - 0.3) < 1e-12);
  assert.ok(Number.isNaN(meanCosine(rows, "ft-bptt")));
  const seen: number[] = [];
  const dummy = [{} as Parameters<AfterStep>[1], {} as Parameters<AfterStep>[2]] as const;
  await chainAfterStep(async (s) => {
    await Promise.resolve();
    seen.push(s);
  }, (s) => {
    seen.push(10 * s);
  })(3, ...dummy);
  assert.deepEqual(seen, [3, 30]);
});

Deno.test("alignmentStats and overheadStats", () => {
  const rows = [
    { step: 1, group: "recurrent", mode: "dsf" as const, cosine: 0.5 },
    { step: 1, group: "recurrent", mode: "ft-bptt" as const, cosine: 0.9 },
    { step: 2, group: "recurrent", mode: "dsf" as const, cosine: 0.7 },
    { step: 2, group: "recurrent", mode: "ft-bptt" as const, cosine: 0.1 },
    { step: 2, group: "layer0", mode: "dsf" as const, cosine: -1 },
  ];
  const s = alignmentStats(rows);
  assert.ok(Math.abs(s.mean.dsf! - 0.6) < 1e-12 && Math.abs(s.mean["ft-bptt"]! - 0.5) < 1e-12);
  assert.deepEqual(s.first, { dsf: 0.5, "ft-bptt": 0.9 });
  assert.deepEqual([s.aBetter, s.count], [1, 2]);
  const o = overheadStats({ seconds: 2, count: 4 }, { seconds: 10, steps: 100 });
  assert.deepEqual(o, { msEach: 500, stepsEach: 5, percent: 20 });
});
