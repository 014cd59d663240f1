/**
 * The EMA mixer of the SSM baseline of Table 4: MEGA's damped EMA as the token mixer of the
 * pre-norm block (in place of the recurrent layer), `out(EMA(x))`, out: Linear(D → D).
 *
 * The EMA (after `MultiHeadEMA` in facebookresearch/mega,
 * fairseq/modules/exponential_moving_average.py, unidirectional, no truncation) is a damped,
 * real-valued, N-dimensional EMA per channel d (N = `config.emaDim`):
 *
 *     u_t[d,n] = β[d,n]·x_t[d]
 *     s_t[d,n] = α[d,n]·u_t[d,n] + (1 − α[d,n]·δ[d,n])·s_{t−1}[d,n]
 *     y_t[d]   = Σ_n γ[d,n]/√N · s_t[d,n]
 *
 * i.e. a causal convolution with the kernel
 * `k_t[d] = Σ_n γ[d,n]/√N · β[d,n]·α[d,n]·(1 − α[d,n]·δ[d,n])^t` (α, δ through a sigmoid),
 * computed by FFT (lib/ops/fft.ts, zero-padded to a power of two ≥ 2T so that nothing wraps
 * around), and the layer's output is `silu(y + x ⊙ ω)`. MEGA's code names the front factor
 * `p = σ(delta)` and the other one `σ(alpha)`; the product is symmetric in the two, and so are
 * their inits, so only the names differ. Inits (MEGA's): α, δ raw N(0, 0.2²),
 * β N(0, 0.02²) + (1, −1, 1, −1, …) over n, γ N(0, 1), ω N(0, 1); `out` N(0, (0.02/√(2L))²),
 * bias 0. Runs batch-major.
 *
 * Parameters: `layer{i}.ema.{alpha, delta, beta, gamma}` [D, N], `layer{i}.ema.omega` [D],
 * `layer{i}.out.*` [D, D], [D].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { fftPermuted, ifftPermuted, nextPow2 } from "../ops/fft.ts";
import type { Mixer } from "./mixer.ts";
import { residualProjStd } from "./mixer.ts";
import { dense, type ParamStore } from "./model.ts";

/** The EMA's weights (raw, before the sigmoids). */
export interface EmaParams {
  /** [D, N], σ(alpha) is the EMA weight α. */
  alpha: tf.Variable;
  /** [D, N], σ(delta) is the damping δ. */
  delta: tf.Variable;
  /** [D, N], input expansion. */
  beta: tf.Variable;
  /** [D, N], output projection (scaled by 1/√N). */
  gamma: tf.Variable;
  /** [D], the residual weight. */
  omega: tf.Variable;
}

/** The EMA mixer (`model: "ema"`). */
export const emaMixer: Mixer = {
  model: "ema",
  timeMajor: false,
  positions: false,
  create(config, layer, store) {
    const d = config.hidden;
    const p = emaParams(`layer${layer}.ema`, { width: d, dim: config.emaDim }, store);
    const out = store.linear(
      `layer${layer}.out`,
      { input: d, output: d },
      residualProjStd(config),
    );
    return { apply: (x) => dense(ema(x, p), out) as tf.Tensor3D }; // [B, T, D] → [B, T, D]
  },
};

/**
 * Creates an EMA's weights with MEGA's initialisation.
 * @param sizes channels D and EMA dimension N
 */
export function emaParams(
  name: string,
  sizes: { width: number; dim: number },
  store: ParamStore,
): EmaParams {
  const { width: d, dim: n } = sizes;
  const alpha = store.normal(`${name}.alpha`, [d, n], 0.2);
  const delta = store.normal(`${name}.delta`, [d, n], 0.2);
  const beta = store.add(
    `${name}.beta`,
    tf.tidy(() => {
      const sign = tf.tensor1d(Float32Array.from({ length: n }, (_, j) => (j % 2 === 0 ? 1 : -1)));
      const noise = Float32Array.from({ length: d * n }, () => 0.02 * store.rng.normal());
      return tf.add(tf.tensor2d(noise, [d, n]), sign);
    }),
  );
  const gamma = store.normal(`${name}.gamma`, [d, n], 1);
  const omega = store.normal(`${name}.omega`, [d], 1);
  return { alpha, delta, beta, gamma, omega };
}

/**
 * The EMA kernel `k_t[d] = Σ_n γ/√N · β · α · (1 − α·δ)^t`, t < T.
 * @returns [D, T]
 */
export function emaKernel(p: EmaParams, length: number): tf.Tensor2D {
  const n = p.alpha.shape[1] as number;
  return tf.tidy(() => {
    const a = tf.sigmoid(p.alpha); // [D, N]
    const logQ = tf.log(tf.sub(1, tf.mul(a, tf.sigmoid(p.delta)))); // [D, N], q ∈ (0, 1)
    const steps = tf.range(0, length); // [T]
    const powers = tf.exp(tf.mul(tf.expandDims(logQ, 2), steps)); // [D, N, T]
    const coeff = tf.mul(tf.mul(p.gamma, p.beta), tf.mul(a, 1 / Math.sqrt(n))); // [D, N]
    return tf.sum(tf.mul(tf.expandDims(coeff, 2), powers), 1) as tf.Tensor2D; // [D, T]
  });
}

/**
 * Causal convolution along time by FFT: `y_t[d] = Σ_{s≤t} k_{t−s}[d] · x_s[d]`.
 * @param x [B, T, D]
 * @param kernel [D, T]
 * @returns [B, T, D]
 */
export function causalConv(x: tf.Tensor3D, kernel: tf.Tensor2D): tf.Tensor3D {
  const [b, t, d] = x.shape;
  const n = nextPow2(2 * t);
  return tf.tidy(() => {
    const signal = tf.reshape(tf.transpose(x, [0, 2, 1]), [b * d, t]); // [B·D, T]
    const xPad = tf.pad(signal, [[0, 0], [0, n - t]]) as tf.Tensor2D; // [B·D, N]
    const kPad = tf.pad(kernel, [[0, 0], [0, n - t]]) as tf.Tensor2D; // [D, N]
    const xf = fftPermuted({ re: xPad, im: tf.zerosLike(xPad) });
    const kf = fftPermuted({ re: kPad, im: tf.zerosLike(kPad) });
    const xr = tf.reshape(xf.re, [b, d, n]);
    const xi = tf.reshape(xf.im, [b, d, n]);
    const yRe = tf.sub(tf.mul(xr, kf.re), tf.mul(xi, kf.im)); // [B, D, N]
    const yIm = tf.add(tf.mul(xr, kf.im), tf.mul(xi, kf.re));
    const y = ifftPermuted({
      re: tf.reshape(yRe, [b * d, n]) as tf.Tensor2D,
      im: tf.reshape(yIm, [b * d, n]) as tf.Tensor2D,
    });
    const conv = tf.reshape(tf.slice(y.re, [0, 0], [b * d, t]), [b, d, t]);
    return tf.transpose(conv, [0, 2, 1]) as tf.Tensor3D; // [B, T, D]
  });
}

/**
 * The EMA layer: `silu(causalConv(x, k) + x ⊙ ω)`.
 * @param x [B, T, D]
 * @returns [B, T, D]
 */
export function ema(x: tf.Tensor3D, p: EmaParams): tf.Tensor3D {
  return tf.tidy(() => {
    const y = tf.add(causalConv(x, emaKernel(p, x.shape[1])), tf.mul(x, p.omega)); // [B, T, D]
    return tf.mul(y, tf.sigmoid(y)) as tf.Tensor3D; // silu
  });
}
