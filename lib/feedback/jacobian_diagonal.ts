/**
 * The `jacobian-diagonal` feedback (ours): the DSF feedback made time-varying, the diagonal of the
 * true Jacobian at each step and batch row, `a_t = diag(∂state_t/∂state_{t−1})`, from a fused
 * cell's saved activations (gru, rnn, lstm: cells with `jacobianDiagonal`):
 *
 *     δ_t = e_t + a_{t+1} ⊙ δ_{t+1}      (instead of eq. 13's stationary λ),
 *
 * run by {@link reverseScanVarying}; then the local terms apply as in DSF. The same `a_t`,
 * averaged over a batch's real positions, is the closed form of the `fitted` λ
 * ({@link meanJacobianDiagonal}).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackwardArgs, Cell, CellGrads } from "../cells/cell.ts";
import {
  defaultScanImpl,
  type ReverseScanImpl,
  reverseScanVarying,
  VARYING_SCAN_IMPLS,
} from "../ops/reverse_scan.ts";

/** Whether a layer's cell can run the `jacobian-diagonal` feedback (fused, with the diagonal). */
export function hasJacobianDiagonal(cell: Cell, fused: boolean): boolean {
  return fused && cell.fused?.jacobianDiagonal !== undefined;
}

/**
 * The backward of a fused layer with the `jacobian-diagonal` feedback: e → δ by the varying
 * reverse scan over `a_t`, then the cell's local terms.
 * @param directGrad e [T, B, S], the gradient arriving on each state from outside the layer
 * @param options.scanImpl the layer's reverse-scan choice (used when it is one of
 *   `VARYING_SCAN_IMPLS`; otherwise the backend's `defaultScanImpl(…, { varying: true })`)
 * @returns the gradients of the input [T, B, E] and of the weights (in `params` order)
 */
export function jacobianDiagonalBackward(
  cell: Cell,
  directGrad: tf.Tensor3D,
  options: { args: BackwardArgs; scanImpl?: ReverseScanImpl },
): CellGrads {
  const fused = cell.fused!;
  return tf.tidy(() => {
    const impl = options.scanImpl !== undefined && VARYING_SCAN_IMPLS.includes(options.scanImpl)
      ? options.scanImpl
      : defaultScanImpl(tf.getBackend(), { varying: true });
    const diag = fused.jacobianDiagonal!(options.args); // [T, B, S]
    return fused.localBackward(reverseScanVarying(directGrad, diag, { impl }), options.args);
  });
}

/**
 * The mean over a batch's real positions of the closed-form Jacobian diagonal `a_t` of a fused
 * cell (one fused forward that keeps its activations).
 * @param input the layer's input [B, T, E]
 * @param mask [B·T], 1 at a real target, 0 at padding
 * @returns [S]
 */
export async function meanJacobianDiagonal(
  cell: Cell,
  input: tf.Tensor3D,
  mask: Float32Array,
): Promise<Float32Array> {
  const [b, t] = input.shape;
  const weights = Object.values(cell.params);
  const sums = tf.tidy(() => {
    const x = tf.transpose(input, [1, 0, 2]) as tf.Tensor3D; // [T, B, E]
    const fwd = cell.fused!.forward(x, weights, { keep: true });
    const diag = cell.fused!.jacobianDiagonal!({
      x,
      states: fwd.states,
      saved: fwd.saved,
      weights,
    });
    const m = tf.transpose(tf.tensor2d(mask, [b, t]), [1, 0]).expandDims(2); // [T, B, 1]
    return tf.div(tf.sum(tf.mul(diag, m), [0, 1]), tf.maximum(tf.sum(m), 1));
  });
  const out = await sums.data() as Float32Array;
  sums.dispose();
  return Float32Array.from(out);
}
