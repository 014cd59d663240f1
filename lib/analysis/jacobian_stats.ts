/**
 * Summaries of state Jacobians J_t (see `jacobian.ts`): how diagonal and how stationary they are
 * (DSF's assumption: one fixed diagonal matrix for all t), their norms and spectral radii, per
 * step and on average, and rows for a chart.
 *
 * @module
 */
import { jacobianAt, type Jacobians } from "./jacobian.ts";

function frobenius(m: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i] * m[i];
  return Math.sqrt(s);
}

/** ‖diag J‖₂ / ‖J‖_F: 1 for a diagonal matrix, about 1/√S for a dense random one. */
export function diagonalShare(m: ArrayLike<number>, size: number): number {
  let d = 0;
  for (let i = 0; i < size; i++) d += m[i * size + i] ** 2;
  const f = frobenius(m);
  return f > 0 ? Math.sqrt(d) / f : 0;
}

/** Mean |J_ii|. */
export function meanAbsDiagonal(m: ArrayLike<number>, size: number): number {
  let d = 0;
  for (let i = 0; i < size; i++) d += Math.abs(m[i * size + i]);
  return d / size;
}

function matVec(m: ArrayLike<number>, v: Float64Array, size: number, transpose = false) {
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let acc = 0;
    for (let k = 0; k < size; k++) acc += (transpose ? m[k * size + i] : m[i * size + k]) * v[k];
    out[i] = acc;
  }
  return out;
}

function startVector(size: number): Float64Array {
  // Deterministic, not aligned with any axis.
  const v = Float64Array.from({ length: size }, (_, i) => 1 + 0.37 * Math.sin(1.3 * i + 0.5));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** The largest singular value ‖J‖₂, by power iteration on JᵀJ. */
export function topSingularValue(m: ArrayLike<number>, size: number, iterations = 60): number {
  let v = startVector(size);
  let sigma = 0;
  for (let it = 0; it < iterations; it++) {
    const w = matVec(m, v, size);
    sigma = Math.hypot(...w);
    if (sigma === 0) return 0;
    const u = matVec(m, w, size, true);
    const nu = Math.hypot(...u);
    if (nu === 0) return sigma;
    v = u.map((x) => x / nu);
  }
  return sigma;
}

/**
 * The spectral radius max|eig J|, by Gelfand's formula: the mean growth rate of ‖J^k v‖ over the
 * second half of `iterations` normalised power steps (robust to complex leading eigenvalues).
 */
export function spectralRadius(m: ArrayLike<number>, size: number, iterations = 200): number {
  let v = startVector(size);
  let logSum = 0;
  let count = 0;
  for (let it = 0; it < iterations; it++) {
    const w = matVec(m, v, size);
    const n = Math.hypot(...w);
    if (n === 0) return 0;
    if (it >= iterations / 2) logSum += Math.log(n), count++;
    v = w.map((x) => x / n);
  }
  return Math.exp(logSum / count);
}

/** The mean over t (and sequences) of J_t, [S, S]. */
export function meanJacobian(j: Jacobians): Float32Array {
  const s2 = j.size * j.size;
  const out = new Float64Array(s2);
  const n = j.batch * j.steps;
  for (let k = 0; k < n; k++) {
    for (let q = 0; q < s2; q++) out[q] += j.data[k * s2 + q];
  }
  return Float32Array.from(out, (v) => v / n);
}

/** Per channel i, the mean over t (and sequences) of J_t[i][i]: the best fixed diagonal λ. */
export function meanDiagonal(j: Jacobians): Float32Array {
  const s = j.size;
  const out = new Float64Array(s);
  const n = j.batch * j.steps;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < s; i++) out[i] += j.data[(k * s + i) * s + i];
  }
  return Float32Array.from(out, (v) => v / n);
}

/** The summaries of one step t (averaged over the sequences). */
export interface JacobianStepStats {
  /** Step, from 1 (J_1 = ∂h_1/∂h_0). */
  t: number;
  /** ‖diag J_t‖ / ‖J_t‖_F. */
  diagonalShare: number;
  /** ‖J_t‖₂. */
  topSingularValue: number;
  /** max |eig J_t|. */
  spectralRadius: number;
  /** mean |J_t,ii|. */
  meanAbsDiagonal: number;
  /** ‖J_t − J̄‖_F / ‖J̄‖_F, J̄ the mean over t of the same sequence (0: stationary). */
  deviation: number;
}

/** Per-step summaries of a set of Jacobians ({@link JacobianStepStats}), averaged over sequences. */
export function jacobianSummary(j: Jacobians): JacobianStepStats[] {
  const s = j.size;
  const dev = deviations(j);
  const rows: JacobianStepStats[] = [];
  for (let t = 0; t < j.steps; t++) {
    let [share, sigma, rho, diag] = [0, 0, 0, 0];
    for (let b = 0; b < j.batch; b++) {
      const m = jacobianAt(j, t, b);
      share += diagonalShare(m, s);
      sigma += topSingularValue(m, s);
      rho += spectralRadius(m, s);
      diag += meanAbsDiagonal(m, s);
    }
    rows.push({
      t: t + 1,
      diagonalShare: share / j.batch,
      topSingularValue: sigma / j.batch,
      spectralRadius: rho / j.batch,
      meanAbsDiagonal: diag / j.batch,
      deviation: dev[t],
    });
  }
  return rows;
}

/** Stationarity: ‖J_t − J̄‖_F / ‖J̄‖_F over t (per step, and its mean); 0 when J_t is constant. */
export function stationarity(j: Jacobians): { perStep: number[]; mean: number } {
  const perStep = deviations(j);
  return { perStep, mean: perStep.reduce((a, b) => a + b, 0) / perStep.length };
}

/** Per step, ‖J_t − J̄‖_F / ‖J̄‖_F averaged over the sequences (J̄: the sequence's mean over t). */
function deviations(j: Jacobians): number[] {
  const s2 = j.size * j.size;
  const out = new Array<number>(j.steps).fill(0);
  for (let b = 0; b < j.batch; b++) {
    const seq = j.data.subarray(b * j.steps * s2, (b + 1) * j.steps * s2);
    const mean = meanJacobian({ ...j, batch: 1, data: seq });
    const norm = Math.max(frobenius(mean), 1e-30);
    for (let t = 0; t < j.steps; t++) {
      let d = 0;
      for (let q = 0; q < s2; q++) d += (seq[t * s2 + q] - mean[q]) ** 2;
      out[t] += Math.sqrt(d) / norm / j.batch;
    }
  }
  return out;
}

/**
 * Which statistics {@link jacobianStatRows} lists: `structure`, how diagonal and how stationary
 * J_t is (diagonal share, mean |J_ii|, non-stationarity: dimensionless, 0–1 in practice);
 * `norms`, how much one step can grow the gradient (spectral radius, ‖J‖₂: above 1 when it
 * does); or `all`.
 */
export type JacobianStatGroup = "structure" | "norms" | "all";

const STAT_NAMES: [keyof JacobianStepStats, string, "structure" | "norms"][] = [
  ["diagonalShare", "diagonal share ‖diag J‖/‖J‖_F", "structure"],
  ["meanAbsDiagonal", "mean |J_ii|", "structure"],
  ["deviation", "non-stationarity ‖J_t − J̄‖/‖J̄‖", "structure"],
  ["spectralRadius", "spectral radius", "norms"],
  ["topSingularValue", "top singular value ‖J‖₂", "norms"],
];

/**
 * Per-step statistics in long format `{t, stat, value, ...extra}`, for a line chart: those of
 * `options.group` (default all), so that quantities of one scale share an axis.
 * @param extra fields added to every row (e.g. `{when: "after step 1"}`)
 */
export function jacobianStatRows(
  stats: readonly JacobianStepStats[],
  extra: Record<string, string | number> = {},
  options: { group?: JacobianStatGroup } = {},
): Record<string, string | number>[] {
  const group = options.group ?? "all";
  const names = STAT_NAMES.filter(([, , g]) => group === "all" || g === group);
  return stats.flatMap((r) => names.map(([k, stat]) => ({ t: r.t, stat, value: r[k], ...extra })));
}

/** Means over t of the per-step statistics. */
export function meanStats(stats: readonly JacobianStepStats[]): Omit<JacobianStepStats, "t"> {
  const mean = (k: keyof JacobianStepStats) => stats.reduce((a, r) => a + r[k], 0) / stats.length;
  return {
    diagonalShare: mean("diagonalShare"),
    topSingularValue: mean("topSingularValue"),
    spectralRadius: mean("spectralRadius"),
    meanAbsDiagonal: mean("meanAbsDiagonal"),
    deviation: mean("deviation"),
  };
}
