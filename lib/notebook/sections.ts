/**
 * Helpers of the overview, DSF and complexity notebooks (§1, §3, §4 of the paper):
 *
 * - training runs as chart rows and as comparisons (orderings, ties, the share of the
 *   FT-BPTT→BPTT gap that DSF closes, `gapClosed` of lib/analysis) for the computed
 *   "What we saw" cells;
 * - the DSF feedback: a direct evaluation of the convolution sum (eq. 14) to check every
 *   {@link reverseScan} implementation against, the kernels λ^k, and feedback-range variants;
 * - small timing sweeps: the temporal backward alone (the reverse scan), the backward of one
 *   recurrent layer per mode (with its measured dependency depth), the training step through
 *   lib/bench, and log-log slopes with reference lines.
 *
 * Browser-safe (no Deno APIs): reading a committed benchmark file is the caller's, which hands
 * its text to {@link parseBenchFile}.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { gapClosed } from "../analysis/compare.ts";
import { type BenchRow, outputRow, seriesLabeller } from "../bench/results.ts";
import { temporalDepthModel, trackDispatches } from "../bench/dispatch.ts";
import { planCases, runSweep } from "../bench/sweep.ts";
import { median, settle } from "../bench/timing.ts";
import { type CellKind, createCell } from "../cells/mod.ts";
import type { Scale } from "../config/schema.ts";
import { reverseScan, type ReverseScanImpl, scanImplsFor } from "../ops/reverse_scan.ts";
import { Recurrent } from "../recurrent.ts";
import type { MetricRow, TrainSummary } from "../train/trainer.ts";
import { Rng } from "../util/rng.ts";
import { type Figure, type FigureText, lineChart } from "./plot.ts";

// ------------------------------------------------------------------ runs and comparisons

/** A training run as the notebooks hold it (an `ExperimentResult` or a committed run). */
export interface RunLike {
  /** Series name, e.g. the mode. */
  label: string;
  /** Its metric rows (train / valid / test). */
  rows: readonly MetricRow[];
  /** Its summary (steps and training seconds for the time per step). */
  summary: Pick<TrainSummary, "steps" | "seconds" | "tokens">;
}

/** One point of a training curve, ready for `lineChart`. */
export type CurveRow = {
  /** Update count. */
  step: number;
  /** Mean cross-entropy (nats). */
  loss: number;
  /** Perplexity. */
  ppl: number;
  /** train / valid / test, or a reference line's name. */
  split: string;
  /** The run's label (or a reference line's name). */
  series: string;
};

/**
 * The curves of several runs as one list of chart rows (`series` = the run's label, `split` =
 * train or valid), e.g. `lineChart(trainingCurves(runs), {x: "step", y: "loss", stroke: "series",
 * strokeDasharray: "split"})`.
 */
export function trainingCurves(
  runs: readonly RunLike[],
  options: { splits?: readonly MetricRow["split"][] } = {},
): CurveRow[] {
  const splits = options.splits ?? ["train", "valid"];
  return runs.flatMap((run) =>
    run.rows.filter((r) => splits.includes(r.split)).map((r) => ({
      step: r.step,
      loss: r.loss,
      ppl: r.ppl,
      split: r.split,
      series: run.label,
    }))
  );
}

/**
 * Two rows drawing a horizontal reference line (e.g. the chance level) from `x0` to `x1` in
 * the {@link CurveRow} shape: `loss = value`, `ppl = exp(value)`, `series = label`,
 * `split = "reference"` (give it a dash with `dashes: {reference: "2,4"}`).
 */
export function referenceLine(label: string, value: number, x0: number, x1: number): CurveRow[] {
  return [x0, x1].map((step) => ({
    step,
    loss: value,
    ppl: Math.exp(value),
    split: "reference",
    series: label,
  }));
}

/** The numbers of one run that the comparisons use. */
export interface RunStats {
  /** The run's label. */
  label: string;
  /** Validation loss at the last evaluation. */
  finalValidLoss: number;
  /** Lowest validation loss seen. */
  minValidLoss: number;
  /** exp(minValidLoss). */
  minValidPpl: number;
  /** Training loss at the last measurement. */
  finalTrainLoss: number;
  /** Updates done. */
  steps: number;
  /** Training seconds (evaluation excluded). */
  seconds: number;
  /** Training milliseconds per update. */
  msPerStep: number;
  /** Trained targets per second. */
  tokensPerSec: number;
}

/** The summary numbers of a run (NaN where it has no such rows). */
export function runStats(run: RunLike): RunStats {
  const valid = run.rows.filter((r) => r.split === "valid");
  const train = run.rows.filter((r) => r.split === "train");
  const minValidLoss = valid.length ? Math.min(...valid.map((r) => r.loss)) : NaN;
  const { steps, seconds, tokens } = run.summary;
  return {
    label: run.label,
    finalValidLoss: valid.length ? valid[valid.length - 1].loss : NaN,
    minValidLoss,
    minValidPpl: Math.exp(minValidLoss),
    finalTrainLoss: train.length ? train[train.length - 1].loss : NaN,
    steps,
    seconds,
    msPerStep: steps > 0 ? (1000 * seconds) / steps : NaN,
    tokensPerSec: seconds > 0 ? tokens / seconds : NaN,
  };
}

/** The paper's gap closures (its Table 2: WikiText-103 validation perplexity, GRU 512, by depth). */
export const PAPER_GAP_CLOSURE: readonly { layers: number; closure: number }[] = [
  { layers: 1, closure: gapClosed(56.61, 37.42, 35.59) },
  { layers: 3, closure: gapClosed(46.60, 31.54, 28.32) },
  { layers: 6, closure: gapClosed(41.35, 29.62, 25.44) },
  { layers: 12, closure: gapClosed(36.59, 28.99, 23.73) },
];

/** Options of {@link describeRuns}. */
export interface DescribeOptions {
  /** Differences below this (nats) count as a tie; default 0.01. */
  tolerance?: number;
  /** A chance-level loss to compare each run with. */
  chance?: number;
  /** Name of the chance level in the text (default "chance"). */
  chanceLabel?: string;
  /** Which loss to compare (default `minValidLoss`). */
  key?: "minValidLoss" | "finalValidLoss";
  /** Labels of the runs that span the gap (default `{ft: "ft-bptt", bptt: "bptt"}`). */
  refs?: { ft: string; bptt: string };
}

/** Formats a number to `digits` decimals. */
function fix(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : "n/a";
}

/**
 * Sentences (Markdown) comparing runs, computed from their numbers: the ordering by validation
 * loss with ties named, the share of the FT-BPTT→BPTT gap each other run closes (when the two
 * reference runs are present and the gap exceeds the tolerance), each run's distance to the
 * chance level, and the time per step relative to BPTT.
 */
export function describeRuns(stats: readonly RunStats[], options: DescribeOptions = {}): string {
  const tol = options.tolerance ?? 0.01;
  const key = options.key ?? "minValidLoss";
  const what = key === "minValidLoss" ? "lowest validation loss" : "final validation loss";
  const sorted = [...stats].sort((a, b) => a[key] - b[key]);
  const parts: string[] = [];
  let order = `${sorted[0]?.label} ${fix(sorted[0]?.[key])}`;
  for (let i = 1; i < sorted.length; i++) {
    const tie = sorted[i][key] - sorted[i - 1][key] < tol;
    order += ` ${tie ? "≈" : "<"} ${sorted[i].label} ${fix(sorted[i][key])}`;
  }
  parts.push(`- Ordering by ${what} (nats; "≈" = within ${tol}): ${order}.`);
  const spread = sorted.length ? sorted[sorted.length - 1][key] - sorted[0][key] : 0;
  if (sorted.length > 1 && spread < tol) {
    parts.push(
      `- The runs are **not apart** at this scale: all within ${fix(spread)} nats of each other.`,
    );
  }
  const by = new Map(stats.map((s) => [s.label, s]));
  const refs = options.refs ?? { ft: "ft-bptt", bptt: "bptt" };
  const ft = by.get(refs.ft);
  const bptt = by.get(refs.bptt);
  const others = stats.filter((s) => s !== ft && s !== bptt);
  if (ft && bptt && others.length) {
    if (ft[key] - bptt[key] >= tol) {
      const closed = others.map((s) =>
        `${s.label} **${Math.round(100 * gapClosed(ft[key], s[key], bptt[key])) + 0}%**`
      );
      parts.push(
        `- Share of the ${refs.ft}→${refs.bptt} gap closed (${fix(ft[key])} → ${fix(bptt[key])}): ${
          closed.join(", ")
        }.`,
      );
    } else {
      parts.push(
        `- No ${refs.ft}→${refs.bptt} gap to close: ${refs.bptt} is not ${tol} nats better ` +
          `than ${refs.ft} (${fix(ft[key])} vs ${fix(bptt[key])}).`,
      );
    }
  }
  if (options.chance !== undefined) {
    const name = options.chanceLabel ?? "chance";
    const lines = stats.map((s) => {
      const below = options.chance! - s[key];
      const where = below >= tol
        ? `is ${fix(below)} nats below`
        : below <= -tol
        ? `is ${fix(-below)} nats above`
        : "stays at";
      return `${s.label} ${where} ${name} (${fix(options.chance!)})`;
    });
    parts.push(`- Against ${name}: ${lines.join("; ")}.`);
  }
  if (bptt && Number.isFinite(bptt.msPerStep)) {
    const rel = stats.filter((s) => s !== bptt && Number.isFinite(s.msPerStep)).map((s) => {
      const r = bptt.msPerStep / s.msPerStep;
      const how = r >= 1 ? `${fix(r, 2)}× faster` : `${fix(1 / r, 2)}× slower`;
      return `${s.label} ${fix(s.msPerStep, 0)} ms (${how})`;
    });
    if (rel.length) {
      parts.push(
        `- Time per training step (training only): ${bptt.label} ${fix(bptt.msPerStep, 0)} ms; ${
          rel.join("; ")
        }.`,
      );
    }
  }
  return parts.join("\n");
}

/** A table row of a run's numbers (for `table()`), with the column names the notebooks show. */
export function statsRow(s: RunStats): Record<string, string | number> {
  return {
    run: s.label,
    "final valid loss": s.finalValidLoss,
    "min valid loss": s.minValidLoss,
    "min valid ppl": s.minValidPpl,
    "final train loss": s.finalTrainLoss,
    steps: s.steps,
    "train s": s.seconds,
    "ms / step": s.msPerStep,
    "tokens / s": Math.round(s.tokensPerSec),
  };
}

// ---------------------------------------------------------------- the feedback (§3)

/**
 * The convolution form of the DSF feedback (eq. 14), evaluated directly in double precision:
 * `δ_t = Σ_{k≥t} λ^{k−t} e_k`, O(T²·B·S), for checking the fast implementations.
 * @param e time-major [T, B, S], flattened
 * @param lambda [S]
 * @returns δ, same layout
 */
export function convolutionSum(
  e: ArrayLike<number>,
  shape: readonly [number, number, number],
  lambda: ArrayLike<number>,
): Float64Array {
  const [t, b, s] = shape;
  if (e.length !== t * b * s) throw new Error(`convolutionSum: e has ${e.length} values`);
  if (lambda.length !== s) throw new Error(`convolutionSum: λ has ${lambda.length} values`);
  const out = new Float64Array(t * b * s);
  const stride = b * s;
  for (let i = 0; i < t; i++) {
    for (let j = 0; j < stride; j++) {
      const l = lambda[j % s];
      let sum = 0;
      let p = 1;
      for (let k = i; k < t; k++) {
        sum += p * e[k * stride + j];
        p *= l;
      }
      out[i * stride + j] = sum;
    }
  }
  return out;
}

/** One row of {@link scanAgreement}. */
export type AgreementRow = {
  /** The reverse-scan implementation. */
  impl: string;
  /** Largest |δ_impl − δ_direct|. */
  maxAbsDiff: number;
  /** That, relative to the largest |δ_direct|. */
  relDiff: number;
};

/**
 * Runs every reverse-scan implementation on the active backend ({@link scanImplsFor}) on random
 * e ~ U(−1, 1) and compares it with {@link convolutionSum}.
 */
export async function scanAgreement(spec: {
  T: number;
  B: number;
  lambda: ArrayLike<number>;
  seed?: number;
  impls?: readonly ReverseScanImpl[];
}): Promise<AgreementRow[]> {
  const { T, B } = spec;
  const s = spec.lambda.length;
  const rng = new Rng(spec.seed ?? 0);
  const e = new Float32Array(T * B * s).map(() => rng.uniform(-1, 1));
  const direct = convolutionSum(e, [T, B, s], spec.lambda);
  let scale = 0;
  for (const v of direct) scale = Math.max(scale, Math.abs(v));
  const eT = tf.tensor3d(e, [T, B, s]);
  const lT = tf.tensor1d(Float32Array.from(spec.lambda));
  const rows: AgreementRow[] = [];
  try {
    for (const impl of spec.impls ?? scanImplsFor()) {
      const d = reverseScan(eT, lT, { impl });
      const got = await d.data();
      d.dispose();
      let diff = 0;
      for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - direct[i]));
      rows.push({ impl, maxAbsDiff: diff, relDiff: scale > 0 ? diff / scale : diff });
    }
  } finally {
    tf.dispose([eT, lT]);
  }
  return rows;
}

/**
 * The largest difference between the weight gradients of one layer in `ft-bptt` mode and in
 * `dsf` mode with λ = 0 (FT-BPTT is DSF with Λ = 0): 0 up to rounding.
 */
export async function zeroFeedbackGap(
  spec: { cell?: CellKind; T: number; B: number; D: number; seed?: number },
): Promise<number> {
  const cellKind = spec.cell ?? "gru";
  const grads = (mode: "ft-bptt" | "dsf") => {
    const cell = createCell(cellKind, { input: spec.D, hidden: spec.D }, { seed: spec.seed });
    const s = cell.stateSize;
    const layer = new Recurrent(cell, { mode, feedback: new Float32Array(s) });
    const r = new Rng((spec.seed ?? 0) + 7);
    const x = tf.tensor3d(
      new Float32Array(spec.T * spec.B * spec.D).map(() => r.uniform(-1, 1)),
      [spec.T, spec.B, spec.D],
    );
    const dy = tf.tensor3d(
      new Float32Array(spec.T * spec.B * s).map(() => r.uniform(-1, 1)),
      [spec.T, spec.B, s],
    );
    const vars = Object.values(cell.params);
    const { grads: g } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.applyTimeMajor(x), dy)) as tf.Scalar,
      vars,
    );
    const out = vars.map((v) => g[v.name]);
    tf.dispose([x, dy]);
    layer.dispose();
    return out;
  };
  const a = grads("ft-bptt");
  const b = grads("dsf");
  let gap = 0;
  for (let i = 0; i < a.length; i++) {
    const [va, vb] = await Promise.all([a[i].data(), b[i].data()]);
    for (let j = 0; j < va.length; j++) gap = Math.max(gap, Math.abs(va[j] - vb[j]));
  }
  tf.dispose([...a, ...b]);
  return gap;
}

/** One point of a feedback kernel λ^k. */
export type KernelRow = {
  /** Lag k (steps into the future). */
  k: number;
  /** Weight λ^k of e_{t+k} in δ_t. */
  weight: number;
  /** Which kernel, e.g. "λ = 0.5". */
  kernel: string;
  /** "channel", "mean" or "power law" (for the line style). */
  style: string;
};

/**
 * The kernels λ^k for k = 0..K of a few λ, plus the mean kernel of a whole feedback vector
 * (`mean` given: e.g. linspace(0, 1, S), whose mean is ≈ 1/(k+1) — a power law from a mixture
 * of exponentials) and that power law itself.
 */
export function kernelRows(
  lambdas: readonly number[],
  maxLag: number,
  mean?: { label: string; values: ArrayLike<number> },
): KernelRow[] {
  const rows: KernelRow[] = [];
  for (const l of lambdas) {
    const name = `λ = ${Number(l.toPrecision(3))}`;
    for (let k = 0; k <= maxLag; k++) {
      rows.push({ k, weight: l ** k, kernel: name, style: "channel" });
    }
  }
  if (mean) {
    const v = Array.from(mean.values);
    for (let k = 0; k <= maxLag; k++) {
      const m = v.reduce((a, l) => a + l ** k, 0) / v.length;
      rows.push({ k, weight: m, kernel: mean.label, style: "mean" });
      rows.push({ k, weight: 1 / (k + 1), kernel: "1/(k+1)", style: "power law" });
    }
  }
  return rows;
}

/** A feedback variant for a training run: its label and its `set` overrides. */
export interface FeedbackVariant {
  /** E.g. "linspace [0, 0.5]". */
  label: string;
  /** Overrides for `runExperiment`. */
  set: string[];
}

/**
 * Feedback variants from `init` and a range, as `set` overrides (mode dsf):
 * `feedbackVariant("linspace", 0, 1)` → `feedback.init=linspace`, `feedback.low=0`, ….
 */
export function feedbackVariant(
  init: "linspace" | "uniform",
  low: number,
  high: number,
  label?: string,
): FeedbackVariant {
  return {
    label: label ?? `${init} [${low}, ${high}]`,
    set: ["mode=dsf", `feedback.init=${init}`, `feedback.low=${low}`, `feedback.high=${high}`],
  };
}

// ------------------------------------------------------------------ timing (§4, Table 1)

/** Sizes of the complexity sweeps at a scale. */
export interface ComplexitySizes {
  /** Sequence lengths of the sweeps vs T. */
  Ts: number[];
  /** Hidden width of the sweeps vs T. */
  D: number;
  /** Hidden widths of the sweeps vs D. */
  Ds: number[];
  /** Sequence length of the sweeps vs D. */
  T: number;
  /** Batch. */
  B: number;
  /** Least timed runs per case. */
  runs: number;
  /**
   * Least milliseconds of untimed warm-up per case, and of timed runs: the JavaScript engine
   * needs dozens of calls before tfjs's per-kernel bookkeeping is compiled, and the minimum of
   * many short runs is the least disturbed by other processes.
   */
  warmupMs: number;
  /** Least milliseconds of timed runs per case (up to 200 runs). */
  measureMs: number;
  /** Timed training steps per case (after 3 warm-up steps; 1 at smoke). */
  stepRuns: number;
}

/** The sweep sizes per scale: smoke seconds, quick about a minute on a 2-core CPU. */
export function complexitySizes(scale: Scale): ComplexitySizes {
  switch (scale) {
    case "smoke":
      return {
        Ts: [8, 16, 32],
        D: 16,
        Ds: [8, 16, 32],
        T: 16,
        B: 4,
        runs: 1,
        warmupMs: 0,
        measureMs: 0,
        stepRuns: 1,
      };
    case "quick":
      return {
        Ts: [16, 32, 64, 128],
        D: 32,
        Ds: [16, 32, 64, 128],
        T: 32,
        B: 16,
        runs: 3,
        warmupMs: 150,
        measureMs: 150,
        stepRuns: 5,
      };
    case "small":
      return {
        Ts: [32, 64, 128, 256, 512],
        D: 64,
        Ds: [32, 64, 128, 256],
        T: 128,
        B: 32,
        runs: 5,
        warmupMs: 500,
        measureMs: 500,
        stepRuns: 5,
      };
    case "paper":
      return {
        Ts: [64, 128, 256, 512, 1024, 2048],
        D: 256,
        Ds: [64, 128, 256, 512, 1024],
        T: 256,
        B: 32,
        runs: 5,
        warmupMs: 1000,
        measureMs: 1000,
        stepRuns: 5,
      };
  }
}

/** One measured time. */
export type TimingRow = {
  /** Method, e.g. "bptt", "dsf-scan", "scan". */
  method: string;
  /** Sequence length. */
  T: number;
  /** Hidden (state) width. */
  D: number;
  /** Batch. */
  B: number;
  /** Fastest of the timed runs, ms (the least disturbed by other processes). */
  ms: number;
  /** Median of the timed runs, ms. */
  medianMs: number;
  /** Longest chain of dependent kernels (measured), when tracked. */
  seqDispatches?: number;
  /** Kernels run (measured), when tracked. */
  kernels?: number;
};

/** What {@link timeBoxed} measured, ms. */
export interface BoxedTiming {
  /** Fastest timed run. */
  minMs: number;
  /** Median timed run. */
  medianMs: number;
  /** Timed runs done. */
  runs: number;
}

/**
 * Times `run` (which returns a tensor to wait on, disposed here): untimed runs until at least
 * one and `warmupMs` have passed, then timed runs until at least `runs` and `measureMs` have
 * passed (at most `maxRuns`, default 200).
 */
export async function timeBoxed(
  run: () => tf.Tensor,
  options: { runs: number; warmupMs: number; measureMs: number; maxRuns?: number },
): Promise<BoxedTiming> {
  const once = async () => {
    const t0 = performance.now();
    const out = run();
    await settle(out);
    out.dispose();
    return performance.now() - t0;
  };
  const maxRuns = options.maxRuns ?? 200;
  let spent = 0;
  for (let i = 0; i < maxRuns && (i < 1 || spent < options.warmupMs); i++) spent += await once();
  const samples: number[] = [];
  spent = 0;
  while (
    samples.length < maxRuns && (samples.length < options.runs || spent < options.measureMs)
  ) {
    const ms = await once();
    samples.push(ms);
    spent += ms;
  }
  return { minMs: Math.min(...samples), medianMs: median(samples), runs: samples.length };
}

function randomTensor3d(shape: [number, number, number], rng: Rng): tf.Tensor3D {
  const n = shape[0] * shape[1] * shape[2];
  return tf.tensor3d(new Float32Array(n).map(() => rng.uniform(-1, 1)), shape);
}

/** The (T, D) shapes of a sweep vs T at width D, then vs D at length T (no duplicates). */
export function sweepShapes(z: Pick<ComplexitySizes, "Ts" | "D" | "Ds" | "T">): [number, number][] {
  const out: [number, number][] = [];
  const seen = new Set<string>();
  for (const [t, d] of [...z.Ts.map((t) => [t, z.D]), ...z.Ds.map((d) => [z.T, d])]) {
    const k = `${t}|${d}`;
    if (!seen.has(k)) out.push([t, d]);
    seen.add(k);
  }
  return out;
}

/**
 * Times the temporal part of the DSF backward alone: {@link reverseScan} of e [T, B, D] with
 * λ = linspace(0, 1, D), per implementation, with its measured dependency depth.
 */
export async function timeReverseScan(
  z: ComplexitySizes,
  impls: readonly ReverseScanImpl[] = scanImplsFor(),
): Promise<TimingRow[]> {
  const rows: TimingRow[] = [];
  for (const [T, D] of sweepShapes(z)) {
    const rng = new Rng(T * 1000 + D);
    const e = randomTensor3d([T, z.B, D], rng);
    const lambda = tf.linspace(0, 1, D) as tf.Tensor1D;
    try {
      for (const impl of impls) {
        rows.push(
          await measureRow(() => reverseScan(e, lambda, { impl }), { method: impl, T, D, z }),
        );
      }
    } finally {
      tf.dispose([e, lambda]);
    }
  }
  return rows;
}

/** Times `run` (fastest and median of {@link timeBoxed}) and measures its dependency depth. */
async function measureRow(
  run: () => tf.Tensor,
  at: { method: string; T: number; D: number; z: ComplexitySizes },
): Promise<TimingRow> {
  const t = await timeBoxed(run, at.z);
  const d = trackDispatches(run);
  await d.result.data();
  d.result.dispose();
  return {
    method: at.method,
    T: at.T,
    D: at.D,
    B: at.z.B,
    ms: t.minMs,
    medianMs: t.medianMs,
    seqDispatches: d.criticalPath,
    kernels: d.kernels,
  };
}

/** A layer-backward method: a mode, and for dsf its scan implementation. */
export type LayerMethod = "bptt" | "ft-bptt" | `dsf-${ReverseScanImpl}`;

/** The layer-backward methods on the active backend: bptt, ft-bptt, dsf-<each impl>. */
export function layerMethods(impls: readonly ReverseScanImpl[] = scanImplsFor()): LayerMethod[] {
  return ["bptt", "ft-bptt", ...impls.map((i) => `dsf-${i}` as LayerMethod)];
}

/**
 * Times the backward of one recurrent layer alone (the fused cell's hand-written backwards,
 * on activations kept by one forward): BPTT's `bpttBackward(e)` against the local backward
 * after the temporal part — none (FT-BPTT) or a reverse scan (DSF). Also measures each one's
 * dependency depth (the longest chain of dependent kernels).
 */
export async function timeLayerBackward(
  z: ComplexitySizes,
  options: { cell?: CellKind; methods?: readonly LayerMethod[] } = {},
): Promise<TimingRow[]> {
  const kind = options.cell ?? "gru";
  const methods = options.methods ?? layerMethods();
  const rows: TimingRow[] = [];
  for (const [T, D] of sweepShapes(z)) {
    const cell = createCell(kind, { input: D, hidden: D }, { seed: 0 });
    const fused = cell.fused;
    if (!fused) throw new Error(`timeLayerBackward: the ${kind} cell has no fused path`);
    const rng = new Rng(T * 1000 + D + 1);
    const x = randomTensor3d([T, z.B, D], rng);
    const weights = Object.values(cell.params) as tf.Tensor[];
    const fwd = fused.forward(x, weights, { keep: true });
    const e = randomTensor3d([T, z.B, cell.stateSize], rng);
    const lambda = tf.linspace(0, 1, cell.stateSize) as tf.Tensor1D;
    const args = { x, states: fwd.states, saved: fwd.saved, weights };
    try {
      for (const method of methods) {
        const run = () =>
          tf.tidy(() => {
            let g;
            if (method === "bptt") g = fused.bpttBackward(e, args);
            else if (method === "ft-bptt") g = fused.localBackward(e, args);
            else {
              const impl = method.slice(4) as ReverseScanImpl;
              g = fused.localBackward(reverseScan(e, lambda, { impl }), args);
            }
            // One tensor that depends on every output, to wait on.
            return tf.addN([tf.sum(g.dx), ...g.dWeights.map((w) => tf.sum(w))]);
          });
        // The final sum adds a few kernels of depth; the same for every method.
        rows.push(await measureRow(run, { method, T, D, z }));
      }
    } finally {
      tf.dispose([x, e, lambda, fwd.states, ...fwd.saved]);
      for (const v of Object.values(cell.params)) v.dispose();
    }
  }
  return rows;
}

/**
 * Times a full training step of one recurrent layer (forward + backward + Adam) per mode and
 * DSF implementation, through lib/bench's sweep (median of `runs`, with the backward's measured
 * dispatch depth), at the shapes of {@link sweepShapes}.
 */
export async function timeTrainingStep(
  z: ComplexitySizes,
  options: {
    cell?: CellKind;
    impls?: readonly ReverseScanImpl[];
    backend?: string;
    budgetMs?: number;
    log?: (line: string) => void;
  } = {},
): Promise<BenchRow[]> {
  const backend = options.backend ?? tf.getBackend();
  const cell = options.cell ?? "gru";
  const impls = [...(options.impls ?? scanImplsFor(backend))];
  const rows: BenchRow[] = [];
  for (const [T, D] of sweepShapes(z)) {
    const cases = planCases({ cells: [cell], Ts: [T], Ds: [D], B: z.B, backend, impls });
    const res = await runSweep(cases, {
      warmup: z.stepRuns > 1 ? 3 : 1,
      runs: z.stepRuns,
      budgetMs: options.budgetMs,
    }, {
      done: new Map(),
      save: () => Promise.resolve(),
      log: options.log ?? (() => {}),
    });
    rows.push(...res.rows);
  }
  return rows;
}

/**
 * The least-squares slope of log y against log x (the exponent of a power law y ∝ x^p).
 * NaN with fewer than two usable (positive) points.
 */
export function loglogSlope(points: readonly { x: number; y: number }[]): number {
  const p = points.filter((q) => q.x > 0 && q.y > 0 && Number.isFinite(q.x + q.y));
  if (p.length < 2) return NaN;
  const lx = p.map((q) => Math.log(q.x));
  const ly = p.map((q) => Math.log(q.y));
  const mx = lx.reduce((a, b) => a + b, 0) / p.length;
  const my = ly.reduce((a, b) => a + b, 0) / p.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < p.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den > 0 ? num / den : NaN;
}

/**
 * Log-log slope of `y` against `x` per value of `series`, over the rows that `where` keeps.
 * @returns `{series, slope, points}` per series, in first-appearance order
 */
export function slopesBy<R extends Record<string, unknown>>(
  rows: readonly R[],
  fields: { x: keyof R; y: keyof R; series: keyof R },
  where: (r: R) => boolean = () => true,
): { series: string; slope: number; points: number }[] {
  const groups = new Map<string, { x: number; y: number }[]>();
  for (const r of rows.filter(where)) {
    const k = String(r[fields.series]);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push({ x: Number(r[fields.x]), y: Number(r[fields.y]) });
  }
  return [...groups].map(([series, pts]) => ({
    series,
    slope: loglogSlope(pts),
    points: pts.length,
  }));
}

/**
 * Rows of reference power laws y = c·x^p over [x0, x1] for a log-log chart, anchored so that
 * each line passes through (x0, y0): `{[x], [y], [series]: label, [style]: "reference"}`.
 */
export function slopeLines(
  fields: { x: string; y: string; series: string; style?: string },
  anchor: { x0: number; x1: number; y0: number },
  laws: readonly { label: string; slope: number }[],
): Record<string, string | number>[] {
  const out: Record<string, string | number>[] = [];
  for (const law of laws) {
    for (const x of [anchor.x0, anchor.x1]) {
      const row: Record<string, string | number> = {
        [fields.x]: x,
        [fields.y]: anchor.y0 * (x / anchor.x0) ** law.slope,
        [fields.series]: law.label,
      };
      if (fields.style) row[fields.style] = "reference";
      out.push(row);
    }
  }
  return out;
}

/** A benchmark result file as `deno task bench` writes it (`<out>/bench.json`). */
export interface BenchFile {
  /** Machine facts: backend line, date, Deno version, arguments. */
  meta: { backend?: string; date?: string; deno?: string; args?: string[] };
  /** Measured rows. */
  rows: BenchRow[];
}

/** Parses a benchmark JSON file's text; throws when it is not one. */
export function parseBenchFile(text: string): BenchFile {
  const raw = JSON.parse(text);
  if (!raw || typeof raw !== "object" || !Array.isArray(raw.rows)) {
    throw new Error("parseBenchFile: not a benchmark result (no rows array)");
  }
  const rows = (raw.rows as Record<string, unknown>[]).filter((r) =>
    typeof r.mode === "string" && typeof r.stepMs === "number" && typeof r.T === "number"
  ).map((r) => ({ unit: "layer", impl: "-", ...r }) as unknown as BenchRow);
  return { meta: raw.meta ?? {}, rows };
}

/** The JSON form of bench rows, as the CLI writes them (for tables). */
export function benchRowsForTable(rows: readonly BenchRow[]): Record<string, unknown>[] {
  const label = seriesLabeller(rows);
  return rows.map((r) => {
    const o = outputRow(r);
    return {
      method: label(r),
      T: o.T,
      D: o.D,
      B: o.B,
      "step ms": o.stepMs,
      "fwd ms": o.forwardMs,
      "seq dispatches": o.seqDispatches,
    };
  });
}

/** Bench rows (lib/bench) as {@link TimingRow}s: `ms` = fastest step, `medianMs` = median. */
export function stepTimingRows(rows: readonly BenchRow[]): TimingRow[] {
  const label = seriesLabeller(rows);
  return rows.map((r) => ({
    method: label(r),
    T: r.T,
    D: r.D,
    B: r.B,
    ms: r.stepMinMs,
    medianMs: r.stepMs,
    ...(r.seqDispatches === null ? {} : { seqDispatches: r.seqDispatches }),
    ...(r.backwardKernels == null ? {} : { kernels: r.backwardKernels }),
  }));
}

/** Options of {@link scalingChart}. */
export interface ScalingChartOptions extends FigureText {
  /** The swept size on the x axis. */
  x: "T" | "D";
  /** What to plot (default `ms`). */
  y?: "ms" | "medianMs" | "seqDispatches";
  /** Which rows (e.g. the sweep vs T at one D). */
  where?: (r: TimingRow) => boolean;
  /** Reference power laws x^slope, drawn dashed through the mean of the first points. */
  laws?: readonly { label: string; slope: number }[];
  /** Y axis label. */
  yLabel?: string;
}

/**
 * A log-log chart of timing rows against T or D, one solid line per method, with dashed
 * reference power laws (e.g. slope 1 for O(T), 2 for O(D²)) anchored at the geometric mean of
 * the methods' values at the smallest x.
 */
export function scalingChart(rows: readonly TimingRow[], options: ScalingChartOptions): Figure {
  const y = options.y ?? "ms";
  const kept = rows.filter((r) => (options.where ?? (() => true))(r)).filter((r) =>
    typeof r[y] === "number" && (r[y] as number) > 0
  );
  const data: Record<string, string | number>[] = kept.map((r) => ({
    x: r[options.x],
    y: r[y] as number,
    series: r.method,
    kind: "measured",
  }));
  const xs = data.map((d) => d.x as number);
  if (options.laws?.length && xs.length) {
    const x0 = Math.min(...xs);
    const first = data.filter((d) => d.x === x0).map((d) => Math.log(d.y as number));
    const y0 = Math.exp(first.reduce((a, b) => a + b, 0) / first.length);
    data.push(...slopeLines(
      { x: "x", y: "y", series: "series", style: "kind" },
      { x0, x1: Math.max(...xs), y0 },
      options.laws,
    ));
  }
  return lineChart(data, {
    x: "x",
    y: "y",
    stroke: "series",
    strokeDasharray: "kind",
    dashes: { measured: "", reference: "5,4" },
    logX: true,
    logY: true,
    marker: true,
    xLabel: options.x === "T" ? "sequence length T" : "hidden width D",
    yLabel: options.yLabel ?? (y === "seqDispatches" ? "dependent kernels (critical path)" : "ms"),
    title: options.title,
    subtitle: options.subtitle,
    caption: options.caption,
    meta: options.meta,
  });
}

/**
 * Table 1's dependent steps of the temporal backward for a method label ("bptt", "ft-bptt",
 * "dsf-scan", or a bare scan implementation "scan"), from lib/bench's `temporalDepthModel`.
 */
export function modelDepth(method: string, t: number): number {
  if (method === "bptt" || method === "ft-bptt") return temporalDepthModel(method, "-", t);
  const impl = method.startsWith("dsf-") ? method.slice(4) : method;
  return temporalDepthModel("dsf", impl, t);
}

/**
 * Per method: the measured dependency depth at each T, Table 1's model of the temporal depth
 * at each T ({@link modelDepth}), and the measured kernels per model step (the slope of depth
 * against the model between the smallest and largest T; NaN when the model does not grow).
 */
export function depthTable(
  rows: readonly TimingRow[],
  where: (r: TimingRow) => boolean = () => true,
): Record<string, string | number>[] {
  const kept = rows.filter(where).filter((r) => r.seqDispatches !== undefined);
  const methods = [...new Set(kept.map((r) => r.method))];
  const Ts = [...new Set(kept.map((r) => r.T))].sort((a, b) => a - b);
  return methods.map((m) => {
    const out: Record<string, string | number> = { method: m };
    const byT = new Map(kept.filter((r) => r.method === m).map((r) => [r.T, r.seqDispatches!]));
    for (const t of Ts) out[`T=${t}`] = byT.get(t) ?? NaN;
    for (const t of Ts) out[`model T=${t}`] = modelDepth(m, t);
    const [a, b] = [Ts[0], Ts[Ts.length - 1]];
    const dm = modelDepth(m, b) - modelDepth(m, a);
    out["kernels / model step"] = dm > 0 ? ((byT.get(b) ?? NaN) - (byT.get(a) ?? NaN)) / dm : NaN;
    return out;
  });
}

/**
 * Time ratios `num / den` per x (e.g. BPTT's backward over DSF's at each T): one row per x
 * value, one column per denominator method, named `${num} / ${den}`.
 */
export function ratioRows(
  rows: readonly TimingRow[],
  options: { num: string; den: readonly string[]; x: "T" | "D"; where?: (r: TimingRow) => boolean },
): Record<string, number>[] {
  const kept = rows.filter(options.where ?? (() => true));
  const xs = [...new Set(kept.map((r) => r[options.x]))].sort((a, b) => a - b);
  const at = (m: string, x: number) =>
    kept.find((r) => r.method === m && r[options.x] === x)?.ms ?? NaN;
  return xs.map((x) => {
    const row: Record<string, number> = { [options.x]: x };
    for (const d of options.den) row[`${options.num} / ${d}`] = at(options.num, x) / at(d, x);
    return row;
  });
}

/** One sweep for {@link slopeTable}: its rows, the swept size, and which rows to keep. */
export interface SlopeSet {
  /** Column name, e.g. "scan vs T". */
  name: string;
  /** The timing rows. */
  rows: readonly TimingRow[];
  /** The swept size. */
  x: "T" | "D";
  /** Which rows (e.g. `r.D === 32`). */
  where?: (r: TimingRow) => boolean;
}

/**
 * Log-log slopes of time against the swept size, one row per method and one column per sweep
 * (the measured exponent p of time ∝ size^p; compare with Table 1's).
 */
export function slopeTable(sets: readonly SlopeSet[]): Record<string, string | number>[] {
  const methods: string[] = [];
  const cols = sets.map((set) => {
    const slopes = slopesBy(set.rows, { x: set.x, y: "ms", series: "method" }, set.where);
    for (const s of slopes) if (!methods.includes(s.series)) methods.push(s.series);
    return new Map(slopes.map((s) => [s.series, s.slope]));
  });
  return methods.map((m) => {
    const row: Record<string, string | number> = { method: m };
    sets.forEach((set, i) => (row[set.name] = cols[i].get(m) ?? NaN));
    return row;
  });
}

/**
 * The step-time figure of a committed benchmark file: its layer rows of one cell (default gru)
 * at the hidden width with the most sequence lengths, log-log against T, captioned with the
 * file's machine and date. Null when the file has no such rows.
 */
export function benchFileFigure(
  file: BenchFile,
  options: { name: string; cell?: string },
): Figure | null {
  const cell = options.cell ?? "gru";
  const layer = file.rows.filter((r) => (r.unit ?? "layer") === "layer" && r.cell === cell);
  const ts = new Map<number, Set<number>>();
  for (const r of layer) ts.set(r.D, (ts.get(r.D) ?? new Set()).add(r.T));
  const best = [...ts].sort((a, b) => b[1].size - a[1].size || b[0] - a[0])[0];
  if (!best || best[1].size < 2) return null;
  const D = best[0];
  return scalingChart(stepTimingRows(layer), {
    x: "T",
    where: (r) => r.D === D,
    laws: [{ label: "∝ T", slope: 1 }],
    title: `Committed sweep: training step vs T, one ${cell.toUpperCase()} layer, D = ${D}`,
    subtitle: `${options.name}: ${file.meta.backend ?? "backend not recorded"}`,
    caption: `measured ${file.meta.date ?? "(no date)"}, Deno ${file.meta.deno ?? "?"}; ` +
      `args: ${(file.meta.args ?? []).join(" ") || "(none)"}; fastest of the timed runs`,
  });
}

/** What {@link complexityFindings} reads. */
export interface ComplexityResults {
  /** The sweep sizes. */
  z: ComplexitySizes;
  /** {@link timeReverseScan} rows. */
  scan: readonly TimingRow[];
  /** {@link timeLayerBackward} rows. */
  backward: readonly TimingRow[];
  /** {@link stepTimingRows} of {@link timeTrainingStep}. */
  step: readonly TimingRow[];
}

function slopeWord(p: number, expected: number): string {
  if (!Number.isFinite(p)) return "n/a";
  const how = p < 0.5 * expected
    ? "far below"
    : p < 0.8 * expected
    ? "below"
    : p <= 1.25 * expected
    ? "close to"
    : "above";
  return `${p.toFixed(2)} (${how} ${expected})`;
}

/**
 * The "What we saw" bullets of the complexity notebook, computed from its sweeps: BPTT's layer
 * backward against the others at the largest T (and how that ratio grows with T), the measured
 * dependency depths against Table 1's model, and the log-log slopes against Table 1's exponents.
 */
export function complexityFindings(r: ComplexityResults): string {
  const { z } = r;
  const t0 = Math.min(...z.Ts);
  const t1 = Math.max(...z.Ts);
  const atD = (x: TimingRow) => x.D === z.D;
  const atT = (x: TimingRow) => x.T === z.T;
  const ms = (rows: readonly TimingRow[], m: string, t: number) =>
    rows.find((x) => x.method === m && x.T === t && x.D === z.D)?.ms ?? NaN;
  const others = [...new Set(r.backward.map((x) => x.method))].filter((m) => m !== "bptt");
  const lines: string[] = [];
  const ratio = (rows: readonly TimingRow[], m: string, t: number) =>
    ms(rows, "bptt", t) / ms(rows, m, t);
  lines.push(
    `- **Layer backward, BPTT vs the others** (D = ${z.D}): BPTT takes ` +
      others.map((m) => `${fix(ratio(r.backward, m, t1), 2)}× ${m}`).join(", ") +
      ` at T = ${t1} (at T = ${t0}: ` +
      others.map((m) => `${fix(ratio(r.backward, m, t0), 2)}×`).join(", ") + ").",
  );
  const stepOthers = [...new Set(r.step.map((x) => x.method))].filter((m) => m !== "bptt");
  lines.push(
    `- **Training step** (forward + backward + Adam) at T = ${t1}: BPTT takes ` +
      stepOthers.map((m) => `${fix(ratio(r.step, m, t1), 2)}× ${m}`).join(", ") + ".",
  );
  const depth = depthTable(r.backward, atD);
  const dep = (m: string) => depth.find((d) => d.method === m);
  const depthText = depth.map((d) => {
    const per = Number(d["kernels / model step"]);
    return `${d.method} ${d[`T=${t0}`]} → ${d[`T=${t1}`]}` +
      (Number.isFinite(per) ? ` (${fix(per, 2)} kernels per model step)` : "");
  });
  lines.push(
    `- **Dependent kernels** in the layer backward, T = ${t0} → ${t1}: ${depthText.join("; ")}.` +
      (dep("bptt") && dep("dsf-scan")
        ? ` At T = ${t1} BPTT's chain is ${
          fix(Number(dep("bptt")![`T=${t1}`]) / Number(dep("dsf-scan")![`T=${t1}`]), 1)
        }× DSF-scan's.`
        : ""),
  );
  const slopes = (rows: readonly TimingRow[], x: "T" | "D", where: (r: TimingRow) => boolean) =>
    new Map(slopesBy(rows, { x, y: "ms", series: "method" }, where).map((s) => [s.series, s]));
  const bwT = slopes(r.backward, "T", atD);
  const bwD = slopes(r.backward, "D", atT);
  const scT = slopes(r.scan, "T", atD);
  const scD = slopes(r.scan, "D", atT);
  const list = (m: Map<string, { slope: number }>, expected: (k: string) => number) =>
    [...m].map(([k, v]) => `${k} ${slopeWord(v.slope, expected(k))}`).join(", ");
  lines.push(
    `- **Slopes vs T** (Table 1: 1): reverse scan alone ${list(scT, () => 1)}; ` +
      `layer backward ${list(bwT, () => 1)}.`,
  );
  lines.push(
    `- **Slopes vs D** (Table 1: 1 for the scan; 2 for BPTT and for every local term): ` +
      `reverse scan alone ${list(scD, () => 1)}; layer backward ${list(bwD, () => 2)}.`,
  );
  const all = [...bwT.values(), ...bwD.values(), ...scT.values(), ...scD.values()].map((s) =>
    s.slope
  );
  const low = all.filter((p) => p < 0.5).length;
  lines.push(
    low > all.length / 2
      ? `- ${low} of ${all.length} slopes are below 0.5: at these sizes fixed per-kernel costs ` +
        "dominate, so time follows the number of kernels dispatched more than the flops; the " +
        "full sweep (`deno task bench`) reaches sizes where the flops count."
      : `- ${all.length - low} of ${all.length} slopes are at least 0.5: at these sizes the work ` +
        "begins to show through the per-kernel costs.",
  );
  return lines.join("\n");
}
