/**
 * Small helpers to compare training methods in a notebook: validation curves in long format,
 * the share of the FT-BPTT → BPTT gap a method closes (the one formula: {@link gapClosed}), a
 * summary table, the mean gradient cosine of a run, and several `afterStep` callbacks chained
 * into one.
 *
 * @module
 */
import type { Batch } from "../data/batches.ts";
import type { LanguageModel } from "../models/model.ts";
import type { GradientMode } from "../recurrent.ts";
import type { MetricRow, TrainSummary } from "../train/trainer.ts";
import type { AlignmentRow } from "./alignment.ts";

/** One trained method (an `ExperimentResult` has these fields). */
export interface MethodRun {
  /** Its name in tables and legends. */
  label: string;
  /** The trainer's summary. */
  summary: TrainSummary;
  /** Its measurements. */
  rows: MetricRow[];
}

/** Rows `{step, ppl, method, split}` of the given split of every run, for a line chart. */
export function methodCurves(
  runs: MethodRun[],
  split: MetricRow["split"] = "valid",
): { step: number; ppl: number; method: string; split: string }[] {
  return runs.flatMap((r) =>
    r.rows.filter((m) => m.split === split).map((m) => ({
      step: m.step,
      ppl: m.ppl,
      method: r.label,
      split,
    }))
  );
}

/**
 * The share of the FT-BPTT → BPTT perplexity gap that a method closes:
 * `(ppl_FT − ppl_X) / (ppl_FT − ppl_BPTT)` (1: as good as BPTT, 0: as FT-BPTT; NaN without a gap).
 */
export function gapClosed(pplFt: number, pplX: number, pplBptt: number): number {
  const gap = pplFt - pplBptt;
  return gap > 0 ? (pplFt - pplX) / gap : NaN;
}

/**
 * {@link gapClosed} of DSF, from the three modes' perplexities (a row of the paper's tables):
 * `(ppl_FT − ppl_DSF) / (ppl_FT − ppl_BPTT)`; NaN when FT-BPTT is not worse than BPTT.
 */
export function gapClosure(ppl: Readonly<Record<GradientMode, number>>): number {
  return gapClosed(ppl["ft-bptt"], ppl.dsf, ppl.bptt);
}

/**
 * The mean cosine with the reference gradient recorded by an `alignmentMonitor` for one mode
 * and group (default `recurrent`: all recurrent weights).
 */
export function meanCosine(
  rows: AlignmentRow[],
  mode: GradientMode,
  group = "recurrent",
): number {
  const v = rows.filter((r) => r.mode === mode && r.group === group).map((r) => r.cosine);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

/** Per-method extras for {@link methodTable}. */
export interface MethodExtras {
  /** Mean gradient cosine with BPTT along the run. */
  cosine?: number;
  /** Seconds spent outside the timed steps that the method needs (e.g. λ refreshes). */
  overheadSeconds?: number;
}

/**
 * One row per method: min validation perplexity, training seconds per step (plus the method's
 * own overhead per step), the gradient cosine with BPTT and the share of the FT-BPTT → BPTT gap
 * closed (using the runs labelled `ft` and `bptt`).
 */
export function methodTable(
  runs: (MethodRun & MethodExtras)[],
  refs: { ft: string; bptt: string },
): Record<string, string | number>[] {
  const ppl = (label: string) => {
    const r = runs.find((x) => x.label === label);
    if (!r) throw new Error(`methodTable: no run labelled "${label}"`);
    return r.summary.minValPpl;
  };
  const [ft, bptt] = [ppl(refs.ft), ppl(refs.bptt)];
  return runs.map((r) => {
    const steps = Math.max(1, r.summary.steps);
    return {
      method: r.label,
      "min valid ppl": r.summary.minValPpl,
      "ms/step": (1000 * r.summary.seconds) / steps,
      "overhead ms/step": (1000 * (r.overheadSeconds ?? 0)) / steps,
      "cos with BPTT": r.cosine ?? NaN,
      "gap closed": gapClosed(ft, r.summary.minValPpl, bptt),
    };
  });
}

/** An `afterStep` callback as `runExperiment` takes it. */
export type AfterStep = (step: number, batch: Batch, model: LanguageModel) => void | Promise<void>;

/** Chains `afterStep` callbacks (awaited in order) into one. */
export function chainAfterStep(
  ...callbacks: AfterStep[]
): (step: number, batch: Batch, model: LanguageModel) => Promise<void> {
  return async (step, batch, model) => {
    for (const cb of callbacks) await cb(step, batch, model);
  };
}

/** What {@link alignmentStats} returns. */
export interface AlignmentStats {
  /** Mean cosine per mode over the measurements. */
  mean: Partial<Record<GradientMode, number>>;
  /** The first measurement's cosine per mode. */
  first: Partial<Record<GradientMode, number>>;
  /** Measurements where `a` is better aligned than `b` (same step). */
  aBetter: number;
  /** Measurements of `a` that have a `b` at the same step. */
  count: number;
}

/**
 * Summaries of an `alignmentMonitor`'s rows for one group (default `recurrent`): the mean and
 * the first cosine per mode, and how often mode `a` beats mode `b` at the same step.
 */
export function alignmentStats(
  rows: AlignmentRow[],
  compare: { a: GradientMode; b: GradientMode } = { a: "dsf", b: "ft-bptt" },
  group = "recurrent",
): AlignmentStats {
  const mine = rows.filter((r) => r.group === group);
  const mean: AlignmentStats["mean"] = {};
  const first: AlignmentStats["first"] = {};
  for (const mode of new Set(mine.map((r) => r.mode))) {
    mean[mode] = meanCosine(mine, mode, group);
    first[mode] = mine.find((r) => r.mode === mode)!.cosine;
  }
  let aBetter = 0;
  let count = 0;
  for (const r of mine.filter((r) => r.mode === compare.a)) {
    const other = mine.find((q) => q.mode === compare.b && q.step === r.step);
    if (!other) continue;
    count++;
    if (r.cosine > other.cosine) aBetter++;
  }
  return { mean, first, aBetter, count };
}

/** The cost of periodic work next to training: per refresh, in training steps, in percent. */
export function overheadStats(
  work: { seconds: number; count: number },
  summary: Pick<TrainSummary, "seconds" | "steps">,
): { msEach: number; stepsEach: number; percent: number } {
  const each = work.seconds / Math.max(1, work.count);
  const step = summary.seconds / Math.max(1, summary.steps);
  return {
    msEach: 1000 * each,
    stepsEach: each / step,
    percent: (100 * work.seconds) / summary.seconds,
  };
}
