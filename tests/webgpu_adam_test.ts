/**
 * Adam's fused WebGPU update (lib/ops/webgpu_adam.ts): over several steps, with and without
 * weight decay, for parameters of odd sizes, the parameters equal the tf-ops Adam on the cpu
 * backend (float32 rounding), in fewer dispatches; no tensor leaks.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { DispatchTracker } from "../lib/bench/dispatch.ts";
import { Adam } from "../lib/train/adam.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, useBackend, webgpuAvailable } from "./_util.ts";

async function run(backend: "cpu" | "webgpu", weightDecay: number) {
  await useBackend(backend);
  const rng = new Rng(11);
  const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => rng.normal() * s);
  const shapes: [string, number[]][] = [["w", [7, 5]], ["b", [3]], ["e", [64, 33]]];
  const size = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
  const params = Object.fromEntries(
    shapes.map(([k, sh]) => [k, tf.variable(tf.tensor(rand(size(sh), 1), sh))]),
  );
  const adam = new Adam(params, { lr: 3e-3, weightDecay, eps: 1e-8 });
  const before = tf.memory().numTensors;
  let kernels = 0;
  for (let step = 0; step < 4; step++) {
    const grads = Object.fromEntries(
      shapes.map(([k, sh]) => [k, tf.tensor(rand(size(sh), 10 ** (step - 2)), sh)]),
    );
    const tracker = new DispatchTracker();
    tracker.start();
    adam.step(grads, { lr: 3e-3 * (1 - step / 8) });
    tracker.stop();
    kernels = tracker.kernels;
    tf.dispose(Object.values(grads));
  }
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  const out = await Promise.all(Object.values(params).map(async (p) => [...await p.data()]));
  adam.dispose();
  tf.dispose(Object.values(params));
  return { out, kernels };
}

Deno.test("webgpu fused Adam update equals cpu's tf-ops Adam, in fewer dispatches", async () => {
  if (!(await webgpuAvailable("webgpu_adam_test"))) return;
  for (const wd of [0, 1e-2]) {
    const cpu = await run("cpu", wd);
    const gpu = await run("webgpu", wd);
    cpu.out.forEach((p, i) => assertClose(gpu.out[i], p, `param ${i}, weight decay ${wd}`, 1e-5));
    // Three parameters: 3 × (1 kernel + 3 slices) against about 15 ops each.
    assert.ok(gpu.kernels <= 3 * 4 + 3, `webgpu: ${gpu.kernels} kernels`);
    assert.ok(cpu.kernels >= 3 * 12, `tf ops: ${cpu.kernels} kernels`);
  }
});
