/**
 * Tests of lib/analysis/alignment.ts and lib/feedback/fitted.ts (cpu): cosine 1 for
 * BPTT against itself, DSF = BPTT on a diagonal linear cell with λ = a (and not with another λ),
 * cosines in [−1, 1] on a 2-layer GRU LM with modes restored, the fitted λ equal to the clamped
 * mean Jacobian diagonal (diagonal cell, GRU, LSTM with its 2·D state), and no tensor leaks.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { alignmentMonitor, gradientAlignment } from "../lib/analysis/alignment.ts";
import { layerJacobians } from "../lib/analysis/jacobian.ts";
import { meanDiagonal } from "../lib/analysis/jacobian_stats.ts";
import { fittedFeedback } from "../lib/feedback/fitted.ts";
import { recurrentInputs } from "../lib/feedback/recurrent_activity.ts";
import type { Cell } from "../lib/cells/mod.ts";
import { makeConfig } from "../lib/config/schema.ts";
import type { Batch } from "../lib/data/batches.ts";
import { createModel } from "../lib/models/mod.ts";
import { Recurrent } from "../lib/recurrent.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";
import { batchTensors } from "../lib/train/step.ts";

const [B, T, V, E] = [3, 7, 9, 3];
const A = [0.9, 0.5, -0.3, 0.99, 1.2];

/** h_t = a ⊙ h_{t−1} + W x_t: J_t = diag(a) exactly, for every t. */
function diagonalCell(): Cell {
  const rng = new Rng(3);
  const w = Float32Array.from({ length: A.length * E }, () => rng.normal());
  return {
    kind: "diagonal-linear",
    inputSize: E,
    stateSize: A.length,
    params: { a: tf.variable(tf.tensor1d(A)), w: tf.variable(tf.tensor2d(w, [A.length, E])) },
    step: (x, h, [a, wt]) => tf.add(tf.mul(h, a), tf.matMul(x, wt, false, true)),
  };
}

/** Embedding → one recurrent layer of the diagonal cell → linear head. */
function toyModel(layer: Recurrent) {
  const rng = new Rng(4);
  const table = tf.variable(
    tf.tensor2d(Float32Array.from({ length: V * E }, () => rng.normal()), [V, E]),
  );
  const head = tf.variable(
    tf.tensor2d(Float32Array.from({ length: A.length * V }, () => rng.normal()), [A.length, V]),
  );
  const features = (ids: tf.Tensor2D, opts?: { training?: boolean }) =>
    tf.tidy(() => {
      const x = tf.gather(table, tf.transpose(ids)) as tf.Tensor as tf.Tensor3D; // [T, B, E]
      return tf.transpose(layer.applyTimeMajor(x, opts), [1, 0, 2]) as tf.Tensor3D;
    });
  return {
    params: { table, head, ...Object.fromEntries(Object.entries(layer.params)) },
    features,
    loss(ids: tf.Tensor2D, targets: tf.Tensor1D, rows: Int32Array, opts?: { training?: boolean }) {
      return tf.tidy(() => {
        const f = tf.reshape(features(ids, opts), [-1, A.length]);
        const logits = tf.gather(tf.matMul(f, head), tf.tensor1d(rows, "int32"));
        const y = tf.oneHot(tf.gather(targets, tf.tensor1d(rows, "int32")), V);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      });
    },
    recurrentLayers: () => [layer],
    dispose() {
      tf.dispose([table, head]);
      layer.dispose();
    },
  };
}

function randomBatch(seed: number, b = B, t = T): Batch {
  const rng = new Rng(seed);
  const x = Int32Array.from({ length: b * t }, () => rng.int(V));
  const y = Int32Array.from({ length: b * t }, () => rng.int(V));
  const mask = Float32Array.from({ length: b * t }, (_, i) => (i % t === 0 ? 0 : 1));
  return {
    x,
    y,
    mask,
    B: b,
    T: t,
    count: mask.reduce((a, v) => a + v, 0),
    indices: Int32Array.from({ length: b }, (_, i) => i),
    position: { epoch: 0, index: 0 },
    next: { epoch: 0, index: 1 },
  };
}

Deno.test("alignment: BPTT with itself is 1; DSF with λ = a is exact on a diagonal cell", async () => {
  await useBackend("cpu");
  const model = toyModel(new Recurrent(diagonalCell(), { mode: "dsf", feedback: A }));
  const before = tf.memory().numTensors;
  const a = await gradientAlignment(model, randomBatch(1), { modes: ["bptt", "dsf", "ft-bptt"] });
  assert.equal(tf.memory().numTensors, before, "no leak");
  assert.equal(model.recurrentLayers()[0].mode, "dsf", "mode restored");
  for (const c of [a.layers[0], a.recurrent, a.all]) {
    assert.ok(Math.abs(c.bptt! - 1) < 1e-6, `bptt ${c.bptt}`);
    assert.ok(Math.abs(c.dsf! - 1) < 1e-5, `dsf ${c.dsf}`);
    assert.ok(c["ft-bptt"]! < 0.999, `ft ${c["ft-bptt"]}`); // truncation loses something
  }
  assert.ok(Math.abs(a.norms.dsf! - a.norms.bptt!) < 1e-4 * a.norms.bptt!);
  // Per parameter and in sign: BPTT with itself agrees everywhere; FT-BPTT's sign agreement is
  // the share counted by hand over the recurrent weights (a, w).
  for (const [n, c] of Object.entries(a.params)) assert.ok(Math.abs(c.bptt! - 1) < 1e-6, n);
  assert.equal(a.signAgreement.bptt, 1);
  const layer = model.recurrentLayers()[0];
  const grads = (mode: "bptt" | "ft-bptt") => {
    layer.setMode(mode);
    const { ids, targets, rows } = batchTensors(randomBatch(1));
    const p = model.params as Record<string, tf.Variable>;
    const vars = [p.a, p.w];
    const { value, grads } = tf.variableGrads(() => model.loss(ids, targets, rows), vars);
    const out = vars.flatMap((v) => Array.from(grads[v.name].dataSync()));
    tf.dispose([value, ids, targets, ...Object.values(grads)]);
    return out;
  };
  const [gb, gf] = [grads("bptt"), grads("ft-bptt")];
  layer.setMode("dsf");
  const counted = gb.filter((x, i) => x !== 0 && Math.sign(x) === Math.sign(gf[i])).length /
    gb.filter((x) => x !== 0).length;
  assert.ok(Math.abs(a.signAgreement["ft-bptt"]! - counted) < 1e-6, `${counted}`);
  assert.ok(counted < 1, "truncation flips some signs");
  // Another λ is not exact.
  model.recurrentLayers()[0].setFeedback([0, 0.25, 0.5, 0.75, 1]);
  const b = await gradientAlignment(model, randomBatch(1));
  assert.ok(b.recurrent.dsf! < 0.9999, `dsf with the wrong λ: ${b.recurrent.dsf}`);
  model.dispose();
});

Deno.test("alignment on a 2-layer GRU LM: cosines in [−1, 1], modes restored, monitor rows", async () => {
  await useBackend("cpu");
  const model = createModel(makeConfig({ layers: 2, hidden: 6, context: T, mode: "bptt" }), V);
  const a = await gradientAlignment(model, randomBatch(2));
  assert.equal(a.layers.length, 2);
  for (const c of [...a.layers, a.recurrent, a.all]) {
    for (const m of ["dsf", "ft-bptt"] as const) {
      assert.ok(c[m]! >= -1 && c[m]! <= 1, `${m} ${c[m]}`);
    }
  }
  assert.deepEqual(model.recurrentLayers().map((l) => l.mode), ["bptt", "bptt"]);
  const mon = alignmentMonitor({ every: 2 });
  for (let s = 1; s <= 4; s++) await mon.afterStep(s, randomBatch(s), model);
  // Steps 1, 2, 4; groups layer0, layer1, recurrent, all; modes dsf, ft-bptt.
  assert.equal(mon.rows.length, 3 * 4 * 2);
  assert.deepEqual([...new Set(mon.rows.map((r) => r.step))], [1, 2, 4]);
  model.dispose();
});

Deno.test("fitted feedback: λ = clamp(a) on a diagonal cell, non-DSF layers untouched", async () => {
  await useBackend("cpu");
  const model = toyModel(new Recurrent(diagonalCell(), { mode: "dsf" }));
  const fb = fittedFeedback({ every: 3, model });
  await fb.afterStep(2, randomBatch(1)); // not a refresh step
  assert.equal(fb.refreshes.length, 0);
  const before = tf.memory().numTensors;
  await fb.afterStep(3, randomBatch(1));
  assert.equal(tf.memory().numTensors, before, "no leak");
  assertClose(await read(model.recurrentLayers()[0].feedback!), [0.9, 0.5, 0, 0.99, 1], "λ");
  assert.equal(fb.refreshes.length, 1);
  assert.ok(fb.refreshes[0].seconds > 0 && fb.seconds === fb.refreshes[0].seconds);
  // Momentum: half-way from the current λ to the measurement.
  model.recurrentLayers()[0].setFeedback([0, 0, 0, 0, 0]);
  const half = fittedFeedback({ model, momentum: 0.5, range: [-1, 2] });
  await half.refresh(1, randomBatch(1));
  assertClose(await read(model.recurrentLayers()[0].feedback!), A.map((v) => v / 2), "λ half");
  // A BPTT layer is left alone.
  model.recurrentLayers()[0].setMode("bptt");
  const r = await half.refresh(2, randomBatch(1));
  assert.deepEqual(r.layers, [null]);
  model.dispose();
});

Deno.test("fitted feedback moves λ to the mean Jacobian diagonal (GRU, LSTM 2·D)", async () => {
  await useBackend("cpu");
  for (const cell of ["gru", "lstm"] as const) {
    const model = createModel(makeConfig({ layers: 2, hidden: 5, context: T, cell }), V);
    const s = cell === "lstm" ? 10 : 5;
    const batch = randomBatch(5);
    // maxRows ≥ B·T: every real position is sampled.
    const fb = fittedFeedback({ maxRows: 1000, range: [-10, 10] });
    await fb.refresh(1, batch, model);
    const ids = tf.tensor2d(batch.x, [B, T], "int32");
    const inputs = recurrentInputs(model, ids);
    for (const [li, layer] of model.recurrentLayers().entries()) {
      const lambda = await read(layer.feedback!);
      assert.equal(lambda.length, s, `${cell}: λ has one entry per state channel`);
      // Reference: the mean diagonal over the real positions (t > 0 here), from layerJacobians.
      const { jacobians } = await layerJacobians(layer, inputs[li]);
      const kept = { ...jacobians, steps: T - 1, data: new Float32Array((T - 1) * B * s * s) };
      for (let b = 0; b < B; b++) {
        kept.data.set(
          jacobians.data.subarray((b * T + 1) * s * s, (b + 1) * T * s * s),
          b * (T - 1) * s * s,
        );
      }
      assertClose(lambda, meanDiagonal(kept), `${cell} layer ${li}`, 1e-4);
    }
    // Clamped to [0, 1] by default.
    await fittedFeedback({ model }).refresh(2, batch);
    for (const layer of model.recurrentLayers()) {
      assert.ok((await read(layer.feedback!)).every((v) => v >= 0 && v <= 1));
    }
    tf.dispose([ids, ...inputs]);
    model.dispose();
  }
});
