/**
 * What the gradient notebook (§2) shows of the state Jacobians J_t: the per-step statistics as
 * two charts, one per scale ({@link jacobianStatsChart}: how diagonal and how stationary J_t is,
 * and its norms), the measured diagonal against DSF's λ as DSF pairs them
 * ({@link diagonalVsLambdaChart}), and the computed statements under each figure, each the paper's claim and then
 * what the data says ({@link jacobianFindings}, {@link bpttCheckFindings}). The measurements
 * are lib/analysis's (`jacobian_stats.ts`, `bptt_linear_system.ts`).
 *
 * @module
 */
import { fix, pct as pctBy, signed } from "./format.ts";
import { claimThenDataText } from "./sweeps.ts";
import { FLOAT32_UNIT_ROUNDOFF, ROUNDING_TOLERANCE } from "./dsf_findings.ts";
import type { BpttCheckRow } from "../analysis/bptt_linear_system.ts";
import {
  diagonalShare,
  jacobianStatRows,
  type JacobianStepStats,
  meanStats,
} from "../analysis/jacobian_stats.ts";
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
        ? `1/√S = ${fix(random)}: diagonal share of a dense random matrix`
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

/** What {@link jacobianFindings} reads. */
export interface JacobianFindingsInput {
  /** The state width S. */
  size: number;
  /** The first probe (start of training), for comparison. */
  first: ProbeStats;
  /** The last probe (end of training): what the statements are about. */
  last: ProbeStats;
  /** The J_t the heatmap shows (of the last probe): its t (from 1) and S×S entries, row-major. */
  shown: { t: number; matrix: ArrayLike<number> };
  /**
   * Per channel, the mean over t of J_t[i][i] of the last probe (`meanDiagonal`), in channel
   * order: DSF pairs λ_i with channel i.
   */
  meanDiagonal: ArrayLike<number>;
  /**
   * DSF's λ to compare with, in channel order, and its name (default linspace(0, 1, S), the
   * reference code's).
   */
  lambda?: { values: ArrayLike<number>; label: string };
}

/**
 * The statements under each figure, as Markdown: one or more "**Claim** (source): …" blocks,
 * each followed by "**Data** (context):" and the computed lines (the format of `claimThenData`).
 */
export interface JacobianFindings {
  /** Under the heatmap of one J_t: how much of it is diagonal. */
  heatmap: string;
  /** Under the structure chart: how diagonal and how stationary J_t is over t (two blocks). */
  structure: string;
  /** Under the norms chart: how much one step grows the gradient. */
  norms: string;
  /** Under the mean diagonal vs λ chart: where the best fixed diagonal lies against DSF's λ. */
  diagonal: string;
}

/** A claim and the data on it: "**Claim** (source): claim.", "**Data** (context):", lines. */
function block(source: string, claim: string, context: string, lines: string[]): string {
  return claimThenDataText({ source, text: claim }, { context, lines });
}

/** To 3 significant digits ("n/a" when not finite). */
function sig(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(3))) : "n/a";
}

/** A fraction in [0, 1] as a percentage with one decimal. */
const pct = (v: number) => pctBy(v, 1);

/** Pearson's correlation of two equally long series (NaN when one is constant). */
function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((t, v) => t + v, 0) / n;
  const mb = b.reduce((t, v) => t + v, 0) / n;
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function checkInput(input: JacobianFindingsInput): void {
  const { size, first, last, shown, meanDiagonal } = input;
  const fail = (what: string) => {
    throw new Error(`jacobianFindings: ${what}`);
  };
  if (!Number.isInteger(size) || size < 1) fail(`size must be a positive integer, got ${size}`);
  if (first.stats.length === 0 || last.stats.length === 0) fail("a probe has no steps");
  if (shown.matrix.length !== size * size) {
    fail(`the shown J_t has ${shown.matrix.length} entries, expected S² = ${size * size}`);
  }
  if (meanDiagonal.length !== size) {
    fail(`meanDiagonal has ${meanDiagonal.length} channels, expected S = ${size}`);
  }
  if (input.lambda && input.lambda.values.length !== size) {
    fail(`λ has ${input.lambda.values.length} channels, expected S = ${size}`);
  }
}

/**
 * The statements under the notebook's Jacobian figures, computed from the measurements: each is
 * a claim of the paper (DSF replaces every J_t by one fixed diagonal Λ: §3.1 diagonal, §3 eq. 13
 * stationary, §3.2 / §5.1 fixed at initialisation, λ ∈ [0, 1]) and then the numbers that bear on
 * it, at the last probe (and the first, for comparison). Throws on inconsistent sizes.
 */
export function jacobianFindings(input: JacobianFindingsInput): JacobianFindings {
  checkInput(input);
  const { size: s, first, last, shown } = input;
  const [m0, m1] = [meanStats(first.stats), meanStats(last.stats)];
  // The diagonal's part of ‖J_t‖²_F, averaged over t (the mean of share², not the mean share²).
  const energy = (st: readonly { diagonalShare: number }[]) =>
    st.reduce((a, r) => a + r.diagonalShare ** 2, 0) / st.length;
  const then = (text: string) =>
    first.step !== last.step ? `; after step ${first.step}: ${text}` : "";
  const steps = last.stats.length;
  const overT = `after step ${last.step}, mean over the ${steps} steps t`;
  const random = `a dense random ${s}×${s} matrix: ${pct(1 / s)}, share ${fix(1 / Math.sqrt(s))}`;

  let [maxDiag, maxOff] = [0, 0];
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      const a = Math.abs(shown.matrix[i * s + j]);
      if (i === j) maxDiag = Math.max(maxDiag, a);
      else maxOff = Math.max(maxOff, a);
    }
  }
  const share = diagonalShare(shown.matrix, s);
  const heatmap = block(
    "§3.1",
    "DSF replaces J_t by a diagonal matrix Λ",
    `J_t at t = ${shown.t}, after step ${last.step}`,
    [
      `the diagonal holds ${pct(share ** 2)} of ‖J_t‖²_F (share ${fix(share)}; ${random}).`,
      `largest |J_t[i][i]|: ${fix(maxDiag)}; largest off-diagonal |J_t[i][j]|: ${fix(maxOff)}.`,
    ],
  );

  const worst = last.stats.reduce((a, r) => (r.deviation > a.deviation ? r : a));
  const structure = [
    block("§3.1", "DSF assumes J_t ≈ a diagonal matrix", overT, [
      `the diagonal holds ${pct(energy(last.stats))} of ‖J_t‖²_F, mean over t (mean share ` +
      `${fix(m1.diagonalShare)}; ${random})` +
      then(`${pct(energy(first.stats))}, mean share ${fix(m0.diagonalShare)}`) + ".",
      `mean |J_ii| = ${fix(m1.meanAbsDiagonal)}${then(fix(m0.meanAbsDiagonal))}.`,
    ]),
    block("§3, eq. 13", "DSF assumes J_t is stationary: one matrix for every t", overT, [
      `‖J_t − J̄‖_F/‖J̄‖_F = ${fix(m1.deviation)} (0 would be stationary)` +
      `${then(fix(m0.deviation))}.`,
      `largest at t = ${worst.t}: ${fix(worst.deviation)}.`,
    ]),
  ].join("\n\n");

  const above = (k: "spectralRadius" | "topSingularValue") =>
    last.stats.filter((r) => r[k] > 1).length;
  const norms = block(
    "§3.2, §5.1",
    "DSF's λ lies in [0, 1] (§3.2: stable); so, our inference, no feedback step grows a " +
      "channel of the gradient, whereas a J_t with ‖J_t‖₂ > 1 can",
    overT,
    [
      `‖J_t‖₂ = ${fix(m1.topSingularValue)}, above 1 at ${above("topSingularValue")} of ${steps} ` +
      `steps${then(fix(m0.topSingularValue))}.`,
      `spectral radius ${fix(m1.spectralRadius)}, above 1 at ${above("spectralRadius")} of ` +
      `${steps} steps${then(fix(m0.spectralRadius))}.`,
    ],
  );

  // DSF pairs λ_i with channel i by index, whatever the channel's memory: compare them as paired,
  // and sorted (the best any assignment of the same λ values to the channels could do).
  const paired = Array.from(input.meanDiagonal);
  const lambda = input.lambda ??
    { values: paired.map((_, i) => s > 1 ? i / (s - 1) : 0), label: `linspace(0, 1, ${s})` };
  const lamPaired = Array.from(lambda.values);
  const diag = [...paired].sort((a, b) => a - b);
  const lam = [...lamPaired].sort((a, b) => a - b);
  const inside = diag.filter((v) => v >= 0 && v <= 1).length;
  const meanAbs = (a: number[], b: number[]) =>
    a.reduce((t, v, i) => t + Math.abs(v - b[i]), 0) / s;
  const top = lamPaired.map((l, i) => ({ l, d: paired[i] })).sort((a, b) => b.l - a.l)
    .slice(0, Math.max(1, Math.floor(s / 4)));
  const r = correlation(lamPaired, paired);
  const diagonal = block(
    "§3.2, §5.1",
    `DSF fixes λ at initialisation, spread over [0, 1] (here ${lambda.label}), and never fits ` +
      "it to J_t: channel i gets λ_i whatever its memory",
    `the best fixed diagonal: the mean over t of J_t[i][i], after step ${last.step}`,
    [
      `it spans [${fix(diag[0], 2)}, ${fix(diag[s - 1], 2)}], median ${fix(median(diag), 2)}; ` +
      `λ spans [${fix(lam[0], 2)}, ${fix(lam[s - 1], 2)}], median ${fix(median(lam), 2)}.`,
      `${inside} of ${s} channels lie in [0, 1].`,
      `as DSF pairs them (λ_i with channel i): they differ by ${
        fix(meanAbs(paired, lamPaired), 2)
      } ` +
      `per channel on average, correlation across channels ${signed(r, 2)}; the ${top.length} ` +
      `channels with the largest λ (${fix(top.at(-1)!.l, 2)} to ${fix(top[0].l, 2)}) have a ` +
      `measured diagonal of median ${fix(median(top.map((x) => x.d)), 2)}.`,
      `sorted (the best pairing of the same values): they differ by ${
        fix(meanAbs(diag, lam), 2)
      } ` +
      "per channel on average.",
    ],
  );
  return { heatmap, structure, norms, diagonal };
}

/**
 * The statement under the eq. 11–12 check (`verifyBpttLinearSystem`'s rows): the claim, then
 * the largest differences against autodiff and the largest of them relative to the values'
 * scale, against float32's unit roundoff. Throws on no rows.
 */
export function bpttCheckFindings(rows: readonly BpttCheckRow[]): string {
  if (rows.length === 0) throw new Error("bpttCheckFindings: no rows");
  const max = (k: keyof BpttCheckRow) => Math.max(...rows.map((r) => Number(r[k])));
  const relative = Math.max(
    ...rows.map((r) =>
      Math.max(r["max |Δδ|"] / r["max |δ|"], r["max |Δ∂L/∂θ|"] / r["max |∂L/∂θ|"])
    ),
  );
  const e = (v: number) => Number.isFinite(v) ? v.toExponential(1) : "n/a";
  return block(
    "§2.2, eqs. 11–12",
    "exact BPTT is the reverse-time linear system δ_t = e_t + δ_{t+1} J_{t+1}, and " +
      "∂L/∂θ = Σ_t δ_t ∂h_t/∂θ",
    `${rows.map((r) => r.cell).join(", ")}; eq. 11 in float64, autodiff in float32`,
    [
      `max |δ(eq. 11) − δ(autodiff)| = ${e(max("max |Δδ|"))}, with |δ| up to ` +
      `${sig(max("max |δ|"))}.`,
      `max |Δ∂L/∂θ| (eq. 12 vs the layer's BPTT) = ${e(max("max |Δ∂L/∂θ|"))}, with |∂L/∂θ| ` +
      `up to ${sig(max("max |∂L/∂θ|"))}.`,
      `at most ${e(relative)} of the values' scale (float32's unit roundoff: ` +
      `${e(FLOAT32_UNIT_ROUNDOFF)}; tolerance ${e(ROUNDING_TOLERANCE)} relative): ` +
      (relative <= ROUNDING_TOLERANCE
        ? "float32 rounding."
        : "**larger than float32 rounding explains**."),
    ],
  );
}
