/**
 * The axis summary of a results group (lib/analysis/axis_summary.ts): the axis keys read from the
 * configs, the points in axis order, gap closures against closed forms, updates to FT-BPTT's best;
 * and the λ variant label that keeps two fixed feedbacks apart (lib/feedback/kinds.ts).
 */
import assert from "node:assert/strict";
import {
  axisSeeds,
  axisSummary,
  axisTable,
  closureRows,
  minutesToTarget,
} from "../lib/analysis/axis_summary.ts";
import { METHOD_ORDER, methodOf, type ReproRun } from "../lib/analysis/reproduction.ts";
import { feedbackVariant } from "../lib/feedback/kinds.ts";

function run(point: string, context: number, method: string, seed: number, curve: number[]) {
  return {
    method,
    point,
    settings: { name: point, mode: method, seed, context, batchSize: 4096 / context, lr: 1e-3 },
    seed,
    minValPpl: Math.min(...curve),
    testPpl: null,
    seconds: 1,
    steps: 30,
    tokens: 100,
    extraSeconds: 0,
    rows: curve.map((ppl, i) => ({
      step: 10 * (i + 1),
      split: "valid" as const,
      loss: Math.log(ppl),
      ppl,
      seconds: i,
      tokens: i,
    })),
  } satisfies ReproRun;
}

Deno.test("axis summary: keys, order, closures, updates to target", () => {
  const runs = [
    run("T256", 256, "bptt", 0, [6, 5, 4]),
    run("T256", 256, "ft-bptt", 0, [6, 5.5, 5]),
    run("T256", 256, "dsf", 0, [6, 5.8, 5.5]), // (5 − 5.5) / (5 − 4) = −50%
    run("T32", 32, "bptt", 0, [6, 5, 4]),
    run("T32", 32, "ft-bptt", 0, [6, 5.5, 5]),
    run("T32", 32, "dsf", 0, [6, 4.9, 4.25]), // 75%
    run("T32", 32, "dsf", 1, [6, 5, 4.25]), // seed 1 has no ends: NaN, left out of nothing
  ];
  const a = axisSummary(runs, METHOD_ORDER);
  assert.deepEqual(a.keys, ["context", "batchSize"]);
  assert.deepEqual(a.points.map((p) => p.point), ["T32", "T256"]); // by the first key
  assert.equal(a.points[1].closed.dsf, -0.5);
  assert.ok(Number.isNaN(a.points[0].closed.dsf), "a seed without BPTT and FT-BPTT runs is NaN");
  assert.deepEqual(a.points[1].updatesToTarget, { bptt: 20, "ft-bptt": 30, dsf: null });
  assert.equal(a.points[0].updatesToTarget.dsf, 20); // seed mean (4.9 + 5) / 2 ≤ 5
  assert.deepEqual(a.points[1].ordering, ["bptt", "ft-bptt", "dsf"]);
  const table = axisTable(a);
  assert.match(
    table,
    /\| `T256` \| 256, 16 \| 4\.00 \| 5\.00 \| 5\.50 \| -50% \| 20 \| 30 \| not reached \|/,
  );
  assert.deepEqual(closureRows(a).filter((r) => r.x === 256), [
    { x: 256, closed: -50, method: "dsf" },
  ]);
});

Deno.test("feedbackVariant: the default λ has none; other λ are told apart", () => {
  const fb = { kind: "fixed", init: "linspace", low: 0, high: 1, seed: 0, values: null };
  assert.equal(feedbackVariant({ mode: "dsf", feedback: fb }), "");
  assert.equal(feedbackVariant({ mode: "dsf", feedback: { ...fb, high: 0.5 } }), "lam0-0.5");
  assert.equal(feedbackVariant({ mode: "bptt", feedback: { ...fb, high: 0.5 } }), "");
  assert.equal(
    feedbackVariant({ mode: "dsf", feedback: { ...fb, init: "uniform", seed: 3 } }),
    "uniform0-1s3",
  );
  assert.equal(
    feedbackVariant({ mode: "dsf", feedback: { ...fb, kind: "jacobian-diagonal", high: 0.5 } }),
    "",
  );
  assert.equal(
    methodOf({ mode: "dsf", feedback: "fitted", variant: "lam0-0.5" }),
    "dsf-fitted-lam0-0.5",
  );
  assert.equal(methodOf({ mode: "dsf", feedback: "fixed" }), "dsf");
});

Deno.test("axis summary: the primary key sorts; step times give minutes to FT-BPTT's best", () => {
  const runs = [
    run("T256", 256, "bptt", 0, [6, 5, 4]),
    run("T256", 256, "ft-bptt", 0, [6, 5.5, 5]),
    run("T32", 32, "bptt", 0, [6, 5, 4]),
    run("T32", 32, "ft-bptt", 0, [6, 5.5, 5]),
  ];
  // batchSize falls as T grows: sorted by it, T256 would come first.
  const a = axisSummary(runs, METHOD_ORDER, { T256: { bptt: 3000, "ft-bptt": 1500 } }, "batchSize");
  assert.deepEqual(a.keys, ["batchSize", "context"]);
  assert.deepEqual(a.points.map((p) => p.point), ["T256", "T32"]);
  const b = axisSummary(runs, METHOD_ORDER, { T256: { bptt: 3000, "ft-bptt": 1500 } }, "context");
  assert.deepEqual(b.points.map((p) => p.point), ["T32", "T256"]);
  const t256 = b.points[1];
  assert.deepEqual(t256.msPerUpdate, { bptt: 3000, "ft-bptt": 1500 });
  // 20 updates × 3 s = 1 min; 30 × 1.5 s = 0.75 min; T32 has no timing.
  assert.equal(minutesToTarget(t256, "bptt"), 1);
  assert.equal(minutesToTarget(t256, "ft-bptt"), 0.75);
  assert.equal(minutesToTarget(b.points[0], "bptt"), null);
  assert.match(
    axisTable(b),
    /\| `T256` \| 256, 16 \| 4\.00 \| 5\.00 \| 20 \(1\.0 min\) \| 30 \(0\.8 min\) \|/,
  );
  assert.match(axisTable(b), /\| `T32` \| 32, 128 \| 4\.00 \| 5\.00 \| 20 \| 30 \|/);
});

Deno.test("axis summary: a key only newer configs record is no axis unless they disagree", () => {
  const older: ReproRun = run("T32", 32, "bptt", 0, [6, 5, 4]);
  const newer: ReproRun = run("T64", 64, "bptt", 0, [6, 5, 4]);
  newer.settings = { ...newer.settings, microBatches: 1 };
  assert.deepEqual(axisSummary([older, newer], METHOD_ORDER).keys, ["context", "batchSize"]);
  const third: ReproRun = run("T128", 128, "bptt", 0, [6, 5, 4]);
  third.settings = { ...third.settings, microBatches: 2 };
  assert.deepEqual(axisSummary([older, newer, third], METHOD_ORDER).keys, [
    "context",
    "batchSize",
    "microBatches",
  ]);
});

Deno.test("axis summary: test perplexity in brackets where every seed has one; the seeds said", () => {
  const withTest = (r: ReproRun, t: number | null): ReproRun => ({ ...r, testPpl: t });
  const runs = [
    withTest(run("T256", 256, "bptt", 0, [6, 5, 4]), 3.9),
    withTest(run("T256", 256, "ft-bptt", 0, [6, 5.5, 5]), 4.8),
    withTest(run("T32", 32, "bptt", 0, [6, 5, 4]), 3.5),
    withTest(run("T32", 32, "bptt", 1, [6, 5, 4]), 3.7), // two seeds: their mean, 3.6
    withTest(run("T32", 32, "ft-bptt", 0, [6, 5.5, 5]), null), // one seed without: none
  ];
  const a = axisSummary(runs, METHOD_ORDER, {}, "context");
  assert.equal(a.points[0].methods.bptt.test, 3.6);
  assert.equal(a.points[0].methods["ft-bptt"].test, null);
  assert.match(axisTable(a), /\| `T32` \| 32, 128 \| 4\.00 \(3\.60\) \| 5\.00 \|/);
  assert.match(axisTable(a), /\| `T256` \| 256, 16 \| 4\.00 \(3\.90\) \| 5\.00 \(4\.80\) \|/);
  assert.equal(
    axisSeeds(a),
    "seeds 0, 1 at `T32`; seed 0 elsewhere (a point's numbers: the mean over its seeds)",
  );
  assert.equal(axisSeeds(axisSummary(runs.slice(0, 3), METHOD_ORDER)), "seed 0");
  const both = runs.slice(2, 4);
  assert.equal(axisSeeds(axisSummary(both, METHOD_ORDER)), "mean over seeds 0, 1");
});

Deno.test("axis summary: with several seeds, FT-BPTT reaches its own best (its seed-mean curve's minimum)", () => {
  // The seeds' minima fall at different updates: the mean of the minima (4) lies below every
  // point of the seed-mean curve (5.5, 5, 5); the target is that curve's minimum, 5.
  const runs = [
    run("T32", 32, "bptt", 0, [6, 4, 3]),
    run("T32", 32, "bptt", 1, [6, 4, 3]),
    run("T32", 32, "ft-bptt", 0, [6, 4, 6]),
    run("T32", 32, "ft-bptt", 1, [5, 6, 4]),
  ];
  const a = axisSummary(runs, METHOD_ORDER);
  assert.deepEqual(a.points[0].updatesToTarget, { bptt: 20, "ft-bptt": 20 });
});
