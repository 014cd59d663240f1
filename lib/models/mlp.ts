/**
 * The Transformer MLP `Linear(D, 4D) · GELU · Linear(4D, D)`, and GELU.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { dense, type LinearParams, type ParamStore } from "./model.ts";

/** The MLP's weights: `fc` D → 4D, `proj` 4D → D. */
export interface MlpParams {
  /** [D, 4D] */
  fc: LinearParams;
  /** [4D, D] */
  proj: LinearParams;
}

/**
 * GELU, tanh approximation (GPT-2's): `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, written as
 * the identical `x · σ(2·√(2/π)·(x + 0.044715·x³))` (since `(1 + tanh u)/2 = σ(2u)`), which is
 * differentiable by autodiff and avoids tanh (slow on wasm). tfjs has no gelu op.
 * @param x any shape
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  const c = 2 * Math.sqrt(2 / Math.PI);
  return tf.tidy(() => {
    const inner = tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715));
    return tf.mul(x, tf.sigmoid(tf.mul(inner, c))) as T;
  });
}

/**
 * Creates the MLP's weights: `fc` N(0, 0.02²), `proj` (the last layer of a residual branch)
 * N(0, projStd²).
 * @param sizes width D and the std of `proj`
 */
export function mlpParams(
  name: string,
  sizes: { width: number; projStd: number },
  store: ParamStore,
): MlpParams {
  const d = sizes.width;
  return {
    fc: store.linear(`${name}.fc`, { input: d, output: 4 * d }, 0.02),
    proj: store.linear(`${name}.proj`, { input: 4 * d, output: d }, sizes.projStd),
  };
}

/**
 * The MLP.
 * @param x [..., D]
 * @returns [..., D]
 */
export function mlp<T extends tf.Tensor>(x: T, p: MlpParams): T {
  return tf.tidy(() => dense(gelu(dense(x, p.fc)), p.proj) as T); // [..., 4D] → [..., D]
}
