import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { clipGradNorm } from "../lib/train/clip.ts";

await tf.setBackend("cpu");

Deno.test("clipGradNorm: global norm and scaling match the closed form", () => {
  // ‖(3, 4)‖² + ‖(12)‖² = 25 + 144 = 169 → norm 13.
  const a = tf.tensor2d([[3], [4]]);
  const b = tf.tensor1d([12]);
  const before = tf.memory().numTensors;
  const { grads, norm } = clipGradNorm({ a, b }, 1.3);
  assert.ok(Math.abs(norm.dataSync()[0] - 13) < 1e-5);
  const c = 1.3 / (13 + 1e-6);
  const got = [...grads.a.dataSync(), ...grads.b.dataSync()];
  [3 * c, 4 * c, 12 * c].forEach((x, i) => assert.ok(Math.abs(got[i] - x) < 1e-6));
  assert.deepEqual(grads.a.shape, [2, 1]);
  // Inputs untouched; exactly the two outputs are new.
  assert.deepEqual(Array.from(a.dataSync()), [3, 4]);
  assert.equal(tf.memory().numTensors, before + 3);
  tf.dispose([a, b, grads.a, grads.b, norm]);
});

Deno.test("clipGradNorm: below the threshold the gradients are unchanged", () => {
  const a = tf.tensor1d([0.3, -0.4]); // norm 0.5
  const { grads, norm } = clipGradNorm({ a }, 1);
  assert.ok(Math.abs(norm.dataSync()[0] - 0.5) < 1e-6);
  norm.dispose();
  assert.deepEqual(Array.from(grads.a.dataSync()), Array.from(a.dataSync()));
  assert.notEqual(grads.a, a);
  grads.a.dispose();
  assert.ok(!a.isDisposed);
  a.dispose();
});

Deno.test("clipGradNorm: bad maxNorm", () => {
  assert.throws(() => clipGradNorm({}, 0), /"maxNorm"/);
});
