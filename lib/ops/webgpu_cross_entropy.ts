/**
 * The summed cross-entropy and its gradient on WebGPU in two kernels instead of about a dozen
 * ops (lib/models/cross_entropy.ts calls them on the `webgpu` backend):
 *
 * - {@link CE_STATS_KERNEL}, one thread per row n of z [N, V]: the row's max, then
 *   lse_n = max + log Σ_j exp(z[n, j] − max), written with the row's loss lse_n − z[n, y_n]
 *   as [N, 2];
 * - {@link CE_GRAD_KERNEL}, one thread per element: softmax(z) − onehot(y), from lse.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { spread, webgpuBackendOf, type WebGpuProgramLike } from "./webgpu_scan.ts";

/** The tfjs kernel names. */
export const CE_STATS_KERNEL = "DsfCrossEntropyStatsWebgpu";
/** See {@link CE_STATS_KERNEL}. */
export const CE_GRAD_KERNEL = "DsfCrossEntropyGradWebgpu";

const WORKGROUP = 64;

const dispatchFor = (items: number) => spread(Math.ceil(items / WORKGROUP));

function statsProgram(n: number): WebGpuProgramLike {
  return {
    variableNames: ["z", "y"],
    outputShape: [n, 2],
    dispatchLayout: { x: [0, 1] },
    dispatch: dispatchFor(n),
    workgroupSize: [WORKGROUP, 1, 1],
    shaderKey: "dsf_ce_stats",
    getUserCode: () => `
      fn main(index : i32) {
        let rows = uniforms.zShape.x;
        let v = uniforms.zShape.y;
        if (index < rows) {
          let base = index * v;
          var mx = z[base];
          for (var j = 1; j < v; j = j + 1) { mx = max(mx, z[base + j]); }
          var s = 0.0;
          for (var j = 0; j < v; j = j + 1) { s = s + exp(z[base + j] - mx); }
          let lse = mx + log(s);
          result[2 * index] = lse;
          result[2 * index + 1] = lse - z[base + i32(y[index])];
        }
      }
    `,
  };
}

function gradProgram(n: number, v: number): WebGpuProgramLike {
  return {
    variableNames: ["z", "y", "stats"],
    outputShape: [n, v],
    dispatchLayout: { x: [0, 1] },
    dispatch: dispatchFor(n * v),
    workgroupSize: [WORKGROUP, 1, 1],
    shaderKey: "dsf_ce_grad",
    getUserCode: () => `
      fn main(index : i32) {
        let rows = uniforms.zShape.x;
        let v = uniforms.zShape.y;
        if (index < rows * v) {
          let n = index / v;
          let j = index % v;
          var g = exp(z[index] - stats[2 * n]);
          if (j == i32(y[n])) { g = g - 1.0; }
          result[index] = g;
        }
      }
    `,
  };
}

function register(): void {
  if (tf.getKernel(CE_STATS_KERNEL, "webgpu") != null) return;
  tf.registerKernel({
    kernelName: CE_STATS_KERNEL,
    backendName: "webgpu",
    kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap; backend: unknown }) => {
      const { z, y } = args.inputs as Record<"z" | "y", tf.TensorInfo>;
      return webgpuBackendOf(args.backend, CE_STATS_KERNEL).runWebGPUProgram(
        statsProgram(z.shape[0]),
        [z, y],
        "float32",
      );
    }) as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: CE_GRAD_KERNEL,
    backendName: "webgpu",
    kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap; backend: unknown }) => {
      const { z, y, stats } = args.inputs as Record<"z" | "y" | "stats", tf.TensorInfo>;
      return webgpuBackendOf(args.backend, CE_GRAD_KERNEL).runWebGPUProgram(
        gradProgram(z.shape[0], z.shape[1]),
        [z, y, stats],
        "float32",
      );
    }) as unknown as tf.KernelFunc,
  });
}

/**
 * Per row of `logits` [N, V] with int32 `targets` [N]: [N, 2] of (logsumexp, loss).
 * Only on the webgpu backend.
 */
export function webgpuCrossEntropyStats(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor2D {
  register();
  return tf.engine().runKernel(
    CE_STATS_KERNEL,
    { z: logits, y: targets } as unknown as tf.NamedTensorMap,
  ) as tf.Tensor2D;
}

/** softmax(logits) − onehot(targets) [N, V], from {@link webgpuCrossEntropyStats}'s stats. */
export function webgpuCrossEntropyGrad(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
  stats: tf.Tensor2D,
): tf.Tensor2D {
  register();
  return tf.engine().runKernel(
    CE_GRAD_KERNEL,
    { z: logits, y: targets, stats } as unknown as tf.NamedTensorMap,
  ) as tf.Tensor2D;
}
