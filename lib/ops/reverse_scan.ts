/**
 * The DSF temporal backward: the reverse-time diagonal linear recurrence
 *
 *     δ_T = e_T,   δ_t = e_t + λ ⊙ δ_{t+1}                (paper eq. 13)
 *
 * equivalently the convolution `δ_t = Σ_{k≥t} λ^{k−t} ⊙ e_k` (eq. 14). Three implementations
 * with one interface:
 * - `sequential`: a loop over t (T dependent steps, O(T·S) work);
 * - `scan`: Hillis–Steele prefix scan, ⌈log₂ T⌉ steps of O(T·S) work each;
 * - `fft`: a causal convolution with the kernel λ^k by FFT (O(T·S·log T));
 * - `webgpu`: one custom WebGPU kernel (a Blelloch scan over T in each (b, s) workgroup); webgpu
 *   only;
 * - `wasm`: one kernel that runs the loop over t inside, over the wasm heap (O(T·S) work in one
 *   pass, equal to `sequential` bit for bit); wasm only.
 *
 * {@link defaultScanImpl} picks per backend: `webgpu` on webgpu, `wasm` on wasm, else `scan`.
 *
 * {@link reverseScanVarying} is the same recurrence with a feedback that varies with t and b
 * (our non-stationary diagonal feedback, e.g. the diagonal of the true Jacobians):
 * `sequential`, `scan` or `wasm` (the FFT needs a stationary kernel).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { fftPermuted, ifftPermuted, nextPow2 } from "./fft.ts";
import { webgpuReverseScan } from "./webgpu_scan.ts";
import { wasmReverseScan } from "./wasm_scan.ts";

/** The implementations, for validation and iteration (the one list of them). */
export const REVERSE_SCAN_IMPLS = ["sequential", "scan", "fft", "webgpu", "wasm"] as const;

/** Which algorithm computes the reverse recurrence. */
export type ReverseScanImpl = typeof REVERSE_SCAN_IMPLS[number];

/** The backend an implementation is bound to (its custom kernel's), if any. */
const BOUND: Partial<Record<ReverseScanImpl, string>> = { webgpu: "webgpu", wasm: "wasm" };

/** The implementations that run on a backend (`webgpu` and `wasm` need their backend). */
export function scanImplsFor(backend: string = tf.getBackend()): ReverseScanImpl[] {
  return REVERSE_SCAN_IMPLS.filter((i) => BOUND[i] === undefined || BOUND[i] === backend);
}

/**
 * The implementation a layer uses when none is asked for (config `dsfImpl: "auto"`): the
 * backend's own kernel (`webgpu`, `wasm`), else `scan`. With `varying` (a feedback [T, B, S]),
 * `scan` on webgpu (its kernel takes a stationary λ), `wasm` on wasm, else `sequential`
 * (measured on wasm before the kernel, T = 256, B = 128, S = 256: the loop 324 ms, the scan 495).
 */
export function defaultScanImpl(
  backend: string = tf.getBackend(),
  options: { varying?: boolean } = {},
): ReverseScanImpl {
  if (backend === "wasm") return "wasm";
  if (options.varying) return backend === "webgpu" ? "scan" : "sequential";
  return backend === "webgpu" ? "webgpu" : "scan";
}

/** Options of {@link reverseScan}. */
export interface ReverseScanOptions {
  /** The algorithm; default `scan`. */
  impl?: ReverseScanImpl;
}

/**
 * Runs `δ_t = e_t + λ ⊙ δ_{t+1}` backwards over the time axis (axis 0).
 * @param directGrad e, time-major [T, B, S]
 * @param feedback λ [S]
 * @returns δ [T, B, S]
 */
export function reverseScan(
  directGrad: tf.Tensor3D,
  feedback: tf.Tensor1D,
  options: ReverseScanOptions = {},
): tf.Tensor3D {
  const impl = options.impl ?? "scan";
  const [, , s] = directGrad.shape;
  if (directGrad.rank !== 3) {
    throw new Error(`reverseScan: e must be [T, B, S], got [${directGrad.shape}]`);
  }
  if (feedback.rank !== 1 || feedback.shape[0] !== s) {
    throw new Error(
      `reverseScan: feedback must be [${s}] to match e [T, B, ${s}], got [${feedback.shape}]`,
    );
  }
  switch (impl) {
    case "sequential":
      return sequential(directGrad, feedback);
    case "scan":
      return hillisSteele(directGrad, feedback);
    case "fft":
      return viaFft(directGrad, feedback);
    case "webgpu":
      return webgpuReverseScan(directGrad, feedback);
    case "wasm":
      return wasmReverseScan(directGrad, feedback);
    default:
      throw new Error(
        `reverseScan: unknown impl "${impl}"; use one of ${REVERSE_SCAN_IMPLS.join(", ")}`,
      );
  }
}

function sequential(e: tf.Tensor3D, lambda: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const steps = tf.unstack(e) as tf.Tensor2D[]; // T × [B, S]
    const out: tf.Tensor2D[] = new Array(steps.length);
    let d = steps[steps.length - 1];
    out[steps.length - 1] = d;
    for (let t = steps.length - 2; t >= 0; t--) {
      d = tf.add(steps[t], tf.mul(lambda, d));
      out[t] = d;
    }
    return tf.stack(out) as tf.Tensor3D;
  });
}

function hillisSteele(e: tf.Tensor3D, lambda: tf.Tensor1D): tf.Tensor3D {
  const [t, b, s] = e.shape;
  return tf.tidy(() => {
    // After the level with offset k, d_t = Σ_{j<2k} λ^j e_{t+j}; `power` holds λ^k.
    let d: tf.Tensor3D = e;
    let power: tf.Tensor1D = lambda;
    for (let k = 1; k < t; k *= 2) {
      const ahead = tf.pad(tf.slice(d, [k, 0, 0], [t - k, b, s]), [[0, k], [0, 0], [0, 0]]);
      d = tf.add(d, tf.mul(ahead, power));
      if (2 * k < t) power = tf.mul(power, power);
    }
    return d === e ? tf.clone(e) : d;
  });
}

/** The kernel λ^j for j < T, [S, T], built by doubling (exact for any sign of λ). */
function powerKernel(lambda: tf.Tensor1D, t: number): tf.Tensor2D {
  const s = lambda.shape[0];
  let k: tf.Tensor2D = tf.ones([s, 1]);
  let power: tf.Tensor2D = tf.reshape(lambda, [s, 1]);
  while (k.shape[1] < t) {
    k = tf.concat([k, tf.mul(k, power)], 1);
    power = tf.mul(power, power);
  }
  return tf.slice(k, [0, 0], [s, t]);
}

function viaFft(e: tf.Tensor3D, lambda: tf.Tensor1D): tf.Tensor3D {
  const [t, b, s] = e.shape;
  const n = nextPow2(2 * t);
  return tf.tidy(() => {
    // Reverse time so that the recurrence becomes a causal convolution: δ'_u = Σ_{v≤u} λ^{u−v} e'_v.
    const signal = tf.reshape(tf.transpose(tf.reverse(e, 0), [1, 2, 0]), [b * s, t]); // [B·S, T]
    const padded = tf.pad(signal, [[0, 0], [0, n - t]]) as tf.Tensor2D;
    const kernel = tf.pad(powerKernel(lambda, t), [[0, 0], [0, n - t]]) as tf.Tensor2D; // [S, N]
    const x = fftPermuted({ re: padded, im: tf.zerosLike(padded) });
    const k = fftPermuted({ re: kernel, im: tf.zerosLike(kernel) });
    const xr = tf.reshape(x.re, [b, s, n]);
    const xi = tf.reshape(x.im, [b, s, n]);
    const yRe = tf.sub(tf.mul(xr, k.re), tf.mul(xi, k.im));
    const yIm = tf.add(tf.mul(xr, k.im), tf.mul(xi, k.re));
    const y = ifftPermuted({
      re: tf.reshape(yRe, [b * s, n]) as tf.Tensor2D,
      im: tf.reshape(yIm, [b * s, n]) as tf.Tensor2D,
    });
    const conv = tf.reshape(tf.slice(y.re, [0, 0], [b * s, t]), [b, s, t]);
    return tf.reverse(tf.transpose(conv, [2, 0, 1]), 0) as tf.Tensor3D;
  });
}

/** The implementations of {@link reverseScanVarying} (no FFT: the kernel is not stationary). */
export const VARYING_SCAN_IMPLS: readonly ReverseScanImpl[] = ["sequential", "scan", "wasm"];

/**
 * Runs `δ_t = e_t + a_{t+1} ⊙ δ_{t+1}` backwards over the time axis, with a diagonal feedback
 * that varies with time and batch row (`a_t` = the diagonal of ∂state_t/∂state_{t−1}; `a_0` is
 * unused). With `a_t = λ` for all t it equals {@link reverseScan}.
 * @param directGrad e, time-major [T, B, S]
 * @param feedback a, [T, B, S]
 * @returns δ [T, B, S]
 */
export function reverseScanVarying(
  directGrad: tf.Tensor3D,
  feedback: tf.Tensor3D,
  options: ReverseScanOptions = {},
): tf.Tensor3D {
  const impl = options.impl ?? "scan";
  if (directGrad.rank !== 3 || !tf.util.arraysEqual(directGrad.shape, feedback.shape)) {
    throw new Error(
      `reverseScanVarying: e and the feedback must both be [T, B, S], got [${directGrad.shape}] ` +
        `and [${feedback.shape}]`,
    );
  }
  const [t, b, s] = directGrad.shape;
  if (t === 1) return tf.clone(directGrad);
  if (impl === "wasm") return wasmReverseScan(directGrad, feedback);
  return tf.tidy(() => {
    // c_t = a_{t+1}: the factor that carries δ_{t+1} to t (c_{T−1} = 0).
    const c = tf.pad(tf.slice(feedback, [1, 0, 0], [t - 1, b, s]), [[0, 1], [0, 0], [0, 0]]);
    if (impl === "sequential") {
      const es = tf.unstack(directGrad) as tf.Tensor2D[];
      const cs = tf.unstack(c) as tf.Tensor2D[];
      const out: tf.Tensor2D[] = new Array(t);
      let d = es[t - 1];
      out[t - 1] = d;
      for (let i = t - 2; i >= 0; i--) {
        d = tf.add(es[i], tf.mul(cs[i], d));
        out[i] = d;
      }
      return tf.stack(out) as tf.Tensor3D;
    }
    if (impl !== "scan") {
      throw new Error(
        `reverseScanVarying: impl "${impl}" is not available for a time-varying feedback; ` +
          `use one of ${VARYING_SCAN_IMPLS.join(", ")}`,
      );
    }
    // Hillis–Steele on the pairs (P_t, D_t): after the level with offset k,
    // D_t = Σ_{j<2k} (c_t ⋯ c_{t+j−1}) e_{t+j} and P_t = c_t ⋯ c_{t+2k−1}.
    const ahead = (v: tf.Tensor3D, k: number) =>
      tf.pad(tf.slice(v, [k, 0, 0], [t - k, b, s]), [[0, k], [0, 0], [0, 0]]);
    let d: tf.Tensor3D = tf.clone(directGrad);
    let p: tf.Tensor3D = c;
    for (let k = 1; k < t; k *= 2) {
      d = tf.add(d, tf.mul(p, ahead(d, k)));
      if (2 * k < t) p = tf.mul(p, ahead(p, k));
    }
    return d;
  });
}
