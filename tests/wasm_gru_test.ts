/**
 * The GRU forward as one wasm kernel (`DsfGruForward`, lib/native/wasm_gru.ts: BLAS products
 * and the SIMD gates of lib/ops/wasm_simd.wat): it runs where the native BLAS is on and D is a
 * multiple of 4, saves what the tf-ops forward saves, and the layer's states and gradients
 * equal autodiff through the unrolled cell, in every mode. (Without a BLAS, as in CI's
 * BLAS-off leg, the same checks run on the tf-ops forward.)
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { createCell } from "../lib/cells/mod.ts";
import { GRU_FORWARD } from "../lib/native/wasm_gru.ts";
import { blasMatMul } from "../lib/native/wasm_matmul.ts";
import { setSimdKernels } from "../lib/ops/wasm_simd.ts";
import { type GradientMode, Recurrent } from "../lib/recurrent.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";

function randomTensor(shape: number[], rng: Rng, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => scale * rng.normal()), shape);
}

/** States and gradients of Σ layer(x) ⊙ og w.r.t. x and the weights. */
async function gradsOf(layer: Recurrent, x: tf.Tensor3D, og: tf.Tensor): Promise<number[][]> {
  const xv = tf.variable(x);
  const weights = Object.values(layer.params);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(layer.apply(xv as tf.Tensor3D), og)) as tf.Scalar,
    [xv, ...weights],
  );
  const states = tf.tidy(() => layer.apply(x, { training: false }));
  const out = [await read(states), await read(grads[xv.name])];
  for (const w of weights) out.push(await read(grads[w.name]));
  tf.dispose([value, xv, states, ...Object.values(grads)]);
  return out;
}

// [B, T, E, D]: D = 8, 12 (not a multiple of 16), 256 (the bench's width).
const SHAPES: [number, number, number, number][] = [[2, 6, 3, 8], [3, 5, 4, 12], [4, 3, 7, 256]];

Deno.test("wasm GRU forward kernel: runs with BLAS and saves what tf-ops saves", async () => {
  await useBackend("wasm");
  const native = blasMatMul() !== undefined;
  const rng = new Rng(5);
  for (const [b, t, e, d] of SHAPES) {
    const cell = createCell("gru", { input: e, hidden: d }, { seed: 7 });
    // Inputs up to ±30 saturate σ and tanh: both paths must stay finite and agree.
    for (const scale of [1, 30]) {
      const x = randomTensor([t, b, e], rng, scale) as tf.Tensor3D;
      const weights = Object.values(cell.params);
      const simd = await tf.profile(() => cell.fused!.forward(x, weights, { keep: true }));
      assert.equal(simd.kernelNames.includes(GRU_FORWARD), native, `D=${d}: ${GRU_FORWARD} ran?`);
      const a = simd.result as unknown as { states: tf.Tensor; saved: tf.Tensor[] };
      setSimdKernels(false);
      const plain = await tf.profile(() => cell.fused!.forward(x, weights, { keep: true }));
      setSimdKernels(true);
      assert.ok(!plain.kernelNames.includes(GRU_FORWARD));
      const b2 = plain.result as unknown as { states: tf.Tensor; saved: tf.Tensor[] };
      const what = `B=${b} T=${t} D=${d} ×${scale}`;
      const states = await read(a.states);
      assert.ok(states.every(Number.isFinite), `${what}: non-finite states`);
      assertClose(states, await read(b2.states), `${what} states`);
      assert.equal(a.saved.length, b2.saved.length);
      for (let i = 0; i < a.saved.length; i++) {
        assert.deepEqual(a.saved[i].shape, b2.saved[i].shape);
        assertClose(await read(a.saved[i]), await read(b2.saved[i]), `${what} saved[${i}]`);
      }
      tf.dispose([x, a.states, ...a.saved, b2.states, ...b2.saved]);
    }
    tf.dispose(Object.values(cell.params));
  }
});

Deno.test("wasm GRU forward kernel: states and gradients equal the unrolled cell's", async () => {
  await useBackend("wasm");
  const rng = new Rng(6);
  const modes: GradientMode[] = ["bptt", "ft-bptt", "dsf"];
  for (const [b, t, e, d] of SHAPES) {
    for (const mode of modes) {
      const cell = () => createCell("gru", { input: e, hidden: d }, { seed: 3 });
      const fused = new Recurrent(cell(), { mode });
      const naive = new Recurrent(cell(), { mode, fused: false });
      const x = randomTensor([b, t, e], rng) as tf.Tensor3D;
      const og = randomTensor([b, t, d], rng);
      const got = await gradsOf(fused, x, og);
      const want = await gradsOf(naive, x, og);
      const names = ["states", "dx", ...Object.keys(fused.params).map((k) => `d${k}`)];
      got.forEach((g, i) => assertClose(g, want[i], `${mode} D=${d} ${names[i]}`, 2e-5));
      tf.dispose([x, og]);
      fused.dispose();
      naive.dispose();
    }
  }
});
