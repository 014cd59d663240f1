import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { formatProfile, profileStep } from "../lib/bench/profile.ts";
import { useBackend } from "./_util.ts";

Deno.test("profileStep groups a step's kernels by name, and frees what it returns", async () => {
  await useBackend("cpu");
  const a = tf.ones([8, 4]);
  const b = tf.ones([4, 3]);
  const before = tf.memory().numTensors;
  const profile = await profileStep(() =>
    tf.tidy(() => tf.add(tf.add(tf.matMul(a, b), 1), tf.matMul(a, b)))
  );
  assert.equal(tf.memory().numTensors, before);
  const calls = Object.fromEntries(profile.kernels.map((k) => [k.name, k.calls]));
  assert.equal(calls.BatchMatMul, 2);
  assert.equal(calls.Add, 2);
  assert.equal(profile.kernelCalls, profile.kernels.reduce((s, k) => s + k.calls, 0));
  assert.ok(profile.kernelMs <= profile.wallMs + 1e-6);
  const table = formatProfile(profile, { top: 1 });
  assert.match(table, /\| (BatchMatMul|Add) \| 2 \|/);
  assert.match(table, /other kernels/);
  assert.match(table, /outside kernels/);
  tf.dispose([a, b]);
});

Deno.test("profileStep counts a custom gradient's inner kernels once, not its scope", async () => {
  await useBackend("cpu");
  const square = tf.customGrad((x) => {
    const input = x as tf.Tensor;
    return { value: tf.mul(input, input), gradFunc: (dy) => tf.mul(dy, tf.mul(input, 2)) };
  });
  const x = tf.ones([4, 4]);
  const profile = await profileStep(() => square(x) as tf.Tensor);
  assert.deepEqual(profile.kernels.map((k) => k.name), ["Multiply"]);
  assert.ok(profile.scopes.length > 0, "the custom gradient's scope is listed as left out");
  x.dispose();
});
