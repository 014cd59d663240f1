/**
 * The state Jacobians `J_t = ∂h_t/∂h_{t−1}` of a recurrent layer along a sequence: of a layer on
 * its input, of one layer of a model on a batch, and recorded during training.
 *
 * Jacobians are exact: autodiff of `cell.step` at (x_t, h_{t−1}) ({@link jacobiansAt}, in
 * lib/feedback/). Convention: `J[i][j] = ∂h_{t,i}/∂h_{t−1,j}` (row = output channel), so that
 * with row vectors `δ_t = e_t + δ_{t+1} J_{t+1}`. For an LSTM the state is concat(h, c) and J_t
 * is 2D × 2D. Their summaries are in `jacobian_stats.ts`, eq. 11 in `bptt_linear_system.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { previousStates } from "../cells/cell.ts";
import type { Batch } from "../data/batches.ts";
import { jacobiansAt, type JacobiansAtOptions } from "../feedback/exact_jacobians.ts";
import { recurrentInputs, type RecurrentModel } from "../feedback/recurrent_activity.ts";
import type { Recurrent } from "../recurrent.ts";

/** Jacobians of a batch of sequences, `[B, T, S, S]` row-major. */
export interface Jacobians {
  /** B, the sequences. */
  batch: number;
  /** T, the steps. */
  steps: number;
  /** S, the state width. */
  size: number;
  /** `data[((b·T + t)·S + i)·S + j] = ∂h_{t,i}/∂h_{t−1,j}` (t from 0: J of the first step). */
  data: Float32Array;
}

/** The S×S matrix J_t of sequence b (a view, row-major). */
export function jacobianAt(j: Jacobians, t: number, b = 0): Float32Array {
  const s2 = j.size * j.size;
  const k = b * j.steps + t;
  return j.data.subarray(k * s2, (k + 1) * s2);
}

/** The S×S matrix as nested rows (e.g. for a heatmap). */
export function toRows(m: ArrayLike<number>, size: number): number[][] {
  return Array.from(
    { length: size },
    (_, i) => Array.from({ length: size }, (_, k) => m[i * size + k]),
  );
}

/** Options of {@link layerJacobians}. */
export interface LayerJacobiansOptions extends JacobiansAtOptions {
  /** Sequences of the batch to take (default: all). */
  rows?: number[];
}

/**
 * Exact Jacobians of a recurrent layer along its input sequences (run from a zero state).
 * @param x [B, T, E], batch-major (as {@link Recurrent.apply} takes it)
 * @returns the Jacobians `[B', T, S, S]` of the selected rows, and their states `[B', T, S]`
 */
export async function layerJacobians(
  layer: Recurrent,
  x: tf.Tensor3D,
  options: LayerJacobiansOptions = {},
): Promise<{ jacobians: Jacobians; states: Float32Array }> {
  const s = layer.cell.stateSize;
  const [, t, e] = x.shape;
  const xs = options.rows ? tf.gather(x, tf.tensor1d(options.rows, "int32")) : x;
  const b = xs.shape[0];
  const { states, flatX, flatPrev } = tf.tidy(() => {
    const states = layer.apply(xs as tf.Tensor3D, { training: false }); // [B', T, S]
    const prev = tf.transpose(
      previousStates(tf.transpose(states, [1, 0, 2]) as tf.Tensor3D),
      [1, 0, 2],
    );
    return {
      states,
      flatX: tf.reshape(xs, [b * t, e]) as tf.Tensor2D,
      flatPrev: tf.reshape(prev, [b * t, s]) as tf.Tensor2D,
    };
  });
  if (xs !== x) xs.dispose();
  const data = await jacobiansAt(layer, flatX, flatPrev, options);
  const stateData = await states.data() as Float32Array;
  tf.dispose([states, flatX, flatPrev]);
  return { jacobians: { batch: b, steps: t, size: s, data }, states: stateData };
}

/** Options of {@link modelJacobians}. */
export interface ModelJacobiansOptions extends LayerJacobiansOptions {
  /** Which recurrent layer (default 0, the bottom one). */
  layer?: number;
}

/**
 * Exact Jacobians of one recurrent layer of a model on a batch (the layer's input taken from a
 * plain forward of the model, see {@link recurrentInputs}).
 */
export async function modelJacobians(
  model: RecurrentModel<Recurrent>,
  batch: Batch,
  options: ModelJacobiansOptions = {},
): Promise<{ jacobians: Jacobians; states: Float32Array }> {
  const layers = model.recurrentLayers();
  const li = options.layer ?? 0;
  if (!(li >= 0 && li < layers.length)) {
    throw new Error(
      `modelJacobians: layer ${li} does not exist (${layers.length} recurrent layers)`,
    );
  }
  const ids = tf.tensor2d(batch.x, [batch.B, batch.T], "int32");
  const inputs = recurrentInputs(model, ids);
  ids.dispose();
  try {
    return await layerJacobians(layers[li], inputs[li], options);
  } finally {
    tf.dispose(inputs);
  }
}

/** Options of {@link jacobianProbe}. */
export interface JacobianProbeOptions {
  /** Record after step 1 and every `every` steps (default 50). */
  every?: number;
  /** Recurrent layer (default 0). */
  layer?: number;
  /** Sequences of the batch (default [0]). */
  rows?: number[];
}

/** A training callback that keeps the Jacobians of one layer at some steps. */
export interface JacobianProbe {
  /** For `afterStep` of `runExperiment` (model as third argument). */
  afterStep(step: number, batch: Batch, model: RecurrentModel<Recurrent>): Promise<void>;
  /** The recorded Jacobians, by step. */
  records: { step: number; jacobians: Jacobians }[];
}

/**
 * Records the exact Jacobians of one recurrent layer on the batch just trained on, after step 1
 * and every `every` steps (for how J_t changes with training).
 */
export function jacobianProbe(options: JacobianProbeOptions = {}): JacobianProbe {
  const every = options.every ?? 50;
  const probe: JacobianProbe = {
    records: [],
    async afterStep(step, batch, model) {
      if (step !== 1 && step % every !== 0) return;
      const { jacobians } = await modelJacobians(model, batch, {
        layer: options.layer,
        rows: options.rows ?? [0],
      });
      probe.records.push({ step, jacobians });
    },
  };
  return probe;
}
