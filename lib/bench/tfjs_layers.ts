/**
 * Peer: TensorFlow.js's own recurrent layers (`tf.layers.simpleRNN` / `gru` / `lstm`, exact
 * BPTT by autodiff through tfjs-layers' time loop) on the same unit as {@link LayerUnit}: a
 * `[B, T, D]` input, `returnSequences`, a Dense(16) readout, mean-squared error against a fixed
 * random target, Adam lr 1e-3, one `model.fit` batch of B per step.
 *
 * Differences to keep in mind: tfjs-layers' GRU applies the reset gate before the hidden
 * matMul (Keras v1, no `reset_after`); its LSTM readout sees h only (ours sees concat(h, c)).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { CellKind } from "../cells/mod.ts";
import { Rng } from "../util/rng.ts";
import { randomTensor, READOUT_WIDTH } from "./layer.ts";

/** A tfjs-layers model of the benchmark unit. */
export class LayersUnit {
  /** The Keras-style model. */
  readonly model: tf.Sequential;
  #x: tf.Tensor3D;
  #y: tf.Tensor3D;
  #batch: number;

  /** Builds and compiles the model and its fixed data. */
  constructor(spec: { cell: CellKind; B: number; T: number; D: number; seed?: number }) {
    const { cell, B, T, D } = spec;
    const rng = new Rng((spec.seed ?? 0) + 1);
    const layerArgs = { units: D, returnSequences: true, inputShape: [T, D] };
    const rnn = cell === "gru"
      ? tf.layers.gru(layerArgs)
      : cell === "lstm"
      ? tf.layers.lstm(layerArgs)
      : tf.layers.simpleRNN(layerArgs);
    this.model = tf.sequential({ layers: [rnn, tf.layers.dense({ units: READOUT_WIDTH })] });
    this.model.compile({ optimizer: tf.train.adam(1e-3), loss: "meanSquaredError" });
    this.#x = randomTensor([B, T, D], rng) as tf.Tensor3D;
    this.#y = randomTensor([B, T, READOUT_WIDTH], rng) as tf.Tensor3D;
    this.#batch = B;
  }

  /** The forward without gradients (`model.predict`); caller disposes. */
  forward(): tf.Tensor {
    return this.model.predict(this.#x, { batchSize: this.#batch }) as tf.Tensor;
  }

  /** One `model.fit` step on the batch; returns a one-element tensor to wait on (disposable). */
  async step(): Promise<tf.Tensor> {
    await this.model.fit(this.#x, this.#y, {
      batchSize: this.#batch,
      epochs: 1,
      shuffle: false,
      verbose: 0,
      yieldEvery: "never",
    });
    const w = this.model.getWeights()[0];
    return tf.tidy(() => tf.slice(tf.reshape(w, [-1]), [0], [1]));
  }

  /** Frees the model, its optimizer and the data. */
  dispose(): void {
    const optimizer = this.model.optimizer;
    this.model.dispose();
    optimizer?.dispose();
    tf.dispose([this.#x, this.#y]);
  }
}
