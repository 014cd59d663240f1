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
  /** The global L2 norm of the gradients before clipping. */
  norm: number;
}

/**
 * Clips `grads` to a global L2 norm of at most `maxNorm` (> 0). Always returns new tensors
 * (clones when nothing is clipped, which share storage); the inputs are left as they are.
 */
export function clipGradNorm(grads: Record<string, tf.Tensor>, maxNorm: number): ClipResult {
  if (typeof maxNorm !== "number" || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new Error(`clipGradNorm: "maxNorm" must be a positive number, got ${maxNorm}`);
  }
  const names = Object.keys(grads);
  if (names.length === 0) return { grads: {}, norm: 0 };
  const normT = tf.tidy(() => {
    const squares = names.map((n) => tf.sum(tf.square(tf.cast(grads[n], "float32"))));
    return tf.sqrt(tf.addN(squares));
  });
  const norm = normT.dataSync()[0];
  normT.dispose();
  const coef = maxNorm / (norm + 1e-6);
  const out = tf.tidy(() => {
    const scaled: Record<string, tf.Tensor> = {};
    for (const n of names) scaled[n] = coef < 1 ? tf.mul(grads[n], coef) : tf.clone(grads[n]);
    return scaled;
  });
  return { grads: out, norm };
}
