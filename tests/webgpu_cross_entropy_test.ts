/**
 * The cross-entropy on WebGPU in two kernels (lib/ops/webgpu_cross_entropy.ts, used by
 * crossEntropySum and crossEntropyGrad there): value and gradient equal a float64 reference,
 * with and without a gradient recorded, for row lengths from 1 to the PTB vocabulary and logits
 * spanning 400 (e^−400 below float32's range); no tensor leaks; fewer dispatches than tf ops.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { DispatchTracker } from "../lib/bench/dispatch.ts";
import { crossEntropyGrad, crossEntropySum } from "../lib/models/cross_entropy.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, crossEntropyCase, read, webgpuAvailable } from "./_util.ts";

Deno.test("crossEntropySum on webgpu: value and gradient equal a float64 reference", async () => {
  if (!(await webgpuAvailable("webgpu_cross_entropy_test"))) return;
  const rng = new Rng(11);
  const before = tf.memory().numTensors;
  for (const [n, v] of [[1, 1], [3, 17], [64, 1000], [5, 10002], [3, 400]]) {
    const { want, wantGrad, z, t, g, plain } = crossEntropyCase(rng, n, v);
    const direct = crossEntropyGrad(z, t);
    const what = `[${n}, ${v}]`;
    assertClose(await read(g.value), [0.7 * want], `CE value ${what}`, 1e-5);
    assertClose(await read(plain), [want], `CE value, no gradient ${what}`, 1e-5);
    assertClose(await read(g.grads[z.name]), wantGrad, `CE grad ${what}`, 1e-5);
    assertClose(await read(direct), wantGrad.map((x) => x / 0.7), `crossEntropyGrad ${what}`, 1e-5);
    tf.dispose([z, t, g.value, plain, direct, ...Object.values(g.grads)]);
  }
  assert.equal(tf.memory().numTensors, before, "the webgpu path leaked tensors");
  // Forward and backward of one loss: a few dispatches.
  const z = tf.variable(tf.randomNormal([8, 50]));
  const t = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8], "int32");
  const tracker = new DispatchTracker();
  tracker.start();
  const g = tf.variableGrads(() => crossEntropySum(z as unknown as tf.Tensor2D, t), [z]);
  tracker.stop();
  assert.ok(
    tracker.kernels <= 8,
    `webgpu: ${tracker.kernels} kernels for the loss and its gradient`,
  );
  tf.dispose([z, t, g.value, ...Object.values(g.grads)]);
});
