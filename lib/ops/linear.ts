/**
 * Matrix products whose gradients transpose explicitly.
 *
 * tfjs computes a matMul's gradient with transposed matMuls (`transposeA` / `transposeB`), which
 * on the wasm backend are 10–15× slower than an explicit `tf.transpose` followed by a plain
 * matMul. These ops have the same values as `tf.matMul` but a custom gradient that only ever
 * calls plain matMuls — except on a backend whose transposed matMuls are as fast as plain ones
 * (wasm with a native BLAS, see `lib/native/`), where the transposed kernel is called directly
 * and the copy is saved.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

const nativeTransposes = new Set<string>();

/**
 * Declares whether `backend`'s matMul kernels take transposed operands at full speed (set by
 * the native BLAS kernels; off by default).
 */
export function setNativeTransposes(backend: string, fast: boolean): void {
  if (fast) nativeTransposes.add(backend);
  else nativeTransposes.delete(backend);
}

/** Whether the active backend's transposed matMuls are as fast as plain ones. */
export function transposesAreFree(): boolean {
  return nativeTransposes.size > 0 && nativeTransposes.has(tf.getBackend());
}

/** `a · bᵀ` (an explicit transpose then a plain matMul where that pays). a [N, K], b [M, K] → [N, M]. */
export function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (transposesAreFree()) return tf.matMul(a, b, false, true);
  return tf.tidy(() => tf.matMul(a, tf.transpose(b)));
}

/** `aᵀ · b` (an explicit transpose then a plain matMul where that pays). a [K, N], b [K, M] → [N, M]. */
export function matMulAT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (transposesAreFree()) return tf.matMul(a, b, true, false);
  return tf.tidy(() => tf.matMul(tf.transpose(a), b));
}

const matMulOp = tf.customGrad((a, b, save) => {
  const a2 = a as tf.Tensor2D;
  const b2 = b as tf.Tensor2D;
  (save as tf.GradSaveFunc)([a2, b2]);
  return {
    value: tf.matMul(a2, b2),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      const dy2 = dy as tf.Tensor2D;
      return [matMulBT(dy2, sb), matMulAT(sa, dy2)];
    },
  };
});

/**
 * `a · b` with an explicit-transpose gradient.
 * @param a [N, K]
 * @param b [K, M]
 * @returns [N, M]
 */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matMul: shapes [${a.shape}] and [${b.shape}] do not chain (need [N,K]·[K,M])`);
  }
  return matMulOp(a, b) as tf.Tensor2D;
}

/**
 * Σ over rows of x [N, M] → [M]. On wasm, as `ones[1, N] · x` (tfjs-wasm's reduction over axis 0
 * takes about 0.5 s for a [2048, 10000] head gradient; the product 12 ms with BLAS, 42 without).
 */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  if (tf.getBackend() !== "wasm") return tf.sum(x, 0);
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [-1]) as tf.Tensor1D);
}

const linearOp = tf.customGrad((x, w, b, save) => {
  const x2 = x as tf.Tensor2D;
  const w2 = w as tf.Tensor2D;
  (save as tf.GradSaveFunc)([x2, w2]);
  return {
    // With the native BLAS the bias is the product's initial value (one pass fewer over the
    // [N, out] output: 10 ms for the PTB head's [2048, 10000]).
    value: transposesAreFree()
      ? tf.fused.matMul({ a: x2, b: w2, bias: b as tf.Tensor1D })
      : tf.add(tf.matMul(x2, w2), b as tf.Tensor1D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      const dy2 = dy as tf.Tensor2D;
      return [matMulBT(dy2, sw), matMulAT(sx, dy2), columnSum(dy2)];
    },
  };
});

/**
 * An affine map `x · w + b` (weights stored `[in, out]`, so the forward needs no transpose),
 * with an explicit-transpose gradient. Inputs of rank > 2 are flattened over their leading axes.
 * @param x [..., in]
 * @param w [in, out]
 * @param b [out] (optional)
 * @returns [..., out]
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  const inDim = x.shape[x.rank - 1];
  if (w.rank !== 2 || w.shape[0] !== inDim) {
    throw new Error(`linear: input [${x.shape}] does not match weight [${w.shape}] ([in, out])`);
  }
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
    const y = b ? linearOp(x2, w, b) : matMulOp(x2, w);
    return x.rank === 2 ? y : tf.reshape(y, [...lead, w.shape[1]]);
  });
}
