/**
 * Elementwise activations with backend-aware fast paths.
 *
 * On the wasm backend `tanh` is about 8× slower than `sigmoid`, so there `tanh(x)` is computed
 * as `2σ(2x) − 1` (the same function; error below 1e-7 in float32). Used only in forward passes
 * whose backward is written by hand (it is differentiable anyway).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** `tanh(x)`, through `sigmoid` on wasm. */
export function tanh<T extends tf.Tensor>(x: T): T {
  if (tf.getBackend() !== "wasm") return tf.tanh(x);
  return tf.tidy(() => tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1)) as T;
}

/**
 * The factor to fold into the weights feeding a `tanh`, so that {@link tanhOfScaled} needs no
 * multiply: 2 on wasm (where tanh(a) = 2σ(2a) − 1), else 1.
 */
export function tanhInputScale(): number {
  return tf.getBackend() === "wasm" ? 2 : 1;
}

/** `tanh(a)` given `x = a · tanhInputScale()` (already scaled by the weights). */
export function tanhOfScaled<T extends tf.Tensor>(x: T, scale: number): T {
  if (scale === 1) return tf.tanh(x);
  return tf.tidy(() => tf.sub(tf.mul(tf.sigmoid(x), 2), 1)) as T;
}
