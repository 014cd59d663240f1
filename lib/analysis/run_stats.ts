/**
 * Training runs as the notebooks compare them: their curves as chart rows (with reference
 * lines such as a chance level), and the numbers of each run (final and lowest validation
 * loss, time per update, throughput) as {@link RunStats} and as a table row.
 *
 * @module
 */
import type { MetricRow, TrainSummary } from "../train/trainer.ts";

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
