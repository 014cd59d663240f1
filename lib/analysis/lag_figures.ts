/**
 * The figures of the per-lag comparison (`lag_summary.ts`), one line per feedback in its method
 * colour (`lib/plot/method_colors.ts`): the cosine with BPTT's δ against k, the steps to the
 * row's end (log x, at each bucket's k + 1 = 1, 2, 4, …), the norm ratio ‖δ̃‖/‖δ‖ against k,
 * the cosine against t, and each channel group's share of the gradient's squared norm.
 *
 * @module
 */
import { type Figure, type FigureMeta, lineChart } from "../plot/mod.ts";
import type { LagFeedback } from "./lag_alignment.ts";
import type { FeedbackLags } from "./lag_summary.ts";

const K_AXIS = "k + 1 (k = len − 1 − t: steps to the row's last real step; bucket start)";

function bucketRows(
  feedbacks: readonly FeedbackLags[],
  value: (q: FeedbackLags["byLag"][number]) => number,
  skip: readonly LagFeedback[] = [],
) {
  return feedbacks.filter((f) => !skip.includes(f.feedback)).flatMap((f) =>
    f.byLag.map((q) => ({ k1: q.kMin + 1, value: value(q), feedback: f.feedback }))
  );
}

/** cos(δ̃_t, δ_t) against k (log x), one line per feedback but BPTT. */
export function lagCosineChart(feedbacks: readonly FeedbackLags[], meta: FigureMeta): Figure {
  const rows = bucketRows(feedbacks, (q) => q.cosine, ["bptt"]);
  return lineChart(rows, {
    x: "k1",
    y: "value",
    stroke: "feedback",
    logX: true,
    marker: true,
    yDomain: [Math.min(0, ...rows.map((r) => r.value)), 1],
    title: "How well does each feedback's state gradient point like BPTT's, by lag?",
    subtitle: "cos(δ̃_t, δ_t) over the state channels, mean over the real positions of a bucket",
    xLabel: K_AXIS,
    yLabel: "cosine with BPTT's δ_t",
    caption: "At k = 0 every δ̃ equals e_t = δ_t; the further a step is from the row's end, the " +
      "more of δ_t comes through the Jacobians that a diagonal feedback approximates.",
    meta,
  });
}

/** ‖δ̃‖/‖δ‖ (RMS over each bucket's positions) against k, log-log, with a line at 1. */
export function lagNormChart(feedbacks: readonly FeedbackLags[], meta: FigureMeta): Figure {
  const rows = bucketRows(feedbacks, (q) => q.normRatio, ["bptt"]);
  const ks = rows.map((r) => r.k1);
  return lineChart(rows, {
    x: "k1",
    y: "value",
    stroke: "feedback",
    logX: true,
    logY: true,
    marker: true,
    references: [{
      label: "1: the norm of BPTT's δ_t",
      points: [Math.min(...ks), Math.max(...ks)].map((x) => ({ x, y: 1 })),
      dash: "1.5,3",
    }],
    title: "Does each feedback's state gradient have BPTT's size, by lag?",
    subtitle: "RMS ‖δ̃_t‖ / RMS ‖δ_t‖ over the real positions of a bucket",
    xLabel: K_AXIS,
    yLabel: "norm ratio ‖δ̃‖ / ‖δ‖",
    meta,
  });
}

/** cos(δ̃_t, δ_t) against the step t. */
export function stepCosineChart(feedbacks: readonly FeedbackLags[], meta: FigureMeta): Figure {
  const rows = feedbacks.filter((f) => f.feedback !== "bptt").flatMap((f) =>
    f.cosineByStep.flatMap((c, t) => (c === null ? [] : [{ t, value: c, feedback: f.feedback }]))
  );
  return lineChart(rows, {
    x: "t",
    y: "value",
    stroke: "feedback",
    yDomain: [Math.min(0, ...rows.map((r) => r.value)), 1],
    title: "Cosine with BPTT's state gradient, by step",
    subtitle: "cos(δ̃_t, δ_t) over the state channels, mean over the rows real at t",
    xLabel: "t (step of the sequence)",
    yLabel: "cosine with BPTT's δ_t",
    meta,
  });
}

/**
 * Each channel quartile's share of Σ‖δ̃‖² per feedback (BPTT's line is the true share), grouped
 * by the run's λ (solid) and by the mean diag J_t (dashed).
 */
export function groupShareChart(feedbacks: readonly FeedbackLags[], meta: FigureMeta): Figure {
  const by = { lambda: "by quartile of the run's λ", jacobian: "by quartile of mean diag J_t" };
  const rows = feedbacks.flatMap((f) =>
    f.groups.map((g) => ({
      group: g.group + 1,
      share: g.share,
      feedback: f.feedback,
      grouping: by[g.by],
    }))
  );
  return lineChart(rows, {
    x: "group",
    y: "share",
    stroke: "feedback",
    strokeDasharray: "grouping",
    dashes: { [by.lambda]: "", [by.jacobian]: "6,4" },
    marker: true,
    logY: true,
    xTicks: [1, 2, 3, 4],
    title: "Where in the state is each feedback's gradient, next to BPTT's?",
    subtitle: "each channel quartile's share of Σ‖δ̃_t‖² over the real positions (4 = highest key)",
    xLabel: "channel quartile",
    yLabel: "share of the squared norm",
    caption: "For linspace λ the λ quartiles are channel ranges 0–25 %, …, 75–100 %.",
    meta,
  });
}
