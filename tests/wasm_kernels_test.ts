import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Rng } from "../lib/util/rng.ts";
import { read, useBackend } from "./_util.ts";
import {
  gatherRows,
  heapOffset,
  heapView,
  unsigned,
  type WasmBackendLike,
} from "../lib/ops/wasm_kernels.ts";

/** The box [begin, begin + size) of a row-major array, in plain JS. */
function jsSlice(
  data: ArrayLike<number>,
  shape: number[],
  begin: number[],
  size: number[],
): number[] {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  const walk = (d: number, off: number) => {
    if (d === shape.length) return void out.push(data[off]);
    for (let k = 0; k < size[d]; k++) walk(d + 1, off + (begin[d] + k) * strides[d]);
  };
  walk(0, 0);
  return out;
}

Deno.test("wasm Slice, Unpack and SplitV equal a plain-JS reference", async () => {
  await useBackend("wasm");
  const rng = new Rng(3);
  for (let trial = 0; trial < 40; trial++) {
    const rank = 1 + rng.int(4);
    const shape = Array.from({ length: rank }, () => 1 + rng.int(5));
    const n = shape.reduce((a, b) => a * b, 1);
    const dtype = trial % 3 === 0 ? "int32" : "float32";
    const data = Array.from({ length: n }, (_, i) => (dtype === "int32" ? i : i + 0.5));
    const x = tf.tensor(data, shape, dtype);
    const begin = shape.map((s) => rng.int(s));
    const size = shape.map((s, i) => 1 + rng.int(s - begin[i]));
    const s = tf.slice(x, begin, size);
    assert.deepEqual(s.shape, size);
    assert.deepEqual(await read(s), jsSlice(data, shape, begin, size), `slice ${shape} ${begin}`);
    const axis = rng.int(rank);
    const parts = tf.unstack(x, axis);
    const pieces = tf.split(x, shape[axis], axis);
    for (let i = 0; i < shape[axis]; i++) {
      const b = shape.map((_, d) => (d === axis ? i : 0));
      const sz = shape.map((v, d) => (d === axis ? 1 : v));
      const ref = jsSlice(data, shape, b, sz);
      assert.deepEqual(await read(parts[i]), ref, "unstack");
      assert.deepEqual(await read(pieces[i]), ref, "split");
    }
    tf.dispose([x, s, ...parts, ...pieces]);
  }
});

Deno.test("heap offsets past 2 GiB (negative from tfjs's _malloc) read as unsigned", () => {
  // tfjs's wasm `_malloc` returns a signed int32: the address 2 GiB + 16 arrives as
  // -2 GiB + 16. A fake backend over a 2 GiB + 64 byte buffer (untouched pages cost no memory)
  // stands in for the heap.
  const at = 2 ** 31 + 16;
  const heap = new Uint8Array(new ArrayBuffer(2 ** 31 + 64));
  new Float32Array(heap.buffer, at, 2).set([1.5, -2]);
  const fake = {
    dataIdMap: { get: () => ({ memoryOffset: at | 0 }) },
    wasm: { HEAPU8: heap },
  } as unknown as WasmBackendLike;
  const t = { dataId: {}, shape: [2], dtype: "float32" } as tf.TensorInfo;
  assert.equal(at | 0, -(2 ** 31) + 16);
  assert.equal(heapOffset(fake, t), at);
  assert.deepEqual(Array.from(heapView(fake, t)), [1.5, -2]);
  assert.equal(unsigned(at | 0) | 0, at | 0); // an i32 parameter of a wasm kernel gets the same bits
});

Deno.test("wasm Identity shares the data (no copy); the clone outlives its source; no leak", async () => {
  await useBackend("wasm");
  const before = tf.memory().numTensors;
  const buffers = tf.backend().numDataIds();
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  const y = tf.clone(x);
  const backend = tf.backend() as unknown as WasmBackendLike;
  assert.equal(heapOffset(backend, y), heapOffset(backend, x)); // tfjs's own Identity copies
  assert.equal(tf.backend().numDataIds(), buffers + 1); // one buffer, not two
  x.dispose();
  assert.deepEqual(await read(y), [1, 2, 3, 4]);
  // A custom gradient's saved tensors go through Identity: values and gradient unchanged.
  const f = tf.customGrad((a, save) => {
    (save as tf.GradSaveFunc)([a as tf.Tensor]);
    return { value: tf.square(a as tf.Tensor), gradFunc: (dy, [s]) => tf.mul(dy, tf.mul(s, 2)) };
  });
  const g = tf.grad((a) => f(a) as tf.Tensor)(y);
  assert.deepEqual(await read(g), [2, 4, 6, 8]);
  tf.dispose([y, g]);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(tf.backend().numDataIds(), buffers);
});

Deno.test("wasm GatherV2 (row copies on axis 0) equals a plain-JS reference; other gathers too", async () => {
  await useBackend("wasm");
  // tf.gather below runs our kernel, not tfjs's (whose results are the same).
  assert.equal(tf.getKernel("GatherV2", "wasm")?.kernelFunc.name, "gatherV2Rows");
  const before = tf.memory().numTensors;
  const table = Array.from({ length: 6 * 2 * 3 }, (_, i) => i * 0.5 - 4);
  const x = tf.tensor3d(table, [6, 2, 3]);
  const ids = [[5, 0], [2, 2], [1, 5]];
  const rowsOf = (v: number[], width: number, rows: number[]) =>
    rows.flatMap((r) => v.slice(r * width, (r + 1) * width));
  const index = (v: number[]) => tf.tensor1d(v, "int32");
  const idx = [tf.tensor2d(ids, [3, 2], "int32"), index([4, 1]), index([2, 0]), index([0, 6])];
  const got = tf.gather(x, idx[0]);
  assert.deepEqual(got.shape, [3, 2, 2, 3]);
  assert.deepEqual(await read(got), rowsOf(table, 6, ids.flat()));
  const neg = tf.gather(x, idx[1], -3); // axis −3 is axis 0
  assert.deepEqual(await read(neg), rowsOf(table, 6, [4, 1]));
  const intTable = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32");
  const ints = tf.gather(intTable, idx[2]);
  assert.equal(ints.dtype, "int32");
  assert.deepEqual(Array.from(await ints.data()), [5, 6, 1, 2]);
  // Another axis goes to tfjs's own kernel.
  const floatTable = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const cols = tf.gather(floatTable, idx[2], 1);
  assert.deepEqual(await read(cols), [3, 1, 6, 4]);
  const buffers = tf.backend().numDataIds();
  assert.throws(() => tf.gather(x, idx[3]), /GatherV2: the index value 6 is not in \[0, 5\]/);
  assert.equal(tf.backend().numDataIds(), buffers); // the output of the failed gather is freed
  tf.dispose([x, got, neg, ints, cols, intTable, floatTable, ...idx]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("wasm GatherV2: axis 0 copies rows itself; another axis or batchDims goes to the fallback", async () => {
  await useBackend("wasm");
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
  const indices = tf.tensor1d([2, 0], "int32");
  let calls = 0;
  const marker = tf.tensor1d([-1]);
  const fallback: tf.KernelFunc = () => {
    calls++;
    return tf.clone(marker);
  };
  const kernel = gatherRows(fallback);
  const run = (attrs: tf.NamedAttrMap) => {
    const info = kernel({ inputs: { x, indices }, backend: tf.backend(), attrs });
    return tf.engine().makeTensorFromTensorInfo(info);
  };
  const rows = run({ axis: 0, batchDims: 0 });
  assert.equal(calls, 0);
  assert.deepEqual(await read(rows), [5, 6, 1, 2]);
  const cols = run({ axis: 1, batchDims: 0 });
  const batched = run({ axis: 0, batchDims: 1 });
  assert.equal(calls, 2);
  assert.deepEqual(await read(cols), [-1]);
  tf.dispose([x, indices, rows, cols, batched, marker]);
});
