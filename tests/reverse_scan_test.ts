import * as tf from "@tensorflow/tfjs";
import {
  defaultScanImpl,
  reverseScan,
  reverseScanVarying,
  scanImplsFor,
  VARYING_SCAN_IMPLS,
} from "../lib/ops/reverse_scan.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, BACKENDS, read, referenceReverseScan, useBackend } from "./_util.ts";
import assert from "node:assert/strict";

function random(n: number, rng: Rng, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

const cases: { t: number; b: number; s: number; lambda: string }[] = [
  { t: 1, b: 2, s: 3, lambda: "random" },
  { t: 3, b: 2, s: 5, lambda: "random" },
  { t: 17, b: 3, s: 4, lambda: "random" },
  { t: 64, b: 2, s: 6, lambda: "linspace" },
  { t: 1000, b: 2, s: 3, lambda: "ones" },
  { t: 1000, b: 2, s: 3, lambda: "zeros" },
  { t: 1000, b: 1, s: 8, lambda: "linspace" },
  { t: 33, b: 2, s: 4, lambda: "negative" },
];

for (const backend of BACKENDS) {
  Deno.test(`reverseScan: every impl equals the plain loop (${backend})`, async () => {
    await useBackend(backend);
    const rng = new Rng(7);
    for (const c of cases) {
      const e = random(c.t * c.b * c.s, rng);
      const lambda = c.lambda === "ones"
        ? new Float32Array(c.s).fill(1)
        : c.lambda === "zeros"
        ? new Float32Array(c.s)
        : c.lambda === "linspace"
        ? Float32Array.from({ length: c.s }, (_, i) => i / (c.s - 1))
        : c.lambda === "negative"
        ? random(c.s, rng, -1, 0)
        : random(c.s, rng, 0, 1);
      const expected = referenceReverseScan(e, [c.t, c.b, c.s], lambda);
      for (const impl of scanImplsFor()) {
        const before = tf.memory().numTensors;
        const et = tf.tensor3d(e, [c.t, c.b, c.s]);
        const lt = tf.tensor1d(lambda);
        const out = reverseScan(et, lt, { impl });
        assert.deepEqual(out.shape, [c.t, c.b, c.s]);
        // λ = 1 over T = 1000 sums 1000 terms: float32 summation error grows like √T.
        const tol = c.lambda === "ones" ? 2e-5 : 1e-5;
        assertClose(await read(out), expected, `${impl} T=${c.t} λ=${c.lambda}`, tol);
        tf.dispose([et, lt, out]);
        assert.equal(tf.memory().numTensors, before, `${impl} leaks tensors`);
      }
    }
  });
}

Deno.test("reverseScan: rejects a feedback of the wrong length and an unknown impl", async () => {
  await useBackend("cpu");
  const e = tf.zeros([4, 2, 3]) as tf.Tensor3D;
  assert.throws(() => reverseScan(e, tf.zeros([4]) as tf.Tensor1D), /feedback must be \[3\]/);
  assert.throws(
    () => reverseScan(e, tf.zeros([3]) as tf.Tensor1D, { impl: "magic" as never }),
    /unknown impl/,
  );
});

/** The plain loop δ_t = e_t + a_{t+1} δ_{t+1}, in float64. */
function referenceVarying(e: Float32Array, a: Float32Array, [t, b, s]: number[]): number[] {
  const out = new Array<number>(t * b * s).fill(0);
  for (let j = 0; j < b * s; j++) {
    let d = 0;
    for (let i = t - 1; i >= 0; i--) {
      d = e[i * b * s + j] + (i + 1 < t ? a[(i + 1) * b * s + j] * d : 0);
      out[i * b * s + j] = d;
    }
  }
  return out;
}

for (const backend of BACKENDS) {
  Deno.test(`reverseScanVarying: equals the plain loop, and reverseScan for a constant a (${backend})`, async () => {
    await useBackend(backend);
    const rng = new Rng(11);
    for (const [t, b, s] of [[1, 2, 3], [2, 1, 2], [5, 2, 3], [37, 3, 4], [300, 2, 5]]) {
      const e = random(t * b * s, rng);
      const a = random(t * b * s, rng, -1, 1);
      const expected = referenceVarying(e, a, [t, b, s]);
      const lambda = random(s, rng, 0, 1);
      const constant = Float32Array.from({ length: t * b * s }, (_, i) => lambda[i % s]);
      for (const impl of VARYING_SCAN_IMPLS.filter((i) => scanImplsFor().includes(i))) {
        const before = tf.memory().numTensors;
        const et = tf.tensor3d(e, [t, b, s]);
        const at = tf.tensor3d(a, [t, b, s]);
        const out = reverseScanVarying(et, at, { impl });
        assertClose(await read(out), expected, `${impl} T=${t}`, 1e-5);
        const ct = tf.tensor3d(constant, [t, b, s]);
        const lt = tf.tensor1d(lambda);
        const viaVarying = reverseScanVarying(et, ct, { impl });
        const viaStationary = reverseScan(et, lt, { impl: "sequential" });
        assertClose(await read(viaVarying), await read(viaStationary), `${impl} constant`, 1e-5);
        tf.dispose([et, at, out, ct, lt, viaVarying, viaStationary]);
        assert.equal(tf.memory().numTensors, before, `${impl} leaks tensors`);
      }
    }
  });
}

Deno.test("reverseScanVarying: rejects mismatched shapes and the FFT", async () => {
  await useBackend("cpu");
  const e = tf.zeros([4, 2, 3]) as tf.Tensor3D;
  assert.throws(
    () => reverseScanVarying(e, tf.zeros([4, 2, 2]) as tf.Tensor3D),
    /both be \[T, B, S\]/,
  );
  assert.throws(
    () => reverseScanVarying(e, tf.zeros([4, 2, 3]) as tf.Tensor3D, { impl: "fft" }),
    /not available/,
  );
});

Deno.test("reverseScan: the wasm kernel equals the sequential loop bit for bit, stationary and varying", async () => {
  await useBackend("wasm");
  const rng = new Rng(23);
  for (const [t, b, s] of [[1, 1, 1], [2, 3, 5], [64, 4, 8], [513, 2, 7]]) {
    const before = tf.memory().numTensors;
    const e = tf.tensor3d(random(t * b * s, rng), [t, b, s]);
    const lambda = tf.tensor1d(random(s, rng, -1.05, 1.05));
    const a = tf.tensor3d(random(t * b * s, rng, -1, 1), [t, b, s]);
    const outs = [
      reverseScan(e, lambda, { impl: "wasm" }),
      reverseScan(e, lambda, { impl: "sequential" }),
      reverseScanVarying(e, a, { impl: "wasm" }),
      reverseScanVarying(e, a, { impl: "sequential" }),
    ];
    const [w, q, wv, qv] = await Promise.all(outs.map(read));
    assert.deepEqual(w, q, `stationary T=${t} B=${b} S=${s}`);
    assert.deepEqual(wv, qv, `varying T=${t} B=${b} S=${s}`);
    // And both against the float64 loop.
    const [ev, lv, av] = await Promise.all([e, lambda, a].map(read));
    assertClose(
      w,
      referenceReverseScan(Float32Array.from(ev), [t, b, s], Float32Array.from(lv)),
      "vs float64",
      1e-5,
    );
    assertClose(
      wv,
      referenceVarying(Float32Array.from(ev), Float32Array.from(av), [t, b, s]),
      "varying vs float64",
      1e-5,
    );
    tf.dispose([e, lambda, a, ...outs]);
    assert.equal(tf.memory().numTensors, before, "the wasm kernel leaks tensors");
  }
});

Deno.test("reverseScan: the wasm kernel runs on wasm only; each backend's default", async () => {
  assert.deepEqual(scanImplsFor("cpu"), ["sequential", "scan", "fft"]);
  assert.deepEqual(scanImplsFor("wasm"), ["sequential", "scan", "fft", "wasm"]);
  assert.deepEqual(scanImplsFor("webgpu"), ["sequential", "scan", "fft", "webgpu"]);
  assert.equal(defaultScanImpl("wasm"), "wasm");
  assert.equal(defaultScanImpl("webgpu"), "webgpu");
  assert.equal(defaultScanImpl("cpu"), "scan");
  assert.equal(defaultScanImpl("cpu", { varying: true }), "sequential");
  assert.equal(defaultScanImpl("webgpu", { varying: true }), "scan");
  await useBackend("cpu");
  const e = tf.zeros([3, 1, 2]) as tf.Tensor3D;
  assert.throws(
    () => reverseScan(e, tf.ones([2]) as tf.Tensor1D, { impl: "wasm" }),
    /wasm backend only/,
  );
  e.dispose();
});
