/**
 * The GRU's local backward as one wasm kernel (`DsfGruGateGrads`, lib/ops/wasm_gru_grads.ts):
 * it runs in the DSF and FT-BPTT backward on wasm, and its gradients equal the tf-ops route's
 * bit for bit (the same float32 roundings in the same order), for the kernel alone and for a
 * whole layer's weight and input gradients.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { createCell } from "../lib/cells/mod.ts";
import {
  GRU_GATE_GRADS_KERNEL,
  setGruGateGradsKernel,
  wasmGruGateGrads,
} from "../lib/ops/wasm_gru_grads.ts";
import { setSimdKernels } from "../lib/ops/wasm_simd.ts";
import { type GradientMode, Recurrent } from "../lib/recurrent.ts";
import { Rng } from "../lib/util/rng.ts";
import { read, useBackend } from "./_util.ts";

function uniform(
  shape: [number, number, number],
  rng: Rng,
  low: number,
  high: number,
): tf.Tensor3D {
  const n = shape[0] * shape[1] * shape[2];
  return tf.tensor3d(Float32Array.from({ length: n }, () => rng.uniform(low, high)), shape);
}

Deno.test("wasm GRU gate-gradient kernel equals the tf-ops formulas bit for bit", async () => {
  await useBackend("wasm");
  const rng = new Rng(3);
  // D = 3 and 5 take the JS loop; multiples of 4 the SIMD loop, or the JS loop without SIMD.
  const cases: [number, number, number, boolean][] = [
    [1, 2, 3, true],
    [4, 2, 5, true],
    [5, 3, 8, true],
    [7, 4, 256, true],
    [7, 4, 256, false],
  ];
  for (const [t, b, d, simd] of cases) {
    const shape: [number, number, number] = [t, b, d];
    const delta = uniform(shape, rng, -2, 2);
    const states = uniform(shape, rng, -1, 1);
    const r = uniform(shape, rng, 0, 1);
    const z = uniform(shape, rng, 0, 1);
    const n = uniform(shape, rng, -1, 1);
    const hn = uniform(shape, rng, -3, 3);
    const before = tf.memory().numTensors;
    setSimdKernels(simd);
    const out = wasmGruGateGrads({ delta, states, r, z, n, hn });
    setSimdKernels(true);
    assert.equal(tf.memory().numTensors, before + 3);
    // The reference, written from the equations with tfjs ops on the same backend.
    const ref = tf.tidy(() => {
      const flat = (a: tf.Tensor) => tf.reshape(a, [t * b, d]);
      const hPrev = flat(tf.concat([tf.zeros([1, b, d]), tf.slice(states, 0, t - 1)], 0));
      const [dl, rr, zz, nn, hh] = [delta, r, z, n, hn].map(flat);
      const dn = tf.mul(tf.mul(dl, tf.sub(1, zz)), tf.sub(1, tf.square(nn)));
      const dz = tf.mul(tf.mul(dl, tf.sub(hPrev, nn)), tf.mul(zz, tf.sub(1, zz)));
      const dr = tf.mul(tf.mul(dn, hh), tf.mul(rr, tf.sub(1, rr)));
      return [
        tf.concat([dr, dz, dn], 1),
        tf.concat([dr, dz, tf.mul(dn, rr)], 1),
        hPrev,
      ];
    });
    const what = `T=${t} B=${b} D=${d}${simd ? "" : " (no SIMD)"}`;
    assert.deepEqual(out.gx.shape, [t * b, 3 * d], what);
    assert.deepEqual(out.gh.shape, [t * b, 3 * d], what);
    assert.deepEqual(out.hPrev.shape, [t * b, d], what);
    assert.deepEqual(await out.gx.data(), await ref[0].data(), `${what}: G_x`);
    assert.deepEqual(await out.gh.data(), await ref[1].data(), `${what}: G_h`);
    assert.deepEqual(await out.hPrev.data(), await ref[2].data(), `${what}: h_{t−1}`);
    tf.dispose([delta, states, r, z, n, hn, out.gx, out.gh, out.hPrev, ...ref]);
  }
});

Deno.test("wasm GRU gate-gradient kernel: a layer's gradients equal the tf-ops route's", async () => {
  await useBackend("wasm");
  const rng = new Rng(9);
  for (const mode of ["dsf", "ft-bptt"] as GradientMode[]) {
    const [b, t, e, d] = [3, 9, 5, 16];
    const cell = createCell("gru", { input: e, hidden: d }, { seed: 2 });
    const layer = new Recurrent(cell, { mode, feedback: { init: "linspace" } });
    const x = uniform([b, t, e], rng, -1, 1);
    const og = uniform([b, t, d], rng, -1, 1);
    const run = async (on: boolean) => {
      setGruGateGradsKernel(on);
      try {
        const weights = Object.values(layer.params);
        const xv = tf.variable(x);
        const profiled = await tf.profile(() => {
          const { value, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(layer.apply(xv as tf.Tensor3D), og)) as tf.Scalar,
            [xv, ...weights],
          );
          value.dispose();
          return [grads[xv.name], ...weights.map((w) => grads[w.name])];
        });
        const grads = profiled.result as unknown as tf.Tensor[];
        const values = await Promise.all(grads.map(read));
        tf.dispose([xv, ...grads]);
        return { values, ran: profiled.kernelNames.includes(GRU_GATE_GRADS_KERNEL) };
      } finally {
        setGruGateGradsKernel(true);
      }
    };
    const fused = await run(true);
    const plain = await run(false);
    assert.ok(fused.ran, `${mode}: ${GRU_GATE_GRADS_KERNEL} ran`);
    assert.ok(!plain.ran, `${mode}: switched off, the tf-ops route ran`);
    assert.deepEqual(fused.values, plain.values, `${mode}: gradients of x and the weights`);
    tf.dispose([x, og]);
    tf.dispose(Object.values(cell.params));
  }
});
