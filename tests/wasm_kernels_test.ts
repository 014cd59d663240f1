import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Rng } from "../lib/util/rng.ts";
import { read, useBackend } from "./_util.ts";
import { heapOffset, heapView, unsigned, type WasmBackendLike } from "../lib/ops/wasm_kernels.ts";

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
