// DSF's backward written out with lib's primitives — the direct gradient e, the reverse
// recurrence (13) by `reverseScan`, the local gradient Σ_t δ_t ∂h_t/∂θ with h_{t−1} held fixed by
// autodiff of one `cell.step` — equals the gradient the layer computes in mode `dsf` (what
// notebook 03 shows), on every backend.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { createCell, previousStates } from "../lib/cells/mod.ts";
import { reverseScan } from "../lib/ops/reverse_scan.ts";
import { Recurrent } from "../lib/recurrent.ts";
import { read, useBackend } from "./_util.ts";

for (const backend of ["cpu", "wasm"] as const) {
  Deno.test(`DSF by hand equals the dsf layer's gradient (${backend})`, async () => {
    await useBackend(backend);
    const [T, B, E, D] = [12, 3, 5, 8];
    const cell = createCell("gru", { input: E, hidden: D }, { seed: 1 });
    const layer = new Recurrent(cell, { mode: "dsf" });
    const x = tf.randomUniform([T, B, E], -1, 1, "float32", 2) as tf.Tensor3D; // [T, B, E]
    const target = tf.randomUniform([T, B, D], -1, 1, "float32", 3) as tf.Tensor3D;
    const lossOf = (h: tf.Tensor) => tf.mean(tf.square(tf.sub(h, target))) as tf.Scalar;
    const weights = Object.values(cell.params);
    // The layer's own DSF gradient.
    const own = tf.variableGrads(
      () => lossOf(layer.applyTimeMajor(x, { training: true })),
      weights,
    );
    // By hand.
    const h = layer.applyTimeMajor(x, { training: false }); // states [T, B, D]
    const e = tf.grad(lossOf)(h) as tf.Tensor3D; // e_t = ∂L/∂h_t, the direct gradient
    const delta = reverseScan(e, layer.feedback!); // δ_t = e_t + λ ⊙ δ_{t+1}   (13)
    const hPrev = previousStates(h); // [0, h_1, …, h_{T−1}]
    const flat = (a: tf.Tensor, w: number) => tf.reshape(a, [T * B, w]) as tf.Tensor2D;
    const byHand = tf.variableGrads(
      () =>
        tf.sum(tf.mul(cell.step(flat(x, E), flat(hPrev, D), weights), flat(delta, D))) as tf.Scalar,
      weights,
    );
    for (const w of weights) {
      const [a, b] = [await read(own.grads[w.name]), await read(byHand.grads[w.name])];
      const worst = (a as number[]).flat(3).reduce(
        (m: number, v: number, i: number) => Math.max(m, Math.abs(v - (b as number[]).flat(3)[i])),
        0,
      );
      assert.ok(worst < 1e-5, `${w.name}: max |own − by hand| = ${worst}`);
    }
    tf.dispose([x, target, h, e, delta, hPrev, own.value, byHand.value]);
    tf.dispose([...Object.values(own.grads), ...Object.values(byHand.grads)]);
    layer.dispose();
  });
}
