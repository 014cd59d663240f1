/**
 * The GRU layer's whole forward recurrence as one wasm kernel, `DsfGruForward`: for each step,
 * the state projection by the native BLAS (`cblas_sgemm` on the wasm heap, as the matMul
 * kernels) and the gates and the update by one SIMD pass (`gruGates` of lib/ops/wasm_simd.wat),
 * writing the states and the saved activations in place. The tf-ops forward runs about
 * fourteen kernels a step (each with its own allocation and pass over memory); this runs one
 * kernel for all T steps. It needs the native BLAS, WebAssembly SIMD and D a multiple of 4
 * ({@link gruForwardAvailable}); elsewhere the cell keeps its tf-ops forward.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { heapOffset, heapView, unsigned, type WasmBackendLike } from "../ops/wasm_kernels.ts";
import { simdKernelsFor } from "../ops/wasm_simd.ts";
import { blasMatMul } from "./wasm_matmul.ts";

/** The tfjs kernel name (wasm only). */
export const GRU_FORWARD = "DsfGruForward";

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

interface WasmHeap extends WasmBackendLike {
  wasm: WasmBackendLike["wasm"] & { _malloc(bytes: number): number; _free(at: number): void };
}

/** Whether {@link GRU_FORWARD} can run now on `backend` (wasm) for state width d. */
export function gruForwardAvailable(backend: object, d: number): boolean {
  return d % 4 === 0 && blasMatMul() !== undefined && simdKernelsFor(backend) !== null &&
    tf.getKernel(GRU_FORWARD, "wasm") !== undefined;
}

/**
 * gi [T, B, 3D] (input projections with every bias but b_hn: r | z | n), whh [3D, D] (W_hh as
 * PyTorch lays it out: BLAS reads it transposed, no copy), bh [3D] (0 | 0 | b_hn) → states [T, B, D], and with `attrs.keep` also r, z, n and
 * W_hn h + b_hn, each [T, B, D]. h₀ = 0.
 */
function gruForward(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmHeap;
  const { gi, whh, bh } = args.inputs as Record<"gi" | "whh" | "bh", tf.TensorInfo>;
  const [t, b, d3] = gi.shape;
  const d = d3 / 3;
  const blas = blasMatMul();
  const simd = simdKernelsFor(backend);
  if (!blas || !simd || d % 4 !== 0) {
    throw new Error(`${GRU_FORWARD}: needs the native BLAS, wasm SIMD and D % 4 = 0`);
  }
  if (whh.shape[0] !== d3 || whh.shape[1] !== d || bh.shape[0] !== d3) {
    throw new Error(`${GRU_FORWARD}: whh must be [${d3}, ${d}] and bh [${d3}]`);
  }
  const keep = args.attrs?.keep === true;
  const states = backend.makeOutput([t, b, d], "float32");
  const planes = keep ? [0, 1, 2, 3].map(() => backend.makeOutput([t, b, d], "float32")) : [];
  // Scratch: the step's state projection [B, 3D] and h₀ = 0 [B, D].
  const ghAt = unsigned(backend.wasm._malloc(4 * b * d3));
  const zeroAt = unsigned(backend.wasm._malloc(4 * b * d));
  try {
    // Views only after every allocation (one may grow the heap and detach older views).
    const heap = backend.wasm.HEAPU8.buffer;
    const at = (x: tf.TensorInfo) => heapOffset(backend, x);
    const view = (offset: number, n: number) => new Float32Array(heap, offset, n);
    const gh = view(ghAt, b * d3);
    view(zeroAt, b * d).fill(0);
    // The bias rows [B, 3D], copied into the projection before each product (beta = 1).
    const bias = heapView(backend, bh) as Float32Array;
    const biasRows = new Float32Array(b * d3);
    for (let row = 0; row < b; row++) biasRows.set(bias, row * d3);
    const w = heapView(backend, whh) as Float32Array;
    const plane = 4 * b * d; // bytes of one step's [B, D]
    const [giAt, statesAt] = [at(gi), at(states)];
    const [rAt, zAt, nAt, hnAt] = keep ? planes.map(at) : [0, 0, 0, 0];
    const shape = { m: b, n: d3, k: d, transA: false, transB: true, beta: 1 };
    for (let i = 0; i < t; i++) {
      const hPrev = i === 0 ? zeroAt : statesAt + (i - 1) * plane;
      gh.set(biasRows);
      if (i > 0) blas.sgemm(shape, view(hPrev, b * d), w, gh);
      const o = i * plane;
      simd.gruGates(
        giAt + 3 * o,
        ghAt,
        hPrev,
        statesAt + o,
        keep ? rAt + o : 0,
        keep ? zAt + o : 0,
        keep ? nAt + o : 0,
        keep ? hnAt + o : 0,
        b,
        d,
      );
    }
  } finally {
    backend.wasm._free(ghAt);
    backend.wasm._free(zeroAt);
  }
  return [states, ...planes];
}

let registered = false;

/** Registers {@link GRU_FORWARD} for the wasm backend (once). */
export function registerGruForward(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: GRU_FORWARD,
    backendName: "wasm",
    kernelFunc: gruForward as unknown as tf.KernelFunc,
  });
}
