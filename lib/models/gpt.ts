/**
 * The Transformer baseline of Table 4: a GPT-2-style causal decoder.
 *
 *     x = Embedding(ids) + PositionEmbedding(0..T−1)      [B, T, D]
 *     for each layer:
 *       x = x + proj(CausalSelfAttention(LayerNorm(x)))   H heads of D/H
 *       x = x + MLP(LayerNorm(x))                         Linear(D, 4D) · GELU · Linear(4D, D)
 *     logits = head(LayerNorm(x))                         untied, no dropout
 *
 * The attention is causal (position t sees positions ≤ t; the reference code's version had no
 * mask). Inits as the transformer-like model: Linear, Embedding and position embedding
 * N(0, 0.02²), the last Linear of each residual branch (`attn.proj`, `mlp.proj`)
 * N(0, (0.02/√(2L))²), biases 0, LayerNorm (1, 0). Needs `embed = hidden`, `heads | hidden`,
 * T ≤ `context`.
 *
 * Parameters: `embedding.weight` [V, D], `pos_embedding.weight` [context, D],
 * `layer{i}.ln1.*`, `layer{i}.attn.qkv.*` [D, 3D], `layer{i}.attn.proj.*`, `layer{i}.ln2.*`,
 * `layer{i}.mlp.fc.*`, `layer{i}.mlp.proj.*`, `ln_f.*`, `head.*`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Config } from "../config/schema.ts";
import { layerNorm } from "./layer_norm.ts";
import { mlp, type MlpParams, mlpParams } from "./mlp.ts";
import {
  BaseLanguageModel,
  dense,
  embed,
  type LinearParams,
  type NormParams,
  ParamStore,
} from "./model.ts";

/** One pre-LN block. */
interface Block {
  ln1: NormParams;
  /** [D, 3D]: queries, keys, values. */
  qkv: LinearParams;
  /** [D, D] */
  proj: LinearParams;
  ln2: NormParams;
  mlp: MlpParams;
}

/** The GPT-2-style causal Transformer. */
export class Gpt extends BaseLanguageModel {
  /** [V, D] */
  readonly embedding: tf.Variable;
  /** [context, D] */
  readonly posEmbedding: tf.Variable;
  /** The blocks, bottom to top. */
  readonly blocks: readonly Block[];
  /** Final LayerNorm. */
  readonly lnF: NormParams;
  protected readonly head: LinearParams;

  /** Builds the model's weights from `config` (seeded by `config.seed`). */
  constructor(config: Config, vocabSize: number) {
    const d = config.hidden;
    if (config.embed !== d) {
      throw new Error(`gpt: embed (${config.embed}) must equal hidden (${d})`);
    }
    if (d % config.heads !== 0) {
      throw new Error(`gpt: heads (${config.heads}) must divide hidden (${d})`);
    }
    const store = new ParamStore(config.seed);
    super(config, vocabSize, store.params);
    const projStd = 0.02 / Math.sqrt(2 * config.layers);
    this.embedding = store.normal("embedding.weight", [vocabSize, d], 0.02);
    this.posEmbedding = store.normal("pos_embedding.weight", [config.context, d], 0.02);
    const blocks: Block[] = [];
    for (let i = 0; i < config.layers; i++) {
      blocks.push({
        ln1: store.layerNorm(`layer${i}.ln1`, d),
        qkv: store.linear(`layer${i}.attn.qkv`, { input: d, output: 3 * d }, 0.02),
        proj: store.linear(`layer${i}.attn.proj`, { input: d, output: d }, projStd),
        ln2: store.layerNorm(`layer${i}.ln2`, d),
        mlp: mlpParams(`layer${i}.mlp`, { width: d, projStd }, store),
      });
    }
    this.blocks = blocks;
    this.lnF = store.layerNorm("ln_f", d);
    this.head = store.linear("head", { input: d, output: vocabSize }, 0.02);
  }

  /** ids [B, T] int32 → features [B, T, D] (after the final LayerNorm). */
  features(ids: tf.Tensor2D): tf.Tensor3D {
    const t = ids.shape[1];
    if (t > this.config.context) {
      throw new Error(`gpt: sequence length ${t} exceeds the context ${this.config.context}`);
    }
    return tf.tidy(() => {
      const pos = tf.slice(this.posEmbedding, [0, 0], [t, this.config.hidden]); // [T, D]
      let x: tf.Tensor3D = tf.add(embed(this.embedding as tf.Tensor2D, ids), pos); // [B, T, D]
      for (const blk of this.blocks) {
        const att = causalSelfAttention(layerNorm(x, blk.ln1), blk.qkv, this.config.heads);
        x = tf.add(x, dense(att, blk.proj)); // [B, T, D]
        x = tf.add(x, mlp(layerNorm(x, blk.ln2), blk.mlp)); // [B, T, D]
      }
      return layerNorm(x, this.lnF);
    });
  }
}

/**
 * Multi-head causal self-attention, before its output projection.
 * @param x [B, T, D]
 * @param qkv the [D, 3D] projection to queries, keys and values
 * @param heads H (divides D)
 * @returns [B, T, D]
 */
export function causalSelfAttention(x: tf.Tensor3D, qkv: LinearParams, heads: number): tf.Tensor3D {
  const [b, t, d] = x.shape;
  const hd = d / heads;
  return tf.tidy(() => {
    const [q, k, v] = tf.split(dense(x, qkv), 3, 2); // 3 × [B, T, D]
    // [B, T, D] → [B·H, T, hd]
    const toHeads = (y: tf.Tensor): tf.Tensor3D =>
      tf.reshape(tf.transpose(tf.reshape(y, [b, t, heads, hd]), [0, 2, 1, 3]), [b * heads, t, hd]);
    const kT = tf.transpose(toHeads(k), [0, 2, 1]); // [B·H, hd, T]
    const scores = tf.mul(batchMatMul(toHeads(q), kT), 1 / Math.sqrt(hd)); // [B·H, T, T]
    const att: tf.Tensor3D = tf.softmax(tf.add(scores, causalMask(t))); // [B·H, T, T]
    const y = batchMatMul(att, toHeads(v)); // [B·H, T, hd]
    return tf.reshape(tf.transpose(tf.reshape(y, [b, heads, t, hd]), [0, 2, 1, 3]), [b, t, d]);
  });
}

/** The additive causal mask [T, T]: 0 where key ≤ query, −1e9 above the diagonal. */
function causalMask(t: number): tf.Tensor2D {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) m[i * t + j] = -1e9;
  return tf.tensor2d(m, [t, t]);
}

/**
 * Batched `a · b` whose gradient uses explicit transposes and plain matMuls (tfjs's own
 * gradient uses transposed matMuls, slow on wasm; cf. lib/ops/linear.ts).
 */
const batchMatMul = tf.customGrad((a, b, save) => {
  (save as tf.GradSaveFunc)([a as tf.Tensor, b as tf.Tensor]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D), // [N, M, K] · [N, K, P]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor3D[];
      const dy3 = dy as tf.Tensor3D;
      return [
        tf.matMul(dy3, tf.transpose(sb, [0, 2, 1])),
        tf.matMul(tf.transpose(sa, [0, 2, 1]), dy3),
      ];
    },
  };
}) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;
