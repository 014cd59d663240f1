/**
 * The `fitted` feedback (ours; the paper's §6 lists an adaptive feedback as future work): instead
 * of a λ fixed at initialisation, every N training steps each DSF layer's λ is set to the mean
 * diagonal of its true Jacobians J_t measured on the current batch,
 *
 *     λ_i ← clamp( mean over sampled (b, t) of J_t[i][i],  low, high ),
 *
 * i.e. the best *diagonal, stationary* approximation of the Jacobians in the sense of matching
 * their diagonal on average (optionally smoothed: λ ← m·λ + (1 − m)·measured). For an LSTM the
 * state is concat(h, c), so λ has 2·D entries, one per state channel, like the fixed λ.
 *
 * For a fused cell with `jacobianDiagonal` (gru, rnn, lstm) the mean runs over every real
 * position of the batch, from the closed-form diagonal ({@link meanJacobianDiagonal}): one plain
 * forward of the model, then per DSF layer one fused forward that keeps its activations. Other
 * cells sample `maxRows` points and take full Jacobians by autodiff ({@link jacobiansAt} on
 * `maxRows · S` rows). It runs outside the timed training step; {@link FittedFeedback.seconds}
 * says what it cost. The trainer runs it as a plug-in ({@link fittedFeedbackPlugin}).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Batch } from "../data/batches.ts";
import type { FeedbackLayer } from "./layer.ts";
import { jacobiansAt } from "./exact_jacobians.ts";
import { meanJacobianDiagonal } from "./jacobian_diagonal.ts";
import { recurrentActivity, type RecurrentModel } from "./recurrent_activity.ts";

/** Options of {@link fittedFeedback}. */
export interface FittedFeedbackOptions {
  /** Refresh after step 1 and every `every` steps (default 50). */
  every?: number;
  /** Points (b, t) sampled per refresh, evenly over the batch's real targets (default 64). */
  maxRows?: number;
  /** Range λ is clamped to (default [0, 1]: DSF's stable range). */
  range?: [number, number];
  /** Smoothing m of λ ← m·λ_old + (1 − m)·measured (default 0: take the measurement). */
  momentum?: number;
  /** The model, when the callback is not given it (the trainer's own `afterStep`). */
  model?: RecurrentModel;
}

/** One refresh of {@link fittedFeedback}. */
export interface FeedbackRefresh {
  /** Training step after which λ was refreshed. */
  step: number;
  /** Seconds this refresh took. */
  seconds: number;
  /** Per recurrent layer (null: not in dsf mode, left alone): λ's mean, min, max and mean |change|. */
  layers: ({ mean: number; min: number; max: number; change: number } | null)[];
}

/** The training callback and its record. */
export interface FittedFeedback {
  /** For `afterStep` of the trainer or of `runExperiment` (whose third argument is the model). */
  afterStep(step: number, batch: Batch, model?: RecurrentModel): Promise<void>;
  /** Refreshes λ of every DSF layer now, from `batch`. */
  refresh(step: number, batch: Batch, model?: RecurrentModel): Promise<FeedbackRefresh>;
  /** Every refresh so far. */
  refreshes: FeedbackRefresh[];
  /** Seconds spent refreshing, in all. */
  seconds: number;
}

/** Evenly spaced positions b·T + t among the batch's real targets (at most `n`). */
function samplePositions(batch: Batch, n: number): Int32Array {
  const kept: number[] = [];
  for (let i = 0; i < batch.mask.length; i++) if (batch.mask[i] !== 0) kept.push(i);
  const all = kept.length ? kept : Array.from({ length: batch.B * batch.T }, (_, i) => i);
  const m = Math.min(n, all.length);
  return Int32Array.from({ length: m }, (_, k) => all[Math.floor(((k + 0.5) * all.length) / m)]);
}

/**
 * Makes the fitted-feedback callback (see the module doc). Pass its `afterStep` to
 * `runExperiment({afterStep})` or to the trainer's callbacks (then give `options.model`), or
 * train with {@link fittedFeedbackPlugin}.
 */
export function fittedFeedback(options: FittedFeedbackOptions = {}): FittedFeedback {
  const every = options.every ?? 50;
  const maxRows = options.maxRows ?? 64;
  const [low, high] = options.range ?? [0, 1];
  const momentum = options.momentum ?? 0;
  if (!(every >= 1) || !(maxRows >= 1) || !(low <= high) || !(momentum >= 0 && momentum < 1)) {
    throw new Error(
      "fittedFeedback: need every >= 1, maxRows >= 1, low <= high, 0 <= momentum < 1",
    );
  }
  /** λ ← m·λ + (1 − m)·clamp(measured); returns the refresh's record for the layer. */
  const update = async (layer: FeedbackLayer, measured: Float32Array) => {
    const s = measured.length;
    const old = await layer.feedback!.data() as Float32Array;
    const next = new Float32Array(s);
    let change = 0;
    for (let i = 0; i < s; i++) {
      next[i] = momentum * old[i] + (1 - momentum) * Math.min(high, Math.max(low, measured[i]));
      change += Math.abs(next[i] - old[i]) / s;
    }
    layer.setFeedback(next);
    return {
      mean: next.reduce((a, v) => a + v, 0) / s,
      min: Math.min(...next),
      max: Math.max(...next),
      change,
    };
  };
  const self: FittedFeedback = {
    refreshes: [],
    seconds: 0,
    async afterStep(step, batch, model) {
      if (step === 1 || step % every === 0) await self.refresh(step, batch, model);
    },
    async refresh(step, batch, model) {
      const m = model ?? options.model;
      if (!m) throw new Error("fittedFeedback: no model (pass options.model)");
      const t0 = performance.now();
      const layers = m.recurrentLayers();
      const record: FeedbackRefresh = { step, seconds: 0, layers: layers.map(() => null) };
      if (layers.some((l) => l.mode === "dsf")) {
        const ids = tf.tensor2d(batch.x, [batch.B, batch.T], "int32");
        const { inputs, states } = recurrentActivity(m, ids);
        ids.dispose();
        const pos = samplePositions(batch, maxRows);
        const index = tf.tensor1d(pos, "int32");
        try {
          for (let li = 0; li < layers.length; li++) {
            const layer = layers[li];
            if (layer.mode !== "dsf") continue;
            const s = layer.cell.stateSize;
            const [b, t, e] = inputs[li].shape;
            const fused = layer.fused ? layer.cell.fused : undefined;
            const measured = fused?.jacobianDiagonal
              ? await meanJacobianDiagonal(layer.cell, inputs[li], batch.mask)
              : null;
            if (measured) {
              record.layers[li] = await update(layer, measured);
              continue;
            }
            const [x, hPrev] = tf.tidy(() => {
              const prev = tf.pad(
                tf.slice(states[li], [0, 0, 0], [b, t - 1, s]),
                [[0, 0], [1, 0], [0, 0]],
              );
              return [
                tf.gather(tf.reshape(inputs[li], [b * t, e]), index) as tf.Tensor2D,
                tf.gather(tf.reshape(prev, [b * t, s]), index) as tf.Tensor2D,
              ];
            });
            const jac = await jacobiansAt(layer, x, hPrev);
            tf.dispose([x, hPrev]);
            const sampled = new Float32Array(s);
            for (let i = 0; i < s; i++) {
              let d = 0;
              for (let p = 0; p < pos.length; p++) d += jac[(p * s + i) * s + i];
              sampled[i] = d / pos.length;
            }
            record.layers[li] = await update(layer, sampled);
          }
        } finally {
          tf.dispose([index, ...inputs, ...states]);
        }
      }
      record.seconds = (performance.now() - t0) / 1000;
      self.seconds += record.seconds;
      self.refreshes.push(record);
      return record;
    },
  };
  return self;
}
