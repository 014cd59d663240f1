/**
 * The notebooks' helpers (lib/analysis, lib/bench, lib/notebook): run statistics, the
 * convolution sum (14) and the scan agreement, the kernels, feedback variants, slopes, dispatch-depth tables and the small timing sweeps.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { resolveConfig } from "../lib/config/resolve.ts";
import { makeFeedback } from "../lib/feedback/init.ts";
import {
  convolutionSum,
  feedbackVariant,
  kernelRows,
  scanAgreement,
  zeroFeedbackGap,
} from "../lib/analysis/feedback_checks.ts";
import { PAPER_GAP_CLOSURE } from "../lib/analysis/paper_tables.ts";
import { referenceLine, runStats, statsRow, trainingCurves } from "../lib/analysis/run_stats.ts";
import { parseBenchFile, stepTimingRows } from "../lib/bench/bench_file.ts";
import {
  complexitySizes,
  layerMethods,
  timeLayerBackward,
  timeReverseScan,
  timeTrainingStep,
  type TimingRow,
} from "../lib/bench/complexity.ts";
import {
  depthTable,
  loglogSlope,
  modelDepth,
  ratioRows,
  slopeLines,
  slopesBy,
  slopeTable,
} from "../lib/bench/scaling.ts";
import { timeRuns } from "../lib/bench/timing.ts";
import { scalingChart } from "../lib/notebook/complexity.ts";
import { benchFileFigures } from "../lib/notebook/bench_figures.ts";
import { runLike, useBackend } from "./_util.ts";

const run = runLike;

Deno.test("trainingCurves and referenceLine: long rows per run and split", () => {
  const rows = trainingCurves([run("a", [2, 1]), run("b", [3])]);
  assert.equal(rows.length, 6);
  assert.deepEqual(rows[1], { step: 10, loss: 2, ppl: Math.exp(2), split: "valid", series: "a" });
  assert.equal(trainingCurves([run("a", [2, 1])], { splits: ["valid"] }).length, 2);
  const ref = referenceLine("chance", Math.log(8), 0, 50);
  assert.deepEqual(ref.map((r) => [r.step, r.split, r.series]), [[0, "reference", "chance"], [
    50,
    "reference",
    "chance",
  ]]);
  assert.ok(Math.abs(ref[0].ppl - 8) < 1e-12);
});

Deno.test("runStats: final/min losses and time per step", () => {
  const s = runStats(run("dsf", [2.5, 1.5, 1.8], 3, 150));
  assert.equal(s.finalValidLoss, 1.8);
  assert.equal(s.minValidLoss, 1.5);
  assert.ok(Math.abs(s.minValidPpl - Math.exp(1.5)) < 1e-12);
  assert.ok(Math.abs(s.finalTrainLoss - 1.9) < 1e-12);
  assert.equal(s.msPerStep, 20);
  assert.ok(Math.abs(s.tokensPerSec - 1000 / 3) < 1e-9);
  assert.equal(statsRow(s)["ms / step"], 20);
  assert.ok(Number.isNaN(
    runStats({ label: "x", rows: [], summary: run("x", []).summary })
      .minValidLoss,
  ));
});

Deno.test("PAPER_GAP_CLOSURE: the paper's Table 2 shares (91, 82, 74, 59%)", () => {
  assert.deepEqual(PAPER_GAP_CLOSURE.map((p) => Math.round(100 * p.closure)), [91, 82, 74, 59]);
});

Deno.test("convolutionSum: eq. 14 by hand and against the recursion", () => {
  // T = 3, one channel, λ = 0.5: δ2 = 4, δ1 = 2 + 0.5·4 = 4, δ0 = 1 + 0.5·2 + 0.25·4 = 3.
  assert.deepEqual(Array.from(convolutionSum([1, 2, 4], [3, 1, 1], [0.5])), [3, 4, 4]);
  const [t, b, s] = [7, 2, 3];
  const e = Array.from({ length: t * b * s }, (_, i) => Math.sin(i + 1));
  const lambda = [0, 0.7, -0.9];
  const got = convolutionSum(e, [t, b, s], lambda);
  for (let j = 0; j < b * s; j++) {
    let d = 0;
    for (let i = t - 1; i >= 0; i--) {
      d = e[i * b * s + j] + lambda[j % s] * d;
      assert.ok(Math.abs(got[i * b * s + j] - d) < 1e-12);
    }
  }
  assert.throws(() => convolutionSum([1, 2], [3, 1, 1], [0.5]), /e has 2 values/);
});

Deno.test("scanAgreement and zeroFeedbackGap on cpu: float32 rounding, exactly 0", async () => {
  await useBackend("cpu");
  const rows = await scanAgreement({ T: 40, B: 2, lambda: makeFeedback(5) });
  assert.deepEqual(rows.map((r) => r.impl), ["sequential", "scan", "fft"]);
  for (const r of rows) assert.ok(r.maxAbsDiff < 1e-4 && r.relDiff < 1e-5, JSON.stringify(r));
  assert.equal(await zeroFeedbackGap({ T: 6, B: 2, D: 4 }), 0);
  assert.equal(await zeroFeedbackGap({ cell: "lstm", T: 5, B: 1, D: 3 }), 0);
});

Deno.test("kernelRows: λ^k per channel, the linspace mean ≈ 1/(k+1)", () => {
  const rows = kernelRows([0.5, 0], 4, { label: "mean", values: makeFeedback(2001) });
  assert.deepEqual(rows.filter((r) => r.kernel === "λ = 0.5").map((r) => r.weight), [
    1,
    0.5,
    0.25,
    0.125,
    0.0625,
  ]);
  assert.deepEqual(rows.filter((r) => r.kernel === "λ = 0").map((r) => r.weight), [1, 0, 0, 0, 0]);
  for (const r of rows.filter((r) => r.kernel === "mean")) {
    assert.ok(Math.abs(r.weight - 1 / (r.k + 1)) < 2e-3, `k=${r.k}: ${r.weight}`);
  }
  assert.equal(rows.filter((r) => r.style === "power law").length, 5);
});

Deno.test("feedbackVariant: overrides the config accepts", () => {
  const v = feedbackVariant("uniform", 0.5, 1);
  assert.equal(v.label, "uniform [0.5, 1]");
  const c = resolveConfig("synthetic-recall", { scale: "smoke", patch: v.patch });
  assert.equal(c.mode, "dsf");
  assert.deepEqual([c.feedback.init, c.feedback.low, c.feedback.high], ["uniform", 0.5, 1]);
  const z = resolveConfig("synthetic-recall", {
    scale: "smoke",
    patch: feedbackVariant("linspace", 0, 0).patch,
  });
  assert.deepEqual([z.feedback.low, z.feedback.high], [0, 0]);
});

Deno.test("loglogSlope, slopesBy, slopeLines, slopeTable: exact power laws", () => {
  const pts = [1, 2, 4, 8].map((x) => ({ x, y: 3 * x ** 1.5 }));
  assert.ok(Math.abs(loglogSlope(pts) - 1.5) < 1e-12);
  assert.ok(Number.isNaN(loglogSlope([{ x: 1, y: 1 }])));
  const rows: TimingRow[] = [16, 32, 64].flatMap((T) => [
    { method: "a", T, D: 8, B: 1, ms: T, medianMs: T },
    { method: "b", T, D: 8, B: 1, ms: T * T, medianMs: T * T },
  ]);
  const s = slopesBy(rows, { x: "T", y: "ms", series: "method" });
  assert.deepEqual(s.map((r) => [r.series, Math.round(r.slope * 1e9) / 1e9, r.points]), [
    ["a", 1, 3],
    ["b", 2, 3],
  ]);
  const lines = slopeLines({ x: "T", y: "ms", series: "m", style: "k" }, {
    x0: 2,
    x1: 8,
    y0: 5,
  }, [{ label: "∝ T²", slope: 2 }]);
  assert.deepEqual(lines, [{ T: 2, ms: 5, m: "∝ T²", k: "reference" }, {
    T: 8,
    ms: 80,
    m: "∝ T²",
    k: "reference",
  }]);
  const table = slopeTable([{ name: "vs T", rows, x: "T", expected: 1 }]);
  assert.equal(table.length, 2);
  assert.equal(table[1].sweep, "vs T");
  assert.equal(table[1].points, 3);
  assert.ok(Math.abs(Number(table[1]["slope (all)"]) - 2) < 1e-9);
  assert.ok(Math.abs(Number(table[1]["slope (upper half)"]) - 2) < 1e-9);
  assert.equal(table[0].reading, "≈ Table 1 (1, within 0.8–1.25×)");
});

Deno.test("modelDepth and depthTable: Table 1's dependent steps against measured depths", () => {
  assert.equal(modelDepth("bptt", 16), 15);
  assert.equal(modelDepth("ft-bptt", 16), 0);
  assert.equal(modelDepth("dsf-scan", 16), 4);
  assert.equal(modelDepth("scan", 17), 5);
  assert.equal(modelDepth("dsf-sequential", 8), 7);
  assert.equal(modelDepth("fft", 16), 10); // N = 32: 2·log2 32
  const rows: TimingRow[] = [16, 64].flatMap((T) => [
    { method: "bptt", T, D: 4, B: 1, ms: 1, medianMs: 1, seqDispatches: 3 + 8 * (T - 1) },
    { method: "ft-bptt", T, D: 4, B: 1, ms: 1, medianMs: 1, seqDispatches: 10 },
  ]);
  const t = depthTable(rows);
  assert.equal(t[0]["T=64"], 3 + 8 * 63);
  assert.equal(t[0]["model T=16"], 15);
  assert.equal(t[0]["kernels / model step"], 8);
  assert.ok(Number.isNaN(t[1]["kernels / model step"] as number));
});

Deno.test("ratioRows: num / den per x", () => {
  const rows: TimingRow[] = [8, 16].flatMap((T) => [
    { method: "bptt", T, D: 4, B: 1, ms: 4 * T, medianMs: 0 },
    { method: "dsf-scan", T, D: 4, B: 1, ms: T, medianMs: 0 },
  ]);
  assert.deepEqual(ratioRows(rows, { num: "bptt", den: ["dsf-scan"], x: "T" }), [
    { T: 8, "bptt / dsf-scan": 4 },
    { T: 16, "bptt / dsf-scan": 4 },
  ]);
});

Deno.test("parseBenchFile and benchFileFigures: the CLI's JSON", () => {
  const row = (T: number, mode: string, impl: string) => ({
    cell: "gru",
    mode,
    impl,
    backend: "wasm",
    B: 8,
    T,
    D: 64,
    forwardMs: 1,
    matmulFloorMs: 1,
    stepMs: T / 4,
    stepMinMs: T / 5,
    stepMaxMs: T / 3,
    peakBytes: 1,
    seqDispatches: T,
    unit: "layer",
    runs: 3,
  });
  const text = JSON.stringify({
    meta: {
      backend: "backend: wasm (SIMD)",
      date: "2025-01-01T00:00:00Z",
      deno: "2.9.6",
      args: [],
    },
    rows: [
      row(16, "bptt", "-"),
      row(64, "bptt", "-"),
      row(16, "dsf", "scan"),
      row(64, "dsf", "scan"),
    ],
  });
  const f = parseBenchFile(text);
  assert.equal(f.rows.length, 4);
  const timing = stepTimingRows(f.rows);
  assert.deepEqual(timing.map((r) => r.method), ["bptt", "bptt", "dsf-scan", "dsf-scan"]);
  assert.equal(timing[0].ms, 16 / 5);
  const figs = benchFileFigures(f, { name: "results/bench/bench.json" });
  assert.equal(figs.length, 1);
  assert.equal(figs[0].backend, "wasm");
  assert.equal(figs[0].slug, "bench_wasm");
  const svg = figs[0].figure.svg;
  assert.ok(svg.includes("2025-01-01") && svg.includes("D = 64"));
  assert.ok(svg.includes("from results/bench/bench.json"));
  assert.deepEqual(
    benchFileFigures(
      parseBenchFile(JSON.stringify({ meta: {}, rows: [row(16, "bptt", "-")] })),
      { name: "x" },
    ),
    [],
  );
  assert.throws(() => parseBenchFile("{}"), /not a benchmark/);
});

Deno.test("complexitySizes: every scale, growing", () => {
  for (const scale of ["smoke", "quick", "small", "paper"] as const) {
    const z = complexitySizes(scale);
    assert.ok(z.Ts.length >= 3 && z.Ds.length >= 3 && z.Ts.includes(z.T) && z.Ds.includes(z.D));
  }
  assert.ok(complexitySizes("quick").Ts.at(-1)! > complexitySizes("smoke").Ts.at(-1)!);
});

Deno.test("timing sweeps at tiny sizes: rows, depths, chart", async () => {
  await useBackend("cpu");
  const z = { ...complexitySizes("smoke"), Ts: [4, 8], D: 4, Ds: [4, 8], T: 4, B: 2 };
  const boxed = await timeRuns(() => tf.zeros([2]), { runs: 3, warmupMs: 0, measureMs: 0 });
  assert.equal(boxed.runs, 3);
  assert.ok(boxed.minMs <= boxed.medianMs);
  const before = tf.memory().numTensors;
  const scan = await timeReverseScan(z);
  assert.equal(scan.length, 3 * 3); // shapes (4,4), (8,4), (4,8) × 3 impls
  // Named as the layer backward's rows name the same implementation.
  assert.deepEqual([...new Set(scan.map((r) => r.method))], [
    "dsf-sequential",
    "dsf-scan",
    "dsf-fft",
  ]);
  const seq = scan.filter((r) => r.method === "dsf-sequential" && r.D === 4);
  assert.ok(seq[1].seqDispatches! > seq[0].seqDispatches!);
  const backward = await timeLayerBackward(z);
  assert.deepEqual([...new Set(backward.map((r) => r.method))], layerMethods());
  const at8 = (m: string) => backward.find((r) => r.method === m && r.T === 8)!;
  assert.ok(at8("bptt").seqDispatches! > at8("dsf-scan").seqDispatches!);
  assert.ok(at8("ft-bptt").seqDispatches! < at8("dsf-sequential").seqDispatches!);
  assert.equal(tf.memory().numTensors, before, "the scan and backward sweeps leak no tensor");
  const step = stepTimingRows(await timeTrainingStep(z));
  assert.equal(step.length, 3 * 5);
  assert.ok(step.every((r) => r.ms > 0 && r.ms <= r.medianMs));
  const fig = scalingChart(backward, {
    x: "T",
    where: (r) => r.D === 4,
    laws: [{ label: "∝ T", slope: 1 }],
    title: "t",
  });
  assert.ok(fig.svg.includes("∝ T"));
});
