/**
 * What the gradient notebook (§2) draws of the state Jacobians J_t: the per-step statistics as
 * two charts, one per scale ({@link jacobianStatsChart}: how diagonal and how stationary J_t is,
 * and its norms), and the measured diagonal against DSF's λ as DSF pairs them
 * ({@link diagonalVsLambdaChart}). The measurements are lib/analysis's (`jacobian_stats.ts`).
 *
 * @module
 */
import { jacobianStatRows, type JacobianStepStats } from "../analysis/jacobian_stats.ts";
import { type Figure, type FigureText, lineChart } from "../plot/mod.ts";

/** The per-step statistics of one probe (`jacobianSummary`) and the step they follow. */
export interface ProbeStats {
  /** The training step after which the Jacobians were measured. */
  step: number;
  /** Per step t of the sequence. */
  stats: readonly JacobianStepStats[];
}

/** Options of {@link jacobianStatsChart}. */
export interface JacobianStatsChartOptions extends FigureText {
  /**
   * `structure`: diagonal share, mean |J_ii| and non-stationarity on a 0–1 axis, with the
   * diagonal share of a dense random matrix drawn at 1/√S; `norms`: spectral radius and ‖J_t‖₂,
   * with a line at 1 (above it one step grows some direction of the gradient).
   */
  group: "structure" | "norms";
  /** The state width S. */
  size: number;
}

/**
 * One chart of the per-step Jacobian statistics of one group (`structure` or `norms`, so that
 * quantities of one scale share an axis), one colour per statistic, one line style per probe
 * (the last one solid), with a titled reference line. Probes of the same step are drawn once.
 */
export function jacobianStatsChart(
  probes: readonly ProbeStats[],
  options: JacobianStatsChartOptions,
): Figure {
  const { group, size } = options;
  const kept = probes.filter((p, i) => probes.findIndex((q) => q.step === p.step) === i);
  const when = (p: ProbeStats) => `after step ${p.step}`;
  const rows = kept.flatMap((p) => jacobianStatRows(p.stats, { when: when(p) }, { group }));
  const dashes = Object.fromEntries(
    kept.map((p, i) => [when(p), i === kept.length - 1 ? "" : ["5,4", "2,3"][i % 2]]),
  );
  const values = rows.map((r) => r.value as number).filter(Number.isFinite);
  const top = Math.max(1, ...values);
  const random = 1 / Math.sqrt(size);
  const structure = group === "structure";
  const ts = rows.map((r) => r.t as number);
  const [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  return lineChart(rows, {
    x: "t",
    y: "value",
    stroke: "stat",
    strokeDasharray: "when",
    dashes,
    yDomain: [0, structure ? top : top * 1.05],
    references: [{
      label: structure
        ? `1/√S = ${random.toFixed(3)}: diagonal share of a dense random matrix`
        : "1: one step neither grows nor shrinks the gradient",
      points: [t0, t1].map((x) => ({ x, y: structure ? random : 1 })),
      dash: "1.5,3", // dotted: the probes' lines are solid and dashed
    }],
    title: options.title ??
      (structure
        ? "How diagonal and how stationary is J_t = ∂h_t/∂h_{t−1}?"
        : "How much can one step J_t grow the gradient?"),
    subtitle: options.subtitle ??
      (structure
        ? "diagonal share 1: J_t diagonal; non-stationarity 0: the same J_t at every t"
        : "spectral radius max|eig J_t| and top singular value ‖J_t‖₂ (the most one step can grow δ)"),
    xLabel: "t (step of the sequence)",
    yLabel: structure ? "share / |J_ii| / relative deviation" : "gain",
    caption: options.caption ??
      (structure
        ? `S = ${size}; J̄ = the mean of J_t over t.`
        : `S = ${size}; DSF's diagonal feedback, λ ∈ [0, 1], has both at most 1.`),
    meta: options.meta,
  });
}

/**
 * The measured best fixed diagonal against DSF's λ, channel by channel as DSF pairs them (λ_i with
 * channel i, by index), with the measured values sorted beside it (dashed: the best pairing of
 * the same λ values would follow them). λ is drawn in DSF's colour.
 * @param meanDiagonal per channel, in channel order, the mean over t of J_t[i][i]
 * @param lambda DSF's λ in channel order (default linspace(0, 1, S))
 */
export function diagonalVsLambdaChart(
  meanDiagonal: ArrayLike<number>,
  options: FigureText & { lambda?: ArrayLike<number> } = {},
): Figure {
  const d = Array.from(meanDiagonal);
  const s = d.length;
  const lambda = options.lambda ? Array.from(options.lambda) : d.map((_, i) => i / (s - 1 || 1));
  const sorted = [...d].sort((a, b) => a - b);
  const rows = [
    ...lambda.map((v, i) => ({ channel: i, value: v, series: "DSF's λ_i", style: "paired" })),
    ...d.map((v, i) => ({
      channel: i,
      value: v,
      series: "mean over t of J_t[i][i], channel i",
      style: "paired",
    })),
    ...sorted.map((v, i) => ({
      channel: i,
      value: v,
      series: "the same, sorted",
      style: "sorted",
    })),
  ];
  return lineChart(rows, {
    x: "channel",
    y: "value",
    stroke: "series",
    strokeDasharray: "style",
    dashes: { paired: "", sorted: "5,4" },
    marker: true,
    xLabel: "channel i (the sorted curve: rank)",
    yLabel: "value",
    title: options.title ??
      "The measured diagonal of J_t vs DSF's fixed feedback λ, channel by channel",
    subtitle: options.subtitle ??
      "DSF pairs λ_i with channel i by index; sorted, the measured values show the best pairing",
    caption: options.caption,
    meta: options.meta,
  });
}
