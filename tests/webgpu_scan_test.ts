import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { REVERSE_SCAN_KERNEL, webgpuReverseScan } from "../lib/ops/webgpu_scan.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, referenceReverseScan, useBackend } from "./_util.ts";

/** Starts webgpu on any adapter; false (with a printed note) where there is none. */
async function webgpuAvailable(): Promise<boolean> {
  try {
    await useBackend("webgpu");
    return true;
  } catch (err) {
    console.log(`webgpu_scan_test: skipped, no WebGPU here (${(err as Error).message})`);
    return false;
  }
}

Deno.test("webgpuReverseScan equals the plain loop (1e-5 relative)", async () => {
  if (!(await webgpuAvailable())) return;
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
    const lambda = Float32Array.from(
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
    const eT = tf.tensor3d(e, [t, b, s]);
    const lT = tf.tensor1d(lambda);
    const out = webgpuReverseScan(eT, lT);
    assert.deepEqual(out.shape, [t, b, s]);
    assertClose(
      await read(out),
      referenceReverseScan(e, [t, b, s], lambda),
      `δ [${t},${b},${s}] ${kind}`,
    );
    tf.dispose([eT, lT, out]);
  }
});

Deno.test("webgpuReverseScan is one kernel and frees its memory", async () => {
  if (!(await webgpuAvailable())) return;
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
  if (await webgpuAvailable()) {
    const bad = tf.zeros([5]) as tf.Tensor1D;
    assert.throws(() => webgpuReverseScan(e, bad), /feedback must be \[4\]/);
    bad.dispose();
  }
  tf.dispose([e, lambda]);
});
