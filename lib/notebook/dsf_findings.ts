/**
 * The computed data lines under the DSF notebook's (§3) tables and figures, for `claimThenData`:
 * every reverse-scan implementation of (13) against the direct sum (14) (`scanAgreement`'s
 * rows), the layer's DSF gradient against the same built by hand, the mean kernel of a feedback
 * vector against 1/(k+1), and how far each trained feedback range carries a gradient `lag` steps
 * back (λ^lag) beside the runs' losses. Differences are judged against a stated tolerance,
 * relative to the values' scale (default 1e-5, as for eqs. 11–12 in `jacobians.ts`).
 *
 * @module
 */
import { exp1, fix, signed } from "./format.ts";
import type { AgreementRow } from "../analysis/feedback_checks.ts";
import { type RunLike, runStats } from "../analysis/run_stats.ts";
import type { Config } from "../config/schema.ts";
import { makeFeedback } from "../feedback/init.ts";

/** float32's unit roundoff u = 2^−24. */
export const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;

/** Default relative tolerance of "float rounding" (≈ 170 u). */
/** Relative error up to which a difference counts as float32 rounding. */
export const ROUNDING_TOLERANCE = 1e-5;
const TOLERANCE = ROUNDING_TOLERANCE;

const e = exp1;

/** "(u = 6.0e-8; tolerance 1e-5 relative): n of m below it" for a list of relative errors. */
function verdict(relative: readonly number[], tol: number): string {
  const above = relative.filter((r) => !(r <= tol)).length;
  return `(float32's unit roundoff u = ${e(FLOAT32_UNIT_ROUNDOFF)}; tolerance ${e(tol)} ` +
    `relative): ${relative.length - above} of ${relative.length} below it` +
    (above ? `, **${above} above it**` : "");
}

/**
 * The eq. (13) = (14) check: per implementation the largest |δ(impl) − δ(14)| over the feedback
 * vectors, and the largest relative to max |δ(14)| against the tolerance.
 * @param rows `scanAgreement` rows, each with the name of its λ (`λ`)
 */
export function scanAgreementLines(
  rows: readonly (AgreementRow & { λ: string })[],
  options: { tolerance?: number } = {},
): string[] {
  if (rows.length === 0) return ["No implementation ran."];
  const tol = options.tolerance ?? TOLERANCE;
  const impls = [...new Set(rows.map((r) => r.impl))];
  const worst = (impl: string) =>
    Math.max(...rows.filter((r) => r.impl === impl).map((r) => r.maxAbsDiff));
  const top = rows.reduce((a, r) => (r.relDiff > a.relDiff ? r : a));
  return [
    `Largest |δ(impl) − δ(14)| over ${new Set(rows.map((r) => r.λ)).size} λ: ` +
    impls.map((i) => `${i} ${e(worst(i))}`).join(", ") + ".",
    `Relative to max |δ(14)|: at most ${e(top.relDiff)} (${top.impl}, ${top.λ}), ` +
    `${fix(top.relDiff / FLOAT32_UNIT_ROUNDOFF, 1)} u ${verdict(rows.map((r) => r.relDiff), tol)}.`,
  ];
}

/** One row of the by-hand table of notebook 03. */
export interface ByHandRow {
  /** The weight's name. */
  weight: string;
  /** ‖the layer's gradient‖₂ of that weight. */
  "‖layer's gradient‖": number;
  /** Largest |layer − by hand| over its entries. */
  "max |layer − by hand|": number;
}

/**
 * DSF's backward by hand against the layer's: the largest difference over the weights, and per
 * weight relative to its gradient's norm against the tolerance.
 */
export function byHandLines(
  rows: readonly ByHandRow[],
  options: { tolerance?: number } = {},
): string[] {
  if (rows.length === 0) return ["No weights compared."];
  const tol = options.tolerance ?? TOLERANCE;
  const diff = (r: ByHandRow) => r["max |layer − by hand|"];
  const rel = rows.map((r) => diff(r) / r["‖layer's gradient‖"]);
  const top = rows.reduce((a, r) => (diff(r) > diff(a) ? r : a));
  return [
    `Largest |layer − by hand| over the ${rows.length} weights: ${e(diff(top))} ` +
    `(${top.weight}, whose gradient has norm ${fix(top["‖layer's gradient‖"], 4)}).`,
    `Relative to each weight's gradient norm: at most ${e(Math.max(...rel))} ` +
    verdict(rel, tol) + ".",
  ];
}

/**
 * The mean kernel (1/S) Σ_i λ_i^k of a feedback vector against 1/(k+1), at some k and as the
 * range of k over which it stays within 1% and 5% of it.
 */
export function kernelMeanLines(
  values: ArrayLike<number>,
  options: { maxLag: number; at?: readonly number[] },
): string[] {
  const v = Array.from(values);
  const mean = (k: number) => v.reduce((a, l) => a + l ** k, 0) / v.length;
  const rel = (k: number) => mean(k) * (k + 1) - 1;
  const at = options.at ?? [1, 10, options.maxLag];
  const pc = (x: number) => `${signed(100 * x, 1)}%`;
  const upTo = (tol: number) => {
    let k = 0;
    while (k <= options.maxLag && Math.abs(rel(k)) <= tol) k++;
    return k > options.maxLag
      ? `every k = 0..${options.maxLag}`
      : k === 0
      ? "no k"
      : `k = 0..${k - 1} (first exceeded at k = ${k}, ${pc(rel(k))})`;
  };
  return [
    `Mean over the ${v.length} channels vs 1/(k+1): ` +
    at.map((k) => `k = ${k}: ${fix(mean(k), 4)} vs ${fix(1 / (k + 1), 4)} (${pc(rel(k))})`)
      .join("; ") +
    ".",
    `Within 1% of 1/(k+1) for ${upTo(0.01)}; within 5% for ${upTo(0.05)}.`,
  ];
}

/** λ of a run's first layer, as the model makes it from the config (fixed feedback only). */
function lambdaOf(config: Config): Float32Array {
  const size = config.cell === "lstm" ? 2 * config.hidden : config.hidden;
  const f = config.feedback;
  return makeFeedback(size, {
    init: f.init,
    low: f.low,
    high: f.high,
    seed: f.seed,
    values: f.values ?? undefined,
  });
}

/**
 * How far each DSF run's λ carries a gradient `lag` steps back (largest and mean λ^lag over the
 * channels), and the lowest validation loss of the runs whose λ stays ≤ 0.5 against the
 * others'. Runs not in mode `dsf` (e.g. the BPTT reference) are left out.
 */
export function feedbackReachLines(
  runs: readonly (RunLike & { config: Config })[],
  lag: number,
): string[] {
  const dsf = runs.filter((r) => r.config.mode === "dsf" && r.config.feedback.kind === "fixed");
  if (dsf.length === 0) return ["No DSF run with a fixed feedback."];
  const rows = dsf.map((r) => {
    const l = Array.from(lambdaOf(r.config));
    const pow = l.map((x) => Math.abs(x) ** lag);
    return {
      label: r.label,
      max: Math.max(...l),
      maxPow: Math.max(...pow),
      meanPow: pow.reduce((a, b) => a + b, 0) / pow.length,
      loss: runStats(r).minValidLoss,
      size: l.length,
    };
  });
  const g = (x: number) => (x === 0 ? "0" : x >= 0.01 ? x.toFixed(3) : e(x));
  const lines = [
    `λ^${lag} per run (largest, mean over the ${rows[0].size} channels): ` +
    rows.map((r) => `${r.label} ${g(r.maxPow)}, ${g(r.meanPow)}`).join("; ") + ".",
  ];
  const low = rows.filter((r) => r.max <= 0.5);
  const high = rows.filter((r) => r.max > 0.5);
  if (low.length && high.length) {
    const list = (xs: typeof rows) => xs.map((r) => `${r.label} ${fix(r.loss)}`).join(", ");
    const margin = Math.min(...low.map((r) => r.loss)) - Math.max(...high.map((r) => r.loss));
    const [lo, hi] = [Math.min(...high.map((r) => r.max)), Math.max(...high.map((r) => r.max))];
    lines.push(
      `Lowest validation loss (nats), λ ≤ 0.5: ${list(low)}; largest λ ` +
        `${fix(lo, 2)}${hi > lo ? `–${fix(hi, 2)}` : ""}: ${list(high)}. Best of the first minus ` +
        "worst of the others: " +
        `${signed(margin)} nats (positive: every run whose λ ` +
        `exceeds 0.5 is lower).`,
    );
  }
  return lines;
}
