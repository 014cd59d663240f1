/**
 * The pre-norm language model of the WikiText experiments, one skeleton for the three models
 * whose blocks differ only in their token mixer ({@link Mixer}):
 *
 *     x = Embedding(ids) [+ PositionEmbedding(0..T−1)]    [B, T, D] or [T, B, D]
 *     for each layer:
 *       x = x + mixer(LayerNorm(x))                       mixer: see below
 *       x = x + MLP(LayerNorm(x))                         Linear(D, 4D) · GELU · Linear(4D, D)
 *     logits = head(LayerNorm(x))                         untied, no dropout
 *
 * | `model`            | mixer                                      | layout    | positions |
 * | ------------------ | ------------------------------------------ | --------- | --------- |
 * | `transformer-like` | {@link recurrentMixer}: `out(RNN(x))`      | [T, B, D] | no        |
 * | `gpt`              | {@link attentionMixer}: `proj(Attn(x))`    | [B, T, D] | learned   |
 * | `ema`              | {@link emaMixer}: `out(EMA(x))` (MEGA)     | [B, T, D] | no        |
 *
 * Inits: Linear, Embedding and position embedding N(0, 0.02²), the last Linear of each
 * residual branch (the mixer's output projection, `mlp.proj`) N(0, (0.02/√(2L))²), biases 0,
 * LayerNorm (1, 0); the mixer's own weights as its file says. Needs `embed = hidden`, and
 * T ≤ `context` with a position embedding. `features` returns [B, T, D] in either layout.
 *
 * Parameters, in creation order (the order of the seeded draws): `embedding.weight` [V, D],
 * `pos_embedding.weight` [context, D] (gpt only), then per layer `layer{i}.ln1.*`, the mixer's
 * (`layer{i}.rnn.*` + `layer{i}.out.*`, `layer{i}.attn.{qkv, proj}.*` or
 * `layer{i}.ema.*` + `layer{i}.out.*`), `layer{i}.ln2.*`, `layer{i}.mlp.fc.*`,
 * `layer{i}.mlp.proj.*`; then `ln_f.*`, `head.*`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelKind } from "../config/schema.ts";
import type { ModelConfig } from "../config/parts.ts";
import type { Recurrent } from "../recurrent.ts";
import { attentionMixer } from "./attention.ts";
import { emaMixer } from "./ema.ts";
import { layerNorm } from "./layer_norm.ts";
import type { Mixer, MixerLayer } from "./mixer.ts";
import { residualProjStd } from "./mixer.ts";
import { mlp, type MlpParams, mlpParams } from "./mlp.ts";
import {
  BaseLanguageModel,
  embed,
  type ForwardOptions,
  type LinearParams,
  type NormParams,
  ParamStore,
} from "./model.ts";
import { recurrentMixer } from "./recurrent_mixer.ts";

/** The mixer of each pre-norm `model` value. */
export const PRENORM_MIXERS: Readonly<Partial<Record<ModelKind, Mixer>>> = Object.fromEntries(
  [recurrentMixer, attentionMixer, emaMixer].map((m) => [m.model, m]),
);

/** One pre-norm block: `x + mixer(ln1(x))`, then `x + mlp(ln2(x))`. */
export interface PreNormBlock {
  /** LayerNorm before the mixer, [D]. */
  ln1: NormParams;
  /** The token mixer with its weights. */
  mixer: MixerLayer;
  /** LayerNorm before the MLP, [D]. */
  ln2: NormParams;
  /** The MLP, D → 4D → D. */
  mlp: MlpParams;
}

/** Options of {@link PreNormLm}. */
export interface PreNormLmOptions {
  /** The token mixer; default the one of `config.model` ({@link PRENORM_MIXERS}). */
  mixer?: Mixer;
}

/** A pre-norm LM (transformer-like, gpt or ema) built around its token mixer. */
export class PreNormLm extends BaseLanguageModel {
  /** The token mixer of every block. */
  readonly mixer: Mixer;
  /** [V, D] */
  readonly embedding: tf.Variable;
  /** [context, D], or null when the mixer takes no position embedding. */
  readonly posEmbedding: tf.Variable | null;
  /** The blocks, bottom to top. */
  readonly blocks: readonly PreNormBlock[];
  /** Final LayerNorm. */
  readonly lnF: NormParams;
  /** The untied output layer, [D, V]. */
  protected readonly head: LinearParams;

  /** Builds the model's weights from `config` (seeded by `config.seed`). */
  constructor(config: ModelConfig, vocabSize: number, options: PreNormLmOptions = {}) {
    const mixer = options.mixer ?? PRENORM_MIXERS[config.model];
    if (!mixer) throw new Error(`model "${config.model}" is not a pre-norm model`);
    const d = config.hidden;
    if (config.embed !== d) {
      throw new Error(`${mixer.model}: embed (${config.embed}) must equal hidden (${d})`);
    }
    mixer.check?.(config);
    const store = new ParamStore(config.seed);
    super(config, vocabSize, store.params);
    this.mixer = mixer;
    const projStd = residualProjStd(config);
    this.embedding = store.normal("embedding.weight", [vocabSize, d], 0.02);
    this.posEmbedding = mixer.positions
      ? store.normal("pos_embedding.weight", [config.context, d], 0.02)
      : null;
    const blocks: PreNormBlock[] = [];
    for (let i = 0; i < config.layers; i++) {
      const ln1 = store.layerNorm(`layer${i}.ln1`, d);
      const mix = mixer.create(config, i, store);
      const ln2 = store.layerNorm(`layer${i}.ln2`, d);
      blocks.push({
        ln1,
        mixer: mix,
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
    const t = ids.shape[1];
    const { timeMajor, model } = this.mixer;
    if (this.posEmbedding && t > this.config.context) {
      throw new Error(`${model}: sequence length ${t} exceeds the context ${this.config.context}`);
    }
    return tf.tidy(() => {
      let x = embed(this.embedding as tf.Tensor2D, ids, { timeMajor }); // [B, T, D] | [T, B, D]
      if (this.posEmbedding) {
        const pos = tf.slice(this.posEmbedding, [0, 0], [t, this.config.hidden]); // [T, D]
        x = tf.add(x, timeMajor ? tf.expandDims(pos, 1) : pos);
      }
      for (const blk of this.blocks) {
        // A scope per block: without a tape its intermediates go at its end, not the stack's.
        x = tf.tidy(() => {
          const h = tf.add(x, blk.mixer.apply(layerNorm(x, blk.ln1), opts));
          return tf.add(h, mlp(layerNorm(h, blk.ln2), blk.mlp));
        });
      }
      const y = layerNorm(x, this.lnF);
      return timeMajor ? tf.transpose(y, [1, 0, 2]) : y; // [B, T, D]
    });
  }

  /** The recurrent layers, bottom to top ([] unless the mixer is recurrent). */
  override recurrentLayers(): Recurrent[] {
    return this.blocks.flatMap((b) => b.mixer.recurrent ? [b.mixer.recurrent] : []);
  }
}
