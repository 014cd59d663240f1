/**
 * Gradient-norm clipping as `torch.nn.utils.clip_grad_norm_`: the global L2 norm over all
 * gradients, and a common scale `min(1, maxNorm / (norm + 1e-6))`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Result of {@link clipGradNorm}. */
export interface ClipResult {
  /** The (possibly scaled) gradients: new tensors the caller owns and must dispose. */
  grads: Record<string, tf.Tensor>;
  /** The global L2 norm of the gradients before clipping (a scalar the caller disposes). */
  norm: tf.Scalar;
}

/**
 * Clips `grads` to a global L2 norm of at most `maxNorm` (> 0). Always returns new tensors
 * (clones when nothing is clipped, which share storage); the inputs are left as they are.
 * Nothing is read back from the backend (no sync point; works on webgpu).
 */
export function clipGradNorm(grads: Record<string, tf.Tensor>, maxNorm: number): ClipResult {
  if (typeof maxNorm !== "number" || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new Error(`clipGradNorm: "maxNorm" must be a positive number, got ${maxNorm}`);
  }
  const names = Object.keys(grads);
  if (names.length === 0) return { grads: {}, norm: tf.scalar(0) };
  return tf.tidy(() => {
    const squares = names.map((n) => tf.sum(tf.square(tf.cast(grads[n], "float32"))));
    const norm = tf.sqrt(tf.addN(squares)) as tf.Scalar;
    const coef = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    const scaled: Record<string, tf.Tensor> = {};
    for (const n of names) scaled[n] = tf.mul(grads[n], coef);
    return { grads: scaled, norm };
  });
}
