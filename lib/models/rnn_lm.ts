/**
 * The PTB model: a stacked recurrent language model.
 *
 *     x = Embedding(ids)                                  [T, B, E]
 *     for each layer:  x = x + proj(RNN(x))               [T, B, D]
 *     logits = head(x)                                    [T, B, V]  (untied, no dropout)
 *
 * `proj` is a Linear(2D → D) for an LSTM (its state is concat(h, c)) and the identity
 * otherwise. When E ≠ D the first layer has no skip (`x = proj(RNN(x))`): the reference code's
 * PTB configs use E = D, and a skip would need a projection that the paper does not mention.
 * Each layer runs with the config's gradient mode, feedback and DSF implementation, and holds
 * its own λ.
 *
 * Internally time-major (the recurrence's layout); `features` returns [B, T, D].
 *
 * Parameters: `embedding.weight` [V, E], `layer{i}.rnn.{weight_ih, weight_hh, bias_ih, bias_hh}`
 * (PyTorch layout, U(−1/√D, 1/√D)), `layer{i}.proj.{weight, bias}` (LSTM only),
 * `head.{weight, bias}` [D, V]; Linear and Embedding weights N(0, 0.02²), biases 0.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "../config/parts.ts";
import type { Recurrent } from "../recurrent.ts";
import {
  BaseLanguageModel,
  dense,
  embed,
  type ForwardOptions,
  type LinearParams,
  ParamStore,
  recurrentLayer,
} from "./model.ts";

/** One layer of the stack. */
export interface RnnLmLayer {
  /** The recurrent layer (cell + gradient mode + feedback). */
  rnn: Recurrent;
  /** Linear(2D → D) for an LSTM, else null. */
  proj: LinearParams | null;
  /** Whether the layer adds its input back (false only for layer 0 when E ≠ D). */
  skip: boolean;
}

/** The stacked recurrent LM of the PTB experiments. */
export class RnnLm extends BaseLanguageModel {
  /** [V, E] */
  readonly embedding: tf.Variable;
  /** The layers, bottom to top. */
  readonly layers: readonly RnnLmLayer[];
  /** The output projection `[D, V]` and its bias. */
  protected readonly head: LinearParams;

  /** Builds the model's weights from `config` (seeded by `config.seed`). */
  constructor(config: ModelConfig, vocabSize: number) {
    const store = new ParamStore(config.seed);
    super(config, vocabSize, store.params);
    const { embed: e, hidden: d, cell } = config;
    this.embedding = store.normal("embedding.weight", [vocabSize, e], 0.02);
    const layers: RnnLmLayer[] = [];
    for (let i = 0; i < config.layers; i++) {
      const input = i === 0 ? e : d;
      const rnn = recurrentLayer(config, { input, layer: i }, store);
      const proj = cell === "lstm"
        ? store.linear(`layer${i}.proj`, { input: 2 * d, output: d }, 0.02)
        : null;
      layers.push({ rnn, proj, skip: input === d });
    }
    this.layers = layers;
    this.head = store.linear("head", { input: d, output: vocabSize }, 0.02);
  }

  /** ids [B, T] int32 → features [B, T, D]. */
  features(ids: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      let x = embed(this.embedding as tf.Tensor2D, ids, { timeMajor: true }); // [T, B, E]
      for (const layer of this.layers) {
        // A scope per layer: without a tape its intermediates go at its end, not the stack's.
        x = tf.tidy(() => {
          let h: tf.Tensor3D = layer.rnn.applyTimeMajor(x, opts); // [T, B, S]
          if (layer.proj) h = dense(h, layer.proj) as tf.Tensor3D; // [T, B, D]
          return layer.skip ? tf.add(x, h) : h; // [T, B, D]
        });
      }
      return tf.transpose(x, [1, 0, 2]); // [B, T, D]
    });
  }

  /** The recurrent layers, bottom to top. */
  override recurrentLayers(): Recurrent[] {
    return this.layers.map((l) => l.rnn);
  }
}
