/**
 * DSF's reverse recurrence as one wasm kernel, `DsfReverseScan`: the loop over t runs inside
 * the kernel, over views of the tensors in the wasm heap,
 *
 *     δ_{T−1} = e_{T−1},   δ_t = e_t + c_t ⊙ δ_{t+1}
 *
 * with c_t = λ ([S], the paper's stationary feedback) or c_t = a_{t+1} (a feedback [T, B, S]
 * that varies with t and b, as `reverseScanVarying` takes it). O(T·B·S) work in one pass, no
 * intermediate tensors: on a CPU the work-efficient schedule. The Hillis–Steele `scan` does
 * ⌈log₂ T⌉ passes of the same size (its short depth is what a GPU needs, not a CPU); the
 * `sequential` implementation is the same loop as 2·T tfjs kernels. Each step rounds like
 * tfjs's float32 `mul` then `add`, so the result equals `sequential`'s bit for bit.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { heapView, type WasmBackendLike } from "./wasm_kernels.ts";

/** The tfjs kernel name (wasm only). */
export const REVERSE_SCAN_KERNEL = "DsfReverseScan";

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

/** e [T, B, S], feedback λ [S] or a [T, B, S] → δ [T, B, S]. */
function reverseScanKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { e, feedback } = args.inputs as Record<"e" | "feedback", tf.TensorInfo>;
  const [t, b, s] = e.shape;
  const varying = feedback.shape.length === 3;
  if (e.dtype !== "float32" || feedback.dtype !== "float32") {
    throw new Error(`${REVERSE_SCAN_KERNEL}: e and the feedback must be float32`);
  }
  if (varying ? !tf.util.arraysEqual(feedback.shape, e.shape) : feedback.shape[0] !== s) {
    throw new Error(
      `${REVERSE_SCAN_KERNEL}: the feedback must be [${s}] or [${e.shape}], got [${feedback.shape}]`,
    );
  }
  const out = backend.makeOutput([t, b, s], "float32");
  // Views only after the output is allocated (an allocation may grow the heap).
  const ev = heapView(backend, e) as Float32Array;
  const cv = heapView(backend, feedback) as Float32Array;
  const dv = heapView(backend, out) as Float32Array;
  const plane = b * s;
  if (t === 0 || plane === 0) return out;
  const last = (t - 1) * plane;
  dv.set(ev.subarray(last, last + plane), last);
  const f = Math.fround;
  for (let i = t - 2; i >= 0; i--) {
    const at = i * plane;
    const next = at + plane;
    if (varying) {
      // c_t = a_{t+1}: the factor at the next step's position.
      for (let j = 0; j < plane; j++) dv[at + j] = f(ev[at + j] + f(cv[next + j] * dv[next + j]));
    } else {
      for (let row = 0; row < plane; row += s) {
        for (let k = 0; k < s; k++) {
          const j = row + k;
          dv[at + j] = f(ev[at + j] + f(cv[k] * dv[next + j]));
        }
      }
    }
  }
  return out;
}

/**
 * Runs {@link REVERSE_SCAN_KERNEL} on the active (wasm) backend.
 * @param directGrad e, time-major [T, B, S]
 * @param feedback λ [S], or a [T, B, S] (then c_t = a_{t+1})
 * @returns δ [T, B, S]
 */
export function wasmReverseScan(directGrad: tf.Tensor3D, feedback: tf.Tensor): tf.Tensor3D {
  if (tf.getBackend() !== "wasm") {
    throw new Error(
      `reverseScan: impl "wasm" runs on the wasm backend only (active: ${tf.getBackend()}); ` +
        `use "scan", "sequential" or "fft" there`,
    );
  }
  registerReverseScanKernel();
  const inputs = { e: directGrad, feedback };
  return tf.engine().runKernel(REVERSE_SCAN_KERNEL, inputs) as tf.Tensor3D;
}

/** Registers {@link REVERSE_SCAN_KERNEL} for the wasm backend (once). */
export function registerReverseScanKernel(): void {
  if (tf.getKernel(REVERSE_SCAN_KERNEL, "wasm") !== undefined) return;
  tf.registerKernel({
    kernelName: REVERSE_SCAN_KERNEL,
    backendName: "wasm",
    kernelFunc: reverseScanKernel as unknown as tf.KernelFunc,
  });
}
