/**
 * The GRU forward on WebGPU with one dispatch per time step (issue: fewer dispatches where they
 * grow with T). tfjs runs a GRU step as about ten kernels (a matMul for r and z, its add and
 * sigmoid, slices, the n-gate's matMul, tanh, the blend), T times in sequence; here one custom
 * kernel per step computes every gate of every (b, i) at once, reading the previous step's output,
 * and writes h', r, z, n and W_hn h + b_hn side by side ([B, 5D]) for the backward:
 *
 *     r = σ(gi_r + W_hr h),  z = σ(gi_z + W_hz h),  hn = W_hn h + b_hn,
 *     n = tanh(gi_n + r ⊙ hn),  h' = (1 − z) ⊙ n + z ⊙ h
 *
 * where gi = x W_ihᵀ + b_ih + [b_hr, b_hz, 0] is one matMul over all steps beforehand. The step
 * index is a uniform, so one compiled pipeline serves every step and shape. The kernel is
 * registered with tfjs under {@link GRU_STEP_KERNEL} for the `webgpu` backend; it has no
 * gradient (the fused cell's own backward uses what it saved).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { spread, webgpuBackendOf, type WebGpuProgramLike } from "./webgpu_scan.ts";

/** The tfjs kernel name of one fused GRU step. */
export const GRU_STEP_KERNEL = "DsfGruStepWebgpu";

const WORKGROUP = 64;

/** The step program: one thread per (b, i) of h' [B, D], output packed [B, 5D]. */
function gruStepProgram(b: number, d: number): WebGpuProgramLike {
  return {
    variableNames: ["gi", "prev", "whh", "bhn"],
    outputShape: [b, 5 * d],
    dispatchLayout: { x: [0, 1] },
    dispatch: spread(Math.ceil((b * d) / WORKGROUP)),
    workgroupSize: [WORKGROUP, 1, 1],
    shaderKey: "dsf_gru_step",
    uniforms: "step : i32,",
    getUserCode: () => `
      fn main(index : i32) {
        let rows = uniforms.prevShape.x;
        let d5 = uniforms.prevShape.y;
        let d = d5 / 5;
        if (index < rows * d) {
          let b = index / d;
          let i = index % d;
          let g = (uniforms.step * rows + b) * 3 * d;
          var ar = gi[g + i];
          var az = gi[g + d + i];
          var hn = bhn[i];
          for (var k = 0; k < d; k = k + 1) {
            let hk = prev[b * d5 + k];
            ar = ar + whh[i * d + k] * hk;
            az = az + whh[(d + i) * d + k] * hk;
            hn = hn + whh[(2 * d + i) * d + k] * hk;
          }
          let r = 1.0 / (1.0 + exp(-ar));
          let z = 1.0 / (1.0 + exp(-az));
          let n = tanh(gi[g + 2 * d + i] + r * hn);
          let h = prev[b * d5 + i];
          result[b * d5 + i] = n + z * (h - n);
          result[b * d5 + d + i] = r;
          result[b * d5 + 2 * d + i] = z;
          result[b * d5 + 3 * d + i] = n;
          result[b * d5 + 4 * d + i] = hn;
        }
      }
    `,
  };
}

function gruStepKernel(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { gi, prev, whh, bhn } = args.inputs as Record<
    "gi" | "prev" | "whh" | "bhn",
    tf.TensorInfo
  >;
  const [b, d5] = prev.shape;
  return webgpuBackendOf(args.backend, GRU_STEP_KERNEL).runWebGPUProgram(
    gruStepProgram(b, d5 / 5),
    [gi, prev, whh, bhn],
    "float32",
    [{ type: "int32", data: [Number(args.attrs?.step ?? 0)] }],
  );
}

function register(): void {
  if (tf.getKernel(GRU_STEP_KERNEL, "webgpu") != null) return;
  tf.registerKernel({
    kernelName: GRU_STEP_KERNEL,
    backendName: "webgpu",
    kernelFunc: gruStepKernel as unknown as tf.KernelFunc,
  });
}

/**
 * The GRU forward of x [T, B, E] on WebGPU, one dispatch per step (see the module doc).
 * @param weights weight_ih [3D, E], weight_hh [3D, D], bias_ih [3D], bias_hh [3D]
 * @returns the states [T, B, D] and, with `keep`, r, z, n and W_hn h + b_hn ([T, B, D] each)
 */
export function webgpuGruForward(
  x: tf.Tensor3D,
  weights: tf.Tensor[],
  keep: boolean,
): { states: tf.Tensor3D; saved: tf.Tensor[] } {
  if (tf.getBackend() !== "webgpu") {
    throw new Error(`webgpuGruForward: the active backend is "${tf.getBackend()}", not webgpu`);
  }
  register();
  const [wih, whh, bih, bhh] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  const [t, b, e] = x.shape;
  const d = whh.shape[1];
  if (t === 0 || b === 0) {
    const empty = () => tf.zeros([t, b, d]) as tf.Tensor3D;
    return { states: empty(), saved: keep ? [empty(), empty(), empty(), empty()] : [] };
  }
  return tf.tidy(() => {
    const zeros = tf.zeros([d]);
    // Input side of all steps, b_hr and b_hz folded in: [T·B, 3D] (r | z | n).
    const bi = tf.add(bih, tf.concat([tf.slice(bhh, [0], [2 * d]), zeros]));
    const gi = tf.fused.matMul({
      a: tf.reshape(x, [t * b, e]) as tf.Tensor2D,
      b: wih,
      transposeB: true,
      bias: bi,
    });
    const bhn = tf.slice(bhh, [2 * d], [d]);
    const steps: tf.Tensor[] = [];
    let prev: tf.Tensor = tf.zeros([b, 5 * d]);
    for (let s = 0; s < t; s++) {
      prev = tf.engine().runKernel(
        GRU_STEP_KERNEL,
        { gi, prev, whh, bhn } as unknown as tf.NamedTensorMap,
        { step: s },
      ) as tf.Tensor;
      steps.push(prev);
    }
    const all = tf.stack(steps); // [T, B, 5D]
    const part = (k: number) => tf.slice(all, [0, 0, k * d], [t, b, d]) as tf.Tensor3D;
    return { states: part(0), saved: keep ? [part(1), part(2), part(3), part(4)] : [] };
  });
}
