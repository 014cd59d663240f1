/**
 * The WikiText-103 "transformer-like" model: pre-LayerNorm residual blocks whose token mixer is
 * a recurrent layer.
 *
 *     x = Embedding(ids)                                  [T, B, D]  (no positional embedding)
 *     for each layer:
 *       x = x + out(RNN(LayerNorm(x)))                    out: Linear(S → D)
 *       x = x + MLP(LayerNorm(x))                         Linear(D, 4D) · GELU · Linear(4D, D)
 *     logits = head(LayerNorm(x))                         untied, no dropout
 *
 * S = D, or 2·D for an LSTM (its state concat(h, c); `out` is then its Linear(2D → D)).
 * Inits: Linear and Embedding N(0, 0.02²), the last Linear of each residual branch (`out`,
 * `mlp.proj`) N(0, (0.02/√(2L))²), biases 0, LayerNorm (1, 0), cells U(−1/√D, 1/√D).
 * Needs `embed = hidden`.
 *
 * Internally time-major (the recurrence's layout); `features` returns [B, T, D].
 *
 * Parameters: `embedding.weight`, `layer{i}.ln1.*`, `layer{i}.rnn.*`, `layer{i}.out.*`,
 * `layer{i}.ln2.*`, `layer{i}.mlp.fc.*`, `layer{i}.mlp.proj.*`, `ln_f.*`, `head.*`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Config, stateSize } from "../config/schema.ts";
import type { Recurrent } from "../recurrent.ts";
import { layerNorm } from "./layer_norm.ts";
import { mlp, type MlpParams, mlpParams } from "./mlp.ts";
import {
  BaseLanguageModel,
  dense,
  embed,
  type ForwardOptions,
  type LinearParams,
  type NormParams,
  ParamStore,
  recurrentLayer,
} from "./model.ts";

/** One pre-LN block. */
interface Block {
  ln1: NormParams;
  rnn: Recurrent;
  /** Linear(S → D) after the recurrence. */
  out: LinearParams;
  ln2: NormParams;
  mlp: MlpParams;
}

/** The transformer-like recurrent LM of the WikiText experiments. */
export class TransformerLike extends BaseLanguageModel {
  /** [V, D] */
  readonly embedding: tf.Variable;
  /** The blocks, bottom to top. */
  readonly blocks: readonly Block[];
  /** Final LayerNorm. */
  readonly lnF: NormParams;
  protected readonly head: LinearParams;

  /** Builds the model's weights from `config` (seeded by `config.seed`). */
  constructor(config: Config, vocabSize: number) {
    if (config.embed !== config.hidden) {
      throw new Error(
        `transformer-like: embed (${config.embed}) must equal hidden (${config.hidden})`,
      );
    }
    const store = new ParamStore(config.seed);
    super(config, vocabSize, store.params);
    const d = config.hidden;
    const projStd = 0.02 / Math.sqrt(2 * config.layers);
    this.embedding = store.normal("embedding.weight", [vocabSize, d], 0.02);
    const blocks: Block[] = [];
    for (let i = 0; i < config.layers; i++) {
      const ln1 = store.layerNorm(`layer${i}.ln1`, d);
      const rnn = recurrentLayer(config, { input: d, layer: i }, store);
      const out = store.linear(`layer${i}.out`, { input: stateSize(config), output: d }, projStd);
      const ln2 = store.layerNorm(`layer${i}.ln2`, d);
      blocks.push({
        ln1,
        rnn,
        out,
        ln2,
        mlp: mlpParams(`layer${i}.mlp`, { width: d, projStd }, store),
      });
    }
    this.blocks = blocks;
    this.lnF = store.layerNorm("ln_f", d);
    this.head = store.linear("head", { input: d, output: vocabSize }, 0.02);
  }

  /** ids [B, T] int32 → features [B, T, D] (after the final LayerNorm). */
  features(ids: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      let x = embed(this.embedding as tf.Tensor2D, ids, { timeMajor: true }); // [T, B, D]
      for (const blk of this.blocks) {
        const states = blk.rnn.applyTimeMajor(layerNorm(x, blk.ln1), opts); // [T, B, S]
        x = tf.add(x, dense(states, blk.out)); // [T, B, D]
        x = tf.add(x, mlp(layerNorm(x, blk.ln2), blk.mlp)); // [T, B, D]
      }
      return tf.transpose(layerNorm(x, this.lnF), [1, 0, 2]); // [B, T, D]
    });
  }

  /** The recurrent layers, bottom to top. */
  override recurrentLayers(): Recurrent[] {
    return this.blocks.map((b) => b.rnn);
  }
}
