/**
 * Tests of lib/notebook/dsf_findings.ts: the data lines under notebook 03's tables and figures,
 * computed from known numbers, with the tolerance stated and the rows above it marked.
 */
import assert from "node:assert/strict";
import { resolveConfig } from "../lib/config/resolve.ts";
import type { ConfigPatch } from "../lib/config/schema.ts";
import {
  byHandLines,
  feedbackReachLines,
  FLOAT32_UNIT_ROUNDOFF,
  kernelMeanLines,
  scanAgreementLines,
} from "../lib/notebook/dsf_findings.ts";
import type { MetricRow } from "../lib/train/trainer.ts";

Deno.test("scanAgreementLines: worst per implementation, relative against the tolerance", () => {
  const rows = [
    { λ: "a", impl: "scan", maxAbsDiff: 2e-6, relDiff: 1e-7 },
    { λ: "b", impl: "scan", maxAbsDiff: 5e-7, relDiff: 2e-7 },
    { λ: "a", impl: "fft", maxAbsDiff: 3e-6, relDiff: 3e-7 },
  ];
  const lines = scanAgreementLines(rows);
  assert.equal(lines[0], "Largest |δ(impl) − δ(14)| over 2 λ: scan 2.0e-6, fft 3.0e-6.");
  assert.equal(
    lines[1],
    `Relative to max |δ(14)|: at most 3.0e-7 (fft, a), ${
      (3e-7 / FLOAT32_UNIT_ROUNDOFF).toFixed(1)
    } u (float32's unit roundoff u = 6.0e-8; tolerance 1.0e-5 relative): 3 of 3 below it.`,
  );
  const bad = scanAgreementLines([...rows, { λ: "b", impl: "fft", maxAbsDiff: 1, relDiff: 0.1 }]);
  assert.match(bad[1], /3 of 4 below it, \*\*1 above it\*\*\.$/);
  assert.deepEqual(scanAgreementLines([]), ["No implementation ran."]);
});

Deno.test("byHandLines: the largest difference and each relative to its gradient's norm", () => {
  const rows = [
    { weight: "w", "‖layer's gradient‖": 0.5, "max |layer − by hand|": 1e-9 },
    { weight: "b", "‖layer's gradient‖": 0.001, "max |layer − by hand|": 2e-9 },
  ];
  assert.deepEqual(byHandLines(rows), [
    "Largest |layer − by hand| over the 2 weights: 2.0e-9 (b, whose gradient has norm 0.0010).",
    "Relative to each weight's gradient norm: at most 2.0e-6 (float32's unit roundoff u = " +
    "6.0e-8; tolerance 1.0e-5 relative): 2 of 2 below it.",
  ]);
  assert.match(byHandLines(rows, { tolerance: 1e-6 })[1], /1 of 2 below it, \*\*1 above it\*\*/);
});

Deno.test("kernelMeanLines: the mean kernel against 1/(k+1), and where it leaves 1% and 5%", () => {
  // λ = {0, 1}: mean λ^k = 1/2 for every k ≥ 1, so k = 1 matches 1/(k+1) and k = 2 is +50% off.
  const lines = kernelMeanLines([0, 1], { maxLag: 4, at: [1, 4] });
  assert.equal(
    lines[0],
    "Mean over the 2 channels vs 1/(k+1): k = 1: 0.5000 vs 0.5000 (0.0%); k = 4: 0.5000 vs " +
      "0.2000 (+150.0%).",
  );
  // k = 0: mean 1 = 1/1 (0^0 = 1).
  assert.equal(
    lines[1],
    "Within 1% of 1/(k+1) for k = 0..1 (first exceeded at k = 2, +50.0%); within 5% for " +
      "k = 0..1 (first exceeded at k = 2, +50.0%).",
  );
  const fine = Array.from({ length: 100001 }, (_, i) => i / 100000);
  assert.match(kernelMeanLines(fine, { maxLag: 3 })[1], /within 5% for every k = 0\.\.3\.$/);
});

const valid = (losses: number[]): MetricRow[] =>
  losses.map((loss, i) => ({
    step: 10 * (i + 1),
    split: "valid",
    loss,
    ppl: Math.exp(loss),
    seconds: i,
    tokens: 100 * (i + 1),
  }));

Deno.test("feedbackReachLines: λ^lag per range and the runs with λ ≤ 0.5 against the others", () => {
  const cfg = (patch: ConfigPatch) =>
    resolveConfig("synthetic-recall", { scale: "smoke", patch: { hidden: 4, ...patch } });
  const summary = { steps: 10, seconds: 1, tokens: 100 };
  const runs = [
    { label: "zero", config: cfg({ mode: "dsf", feedback: { low: 0, high: 0 } }) },
    { label: "half", config: cfg({ mode: "dsf", feedback: { low: 0, high: 0.5 } }) },
    { label: "full", config: cfg({ mode: "dsf", feedback: { low: 0, high: 1 } }) },
    { label: "bptt", config: cfg({ mode: "bptt" }) },
  ].map((r, i) => ({ ...r, summary, rows: valid([2, [2, 1.9, 1.5, 1][i]]) }));
  const lines = feedbackReachLines(runs, 2);
  // half: λ = 0, 1/6, 1/3, 1/2 → λ² up to 0.25, mean (0 + 1/36 + 1/9 + 1/4)/4 = 0.0972.
  // full: λ = 0, 1/3, 2/3, 1 → λ² up to 1, mean (0 + 1/9 + 4/9 + 1)/4 = 0.389.
  assert.equal(
    lines[0],
    "λ^2 per run (largest, mean over the 4 channels): zero 0, 0; half 0.250, 0.097; " +
      "full 1.000, 0.389.",
  );
  assert.equal(
    lines[1],
    "Lowest validation loss (nats), λ ≤ 0.5: zero 2.000, half 1.900; largest λ 1.00: " +
      "full 1.500. Best of the first minus worst of the others: +0.400 nats (positive: every " +
      "run whose λ exceeds 0.5 is lower).",
  );
  assert.deepEqual(feedbackReachLines(runs.slice(3), 2), ["No DSF run with a fixed feedback."]);
});
