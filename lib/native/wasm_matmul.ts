/**
 * The wasm backend's `BatchMatMul` and `_FusedMatMul` kernels on a native BLAS: `cblas_sgemm`
 * reads and writes the tensors where they lie, through float32 views of the wasm heap (no
 * copy). Views are taken after the output is allocated, since an allocation may grow the heap
 * and detach older views.
 *
 * - `BatchMatMul`: every transpose, rank ≥ 2, batch dimensions with broadcasting. When b has
 *   one batch and a is not transposed, a's batches fold into one product of B·M rows.
 * - `_FusedMatMul`: a rank-1 bias is written into the output first and the product added to it
 *   (beta = 1); then the activation (linear, relu, relu6, leakyrelu, sigmoid, elu). Another
 *   bias shape and prelu go through the backend's own `Add` and `Prelu` kernels (not tfjs's
 *   `_FusedMatMul`, which is wrong with a transpose and a bias in tfjs-wasm 4.22).
 *
 * The kernels keep tfjs's originals and fall back to them for non-float32 inputs and while
 * {@link setBlasMatMul} has switched BLAS off (the tests compare the two in one process).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { heapView, type WasmBackendLike } from "../ops/wasm_kernels.ts";
import { setNativeTransposes } from "../ops/linear.ts";
import type { Blas } from "./blas.ts";

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

interface State {
  blas: Blas;
  enabled: boolean;
  original: Map<string, tf.KernelConfig>;
}

let state: State | undefined;

/** The BLAS the kernels call, while they are registered and enabled. */
export function blasMatMul(): Blas | undefined {
  return state?.enabled ? state.blas : undefined;
}

/**
 * Switches the BLAS kernels on or off (off: tfjs's XNNPACK kernels run). For tests and the
 * benchmark; a no-op before {@link registerBlasMatMul}.
 */
export function setBlasMatMul(enabled: boolean): void {
  if (state === undefined) return;
  state.enabled = enabled;
  setNativeTransposes("wasm", enabled);
}

/** Registers the two kernels for the wasm backend on `blas` (again: only switches `blas`). */
export function registerBlasMatMul(blas: Blas): void {
  if (state !== undefined) {
    state.blas = blas;
    setBlasMatMul(true);
    return;
  }
  const original = new Map<string, tf.KernelConfig>();
  for (const name of ["BatchMatMul", "_FusedMatMul"]) {
    const kernel = tf.getKernel(name, "wasm");
    if (kernel == null) throw new Error(`the wasm backend has no ${name} kernel to replace`);
    original.set(name, kernel);
  }
  state = { blas, enabled: true, original };
  const register = (name: string, fn: (args: KernelArgs, s: State) => tf.TensorInfo) => {
    const base = original.get(name)!;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({
      ...base,
      kernelFunc: ((args: KernelArgs) =>
        state!.enabled ? fn(args, state!) : base.kernelFunc(args as never)) as tf.KernelFunc,
    });
  };
  register("BatchMatMul", batchMatMul);
  register("_FusedMatMul", fusedMatMul);
  setNativeTransposes("wasm", true);
}

interface Product {
  out: tf.TensorInfo;
  m: number;
  n: number;
}

/** Computes `a·b` (as transposed) into a new output with BLAS; `init` may pre-fill it. */
function product(
  backend: WasmBackendLike,
  blas: Blas,
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo },
  attrs: { transposeA: boolean; transposeB: boolean; bias?: tf.TensorInfo },
): Product {
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ` +
        `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
  const out = backend.makeOutput([...batch, m, n], "float32");
  const count = batch.reduce((x, y) => x * y, 1);
  if (count * m * n === 0) return { out, m, n };
  // Views after the output exists (its allocation may have grown the heap).
  const av = heapView(backend, a) as Float32Array;
  const bv = heapView(backend, b) as Float32Array;
  const cv = heapView(backend, out) as Float32Array;
  let beta = 0;
  if (attrs.bias !== undefined) {
    const bias = heapView(backend, attrs.bias) as Float32Array;
    for (let row = 0; row < count * m; row++) cv.set(bias, row * n);
    beta = 1;
  }
  if (k === 0) {
    if (beta === 0) cv.fill(0);
    return { out, m, n };
  }
  const sizeA = m * k;
  const sizeB = k * n;
  const sizeC = m * n;
  const countB = batchB.reduce((x, y) => x * y, 1);
  if (countB === 1 && !transposeA && batchA.length === batch.length && count > 1) {
    // a's batches are consecutive rows: one product [count·M, K]·B.
    blas.sgemm({ m: count * m, n, k, transA: false, transB: transposeB, beta }, av, bv, cv);
    return { out, m, n };
  }
  const ia = broadcastIndex(batchA, batch);
  const ib = broadcastIndex(batchB, batch);
  for (let i = 0; i < count; i++) {
    const offA = ia(i) * sizeA;
    const offB = ib(i) * sizeB;
    blas.sgemm(
      { m, n, k, transA: transposeA, transB: transposeB, beta },
      av.subarray(offA, offA + sizeA),
      bv.subarray(offB, offB + sizeB),
      cv.subarray(i * sizeC, (i + 1) * sizeC),
    );
  }
  return { out, m, n };
}

/** Maps a flat index over the broadcast batch `to` to the flat index in batch shape `from`. */
function broadcastIndex(from: number[], to: number[]): (i: number) => number {
  const count = from.reduce((x, y) => x * y, 1);
  if (count === 1) return () => 0;
  if (from.length === to.length && from.every((d, j) => d === to[j])) return (i) => i;
  const lead = to.length - from.length;
  return (i) => {
    let index = 0;
    let stride = 1;
    for (let j = to.length - 1; j >= 0; j--) {
      const coord = i % to[j];
      i = Math.floor(i / to[j]);
      const d = j - lead;
      if (d >= 0 && from[d] !== 1) {
        index += coord * stride;
      }
      if (d >= 0) stride *= from[d];
    }
    return index;
  };
}

function batchMatMul(args: KernelArgs, s: State): tf.TensorInfo {
  const { a, b } = args.inputs as Record<"a" | "b", tf.TensorInfo>;
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    return s.original.get("BatchMatMul")!.kernelFunc(args as never) as tf.TensorInfo;
  }
  const attrs = {
    transposeA: args.attrs?.transposeA === true,
    transposeB: args.attrs?.transposeB === true,
  };
  return product(args.backend as WasmBackendLike, s.blas, { a, b }, attrs).out;
}

const ACTIVATIONS: Record<string, (c: Float32Array, alpha: number) => void> = {
  linear: () => {},
  relu: (c) => {
    for (let i = 0; i < c.length; i++) if (c[i] < 0) c[i] = 0;
  },
  relu6: (c) => {
    for (let i = 0; i < c.length; i++) c[i] = c[i] < 0 ? 0 : c[i] > 6 ? 6 : c[i];
  },
  leakyrelu: (c, alpha) => {
    for (let i = 0; i < c.length; i++) if (c[i] < 0) c[i] *= alpha;
  },
  sigmoid: (c) => {
    for (let i = 0; i < c.length; i++) c[i] = 1 / (1 + Math.exp(-c[i]));
  },
  elu: (c) => {
    for (let i = 0; i < c.length; i++) if (c[i] < 0) c[i] = Math.expm1(c[i]);
  },
};

function fusedMatMul(args: KernelArgs, s: State): tf.TensorInfo {
  const { a, b, bias, preluActivationWeights: alpha } = args.inputs as Record<
    string,
    tf.TensorInfo
  >;
  const activation = String(args.attrs?.activation ?? "linear");
  if (
    a.dtype !== "float32" || b.dtype !== "float32" || (bias != null && bias.dtype !== "float32")
  ) {
    return s.original.get("_FusedMatMul")!.kernelFunc(args as never) as tf.TensorInfo;
  }
  const backend = args.backend as WasmBackendLike & { disposeData(id: object): void };
  const transposeA = args.attrs?.transposeA === true;
  const transposeB = args.attrs?.transposeB === true;
  const n = b.shape[transposeB ? b.shape.length - 2 : b.shape.length - 1];
  const plainBias = bias != null && bias.shape.length === 1 && bias.shape[0] === n;
  let out = product(backend, s.blas, { a, b }, {
    transposeA,
    transposeB,
    bias: plainBias ? bias : undefined,
  }).out;
  // Any other bias shape, and prelu, through the backend's own elementwise kernels.
  const then = (kernel: string, inputs: tf.NamedTensorInfoMap) => {
    const next = tf.getKernel(kernel, "wasm")!.kernelFunc({ inputs, backend } as never);
    backend.disposeData(out.dataId);
    out = next as tf.TensorInfo;
  };
  if (bias != null && !plainBias) then("Add", { a: out, b: bias });
  if (activation === "prelu") then("Prelu", { x: out, alpha });
  else if (activation !== "linear") {
    const apply = ACTIVATIONS[activation];
    if (apply === undefined) throw new Error(`_FusedMatMul: unknown activation ${activation}`);
    apply(heapView(backend, out) as Float32Array, Number(args.attrs?.leakyreluAlpha ?? 0.2));
  }
  return out;
}
