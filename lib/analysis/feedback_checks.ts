/**
 * Checks of the DSF feedback (§3 of the paper): a direct evaluation of the convolution sum
 * (eq. 14) to check every {@link reverseScan} implementation against, FT-BPTT as DSF with
 * Λ = 0, the kernels λ^k of a feedback, and feedback-range variants as `set` overrides.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type CellKind, createCell } from "../cells/mod.ts";
import { reverseScan, type ReverseScanImpl, scanImplsFor } from "../ops/reverse_scan.ts";
import { Recurrent } from "../recurrent.ts";
import { Rng } from "../util/rng.ts";
import type { ConfigPatch } from "../config/schema.ts";

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

/** A feedback variant for a training run: its label and its typed overrides. */
export interface FeedbackInitVariant {
  /** E.g. "linspace [0, 0.5]". */
  label: string;
  /** Overrides for `runExperiment` (`patch`). */
  patch: ConfigPatch;
}

/**
 * Feedback variants from `init` and a range, as overrides (mode dsf):
 * `feedbackVariant("linspace", 0, 1)` → `{mode: "dsf", feedback: {init: "linspace", low: 0, high: 1}}`.
 */
export function feedbackVariant(
  init: "linspace" | "uniform",
  low: number,
  high: number,
  label?: string,
): FeedbackInitVariant {
  return {
    label: label ?? `${init} [${low}, ${high}]`,
    patch: { mode: "dsf", feedback: { init, low, high } },
  };
}
