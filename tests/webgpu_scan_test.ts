import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  REVERSE_SCAN_KERNEL,
  reverseScanBlellochProgram,
  SCAN_THREADS,
  WEBGPU_SCAN_KERNELS,
  webgpuReverseScan,
} from "../lib/ops/webgpu_scan.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, referenceReverseScan, useBackend, webgpuAvailable } from "./_util.ts";

/** λ for a case: random in (−1, 1), all ones, a ramp 0 … 1, or negative. */
function feedbackFor(kind: string, s: number, rng: Rng): Float32Array {
  return Float32Array.from(
    { length: s },
    (_, i) =>
      kind === "ones"
        ? 1
        : kind === "linspace"
        ? (s === 1 ? 0 : i / (s - 1))
        : kind === "negative"
        ? rng.uniform(-1, 0)
        : rng.uniform(-1, 1),
  );
}

Deno.test("webgpuReverseScan: both kernels equal the float64 loop (1e-5 relative)", async () => {
  if (!(await webgpuAvailable("webgpu_scan_test"))) return;
  const rng = new Rng(11);
  const cases: [number, number, number, string][] = [
    [1, 2, 3, "random"],
    [5, 3, 7, "random"],
    [64, 4, 70, "linspace"], // B·S = 280: several workgroups, one partly idle
    [300, 2, 5, "ones"],
    [33, 2, 4, "negative"],
  ];
  for (const [t, b, s, kind] of cases) {
    const e = Float32Array.from({ length: t * b * s }, () => rng.uniform(-1, 1));
    const lambda = feedbackFor(kind, s, rng);
    const eT = tf.tensor3d(e, [t, b, s]);
    const lT = tf.tensor1d(lambda);
    const expected = referenceReverseScan(e, [t, b, s], lambda);
    for (const kernel of WEBGPU_SCAN_KERNELS) {
      const out = webgpuReverseScan(eT, lT, { kernel });
      assert.deepEqual(out.shape, [t, b, s]);
      assertClose(await read(out), expected, `δ [${t},${b},${s}] ${kind} ${kernel}`);
      out.dispose();
    }
    tf.dispose([eT, lT]);
  }
});

Deno.test("the Blelloch kernel equals the loop kernel for T = 1 … 4096", async () => {
  if (!(await webgpuAvailable("webgpu_scan_test"))) return;
  const rng = new Rng(12);
  // Powers of two and their neighbours: idle threads, uneven last segments, up to 64 steps each.
  const lengths = [
    1,
    2,
    3,
    7,
    8,
    31,
    64,
    127,
    128,
    129,
    255,
    256,
    257,
    511,
    1000,
    1024,
    4095,
    4096,
  ];
  for (const t of lengths) {
    const [b, s] = [2, 3];
    const e = Float32Array.from({ length: t * b * s }, () => rng.uniform(-1, 1));
    // |λ| ≤ 0.999 keeps δ bounded at T = 4096, where λ = 1 would sum 4096 terms.
    const lambda = Float32Array.from([0.999, -0.9, 0.5]);
    const eT = tf.tensor3d(e, [t, b, s]);
    const lT = tf.tensor1d(lambda);
    const scanned = webgpuReverseScan(eT, lT, { kernel: "blelloch" });
    const looped = webgpuReverseScan(eT, lT, { kernel: "loop" });
    const reference = referenceReverseScan(e, [t, b, s], lambda);
    assertClose(await read(scanned), reference, `blelloch T=${t}`, 1e-4);
    assertClose(await read(scanned), await read(looped), `blelloch vs loop T=${t}`, 1e-4);
    tf.dispose([eT, lT, scanned, looped]);
  }
});

Deno.test("the Blelloch kernel stays finite where λ^T overflows but δ does not", async () => {
  if (!(await webgpuAvailable("webgpu_scan_test"))) return;
  // λ = 1.05 over T = 4096: λ^4096 ≈ e^200 overflows float32, but with e nonzero only at the
  // first steps (the last the reverse recurrence reaches) δ is small. The composed coefficients
  // of the later steps overflow and meet zero carries: Inf · 0 must not make NaN.
  const [t, b, s] = [4096, 1, 2];
  const e = new Float32Array(t * b * s);
  for (let i = 0; i < 8 * b * s; i++) e[i] = 1;
  const lambda = Float32Array.from([1.05, -1.05]);
  const eT = tf.tensor3d(e, [t, b, s]);
  const lT = tf.tensor1d(lambda);
  const reference = referenceReverseScan(e, [t, b, s], lambda);
  for (const kernel of WEBGPU_SCAN_KERNELS) {
    const out = webgpuReverseScan(eT, lT, { kernel });
    const got = await read(out);
    assert.ok(got.every(Number.isFinite), `${kernel}: a non-finite δ`);
    assertClose(got, reference, `${kernel} λ = ±1.05, T = 4096`, 1e-5);
    out.dispose();
  }
  tf.dispose([eT, lT]);
});

Deno.test("the Blelloch program's threads: the next power of two of T, at most 64", () => {
  const threads = (t: number) => reverseScanBlellochProgram([t, 1, 1]).workgroupSize[0];
  assert.deepEqual([1, 2, 3, 33, 64, 65, 4096].map(threads), [1, 2, 4, 64, 64, 64, 64]);
  assert.equal(SCAN_THREADS, 64);
  // One workgroup per (b, s) column, spread over a square past 65535 of them.
  assert.deepEqual(reverseScanBlellochProgram([4, 32, 256]).dispatch, [8192, 1, 1]);
  assert.deepEqual(reverseScanBlellochProgram([4, 256, 512]).dispatch, [363, 363, 1]);
});

Deno.test("webgpuReverseScan is one kernel and frees its memory", async () => {
  if (!(await webgpuAvailable("webgpu_scan_test"))) return;
  const e = tf.randomNormal([16, 2, 8]) as tf.Tensor3D;
  const lambda = tf.fill([8], 0.5) as tf.Tensor1D;
  const info = await tf.profile(() => webgpuReverseScan(e, lambda));
  assert.deepEqual(info.kernelNames, [REVERSE_SCAN_KERNEL]);
  (info.result as tf.Tensor).dispose();
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    webgpuReverseScan(e, lambda);
  });
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([e, lambda]);
});

Deno.test("webgpuReverseScan refuses other backends and bad shapes", async () => {
  await useBackend("cpu");
  const e = tf.zeros([3, 2, 4]) as tf.Tensor3D;
  const lambda = tf.zeros([4]) as tf.Tensor1D;
  assert.throws(() => webgpuReverseScan(e, lambda), /not webgpu/);
  if (await webgpuAvailable("webgpu_scan_test")) {
    const bad = tf.zeros([5]) as tf.Tensor1D;
    assert.throws(() => webgpuReverseScan(e, bad), /feedback must be \[4\]/);
    bad.dispose();
  }
  tf.dispose([e, lambda]);
});
