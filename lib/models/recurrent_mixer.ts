/**
 * The recurrent mixer of the WikiText "transformer-like" model: `out(RNN(x))`, a recurrent
 * layer (the config's cell, gradient mode, feedback and DSF implementation, its own λ) then
 * `out`: Linear(S → D), S = D, or 2·D for an LSTM (its state concat(h, c)).
 *
 * Inits: cells U(−1/√D, 1/√D), `out` N(0, (0.02/√(2L))²), biases 0. Runs time-major.
 *
 * Parameters: `layer{i}.rnn.*` (PyTorch layout), `layer{i}.out.{weight, bias}` [S, D], [D].
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { stateSize } from "../config/schema.ts";
import type { Mixer } from "./mixer.ts";
import { residualProjStd } from "./mixer.ts";
import { dense, recurrentLayer } from "./model.ts";

/** The recurrent mixer (`model: "transformer-like"`). */
export const recurrentMixer: Mixer = {
  model: "transformer-like",
  timeMajor: true,
  positions: false,
  create(config, layer, store) {
    const d = config.hidden;
    const rnn = recurrentLayer(config, { input: d, layer }, store);
    const out = store.linear(
      `layer${layer}.out`,
      { input: stateSize(config), output: d },
      residualProjStd(config),
    );
    return {
      recurrent: rnn,
      // [T, B, D] → [T, B, S] → [T, B, D]
      apply: (x, opts) => dense(rnn.applyTimeMajor(x, opts), out) as tf.Tensor3D,
    };
  },
};
