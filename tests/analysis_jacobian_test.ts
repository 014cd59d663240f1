/**
 * Tests of lib/analysis/jacobian.ts (cpu): the Jacobians against the vanilla cell's hand-derived
 * J = diag(1 − h_t²)·W_hh and against central finite differences (GRU, LSTM), the matrix
 * summaries against closed forms, eq. 11 against autodiff, and the model input capture.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  jacobianAt,
  jacobianProbe,
  type Jacobians,
  layerJacobians,
  modelJacobians,
} from "../lib/analysis/jacobian.ts";
import {
  diagonalShare,
  jacobianStatRows,
  jacobianSummary,
  meanDiagonal,
  meanStats,
  spectralRadius,
  stationarity,
  topSingularValue,
} from "../lib/analysis/jacobian_stats.ts";
import {
  bpttAsLinearSystem,
  checkBpttLinearSystem,
  verifyBpttLinearSystem,
} from "../lib/analysis/bptt_linear_system.ts";
import { recurrentInputs } from "../lib/feedback/recurrent_activity.ts";
import { type Cell, createCell } from "../lib/cells/mod.ts";
import { makeConfig } from "../lib/config/schema.ts";
import { createModel } from "../lib/models/mod.ts";
import { Recurrent } from "../lib/recurrent.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

Deno.test("vanilla cell: J_t = diag(1 − h_t²)·W_hh", async () => {
  await useBackend("cpu");
  const [B, T, E, D] = [2, 5, 3, 4];
  const layer = new Recurrent(createCell("rnn", { input: E, hidden: D }, { seed: 1 }), {
    mode: "bptt",
  });
  const x = randomTensor([B, T, E], 2) as tf.Tensor3D;
  const { jacobians, states } = await layerJacobians(layer, x);
  const whh = await read(layer.params.weight_hh);
  assert.deepEqual([jacobians.batch, jacobians.steps, jacobians.size], [B, T, D]);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const h = states.subarray((b * T + t) * D, (b * T + t + 1) * D);
      const expected = Array.from({ length: D * D }, (_, q) => {
        const i = Math.floor(q / D);
        return (1 - h[i] * h[i]) * whh[q];
      });
      assertClose(jacobianAt(jacobians, t, b), expected, `J[b=${b}, t=${t}]`);
    }
  }
  // Selected rows only.
  const one = await layerJacobians(layer, x, { rows: [1], chunkRows: 8 });
  assertClose(one.jacobians.data, jacobians.data.subarray(T * D * D), "rows: [1]");
  x.dispose();
  layer.dispose();
});

Deno.test("GRU and LSTM Jacobians equal central finite differences", async () => {
  await useBackend("cpu");
  const [T, E, D] = [4, 3, 3];
  for (const kind of ["gru", "lstm"] as const) {
    const layer = new Recurrent(createCell(kind, { input: E, hidden: D }, { seed: 4 }));
    const s = layer.cell.stateSize;
    const x = randomTensor([1, T, E], 5) as tf.Tensor3D;
    const { jacobians, states } = await layerJacobians(layer, x);
    assert.equal(jacobians.size, kind === "lstm" ? 2 * D : D);
    const weights = Object.values(layer.cell.params) as tf.Tensor[];
    const xs = await read(x);
    const eps = 1e-2;
    for (let t = 1; t < T; t++) {
      const hPrev = Array.from(states.subarray((t - 1) * s, t * s));
      const xt = tf.tensor2d(xs.slice(t * E, (t + 1) * E), [1, E]);
      const fd = new Float64Array(s * s);
      for (let j = 0; j < s; j++) {
        const at = async (delta: number) => {
          const h = hPrev.slice();
          h[j] += delta;
          const out = layer.cell.step(xt, tf.tensor2d(h, [1, s]), weights);
          const v = await read(out);
          out.dispose();
          return v;
        };
        const [up, down] = [await at(eps), await at(-eps)];
        for (let i = 0; i < s; i++) fd[i * s + j] = (up[i] - down[i]) / (2 * eps);
      }
      assertClose(jacobianAt(jacobians, t), fd, `${kind} J_${t + 1}`, 2e-3);
      xt.dispose();
    }
    x.dispose();
    layer.dispose();
  }
});

Deno.test("matrix summaries match closed forms", () => {
  // A = [[3, 0], [4, 5]]: AᵀA has eigenvalues 45 and 5.
  assert.ok(Math.abs(topSingularValue([3, 0, 4, 5], 2) - Math.sqrt(45)) < 1e-9);
  // 0.8 × a rotation: complex eigenvalues of modulus 0.8.
  const c = 0.8 * Math.cos(1), s = 0.8 * Math.sin(1);
  assert.ok(Math.abs(spectralRadius([c, -s, s, c], 2) - 0.8) < 1e-6);
  // Non-normal triangular matrix: eigenvalues on the diagonal.
  assert.ok(Math.abs(spectralRadius([0.5, 1, 0, 0.9], 2) - 0.9) < 1e-2);
  assert.equal(diagonalShare([2, 0, 0, -1], 2), 1);
  assert.ok(Math.abs(diagonalShare([1, 1, 1, 1], 2) - Math.SQRT1_2) < 1e-12);
  // A constant diagonal J: stationary, mean diagonal = the diagonal.
  const j: Jacobians = {
    batch: 1,
    steps: 3,
    size: 2,
    data: Float32Array.from([0.5, 0, 0, -0.25, 0.5, 0, 0, -0.25, 0.5, 0, 0, -0.25]),
  };
  assert.deepEqual(Array.from(meanDiagonal(j)), [0.5, -0.25]);
  assert.equal(stationarity(j).mean, 0);
  const rows = jacobianSummary(j);
  assert.equal(rows.length, 3);
  assert.ok(Math.abs(rows[0].spectralRadius - 0.5) < 1e-9);
  assert.equal(rows[2].diagonalShare, 1);
});

Deno.test("eq. 11 by hand on a 1-D recurrence", () => {
  // J_t = a_t (scalars): δ_3 = e_3, δ_2 = e_2 + a_3 δ_3, δ_1 = e_1 + a_2 δ_2.
  const j: Jacobians = { batch: 1, steps: 3, size: 1, data: Float32Array.from([9, 0.5, 0.25]) };
  const d = bpttAsLinearSystem(j, [1, 2, 4]);
  assert.deepEqual(Array.from(d), [1 + 0.5 * (2 + 0.25 * 4), 2 + 0.25 * 4, 4]);
});

Deno.test("eqs. 11–12 equal autodiff and the layer's BPTT (GRU, LSTM, diagonal cell)", async () => {
  await useBackend("cpu");
  const [B, T, E, D] = [2, 6, 3, 4];
  const diagonal = (): Cell => ({
    kind: "diagonal-linear",
    inputSize: E,
    stateSize: D,
    params: {
      a: tf.variable(tf.tensor1d([0.9, 0.5, -0.3, 0.99])),
      w: tf.variable(randomTensor([D, E], 9)),
    },
    step: (x, h, [a, w]) => tf.add(tf.mul(h, a), tf.matMul(x, w, false, true)),
  });
  for (const kind of ["gru", "lstm", "diagonal"] as const) {
    const cell = kind === "diagonal" ? diagonal() : createCell(kind, { input: E, hidden: D });
    const layer = new Recurrent(cell, { mode: "dsf" });
    const x = randomTensor([B, T, E], 7) as tf.Tensor3D;
    const e = randomTensor([B, T, cell.stateSize], 8) as tf.Tensor3D;
    const r = await checkBpttLinearSystem(layer, x, e);
    assert.equal(layer.mode, "dsf", "mode restored");
    assert.ok(r.maxAbsDiffDelta <= 1e-5 * (1 + r.maxAbsDelta), `${kind} δ: ${r.maxAbsDiffDelta}`);
    for (const [name, diff] of Object.entries(r.maxAbsDiffGrads)) {
      assert.ok(diff <= 1e-5 * (1 + r.maxAbsGrads[name]), `${kind} ${name}: ${diff}`);
    }
    // The check can fail: δ is not e (the recurrence carries future gradients back).
    const ev = await read(e);
    assert.ok(Math.max(...r.deltaLinear.map((v, i) => Math.abs(v - ev[i]))) > 0.1);
    tf.dispose([x, e]);
    layer.dispose();
  }
});

Deno.test("recurrentInputs and modelJacobians on a 2-layer RnnLm", async () => {
  await useBackend("cpu");
  const config = makeConfig({ layers: 2, hidden: 6, context: 5 });
  const model = createModel(config, 11);
  const ids = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 5], "int32");
  const before = tf.memory().numTensors;
  const inputs = recurrentInputs(model, ids);
  assert.equal(inputs.length, 2);
  const emb = tf.gather(model.params["embedding.weight"], ids);
  assertClose(await read(inputs[0]), await read(emb), "layer-0 input is the embedding");
  for (const l of model.recurrentLayers()) assert.ok(!Object.hasOwn(l, "applyTimeMajor"));
  tf.dispose([...inputs, emb]);
  assert.equal(tf.memory().numTensors, before, "no leak");
  const batch = {
    x: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    B: 2,
    T: 5,
  } as unknown as Parameters<typeof modelJacobians>[1];
  const { jacobians } = await modelJacobians(model, batch, { layer: 1, rows: [0] });
  assert.deepEqual([jacobians.batch, jacobians.steps, jacobians.size], [1, 5, 6]);
  ids.dispose();
  model.dispose();
});

Deno.test("notebook helpers: verifyBpttLinearSystem, jacobianProbe, stat rows", async () => {
  await useBackend("cpu");
  const rows = await verifyBpttLinearSystem({ steps: 5, hidden: 4, input: 3 });
  assert.deepEqual(rows.map((r) => [r.cell, r.state]), [["rnn", 4], ["gru", 4], ["lstm", 8]]);
  for (const r of rows) {
    assert.ok(r["max |Δδ|"] < 1e-5 * (1 + r["max |δ|"]) && r["max |δ|"] > 0);
    assert.ok(r["max |Δ∂L/∂θ|"] < 1e-5 * (1 + r["max |∂L/∂θ|"]) && r["max |∂L/∂θ|"] > 0);
  }
  const model = createModel(makeConfig({ layers: 1, hidden: 4, context: 5 }), 7);
  const probe = jacobianProbe({ every: 2, rows: [1] });
  const batch = {
    x: Int32Array.from([1, 2, 3, 4, 5, 6, 0, 1, 2, 3]),
    B: 2,
    T: 5,
  } as unknown as Parameters<typeof probe.afterStep>[1];
  for (let s = 1; s <= 4; s++) await probe.afterStep(s, batch, model);
  assert.deepEqual(probe.records.map((r) => r.step), [1, 2, 4]);
  const stats = jacobianSummary(probe.records[0].jacobians);
  const long = jacobianStatRows(stats, { when: "init" });
  assert.equal(long.length, 5 * 5);
  assert.equal(long[0].when, "init");
  const m = meanStats(stats);
  assert.ok(Math.abs(m.deviation - stationarity(probe.records[0].jacobians).mean) < 1e-12);
  model.dispose();
});
