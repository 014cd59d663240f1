/**
 * The exact state Jacobians `J = ∂step(x, h)/∂h` of a layer's cell at given points, by autodiff of
 * one `cell.step` with each previous state replicated S times as a batch and replica i asking for
 * output channel i, so that one backward gives every row of every J requested. Convention:
 * `J[i][j] = ∂h_i/∂h_prev_j` (row = output channel). What the `fitted` λ is measured from for a
 * cell without a closed-form diagonal; the Jacobian analyses (`lib/analysis/jacobian.ts`) build
 * on it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { FeedbackLayer } from "./layer.ts";

/** Options of {@link jacobiansAt}. */
export interface JacobiansAtOptions {
  /** Most replicated rows (pairs × S) in one backward; default 32768. */
  chunkRows?: number;
}

/**
 * Exact J at N points (x_n, h_{n−1}) of a layer's cell: autodiff of one `cell.step` on the
 * previous states replicated S times.
 * @param x [N, E] inputs
 * @param hPrev [N, S] previous states
 * @returns [N, S, S] row-major, `[n][i][j] = ∂step(x_n, h)_i/∂h_j` at h = hPrev_n
 */
export async function jacobiansAt(
  layer: FeedbackLayer,
  x: tf.Tensor2D,
  hPrev: tf.Tensor2D,
  options: JacobiansAtOptions = {},
): Promise<Float32Array> {
  const cell = layer.cell;
  const s = cell.stateSize;
  const [n, e] = x.shape;
  if (hPrev.shape[0] !== n || hPrev.shape[1] !== s) {
    throw new Error(`jacobiansAt: hPrev must be [${n}, ${s}], got [${hPrev.shape}]`);
  }
  const weights = Object.values(cell.params) as tf.Tensor[];
  const out = new Float32Array(n * s * s);
  const per = Math.max(1, Math.floor((options.chunkRows ?? 32768) / s));
  for (let p0 = 0; p0 < n; p0 += per) {
    const m = Math.min(per, n - p0);
    const g = tf.tidy(() => {
      const rep = (a: tf.Tensor2D, w: number) =>
        tf.reshape(tf.tile(tf.expandDims(tf.slice(a, [p0, 0], [m, w]), 1), [1, s, 1]), [m * s, w]);
      const xr = rep(x, e) as tf.Tensor2D;
      const hr = rep(hPrev, s) as tf.Tensor2D;
      const pick = tf.tile(tf.eye(s), [m, 1]); // replica i of each point asks for channel i
      const f = (h: tf.Tensor) => tf.sum(tf.mul(cell.step(xr, h as tf.Tensor2D, weights), pick));
      return tf.grad(f)(hr); // [m·S, S]: row (p, i) = ∂h_i/∂h_prev
    });
    out.set(await g.data() as Float32Array, p0 * s * s);
    g.dispose();
  }
  return out;
}
