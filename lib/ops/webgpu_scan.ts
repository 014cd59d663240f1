/**
 * The DSF reverse scan `δ_t = e_t + λ ⊙ δ_{t+1}` as one custom WebGPU kernel for
 * `@tensorflow/tfjs-backend-webgpu`: a single dispatch, one thread per (b, s) pair, each
 * walking the time axis backwards in a loop. T dependent steps stay inside one shader
 * invocation, so the host issues 1 dispatch instead of T (sequential) or ⌈log₂ T⌉ (scan).
 *
 * The kernel is registered with tfjs under the name {@link REVERSE_SCAN_KERNEL} for the
 * `webgpu` backend the first time {@link webgpuReverseScan} runs, so it goes through the engine
 * like any op (memory accounting, `tf.tidy`, `tf.profile` lists it as one kernel). It has no
 * gradient: it is itself a backward.
 *
 * Nothing from the webgpu package is imported: the program is a plain object following the
 * package's `WebGPUProgram` interface, run with `backend.runWebGPUProgram(program, inputs,
 * dtype)`. Its shader reads the inputs' shapes from the uniforms the package declares
 * (`uniforms.gradShape`), so one compiled pipeline serves every shape.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The tfjs kernel name of the reverse scan. */
export const REVERSE_SCAN_KERNEL = "DsfReverseScan";

/** Threads per workgroup. */
const WORKGROUP = 64;
/** WebGPU's guaranteed minimum of `maxComputeWorkgroupsPerDimension`. */
const MAX_GROUPS_PER_DIM = 65535;

/** The part of tfjs-backend-webgpu's `WebGPUProgram` interface this program fills in. */
export interface WebGpuProgramLike {
  /** Names of the input bindings, in input order (shader arrays of the same names). */
  variableNames: string[];
  /** Output shape. */
  outputShape: number[];
  /** Which output axes the flat global index covers. */
  dispatchLayout: { x: number[] };
  /** Workgroups per dimension. */
  dispatch: [number, number, number];
  /** Threads per workgroup. */
  workgroupSize: [number, number, number];
  /** Pipeline-cache key (the package appends ranks and dtypes). */
  shaderKey: string;
  /** The WGSL body: a `main(index)` function. */
  getUserCode: () => string;
}

interface WebGpuBackendLike {
  runWebGPUProgram(
    program: WebGpuProgramLike,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
  ): tf.TensorInfo;
}

/**
 * The program for e [T, B, S], λ [S]: one thread per flat (b, s) index `j < B·S`, looping
 * t = T−1 … 0 over `grad[t·B·S + j]`.
 */
export function reverseScanProgram(shape: [number, number, number]): WebGpuProgramLike {
  const [, b, s] = shape;
  const groups = Math.max(1, Math.ceil((b * s) / WORKGROUP));
  // Beyond 65535 workgroups, spread them over a square grid; the package's getGlobalIndex()
  // flattens (workgroupId, localIndex) back to one index whenever dispatch[1] > 1.
  const dispatch: [number, number, number] = groups <= MAX_GROUPS_PER_DIM
    ? [groups, 1, 1]
    : [Math.ceil(Math.sqrt(groups)), Math.ceil(Math.sqrt(groups)), 1];
  return {
    variableNames: ["grad", "feedback"],
    outputShape: [...shape],
    dispatchLayout: { x: [0, 1, 2] },
    dispatch,
    workgroupSize: [WORKGROUP, 1, 1],
    shaderKey: "dsf_reverse_scan",
    getUserCode: () => `
      fn main(index : i32) {
        let steps = uniforms.gradShape.x;
        let width = uniforms.gradShape.z;
        let plane = uniforms.gradShape.y * width;
        if (index < plane) {
          let l = feedback[index % width];
          var d = 0.0;
          for (var t = steps - 1; t >= 0; t = t - 1) {
            let i = t * plane + index;
            d = grad[i] + l * d;
            result[i] = d;
          }
        }
      }
    `,
  };
}

function reverseScanKernel(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown },
): tf.TensorInfo {
  const { grad, feedback } = args.inputs as Record<"grad" | "feedback", tf.TensorInfo>;
  const backend = args.backend as WebGpuBackendLike;
  if (typeof backend.runWebGPUProgram !== "function") {
    throw new Error(`${REVERSE_SCAN_KERNEL}: the active backend is not tfjs-backend-webgpu`);
  }
  const program = reverseScanProgram(grad.shape as [number, number, number]);
  return backend.runWebGPUProgram(program, [grad, feedback], "float32");
}

/** Registers the kernel for the `webgpu` backend (idempotent). */
export function registerWebgpuReverseScan(): void {
  if (tf.getKernel(REVERSE_SCAN_KERNEL, "webgpu") != null) return;
  tf.registerKernel({
    kernelName: REVERSE_SCAN_KERNEL,
    backendName: "webgpu",
    kernelFunc: reverseScanKernel as unknown as tf.KernelFunc,
  });
}

/**
 * Runs `δ_t = e_t + λ ⊙ δ_{t+1}` backwards over the time axis in one WebGPU dispatch.
 * Only on the `webgpu` backend.
 * @param directGrad e, time-major [T, B, S], float32
 * @param feedback λ [S], float32
 * @returns δ [T, B, S]
 * @throws Error when the active backend is not webgpu, or on a shape mismatch
 */
export function webgpuReverseScan(directGrad: tf.Tensor3D, feedback: tf.Tensor1D): tf.Tensor3D {
  if (tf.getBackend() !== "webgpu") {
    throw new Error(
      `webgpuReverseScan: the active backend is "${tf.getBackend()}", not webgpu; ` +
        `use reverseScan's "scan", "sequential" or "fft" impl there`,
    );
  }
  if (directGrad.rank !== 3) {
    throw new Error(`webgpuReverseScan: e must be [T, B, S], got [${directGrad.shape}]`);
  }
  const s = directGrad.shape[2];
  if (feedback.rank !== 1 || feedback.shape[0] !== s) {
    throw new Error(
      `webgpuReverseScan: feedback must be [${s}] to match e [T, B, ${s}], ` +
        `got [${feedback.shape}]`,
    );
  }
  if (directGrad.dtype !== "float32" || feedback.dtype !== "float32") {
    throw new Error("webgpuReverseScan: e and λ must be float32");
  }
  registerWebgpuReverseScan();
  if (directGrad.size === 0) return tf.clone(directGrad);
  return tf.engine().runKernel(
    REVERSE_SCAN_KERNEL,
    { grad: directGrad, feedback } as unknown as tf.NamedTensorMap,
    {},
  ) as tf.Tensor3D;
}
