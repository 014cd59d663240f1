/**
 * A radix-2 FFT built from ordinary tfjs ops (contiguous slices only), so it runs on every
 * backend — the wasm backend has no FFT kernel. Complex numbers are a pair of real tensors.
 *
 * Decimation in frequency leaves the spectrum in bit-reversed order. A convolution does not
 * care: {@link fftPermuted} transforms both operands into the same order, they are multiplied
 * pointwise, and {@link ifftPermuted} (the exact reverse of the steps) returns natural order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A complex tensor as its real and imaginary parts, both `[M, N]`. */
export type Complex = {
  re: tf.Tensor2D;
  im: tf.Tensor2D;
};

/** The smallest power of two ≥ n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** W_L^j = e^{∓2πi j / L} for j < L/2, as (cos, sin) [L/2]. */
function twiddles(l: number, sign: number): [tf.Tensor1D, tf.Tensor1D] {
  const c = new Float32Array(l / 2);
  const s = new Float32Array(l / 2);
  for (let j = 0; j < l / 2; j++) {
    c[j] = Math.cos((sign * 2 * Math.PI * j) / l);
    s[j] = Math.sin((sign * 2 * Math.PI * j) / l);
  }
  return [tf.tensor1d(c), tf.tensor1d(s)];
}

function checkPow2(n: number): void {
  if (n !== nextPow2(n)) throw new Error(`fft: length ${n} is not a power of two; pad it first`);
}

/**
 * The DFT `X_k = Σ_j x_j e^{−2πi jk/N}` along the last axis, output in bit-reversed order.
 * @param x each [M, N], N a power of two
 * @returns each [M, N], entry k holding X_{bitreverse(k)}
 */
export function fftPermuted(x: Complex): Complex {
  const [m, n] = x.re.shape;
  checkPow2(n);
  return tf.tidy(() => {
    let re: tf.Tensor = tf.reshape(x.re, [m, 1, n]);
    let im: tf.Tensor = tf.reshape(x.im, [m, 1, n]);
    for (let p = 1, l = n; l > 1; p *= 2, l /= 2) {
      // [M, P, L] → halves [M, P, 1, L/2]: a = top + bottom, b = (top − bottom)·W_L^j.
      const h = l / 2;
      const half = (t: tf.Tensor, k: number) =>
        tf.slice(tf.reshape(t, [m, p, 2, h]), [0, 0, k, 0], [m, p, 1, h]);
      const [tr, br, ti, bi] = [half(re, 0), half(re, 1), half(im, 0), half(im, 1)];
      const [c, s] = twiddles(l, -1);
      const dr = tf.sub(tr, br);
      const di = tf.sub(ti, bi);
      const bRe = tf.sub(tf.mul(dr, c), tf.mul(di, s));
      const bIm = tf.add(tf.mul(dr, s), tf.mul(di, c));
      re = tf.reshape(tf.concat([tf.add(tr, br), bRe], 2), [m, 2 * p, h]);
      im = tf.reshape(tf.concat([tf.add(ti, bi), bIm], 2), [m, 2 * p, h]);
    }
    return { re: tf.reshape(re, [m, n]) as tf.Tensor2D, im: tf.reshape(im, [m, n]) as tf.Tensor2D };
  });
}

/**
 * The inverse of {@link fftPermuted}: bit-reversed spectrum in, natural-order signal out
 * (`x_j = (1/N) Σ_k X_k e^{+2πi jk/N}`).
 * @param x each [M, N]
 * @returns each [M, N]
 */
export function ifftPermuted(x: Complex): Complex {
  const [m, n] = x.re.shape;
  checkPow2(n);
  return tf.tidy(() => {
    let re: tf.Tensor = tf.reshape(x.re, [m, n, 1]);
    let im: tf.Tensor = tf.reshape(x.im, [m, n, 1]);
    for (let p = n / 2, l = 2; l <= n; p /= 2, l *= 2) {
      // [M, 2P, L/2] → a, b each [M, P, 1, L/2]; top = (a + b·W̄)/2, bottom = (a − b·W̄)/2.
      const h = l / 2;
      const part = (t: tf.Tensor, k: number) =>
        tf.slice(tf.reshape(t, [m, p, 2, h]), [0, 0, k, 0], [m, p, 1, h]);
      const [ar, br, ai, bi] = [part(re, 0), part(re, 1), part(im, 0), part(im, 1)];
      const [c, s] = twiddles(l, 1);
      const wr = tf.sub(tf.mul(br, c), tf.mul(bi, s));
      const wi = tf.add(tf.mul(br, s), tf.mul(bi, c));
      re = tf.reshape(tf.mul(tf.concat([tf.add(ar, wr), tf.sub(ar, wr)], 2), 0.5), [m, p, l]);
      im = tf.reshape(tf.mul(tf.concat([tf.add(ai, wi), tf.sub(ai, wi)], 2), 0.5), [m, p, l]);
    }
    return { re: tf.reshape(re, [m, n]) as tf.Tensor2D, im: tf.reshape(im, [m, n]) as tf.Tensor2D };
  });
}
