/**
 * Kernels this project supplies for the wasm backend of TensorFlow.js 4.22:
 *
 * - `UnsortedSegmentSum`, which wasm lacks: it is the gradient of `tf.gather`, so without it an
 *   embedding cannot be trained on wasm; and `GatherV2` along axis 0 (the embedding lookup) as
 *   row copies, replaced (tfjs's generic kernel is 20× slower there);
 * - `Slice`, `Unpack` (`tf.unstack`) and `SplitV` (`tf.split`), replaced: tfjs's versions read
 *   their whole input with `readSync`, which copies it out of the wasm heap, so each slice
 *   costs the size of the input and `tf.unstack` of a `[T, B, D]` tensor costs T full copies
 *   (O(T²·B·D)) — the main cost of a recurrent forward. These versions copy only the slice,
 *   through views of the heap taken after the output is allocated (an allocation may grow the
 *   heap and detach older views).
 * - `Identity` (`tf.clone`, and the copy tfjs makes of every tensor a custom gradient saves),
 *   replaced: tfjs's copies the data; this one shares it, as tfjs's cpu backend and wasm's own
 *   `Reshape` do (tensor data is immutable: no kernel writes into its inputs), so saving a
 *   recurrent layer's activations for its backward costs no pass over memory;
 * - `DsfSoftmaxCrossEntropy` (ours): the summed cross-entropy of logits rows against integer
 *   targets and, when asked, its gradient softmax − onehot, in three passes over the logits in
 *   double precision (tfjs's logSoftmax, exp, oneHot, cast, sub and mul make about ten).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { simdKernelsFor } from "./wasm_simd.ts";

/** The parts of tfjs's wasm backend these kernels use. */
export interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: Float32Array | Int32Array,
  ): tf.TensorInfo;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: { HEAPU8: Uint8Array };
  incRef(dataId: object): void;
  disposeData(dataId: object): boolean;
}

type Typed = Float32Array | Int32Array | Uint8Array;

/**
 * The byte offset of a tensor's data in the wasm heap, unsigned: tfjs's `_malloc` returns a
 * signed int32, negative once the heap is past 2 GiB (WikiText at batch 16 gets there), and
 * neither a typed-array view nor BLAS pointer arithmetic takes a negative offset. Wasm kernels
 * take the same number: an i32 parameter wraps it back to the same bits.
 */
export function heapOffset(backend: WasmBackendLike, t: tf.TensorInfo): number {
  return unsigned(backend.dataIdMap.get(t.dataId).memoryOffset);
}

/** An address from the wasm heap (`_malloc`, `memoryOffset`) as an unsigned byte offset. */
export function unsigned(address: number): number {
  return address >>> 0;
}

/** A view of a tensor's data in the wasm heap (valid until the next allocation). */
export function heapView(backend: WasmBackendLike, t: tf.TensorInfo): Typed {
  const offset = heapOffset(backend, t);
  const buffer = backend.wasm.HEAPU8.buffer;
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.dtype === "float32") return new Float32Array(buffer, offset, n);
  if (t.dtype === "int32") return new Int32Array(buffer, offset, n);
  if (t.dtype === "bool") return new Uint8Array(buffer, offset, n);
  throw new Error(`wasm slice: dtype ${t.dtype} is not supported`);
}

/** Copies the box [begin, begin + size) of x into a new output; O(size of the box). */
function sliceBox(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  const rank = x.shape.length;
  const strides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) strides[i] = s, s *= x.shape[i];
  // The innermost run that is contiguous in both: merge trailing full dimensions.
  let inner = rank - 1;
  let run = size[rank - 1];
  while (inner > 0 && size[inner] === x.shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner];
  }
  const outer = size.slice(0, inner).reduce((a, b) => a * b, 1);
  const idx = new Array<number>(inner).fill(0);
  let o = 0;
  for (let k = 0; k < outer; k++) {
    let from = begin[inner] * strides[inner];
    for (let d = 0; d < inner; d++) from += (begin[d] + idx[d]) * strides[d];
    dst.set(src.subarray(from, from + run), o);
    o += run;
    for (let d = inner - 1; d >= 0; d--) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** What tfjs passes a kernel function. */
export type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
};

function slice(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as unknown as tf.Tensor,
    args.attrs!.begin as number[],
    args.attrs!.size as number[],
  );
  return sliceBox(args.backend as WasmBackendLike, x, begin, size);
}

function unpack(args: KernelArgs): tf.TensorInfo[] {
  const value = args.inputs.value as tf.TensorInfo;
  const rank = value.shape.length;
  const axis = ((args.attrs!.axis as number) + rank) % rank;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const size = value.shape.slice();
  size[axis] = 1;
  const outs: tf.TensorInfo[] = [];
  for (let i = 0; i < value.shape[axis]; i++) {
    const begin = new Array<number>(rank).fill(0);
    begin[axis] = i;
    const o = sliceBox(args.backend as WasmBackendLike, value, begin, size);
    outs.push({ dataId: o.dataId, dtype: o.dtype, shape: outShape });
  }
  return outs;
}

function splitV(args: KernelArgs): tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const axis = tf.util.parseAxisParam(args.attrs!.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(
    x as unknown as tf.Tensor,
    args.attrs!.numOrSizeSplits as number[] | number,
    axis,
  );
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[axis] = s;
    const out = sliceBox(args.backend as WasmBackendLike, x, begin.slice(), size);
    begin[axis] += s;
    return out;
  });
}

/**
 * `UnsortedSegmentSum` (the gradient of `tf.gather`). Rows whose segment id is outside
 * [0, numSegments) are dropped, as in TensorFlow.
 */
function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, segmentIds: ids } = args.inputs as Record<"x" | "segmentIds", tf.TensorInfo>;
  const numSegments = Number(args.attrs?.numSegments);
  const innerShape = x.shape.slice(ids.shape.length);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const outInfo = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  // Views after the output exists (its allocation may have grown the heap).
  const out = heapView(backend, outInfo);
  const values = heapView(backend, x);
  const segments = heapView(backend, ids);
  out.fill(0);
  for (let row = 0; row < segments.length; row++) {
    const segment = segments[row];
    if (!(segment >= 0 && segment < numSegments)) continue;
    const to = segment * inner;
    const from = row * inner;
    for (let j = 0; j < inner; j++) out[to + j] += values[from + j];
  }
  return outInfo;
}

/**
 * `GatherV2` along axis 0 without batch dimensions (an embedding lookup) as row copies on the
 * heap; any other gather goes to tfjs's kernel, `fallback` (its generic kernel took 22 ms to
 * look up 2048 rows of a [10000, 256] table in the PTB step).
 */
export function gatherRows(fallback: tf.KernelFunc): (args: KernelArgs) => tf.TensorInfo {
  return function gatherV2Rows(args) {
    const backend = args.backend as WasmBackendLike;
    const { x, indices } = args.inputs as Record<"x" | "indices", tf.TensorInfo>;
    const axis = Number(args.attrs?.axis ?? 0);
    const rows = x.shape[0];
    if (
      (axis !== 0 && axis !== -x.shape.length) || Number(args.attrs?.batchDims ?? 0) !== 0 ||
      indices.dtype !== "int32" || (x.dtype !== "float32" && x.dtype !== "int32")
    ) {
      return fallback(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const outInfo = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    // Views after the output exists (its allocation may have grown the heap).
    const [src, ids, out] = [x, indices, outInfo].map((t) => heapView(backend, t));
    for (let i = 0; i < ids.length; i++) {
      const row = ids[i];
      if (!(row >= 0 && row < rows)) {
        backend.disposeData(outInfo.dataId);
        throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`);
      }
      out.set(src.subarray(row * width, (row + 1) * width), i * width);
    }
    return outInfo;
  };
}

/** The name of the fused cross-entropy kernel (wasm only). */
export const SOFTMAX_CROSS_ENTROPY = "DsfSoftmaxCrossEntropy";

/**
 * logits [N, V] float32, targets [N] int32 → [loss (a scalar: Σ_n logsumexp(z_n) − z_n[y_n])]
 * and, with `attrs.withGrad`, the gradient [N, V] = softmax(z) − onehot(y). Targets outside
 * [0, V) are an error.
 */
function softmaxCrossEntropy(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { logits, targets } = args.inputs as Record<"logits" | "targets", tf.TensorInfo>;
  const [n, v] = logits.shape;
  const withGrad = args.attrs?.withGrad === true;
  const loss = backend.makeOutput([], "float32");
  const grad = withGrad ? backend.makeOutput([n, v], "float32") : null;
  // Views after the outputs exist (their allocation may have grown the heap).
  const z = heapView(backend, logits) as Float32Array;
  const y = heapView(backend, targets) as Int32Array;
  const g = grad ? heapView(backend, grad) as Float32Array : null;
  const simd = simdKernelsFor(backend);
  const v4 = simd ? v - (v % 4) : 0; // the SIMD kernels take each row's first v4 floats
  const zAt = heapOffset(backend, logits);
  const gAt = grad ? heapOffset(backend, grad) : 0;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const row = r * v;
    const target = y[r];
    if (!(target >= 0 && target < v)) {
      throw new Error(`cross-entropy: target ${target} of row ${r} is outside [0, ${v})`);
    }
    let max = v4 > 0 ? simd!.rowMax(zAt + 4 * row, v4) : -Infinity;
    for (let j = v4; j < v; j++) if (z[row + j] > max) max = z[row + j];
    let sum = v4 > 0 ? simd!.expSum(zAt + 4 * row, g ? gAt + 4 * row : 0, v4, max) : 0;
    if (g) {
      for (let j = v4; j < v; j++) {
        const e = Math.exp(z[row + j] - max);
        g[row + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      if (v4 > 0) simd!.scale(gAt + 4 * row, v4, inv);
      for (let j = v4; j < v; j++) g[row + j] *= inv;
      g[row + target] -= 1;
    } else {
      for (let j = v4; j < v; j++) sum += Math.exp(z[row + j] - max);
    }
    total += Math.log(sum) + max - z[row + target];
  }
  (heapView(backend, loss) as Float32Array)[0] = total;
  return grad ? [loss, grad] : [loss];
}

/** `Identity` without the copy: one more reference to the same data. */
function identity(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let registered = false;

/** Registers the kernels above for the wasm backend (once; call after importing it). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const gather = tf.getKernel("GatherV2", "wasm");
  if (gather == null) throw new Error("registerWasmKernels: import the wasm backend first");
  // [name, kernel, setup]: the gather's fallback is tfjs's own kernel, which binds its wasm
  // function when the backend initializes.
  const kernels: [
    string,
    (a: KernelArgs) => tf.TensorInfo | tf.TensorInfo[],
    tf.KernelSetupFunc?,
  ][] = [
    ["Slice", slice],
    ["Unpack", unpack],
    ["SplitV", splitV],
    ["Identity", identity],
    ["UnsortedSegmentSum", unsortedSegmentSum],
    ["GatherV2", gatherRows(gather.kernelFunc), gather.setupFunc],
    [SOFTMAX_CROSS_ENTROPY, softmaxCrossEntropy],
  ];
  for (const [kernelName, fn, setupFunc] of kernels) {
    if (tf.getKernel(kernelName, "wasm") != null) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc: fn as tf.KernelFunc,
      setupFunc,
    });
  }
}
