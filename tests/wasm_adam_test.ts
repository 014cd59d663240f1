/**
 * Adam's fused wasm update (`DsfAdamUpdate`, lib/ops/wasm_adam.ts) equals the tf-ops route bit
 * for bit over several steps, with and without weight decay, for parameters of odd sizes (the
 * SIMD loop with its JS tail, and the JS loop alone); and
 * Adam on wasm uses it.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { ADAM_UPDATE_KERNEL, setAdamUpdateKernel } from "../lib/ops/wasm_adam.ts";
import { setSimdKernels } from "../lib/ops/wasm_simd.ts";
import { Adam } from "../lib/train/adam.ts";
import { Rng } from "../lib/util/rng.ts";
import { useBackend } from "./_util.ts";

function run(fused: boolean, weightDecay: number): Float32Array[] {
  setAdamUpdateKernel(fused);
  try {
    const rng = new Rng(11);
    const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => rng.normal() * s);
    const shapes: [string, number[]][] = [["w", [7, 5]], ["b", [3]], ["e", [64, 33]]];
    const params = Object.fromEntries(
      shapes.map(([k, sh]) => [k, tf.variable(tf.tensor(rand(sh[0] * (sh[1] ?? 1), 1), sh))]),
    );
    const adam = new Adam(params, { lr: 3e-3, weightDecay, eps: 1e-8 });
    for (let step = 0; step < 4; step++) {
      const grads = Object.fromEntries(
        shapes.map(([k, sh]) => [k, tf.tensor(rand(sh[0] * (sh[1] ?? 1), 10 ** (step - 2)), sh)]),
      );
      adam.step(grads, { lr: 3e-3 * (1 - step / 8) });
      tf.dispose(Object.values(grads));
    }
    const out = Object.values(params).map((p) => p.dataSync() as Float32Array);
    adam.dispose();
    tf.dispose(Object.values(params));
    return out;
  } finally {
    setAdamUpdateKernel(true);
  }
}

Deno.test("wasm fused Adam update equals the tf-ops Adam bit for bit", async () => {
  await useBackend("wasm");
  for (const [wd, simd] of [[0, true], [1e-4, true], [1e-4, false]] as const) {
    const ops = run(false, wd);
    setSimdKernels(simd); // the SIMD loop (and its JS tail), or the JS loop alone
    const fused = run(true, wd);
    setSimdKernels(true);
    ops.forEach((a, i) => {
      const b = fused[i];
      assert.equal(a.length, b.length);
      const bits = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length);
      assert.deepEqual(bits(b), bits(a), `parameter ${i}, weight decay ${wd}, SIMD ${simd}`);
    });
  }
});

Deno.test("Adam on wasm runs the fused kernel, and leaks no tensor", async () => {
  await useBackend("wasm");
  const p = { x: tf.variable(tf.ones([5])) };
  const adam = new Adam(p, { lr: 0.1 });
  const g = { x: tf.fill([5], 2) };
  adam.step(g); // the first step registers the kernel
  const before = tf.memory().numTensors;
  const info = await tf.profile(() => adam.step(g));
  assert.deepEqual(info.kernelNames, [ADAM_UPDATE_KERNEL]);
  assert.equal(tf.memory().numTensors, before);
  adam.dispose();
  tf.dispose([p.x, g.x]);
});
