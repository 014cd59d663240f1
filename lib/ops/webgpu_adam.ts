/**
 * Adam's update of one parameter on WebGPU in one kernel: θ, m and v updated element by element
 * in a single pass (with decoupled weight decay folded into the gradient, as lib/train/adam.ts
 * does), written side by side into one [3 · n] output that three slices hand back as θ', m', v'
 * — 4 dispatches a parameter instead of about 15 for the same ops one by one:
 *
 *     g ← g + wd·θ,  m' = β₁m + (1 − β₁)g,  v' = β₂v + (1 − β₂)g²,
 *     θ' = θ − stepSize · m' / (√v' / √(1 − β₂ᵗ) + ε)
 *
 * Registered with tfjs under {@link ADAM_WEBGPU_KERNEL} for the `webgpu` backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { AdamUpdateAttrs } from "./wasm_adam.ts";
import { spread, webgpuBackendOf, type WebGpuProgramLike } from "./webgpu_scan.ts";

/** The tfjs kernel name of the fused Adam update. */
export const ADAM_WEBGPU_KERNEL = "DsfAdamUpdateWebgpu";

const WORKGROUP = 64;

function adamProgram(n: number): WebGpuProgramLike {
  return {
    variableNames: ["p", "g", "m", "v"],
    outputShape: [3 * n],
    dispatchLayout: { x: [0] },
    dispatch: spread(Math.ceil(n / WORKGROUP)),
    workgroupSize: [WORKGROUP, 1, 1],
    shaderKey: "dsf_adam_update",
    uniforms: "beta1 : f32, beta2 : f32, stepSize : f32, bc2Sqrt : f32, eps : f32, wd : f32,",
    getUserCode: () => `
      fn main(index : i32) {
        let n = uniforms.pShape;
        if (index < n) {
          let gw = g[index] + uniforms.wd * p[index];
          let m1 = uniforms.beta1 * m[index] + (1.0 - uniforms.beta1) * gw;
          let v1 = uniforms.beta2 * v[index] + (1.0 - uniforms.beta2) * gw * gw;
          let denom = sqrt(v1) / uniforms.bc2Sqrt + uniforms.eps;
          result[index] = p[index] - (m1 / denom) * uniforms.stepSize;
          result[n + index] = m1;
          result[2 * n + index] = v1;
        }
      }
    `,
  };
}

function adamKernel(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { p, g, m, v } = args.inputs as Record<"p" | "g" | "m" | "v", tf.TensorInfo>;
  const a = args.attrs as unknown as AdamUpdateAttrs;
  return webgpuBackendOf(args.backend, ADAM_WEBGPU_KERNEL).runWebGPUProgram(
    adamProgram(p.shape[0]),
    [p, g, m, v],
    "float32",
    [{
      type: "float32",
      data: [a.beta1, a.beta2, a.stepSize, a.bc2Sqrt, a.eps, a.weightDecay],
    }],
  );
}

/** Whether the fused update runs here (the active backend is webgpu). */
export function adamWebgpuAvailable(): boolean {
  return tf.getBackend() === "webgpu";
}

/**
 * One fused Adam update on the active (webgpu) backend.
 * @returns the new θ, m and v (θ's shape); the inputs are not disposed
 */
export function webgpuAdamUpdate(
  tensors: { p: tf.Tensor; g: tf.Tensor; m: tf.Tensor; v: tf.Tensor },
  attrs: AdamUpdateAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (!adamWebgpuAvailable()) throw new Error(`${ADAM_WEBGPU_KERNEL} runs on webgpu only`);
  if (tf.getKernel(ADAM_WEBGPU_KERNEL, "webgpu") === undefined) {
    tf.registerKernel({
      kernelName: ADAM_WEBGPU_KERNEL,
      backendName: "webgpu",
      kernelFunc: adamKernel as unknown as tf.KernelFunc,
    });
  }
  const { p } = tensors;
  const n = p.size;
  return tf.tidy(() => {
    const flat = (t: tf.Tensor) => tf.reshape(t, [n]);
    const out = tf.engine().runKernel(
      ADAM_WEBGPU_KERNEL,
      {
        p: flat(p),
        g: flat(tensors.g),
        m: flat(tensors.m),
        v: flat(tensors.v),
      } as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
    const part = (k: number) => tf.reshape(tf.slice(out, [k * n], [n]), p.shape);
    return [part(0), part(1), part(2)];
  });
}
