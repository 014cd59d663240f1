/**
 * The activations of a model's recurrent layers in one plain forward: each layer's input and
 * states, taken with `observe` (what the `fitted` λ and the Jacobian analyses are
 * measured on).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { FeedbackLayer } from "./layer.ts";

/** A model whose `features` runs its recurrent layers (any `LanguageModel`). */
export interface RecurrentModel<L extends FeedbackLayer = FeedbackLayer> {
  /** Final features, ids [B, T] → [B, T, D]. */
  features(ids: tf.Tensor2D, opts?: { training?: boolean }): tf.Tensor3D;
  /** The recurrent layers, bottom to top. */
  recurrentLayers(): L[];
}

/**
 * The input and the output (states) of each recurrent layer of a model on `ids`, from one plain
 * forward (no gradients), observed with each layer's `observe` for the duration
 * of the call.
 * @param ids [B, T] int32
 * @returns per recurrent layer, bottom to top: inputs [B, T, E_l] and states [B, T, S_l] (the
 *   caller disposes them)
 */
export function recurrentActivity(
  model: RecurrentModel,
  ids: tf.Tensor2D,
): { inputs: tf.Tensor3D[]; states: tf.Tensor3D[] } {
  const layers = model.recurrentLayers();
  const inputs: tf.Tensor3D[] = [];
  const states: tf.Tensor3D[] = [];
  const unsubscribe = layers.map((layer, i) =>
    layer.observe((x, out) => {
      inputs[i] = tf.keep(tf.transpose(x, [1, 0, 2]));
      states[i] = tf.keep(tf.transpose(out, [1, 0, 2]));
    })
  );
  try {
    tf.dispose(model.features(ids, { training: false }));
  } finally {
    for (const stop of unsubscribe) stop();
  }
  if (layers.some((_, i) => !inputs[i])) {
    tf.dispose([...inputs, ...states].filter((v) => v));
    throw new Error("recurrentActivity: a recurrent layer was not run by model.features");
  }
  return { inputs, states };
}

/**
 * The input each recurrent layer of a model receives on `ids` (see {@link recurrentActivity}).
 * @returns one [B, T, E_l] tensor per recurrent layer, bottom to top (the caller disposes them)
 */
export function recurrentInputs(model: RecurrentModel, ids: tf.Tensor2D): tf.Tensor3D[] {
  const { inputs, states } = recurrentActivity(model, ids);
  tf.dispose(states);
  return inputs;
}
