/**
 * Layer normalisation over the last axis (PyTorch `nn.LayerNorm`, eps 1e-5, biased variance).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NormParams } from "./model.ts";

/** LayerNorm's epsilon (PyTorch's default). */
export const LAYER_NORM_EPS = 1e-5;

/**
 * `(x − mean) / √(var + eps) · weight + bias`, over the last axis.
 * @param x [..., D]
 * @param p weight [D] and bias [D]
 * @returns [..., D]
 */
export function layerNorm<T extends tf.Tensor>(x: T, p: NormParams): T {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const centered = tf.sub(x, tf.mean(x, axis, true)); // [..., D]
    const variance = tf.mean(tf.square(centered), axis, true); // [..., 1]
    const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)));
    return tf.add(tf.mul(normed, p.weight), p.bias) as T;
  });
}
