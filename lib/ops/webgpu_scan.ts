/**
 * The DSF reverse scan `δ_t = e_t + λ ⊙ δ_{t+1}` as one custom WebGPU kernel for
 * `@tensorflow/tfjs-backend-webgpu`: a single dispatch instead of T (sequential) or ⌈log₂ T⌉
 * (scan). Two shaders: `blelloch` (default), a work-efficient parallel scan over T inside each
 * workgroup (one workgroup of up to 64 threads per (b, s) column, depth O(T/64 + log T), §4.3),
 * and
 * `loop`, one thread per column walking T backwards (depth T), the reference it is tested
 * against. One column per workgroup reads e with a stride of B·S floats: simple, not coalesced.
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
  /** Extra uniforms the shader reads as `uniforms.<name>` (WGSL fields, e.g. `step : i32,`). */
  uniforms?: string;
}

/** The part of tfjs-backend-webgpu's backend our kernels call (its `runWebGPUProgram`). */
export interface WebGpuBackendLike {
  runWebGPUProgram(
    program: WebGpuProgramLike,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    programDefinedUniform?: { type: string; data: number[] }[],
  ): tf.TensorInfo;
}

/** The backend of a kernel call as {@link WebGpuBackendLike}, or an error naming the kernel. */
export function webgpuBackendOf(backend: unknown, kernel: string): WebGpuBackendLike {
  const b = backend as WebGpuBackendLike;
  if (typeof b?.runWebGPUProgram !== "function") {
    throw new Error(`${kernel}: the active backend is not tfjs-backend-webgpu`);
  }
  return b;
}

/** The WebGPU kernels: a work-efficient parallel scan over T, or one loop over T per thread. */
export const WEBGPU_SCAN_KERNELS = ["blelloch", "loop"] as const;
/** One of {@link WEBGPU_SCAN_KERNELS}. */
export type WebgpuScanKernel = typeof WEBGPU_SCAN_KERNELS[number];

/** Threads of one Blelloch workgroup (at most): each owns ⌈T / threads⌉ consecutive steps. */
export const SCAN_THREADS = 64;

/** Workgroups for `groups` independent items: a row, or a square once past the WebGPU minimum. */
export function spread(groups: number): [number, number, number] {
  const n = Math.max(1, groups);
  if (n <= MAX_GROUPS_PER_DIM) return [n, 1, 1];
  const side = Math.ceil(Math.sqrt(n));
  return [side, side, 1];
}

/**
 * The loop program for e [T, B, S], λ [S]: one thread per flat (b, s) index `j < B·S`, looping
 * t = T−1 … 0 over `grad[t·B·S + j]`. Depth T: kept as the reference the scan is tested against.
 */
export function reverseScanLoopProgram(shape: [number, number, number]): WebGpuProgramLike {
  const [, b, s] = shape;
  const groups = Math.ceil((b * s) / WORKGROUP);
  return {
    variableNames: ["grad", "feedback"],
    outputShape: [...shape],
    dispatchLayout: { x: [0, 1, 2] },
    // Beyond 65535 workgroups the package's getGlobalIndex() flattens the square grid back.
    dispatch: spread(groups),
    workgroupSize: [WORKGROUP, 1, 1],
    shaderKey: "dsf_reverse_scan_loop",
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

/**
 * The Blelloch program for e [T, B, S], λ [S]: one workgroup per (b, s) column, of
 * `P = min(64, 2^⌈log₂ T⌉)` threads, thread p owning the R = ⌈T/P⌉ consecutive steps from
 * t = T−1−p·R down. Each thread composes its steps' maps, the workgroup scans the P compositions
 * in workgroup memory (Blelloch: an up-sweep and a down-sweep, 2·log₂ P barrier rounds, work
 * O(P)), and each thread replays its steps from its exclusive prefix. Work O(T) (two reads of
 * e), depth 2R + 2·log₂ P: O(log T) up to T = 64, 2T/64 + 12 beyond (the loop kernel's is T).
 *
 * Reading time backwards (u = T−1−t), δ is the forward linear recurrence y_u = λ·y_{u−1} + e_u
 * from y = 0; the scan composes the affine maps (a, b): y ↦ a·y + b, an earlier one then a later
 * one being (a₁a₂, a₂b₁ + b₂), with identity (1, 0). A composed coefficient λ^k can overflow
 * for |λ| > 1 at long T; it multiplies only carried values, and a zero carry stays zero, so δ is
 * the loop's wherever the loop's is finite.
 */
export function reverseScanBlellochProgram(shape: [number, number, number]): WebGpuProgramLike {
  const [t, b, s] = shape;
  const threads = Math.min(SCAN_THREADS, 2 ** Math.ceil(Math.log2(Math.max(1, t))));
  const levels = Math.log2(threads);
  return {
    variableNames: ["grad", "feedback"],
    outputShape: [...shape],
    dispatchLayout: { x: [0, 1, 2] },
    dispatch: spread(b * s),
    workgroupSize: [threads, 1, 1],
    shaderKey: `dsf_reverse_scan_blelloch_${threads}`,
    getUserCode: () => `
      var<workgroup> sa : array<f32, ${threads}>;
      var<workgroup> sb : array<f32, ${threads}>;

      // a · y for a carried value y: 0 when y is 0, so that a coefficient λ^k that overflowed
      // (|λ| > 1, long T) times a zero carry stays 0 instead of Inf · 0 = NaN (the loop's δ).
      fn carry(a : f32, y : f32) -> f32 {
        return select(a * y, 0.0, y == 0.0);
      }

      fn main(index : i32) {
        let steps = uniforms.gradShape.x;
        let width = uniforms.gradShape.z;
        let plane = uniforms.gradShape.y * width;
        let column = i32(workgroupId.y * numWorkgroups.x + workgroupId.x);
        let live = column < plane;
        let l = select(0.0, feedback[column % width], live);
        let lid = i32(localIndex);
        let per = (steps + ${threads - 1}) / ${threads};
        let first = lid * per;
        // This thread's steps composed: (a, b) after u = first … first + per − 1.
        var a = 1.0;
        var b = 0.0;
        for (var k = 0; k < per; k = k + 1) {
          let u = first + k;
          if (live && u < steps) {
            a = a * l;
            b = l * b + grad[(steps - 1 - u) * plane + column];
          }
        }
        sa[lid] = a;
        sb[lid] = b;
        // Up-sweep: the right element of each pair becomes the composition over its subtree.
        var stride = 1;
        for (var d = 0; d < ${levels}; d = d + 1) {
          workgroupBarrier();
          if (lid < ${threads} / (2 * stride)) {
            let left = (2 * lid + 1) * stride - 1;
            let right = left + stride;
            sb[right] = carry(sa[right], sb[left]) + sb[right];
            sa[right] = sa[left] * sa[right];
          }
          stride = stride * 2;
        }
        workgroupBarrier();
        // The root becomes the identity; the down-sweep leaves exclusive prefixes.
        if (lid == 0) {
          sa[${threads - 1}] = 1.0;
          sb[${threads - 1}] = 0.0;
        }
        for (var d = 0; d < ${levels}; d = d + 1) {
          stride = stride / 2;
          workgroupBarrier();
          if (lid < ${threads} / (2 * stride)) {
            let left = (2 * lid + 1) * stride - 1;
            let right = left + stride;
            let ta = sa[left];
            let tb = sb[left];
            sa[left] = sa[right];
            sb[left] = sb[right];
            sb[right] = carry(ta, sb[right]) + tb;
            sa[right] = sa[right] * ta;
          }
        }
        workgroupBarrier();
        // Replay this thread's steps from y = (its prefix)(0).
        var y = sb[lid];
        for (var k = 0; k < per; k = k + 1) {
          let u = first + k;
          if (live && u < steps) {
            let i = (steps - 1 - u) * plane + column;
            y = l * y + grad[i];
            result[i] = y;
          }
        }
      }
    `,
  };
}

function reverseScanKernel(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { grad, feedback } = args.inputs as Record<"grad" | "feedback", tf.TensorInfo>;
  const backend = webgpuBackendOf(args.backend, REVERSE_SCAN_KERNEL);
  const shape = grad.shape as [number, number, number];
  const program = args.attrs?.kernel === "loop"
    ? reverseScanLoopProgram(shape)
    : reverseScanBlellochProgram(shape);
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

/** Options of {@link webgpuReverseScan}. */
export interface WebgpuReverseScanOptions {
  /** The kernel; default `blelloch` (depth 2⌈T/64⌉ + 12), `loop` (depth T). */
  kernel?: WebgpuScanKernel;
}

/**
 * Runs `δ_t = e_t + λ ⊙ δ_{t+1}` backwards over the time axis in one WebGPU dispatch.
 * Only on the `webgpu` backend.
 * @param directGrad e, time-major [T, B, S], float32
 * @param feedback λ [S], float32
 * @param options the kernel
 * @returns δ [T, B, S]
 * @throws Error when the active backend is not webgpu, or on a shape mismatch
 */
export function webgpuReverseScan(
  directGrad: tf.Tensor3D,
  feedback: tf.Tensor1D,
  options: WebgpuReverseScanOptions = {},
): tf.Tensor3D {
  const kernel = options.kernel ?? "blelloch";
  if (!WEBGPU_SCAN_KERNELS.includes(kernel)) {
    throw new Error(
      `webgpuReverseScan: unknown kernel "${kernel}"; use ${WEBGPU_SCAN_KERNELS.join(" or ")}`,
    );
  }
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
    { kernel },
  ) as tf.Tensor3D;
}
