/**
 * The GRU's local backward as one wasm kernel, `DsfGruGateGrads`: from the state gradients δ
 * of all steps and what the forward saved (r, z, n, W_hn h + b_hn), the gradients of the
 * pre-activations in one pass over the wasm heap,
 *
 *     dn = δ ⊙ (1 − z) ⊙ (1 − n²)        dz = δ ⊙ (h_{t−1} − n) ⊙ z(1 − z)
 *     dr = dn ⊙ (W_hn h + b_hn) ⊙ r(1 − r)
 *     G_x = [dr | dz | dn],   G_h = [dr | dz | dn ⊙ r],   each [T·B, 3D]
 *
 * and h_{t−1} itself ([T·B, D], zeros at t = 0) for the weight gradient. The arithmetic is the
 * SIMD loop `gruGateGrads` of `wasm_simd.wat` (4 floats at a time) when D is a multiple of 4,
 * else the same loop in JS. The tf-ops route
 * (`gateGrads` of `lib/cells/gru.ts`) is 14 elementwise kernels, two concatenations and a pad,
 * each a pass over [T·B, D] with its own allocation: at T = 256 about a third of a DSF step.
 * Each product and difference rounds to float32 in the same order as those kernels, so the
 * result equals theirs bit for bit (tested).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { heapOffset, heapView, type WasmBackendLike } from "./wasm_kernels.ts";
import { simdKernelsFor } from "./wasm_simd.ts";

/** The tfjs kernel name (wasm only). */
export const GRU_GATE_GRADS_KERNEL = "DsfGruGateGrads";

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };
type Inputs = Record<"delta" | "states" | "r" | "z" | "n" | "hn", tf.TensorInfo>;

/** δ, states, r, z, n, hn [T, B, D] → G_x, G_h [T·B, 3D] and h_{t−1} [T·B, D]. */
function gateGradsKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const inputs = args.inputs as Inputs;
  const [t, b, d] = inputs.delta.shape;
  for (const [name, x] of Object.entries(inputs)) {
    if (x.dtype !== "float32" || !tf.util.arraysEqual(x.shape, [t, b, d])) {
      throw new Error(`${GRU_GATE_GRADS_KERNEL}: ${name} must be float32 [${t}, ${b}, ${d}]`);
    }
  }
  const rows = t * b;
  const gxOut = backend.makeOutput([rows, 3 * d], "float32");
  const ghOut = backend.makeOutput([rows, 3 * d], "float32");
  const hPrevOut = backend.makeOutput([rows, d], "float32");
  // Views only after every output is allocated (an allocation may grow the heap).
  const v = (x: tf.TensorInfo) => heapView(backend, x) as Float32Array;
  const [delta, states, r, z, n, hn] = [
    inputs.delta,
    inputs.states,
    inputs.r,
    inputs.z,
    inputs.n,
    inputs.hn,
  ].map(v);
  const [gx, gh, hPrev] = [gxOut, ghOut, hPrevOut].map(v);
  const plane = b * d;
  hPrev.fill(0, 0, Math.min(plane, rows * d));
  if (t > 1) hPrev.set(states.subarray(0, (t - 1) * plane), plane);
  const simd = d % 4 === 0 ? simdKernelsFor(backend) : null;
  if (simd) {
    const at = (x: tf.TensorInfo) => heapOffset(backend, x);
    const { delta: dl, r: rr, z: zz, n: nn, hn: hh } = inputs;
    simd.gruGateGrads(
      at(dl),
      at(hPrevOut),
      at(rr),
      at(zz),
      at(nn),
      at(hh),
      at(gxOut),
      at(ghOut),
      rows,
      d,
    );
    return [gxOut, ghOut, hPrevOut];
  }
  // Without SIMD (or D not a multiple of 4): the same arithmetic as a JS loop.
  const f = Math.fround;
  for (let row = 0; row < rows; row++) {
    const at = row * d;
    const g = row * 3 * d;
    for (let j = 0; j < d; j++) {
      const i = at + j;
      const zi = z[i];
      const ni = n[i];
      const ri = r[i];
      const di = delta[i];
      const dn = f(f(di * f(1 - zi)) * f(1 - f(ni * ni)));
      const dz = f(f(di * f(hPrev[i] - ni)) * f(zi * f(1 - zi)));
      const dr = f(f(dn * hn[i]) * f(ri * f(1 - ri)));
      gx[g + j] = dr;
      gx[g + d + j] = dz;
      gx[g + 2 * d + j] = dn;
      gh[g + j] = dr;
      gh[g + d + j] = dz;
      gh[g + 2 * d + j] = f(dn * ri);
    }
  }
  return [gxOut, ghOut, hPrevOut];
}

let enabled = true;

/** Turns the kernel off (the GRU's tf-ops route runs) or back on; for tests and comparison. */
export function setGruGateGradsKernel(on: boolean): void {
  enabled = on;
}

/** Whether the GRU's local backward runs as {@link GRU_GATE_GRADS_KERNEL} (wasm, switched on). */
export function gruGateGradsAvailable(): boolean {
  return enabled && tf.getBackend() === "wasm";
}

/** What the GRU's local backward needs, time-major [T, B, D] each. */
export interface GruGateGradsInputs {
  /** δ, the state gradients. */
  delta: tf.Tensor3D;
  /** The layer's states h_t. */
  states: tf.Tensor3D;
  /** The reset gate r. */
  r: tf.Tensor3D;
  /** The update gate z. */
  z: tf.Tensor3D;
  /** The candidate n. */
  n: tf.Tensor3D;
  /** W_hn h_{t−1} + b_hn. */
  hn: tf.Tensor3D;
}

/**
 * Runs {@link GRU_GATE_GRADS_KERNEL} on the active (wasm) backend.
 * @returns G_x, G_h [T·B, 3D] (r | z | n blocks) and h_{t−1} [T·B, D]
 */
export function wasmGruGateGrads(
  inputs: GruGateGradsInputs,
): { gx: tf.Tensor2D; gh: tf.Tensor2D; hPrev: tf.Tensor2D } {
  if (tf.getBackend() !== "wasm") {
    throw new Error(`${GRU_GATE_GRADS_KERNEL} runs on the wasm backend only`);
  }
  registerGruGateGradsKernel();
  const named = { ...inputs } as unknown as tf.NamedTensorMap;
  const [gx, gh, hPrev] = tf.engine().runKernel(GRU_GATE_GRADS_KERNEL, named) as tf.Tensor2D[];
  return { gx, gh, hPrev };
}

/** Registers {@link GRU_GATE_GRADS_KERNEL} for the wasm backend (once). */
export function registerGruGateGradsKernel(): void {
  if (tf.getKernel(GRU_GATE_GRADS_KERNEL, "wasm") !== undefined) return;
  tf.registerKernel({
    kernelName: GRU_GATE_GRADS_KERNEL,
    backendName: "wasm",
    kernelFunc: gateGradsKernel as unknown as tf.KernelFunc,
  });
}
