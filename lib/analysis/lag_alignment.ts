/**
 * Why DSF trails BPTT, measured per lag: the state gradients δ_t of one recurrent layer under
 * BPTT and under each diagonal feedback, on the same weights and rows, to be compared position
 * by position (`lag_summary.ts`) as a function of k = len − 1 − t, the steps to a row's end.
 *
 * With e_t the gradient arriving on the state h_t from outside the layer's recurrence (for the
 * top layer: from the head; the `directGrad` of the layer's custom backward) and
 * J_t = ∂h_t/∂h_{t−1} the exact Jacobians (row = output channel):
 *
 *     BPTT:                δ_t = e_t + J_{t+1}ᵀ δ_{t+1}
 *     FT-BPTT:             δ_t = e_t
 *     DSF (λ fixed):       δ_t = e_t + λ ⊙ δ_{t+1}
 *     Jacobian diagonal:   δ_t = e_t + a_{t+1} ⊙ δ_{t+1},   a_t = diag J_t (per row and step)
 *
 * Each row's recurrence starts at its own last real step (len − 1); padding takes no part.
 * Arrays are row-major `[R, T, S]` (row, step, channel), like {@link Jacobians}' `[R, T, S, S]`.
 * e_t is captured by adding a zero perturbation u to the layer's output states and taking
 * ∂loss/∂u (every layer above in BPTT mode, so that e is exact for a lower layer too).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Batch } from "../data/batches.ts";
import { hasJacobianDiagonal, meanJacobianDiagonal } from "../feedback/jacobian_diagonal.ts";
import { makeFeedback } from "../feedback/init.ts";
import { recurrentInputs } from "../feedback/recurrent_activity.ts";
import type { LanguageModel } from "../models/model.ts";
import type { Recurrent } from "../recurrent.ts";
import { batchTensors } from "../train/step.ts";
import { jacobianAt, type Jacobians, layerJacobians } from "./jacobian.ts";
import { diagonalShare } from "./jacobian_stats.ts";

/** The feedbacks compared with BPTT, by id (the ids name their colours, see method_colors.ts). */
export const LAG_FEEDBACKS = [
  "bptt",
  "ft-bptt",
  "dsf",
  "dsf-capped",
  "dsf-fitted",
  "dsf-jacobian-diagonal",
] as const;

/** One of {@link LAG_FEEDBACKS}. */
export type LagFeedback = typeof LAG_FEEDBACKS[number];

/** What each feedback is, for tables and captions. */
export const LAG_FEEDBACK_LABELS: Readonly<Record<LagFeedback, string>> = {
  bptt: "BPTT (full J_t)",
  "ft-bptt": "FT-BPTT (δ = e)",
  dsf: "DSF, the run's λ",
  "dsf-capped": "DSF, λ = linspace(0, 0.5)",
  "dsf-fitted": "DSF, fitted λ = mean diag J (this batch)",
  "dsf-jacobian-diagonal": "DSF, a_t = diag J_t (time-varying)",
};

/** One batch's measurements of one layer, row-major (R rows, T steps, S channels). */
export interface LagBatch {
  /** R, the rows taken (the batch's first R). */
  rows: number;
  /** T, the steps (the longest of the R rows). */
  steps: number;
  /** S, the state width. */
  size: number;
  /** Real steps of each row, [R]. */
  lengths: Int32Array;
  /** e_t, [R, T, S] (0 on padding). */
  e: Float32Array;
  /** δ_t of BPTT, [R, T, S] (0 on padding). */
  bptt: Float32Array;
  /** diag J_t, [R, T, S] (0 on padding; J_0 = ∂h_0/∂h_{−1} at the zero start state). */
  diag: Float32Array;
  /** ‖diag J_t‖ / ‖J_t‖_F, [R, T] (0 on padding). */
  diagShare: Float32Array;
  /** The fitted λ, [S]: mean of diag J_t over the whole batch's real positions, clamped to [0, 1]. */
  fitted: Float32Array;
}

/**
 * δ by BPTT's recurrence with the full Jacobians, each row from its last real step.
 * @param e [R, T, S]
 * @param j the Jacobians [R, T, S, S] of the same rows
 * @param lengths [R], real steps of each row
 * @returns δ [R, T, S], 0 on padding
 */
export function bpttDeltas(
  e: Float32Array,
  j: Jacobians,
  lengths: ArrayLike<number>,
): Float32Array {
  const [r, t, s] = [j.batch, j.steps, j.size];
  const out = new Float32Array(r * t * s);
  const acc = new Float64Array(s);
  for (let b = 0; b < r; b++) {
    for (let k = lengths[b] - 1; k >= 0; k--) {
      const at = (b * t + k) * s;
      for (let c = 0; c < s; c++) acc[c] = e[at + c];
      if (k + 1 < lengths[b]) {
        const m = jacobianAt(j, k + 1, b); // (J_{t+1}ᵀ δ_{t+1})_c = Σ_i J[i][c] δ_i
        const next = at + s;
        for (let i = 0; i < s; i++) {
          const d = out[next + i];
          if (d === 0) continue;
          for (let c = 0; c < s; c++) acc[c] += m[i * s + c] * d;
        }
      }
      for (let c = 0; c < s; c++) out[at + c] = acc[c];
    }
  }
  return out;
}

/**
 * δ by a diagonal feedback, `δ_t = e_t + a_{t+1} ⊙ δ_{t+1}`, each row from its last real step.
 * @param e [R, T, S]
 * @param feedback λ [S] (stationary) or a_t [R, T, S] (time-varying; a_0 unused)
 * @param shape R, T, S and the rows' real lengths
 * @returns δ [R, T, S], 0 on padding
 */
export function diagonalDeltas(
  e: Float32Array,
  feedback: Float32Array,
  shape: { rows: number; steps: number; size: number; lengths: ArrayLike<number> },
): Float32Array {
  const { rows: r, steps: t, size: s, lengths } = shape;
  const varying = feedback.length === r * t * s;
  if (!varying && feedback.length !== s) {
    throw new Error(
      `diagonalDeltas: the feedback must be [S] or [R, T, S], got ${feedback.length}`,
    );
  }
  const out = new Float32Array(r * t * s);
  for (let b = 0; b < r; b++) {
    for (let k = lengths[b] - 1; k >= 0; k--) {
      const at = (b * t + k) * s;
      const last = k + 1 >= lengths[b];
      for (let c = 0; c < s; c++) {
        const a = varying ? feedback[at + s + c] : feedback[c];
        out[at + c] = last ? e[at + c] : e[at + c] + a * out[at + s + c];
      }
    }
  }
  return out;
}

/**
 * Every feedback's δ on one batch.
 * @param lambda the DSF run's λ [S]
 * @returns δ [R, T, S] per feedback of {@link LAG_FEEDBACKS}
 */
export function feedbackDeltas(
  b: LagBatch,
  lambda: Float32Array,
): Record<LagFeedback, Float32Array> {
  const diag = (f: Float32Array) => diagonalDeltas(b.e, f, b);
  return {
    bptt: b.bptt,
    "ft-bptt": b.e,
    dsf: diag(lambda),
    "dsf-capped": diag(makeFeedback(b.size, { init: "linspace", low: 0, high: 0.5 })),
    "dsf-fitted": diag(b.fitted),
    "dsf-jacobian-diagonal": diag(b.diag),
  };
}

/**
 * The batch of the first `rows` rows of `batch`, trimmed to the longest of them.
 * @throws when a row's real targets are not a prefix of it (padding only at the end)
 */
export function headRows(batch: Batch, rows: number): Batch {
  const r = Math.min(rows, batch.B);
  const lengths = rowLengths(batch).subarray(0, r);
  const t = Math.max(1, ...lengths);
  const cut = <A extends Int32Array | Float32Array>(a: A): A => {
    const out = new (a.constructor as { new (n: number): A })(r * t);
    for (let b = 0; b < r; b++) out.set(a.subarray(b * batch.T, b * batch.T + t), b * t);
    return out;
  };
  return {
    ...batch,
    x: cut(batch.x),
    y: cut(batch.y),
    mask: cut(batch.mask),
    B: r,
    T: t,
    count: lengths.reduce((a, n) => a + n, 0),
    indices: batch.indices.slice(0, r),
  };
}

/** The real steps of each row of a batch, [B] (its mask must be a prefix of each row). */
export function rowLengths(batch: Batch): Int32Array {
  const out = new Int32Array(batch.B);
  for (let b = 0; b < batch.B; b++) {
    let n = 0;
    for (let k = 0; k < batch.T; k++) {
      if (batch.mask[b * batch.T + k] === 0) continue;
      if (k !== n) throw new Error(`lag analysis: row ${b} has padding before a real target`);
      n++;
    }
    out[b] = n;
  }
  return out;
}

/**
 * e_t of one recurrent layer on a batch: ∂loss/∂u at u = 0, u added to the layer's output states
 * (each layer above runs in BPTT mode for the call; every mode is restored).
 * @returns e [B, T, S], row-major
 */
export async function directGradients(
  model: LanguageModel,
  batch: Batch,
  layerIndex: number,
): Promise<Float32Array> {
  const layers = model.recurrentLayers();
  const layer = checkLayer(layers, layerIndex);
  const modes = layers.map((l) => l.mode);
  const original = layer.applyTimeMajor;
  let u: tf.Tensor | null = null;
  const perturbed = (x: tf.Tensor3D, o?: { training?: boolean }) => {
    const h = original.call(layer, x, o);
    return u ? tf.add(h, u) as tf.Tensor3D : h;
  };
  Object.defineProperty(layer, "applyTimeMajor", { value: perturbed, configurable: true });
  const { ids, targets, rows } = batchTensors(batch);
  try {
    layers.forEach((l) => l.setMode("bptt"));
    const e = tf.tidy(() => {
      const g = tf.grad((v: tf.Tensor) => {
        u = v;
        return model.loss(ids, targets, rows, { training: true });
      })(tf.zeros([batch.T, batch.B, layer.cell.stateSize])); // [T, B, S]
      return tf.transpose(g, [1, 0, 2]); // [B, T, S]
    });
    const out = await e.data() as Float32Array;
    e.dispose();
    return out;
  } finally {
    u = null;
    Reflect.deleteProperty(layer, "applyTimeMajor");
    layers.forEach((l, i) => l.setMode(modes[i]));
    tf.dispose([ids, targets]);
  }
}

/** Options of {@link lagBatch}. */
export interface LagBatchOptions {
  /** The recurrent layer (default: the top one). */
  layer?: number;
  /** Rows taken from the start of the batch (default 8). */
  rows?: number;
  /**
   * Replicated rows per backward of the Jacobians (see {@link layerJacobians}); default 8192,
   * which keeps a GRU 1×256 at T = 256 under 1 GB (32768: about 1.8 GB, no faster).
   */
  chunkRows?: number;
}

/**
 * Measures one batch ({@link LagBatch}): e_t by autodiff, then row by row the exact Jacobians
 * (R·T·S² floats never held at once), δ of BPTT and diag J_t; the fitted λ over the whole batch
 * (closed-form diagonal of a fused cell; else over the R rows' exact diagonals).
 */
export async function lagBatch(
  model: LanguageModel,
  batch: Batch,
  options: LagBatchOptions = {},
): Promise<LagBatch> {
  const layers = model.recurrentLayers();
  const li = options.layer ?? layers.length - 1;
  const layer = checkLayer(layers, li);
  const sub = headRows(batch, options.rows ?? 8);
  const [r, t, s] = [sub.B, sub.T, layer.cell.stateSize];
  const lengths = rowLengths(sub);
  const e = await directGradients(model, sub, li);
  const bptt = new Float32Array(r * t * s);
  const diag = new Float32Array(r * t * s);
  const diagShare = new Float32Array(r * t);
  const ids = tf.tensor2d(sub.x, [r, t], "int32");
  const inputs = recurrentInputs(model, ids);
  ids.dispose();
  try {
    for (let b = 0; b < r; b++) {
      const { jacobians } = await layerJacobians(layer, inputs[li], {
        rows: [b],
        chunkRows: options.chunkRows ?? 8192,
      });
      const at = b * t * s;
      const len = [lengths[b]];
      bptt.set(bpttDeltas(e.subarray(at, at + t * s), jacobians, len), at);
      for (let k = 0; k < lengths[b]; k++) {
        const m = jacobianAt(jacobians, k);
        for (let c = 0; c < s; c++) diag[at + k * s + c] = m[c * s + c];
        diagShare[b * t + k] = diagonalShare(m, s);
      }
    }
  } finally {
    tf.dispose(inputs);
  }
  const fitted = await batchMeanDiagonal(model, batch, li) ??
    meanOverReal(diag, lengths, { steps: t, size: s });
  return {
    rows: r,
    steps: t,
    size: s,
    lengths,
    e,
    bptt,
    diag,
    diagShare,
    fitted: fitted.map((v) => Math.min(1, Math.max(0, v))),
  };
}

/** Per channel, the mean of `v` [R, T, S] over the real positions, [S]. */
export function meanOverReal(
  v: Float32Array,
  lengths: ArrayLike<number>,
  shape: { steps: number; size: number },
): Float32Array {
  const { steps: t, size: s } = shape;
  const sum = new Float64Array(s);
  let n = 0;
  for (let b = 0; b < lengths.length; b++) {
    for (let k = 0; k < lengths[b]; k++, n++) {
      for (let c = 0; c < s; c++) sum[c] += v[(b * t + k) * s + c];
    }
  }
  return Float32Array.from(sum, (x) => x / Math.max(1, n));
}

/** The closed-form mean diag J over a whole batch's real positions, or null without one. */
async function batchMeanDiagonal(
  model: LanguageModel,
  batch: Batch,
  li: number,
): Promise<Float32Array | null> {
  const layer = model.recurrentLayers()[li];
  if (!hasJacobianDiagonal(layer.cell, layer.fused)) return null;
  const ids = tf.tensor2d(batch.x, [batch.B, batch.T], "int32");
  const inputs = recurrentInputs(model, ids);
  ids.dispose();
  try {
    return await meanJacobianDiagonal(layer.cell, inputs[li], batch.mask);
  } finally {
    tf.dispose(inputs);
  }
}

function checkLayer(layers: Recurrent[], li: number): Recurrent {
  if (!(Number.isInteger(li) && li >= 0 && li < layers.length)) {
    throw new Error(`lag analysis: layer ${li} does not exist (${layers.length} recurrent layers)`);
  }
  return layers[li];
}
