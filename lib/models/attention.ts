/**
 * The attention mixer of the Transformer baseline of Table 4 (a GPT-2-style causal decoder, in
 * the pre-norm LM): `proj(CausalSelfAttention(x))`, H heads of D/H.
 *
 * The attention is causal (position t sees positions ≤ t; the reference code's version had no
 * mask). Inits: `qkv` N(0, 0.02²), `proj` (the last Linear of the residual branch)
 * N(0, (0.02/√(2L))²), biases 0. Needs `heads | hidden`; the model adds a position embedding
 * (needs T ≤ `context`). Runs batch-major.
 *
 * Parameters: `layer{i}.attn.qkv.*` [D, 3D], `layer{i}.attn.proj.*` [D, D].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Mixer } from "./mixer.ts";
import { residualProjStd } from "./mixer.ts";
import { dense, type LinearParams } from "./model.ts";

/** The attention mixer (`model: "gpt"`). */
export const attentionMixer: Mixer = {
  model: "gpt",
  timeMajor: false,
  positions: true,
  check(config) {
    if (config.hidden % config.heads !== 0) {
      throw new Error(`gpt: heads (${config.heads}) must divide hidden (${config.hidden})`);
    }
  },
  create(config, layer, store) {
    const d = config.hidden;
    const qkv = store.linear(`layer${layer}.attn.qkv`, { input: d, output: 3 * d }, 0.02);
    const proj = store.linear(
      `layer${layer}.attn.proj`,
      { input: d, output: d },
      residualProjStd(config),
    );
    return {
      // [B, T, D] → [B, T, D]
      apply: (x) => dense(causalSelfAttention(x, qkv, config.heads), proj) as tf.Tensor3D,
    };
  },
};

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
