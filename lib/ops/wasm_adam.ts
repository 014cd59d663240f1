/**
 * One Adam update of a parameter as one wasm kernel, `DsfAdamUpdate`: from θ, g, m, v on the
 * wasm heap, in one pass over them,
 *
 *     g ← g + wd·θ
 *     m ← β1·m + (1 − β1)·g            v ← β2·v + (1 − β2)·g²
 *     θ ← θ − stepSize · m / (√v / √(1 − β2^t) + eps)
 *
 * The arithmetic is the SIMD loop `adam` of `wasm_simd.wat` (4 floats at a time; the last
 * n mod 4 in JS), or a JS loop without SIMD. The tf-ops route (`lib/train/adam.ts`) is 13
 * elementwise kernels per parameter (15 with weight decay), each a pass with its own allocation. Every product, sum, quotient and square root
 * here rounds to float32 (`Math.fround`) in the same order as those kernels, with the same
 * float32 scalars, and float64 arithmetic rounded once to float32 is the correctly rounded
 * float32 result for +, −, ×, ÷ and √; so the update equals theirs bit for bit (tested).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { heapOffset, heapView, type WasmBackendLike } from "./wasm_kernels.ts";
import { simdKernelsFor } from "./wasm_simd.ts";

/** The tfjs kernel name (wasm only). */
export const ADAM_UPDATE_KERNEL = "DsfAdamUpdate";

/** The scalars of one update (as numbers; the kernel rounds them to float32 as tfjs does). */
export interface AdamUpdateAttrs {
  /** β1. */
  beta1: number;
  /** β2. */
  beta2: number;
  /** lr / (1 − β1^t). */
  stepSize: number;
  /** √(1 − β2^t). */
  bc2Sqrt: number;
  /** ε. */
  eps: number;
  /** L2 weight decay added to the gradient (0: none). */
  weightDecay: number;
}

type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: AdamUpdateAttrs;
};

function adamKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { p, g, m, v } = args.inputs as Record<"p" | "g" | "m" | "v", tf.TensorInfo>;
  for (const [name, x] of Object.entries({ g, m, v })) {
    if (x.dtype !== "float32" || !tf.util.arraysEqual(x.shape, p.shape)) {
      throw new Error(`${ADAM_UPDATE_KERNEL}: ${name} must be float32 [${p.shape}]`);
    }
  }
  const pOut = backend.makeOutput(p.shape, "float32");
  const mOut = backend.makeOutput(p.shape, "float32");
  const vOut = backend.makeOutput(p.shape, "float32");
  // Views only after every output is allocated (an allocation may grow the heap).
  const [P, G, M, V, P1, M1, V1] = [p, g, m, v, pOut, mOut, vOut].map((x) =>
    heapView(backend, x) as Float32Array
  );
  const f = Math.fround;
  const a = args.attrs;
  // The scalars as tfjs makes them: float32 tensors of the JS numbers (1 − β computed in JS).
  const [b1, c1, b2, c2] = [f(a.beta1), f(1 - a.beta1), f(a.beta2), f(1 - a.beta2)];
  const [ss, bc, eps, wd] = [f(a.stepSize), f(a.bc2Sqrt), f(a.eps), f(a.weightDecay)];
  const decay = a.weightDecay !== 0;
  // SIMD for the multiple of 4 (the same float32 operations, 4 lanes at a time), JS for the rest.
  const simd = simdKernelsFor(backend);
  let start = 0;
  if (simd) {
    start = P.length - (P.length % 4);
    const at = (x: tf.TensorInfo) => heapOffset(backend, x);
    const [po, mo, vo] = [pOut, mOut, vOut].map(at);
    simd.adam(at(p), at(g), at(m), at(v), po, mo, vo, start, b1, c1, b2, c2, ss, bc, eps, wd);
  }
  for (let i = start; i < P.length; i++) {
    const pi = P[i];
    const gi = decay ? f(G[i] + f(pi * wd)) : G[i];
    const mi = f(f(M[i] * b1) + f(gi * c1));
    const vi = f(f(V[i] * b2) + f(f(gi * gi) * c2));
    const denom = f(f(f(Math.sqrt(vi)) / bc) + eps);
    P1[i] = f(pi - f(f(mi / denom) * ss));
    M1[i] = mi;
    V1[i] = vi;
  }
  return [pOut, mOut, vOut];
}

let enabled = true;

/** Turns the kernel off (Adam's tf-ops route runs) or back on; for tests and comparison. */
export function setAdamUpdateKernel(on: boolean): void {
  enabled = on;
}

/** Whether Adam's update runs as {@link ADAM_UPDATE_KERNEL} (wasm backend, switched on). */
export function adamUpdateAvailable(): boolean {
  return enabled && tf.getBackend() === "wasm";
}

/**
 * Runs {@link ADAM_UPDATE_KERNEL} on the active (wasm) backend.
 * @returns the new θ, m and v (same shape as θ); the inputs are not disposed
 */
export function wasmAdamUpdate(
  tensors: { p: tf.Tensor; g: tf.Tensor; m: tf.Tensor; v: tf.Tensor },
  attrs: AdamUpdateAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (tf.getBackend() !== "wasm") throw new Error(`${ADAM_UPDATE_KERNEL} runs on wasm only`);
  if (tf.getKernel(ADAM_UPDATE_KERNEL, "wasm") === undefined) {
    tf.registerKernel({
      kernelName: ADAM_UPDATE_KERNEL,
      backendName: "wasm",
      kernelFunc: adamKernel as unknown as tf.KernelFunc,
    });
  }
  const named = { ...tensors } as unknown as tf.NamedTensorMap;
  const out = tf.engine().runKernel(
    ADAM_UPDATE_KERNEL,
    named,
    attrs as unknown as tf.NamedAttrMap,
  ) as tf.Tensor[];
  return [out[0], out[1], out[2]];
}
