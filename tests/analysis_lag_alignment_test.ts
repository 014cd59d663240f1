/**
 * Tests of lib/analysis/lag_alignment.ts and lag_summary.ts (cpu) against independent
 * references, on a tiny GRU LM (S = 4, T = 6) with rows of different lengths: e_t and BPTT's
 * δ_t against autodiff of a hand-unrolled copy of the model with zero perturbations on the
 * states; DSF's δ̃ against the closed form Σ_j λ^j e_{t+j}; the Jacobian-diagonal δ̂ against the
 * layer's own pieces (the fused cell's closed-form diagonal and the varying reverse scan).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  feedbackDeltas,
  headRows,
  type LagBatch,
  lagBatch,
  type LagFeedback,
} from "../lib/analysis/lag_alignment.ts";
import { lagBucket, quartileGroups, summarizeLags } from "../lib/analysis/lag_summary.ts";
import type { Batch } from "../lib/data/batches.ts";
import { makeConfig } from "../lib/config/schema.ts";
import { meanJacobianDiagonal } from "../lib/feedback/jacobian_diagonal.ts";
import { recurrentInputs } from "../lib/feedback/recurrent_activity.ts";
import { makeFeedback } from "../lib/feedback/init.ts";
import { createModel } from "../lib/models/mod.ts";
import type { LanguageModel } from "../lib/models/model.ts";
import { reverseScanVarying } from "../lib/ops/reverse_scan.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";

const [V, S, T] = [5, 4, 6];
const LENGTHS = [6, 4, 5]; // rows 1 and 2 end in padding

function tinyModel(layers = 1): LanguageModel {
  return createModel(
    makeConfig({ layers, hidden: S, embed: S, context: T, mode: "dsf", seed: 3 }),
    V,
  );
}

function tinyBatch(): Batch {
  const rng = new Rng(7);
  const n = LENGTHS.length;
  const x = new Int32Array(n * T);
  const y = new Int32Array(n * T);
  const mask = new Float32Array(n * T);
  LENGTHS.forEach((len, b) => {
    for (let t = 0; t < len; t++) {
      x[b * T + t] = rng.int(V);
      y[b * T + t] = rng.int(V);
      mask[b * T + t] = 1;
    }
  });
  const count = LENGTHS.reduce((a, b) => a + b, 0);
  const position = { epoch: 0, index: 0 };
  return {
    x,
    y,
    mask,
    B: n,
    T,
    count,
    indices: Int32Array.from([0, 1, 2]),
    position,
    next: { epoch: 0, index: 1 },
  };
}

/**
 * The model by hand, step by step: embedding x, then per layer l, h_t = step(x_t, h_{t−1}) (+ u_t
 * at layer `li`, feeding its recurrence) and x ← x + h_t (+ w_t at layer `li`, outside its
 * recurrence); head on x, masked mean cross-entropy. ∂loss/∂u_t = δ_t, ∂loss/∂w_t = e_t.
 * @returns δ and e of layer `li`, [B, T, S]
 */
async function unrolledReference(model: LanguageModel, batch: Batch, li = 0) {
  const p = model.params;
  const cells = model.recurrentLayers().map((l) => l.cell);
  const b = batch.B;
  const at = (v: tf.Tensor, t: number) =>
    tf.squeeze(tf.slice(v, [0, t, 0], [b, 1, S]), [1]) as tf.Tensor2D;
  const loss = (u: tf.Tensor, w: tf.Tensor) => {
    const ids = tf.tensor2d(batch.x, [b, T], "int32");
    const emb = tf.gather(p["embedding.weight"], ids); // [B, T, E]
    const h: tf.Tensor2D[] = cells.map(() => tf.zeros([b, S]));
    let total: tf.Tensor = tf.scalar(0);
    for (let t = 0; t < T; t++) {
      let x = at(emb, t);
      cells.forEach((cell, l) => {
        h[l] = cell.step(x, h[l], Object.values(cell.params));
        if (l === li) h[l] = tf.add(h[l], at(u, t));
        x = tf.add(x, l === li ? tf.add(h[l], at(w, t)) : h[l]);
      });
      const logits = tf.add(tf.matMul(x, p["head.weight"]), p["head.bias"]);
      const logp = tf.logSoftmax(logits); // [B, V]
      const pick = tf.oneHot(
        tf.tensor1d(Array.from({ length: b }, (_, r) => batch.y[r * T + t]), "int32"),
        V,
      );
      const m = tf.tensor2d(Array.from({ length: b }, (_, r) => [batch.mask[r * T + t]]));
      total = tf.sub(total, tf.sum(tf.mul(tf.mul(logp, pick), m)));
    }
    return tf.div(total, batch.count) as tf.Scalar;
  };
  const [du, dw] = tf.grads(loss)([tf.zeros([b, T, S]), tf.zeros([b, T, S])]);
  return { bptt: await read(du), e: await read(dw) };
}

/** Σ_{j=0}^{len−1−t} λ^j ⊙ e_{t+j} at every position, [R, T, S]. */
function closedFormDsf(m: LagBatch, lambda: Float32Array): number[] {
  const out = new Array<number>(m.rows * m.steps * S).fill(0);
  for (let r = 0; r < m.rows; r++) {
    for (let t = 0; t < m.lengths[r]; t++) {
      for (let c = 0; c < S; c++) {
        let acc = 0;
        for (let j = 0; t + j < m.lengths[r]; j++) {
          acc += lambda[c] ** j * m.e[(r * m.steps + t + j) * S + c];
        }
        out[(r * m.steps + t) * S + c] = acc;
      }
    }
  }
  return out;
}

Deno.test("lags: e and BPTT's δ equal autodiff of the unrolled model, padding left out", async () => {
  await useBackend("cpu");
  const model = tinyModel();
  const batch = tinyBatch();
  const m = await lagBatch(model, batch, { rows: 3 });
  assert.deepEqual([m.rows, m.steps, m.size, [...m.lengths]], [3, T, S, LENGTHS]);
  const ref = await unrolledReference(model, batch);
  assertClose(m.e, ref.e, "e", 1e-4);
  assertClose(m.bptt, ref.bptt, "δ (BPTT)", 1e-4);
  for (let r = 0; r < 3; r++) {
    for (let t = LENGTHS[r]; t < T; t++) {
      assert.ok(m.bptt.subarray((r * T + t) * S, (r * T + t + 1) * S).every((v) => v === 0));
    }
  }
  assert.equal(model.recurrentLayers()[0].mode, "dsf", "the layer's mode is restored");
  // Two rows: trimmed to the longer one's 6 steps; one row of 4: to 4 steps, same numbers.
  const short = headRows(batch, 2);
  assert.deepEqual([short.B, short.T, short.count], [2, 6, 10]);
  const one = await lagBatch(model, { ...batch, ...shift(batch, 1) }, { rows: 1 });
  assert.equal(one.steps, 4);
  assertClose(one.bptt, ref.bptt.slice(T * S, T * S + 4 * S).map((v) => v * 15 / 4), "row 1", 1e-4);
  model.dispose();
});

Deno.test("lags: the lower layer of 2 (--layer 0) against the unrolled model", async () => {
  await useBackend("cpu");
  const model = tinyModel(2);
  const batch = tinyBatch();
  const m = await lagBatch(model, batch, { rows: 3, layer: 0 });
  const ref = await unrolledReference(model, batch, 0);
  assertClose(m.e, ref.e, "e of layer 0 (layer 1 in BPTT)", 1e-4);
  assertClose(m.bptt, ref.bptt, "δ of layer 0", 1e-4);
  assert.deepEqual(model.recurrentLayers().map((l) => l.mode), ["dsf", "dsf"], "modes restored");
  model.dispose();
});

/** The batch without its first `n` rows. */
function shift(batch: Batch, n: number): Partial<Batch> {
  const cut = <A extends Int32Array | Float32Array>(a: A) => a.slice(n * batch.T) as A;
  const count = batch.mask.slice(n * batch.T).reduce((a, v) => a + v, 0);
  return { x: cut(batch.x), y: cut(batch.y), mask: cut(batch.mask), B: batch.B - n, count };
}

Deno.test("lags: DSF closed form, the layer's own Jacobian-diagonal scan, the fitted λ", async () => {
  await useBackend("cpu");
  const model = tinyModel();
  const batch = tinyBatch();
  const m = await lagBatch(model, batch, { rows: 3 });
  const lambda = makeFeedback(S);
  const d = feedbackDeltas(m, lambda);
  assertClose(d.dsf, closedFormDsf(m, lambda), "DSF = Σ λ^j e_{t+j}");
  const capped = makeFeedback(S, { low: 0, high: 0.5 });
  assertClose(d["dsf-capped"], closedFormDsf(m, capped), "capped DSF");
  assertClose(d["ft-bptt"], m.e, "FT-BPTT = e");
  // The layer's pieces: fused forward, closed-form diag J_t, reverseScanVarying.
  const layer = model.recurrentLayers()[0];
  const ids = tf.tensor2d(batch.x, [3, T], "int32");
  const [input] = recurrentInputs(model, ids);
  const weights = Object.values(layer.cell.params);
  const [own, diag] = tf.tidy(() => {
    const x = tf.transpose(input, [1, 0, 2]) as tf.Tensor3D;
    const fwd = layer.cell.fused!.forward(x, weights, { keep: true });
    const a = layer.cell.fused!.jacobianDiagonal!({
      x,
      states: fwd.states,
      saved: fwd.saved,
      weights,
    });
    const e = tf.transpose(tf.tensor3d(m.e, [3, T, S]), [1, 0, 2]) as tf.Tensor3D;
    const delta = reverseScanVarying(e, a, { impl: "sequential" });
    return [tf.transpose(delta, [1, 0, 2]), tf.transpose(a, [1, 0, 2])];
  });
  assertClose(d["dsf-jacobian-diagonal"], await read(own), "Jacobian-diagonal δ", 1e-4);
  const a = await read(diag);
  const real = (v: ArrayLike<number>) =>
    Array.from(v).filter((_, i) => Math.floor(i / S) % T < LENGTHS[Math.floor(i / S / T)]);
  assertClose(real(m.diag), real(a), "exact diag J_t = the closed form", 1e-4);
  const mean = await meanJacobianDiagonal(layer.cell, input, batch.mask);
  assertClose(m.fitted, mean.map((v) => Math.min(1, Math.max(0, v))), "fitted λ");
  tf.dispose([ids, input, own, diag]);
  model.dispose();
});

Deno.test("lags summary: buckets, counts, BPTT's own cosine 1, shares summing to 1", async () => {
  await useBackend("cpu");
  assert.deepEqual([0, 1, 2, 3, 6, 7, 14, 15].map(lagBucket), [0, 1, 1, 2, 2, 3, 3, 4]);
  assert.deepEqual(quartileGroups(makeFeedback(8)), [[0, 1], [2, 3], [4, 5], [6, 7]]);
  assert.deepEqual(quartileGroups([5, 1, 4, 2]), [[1], [3], [2], [0]]);
  const model = tinyModel();
  const m = await lagBatch(model, tinyBatch(), { rows: 3 });
  const lambda = makeFeedback(S);
  const { feedbacks, diagonal } = summarizeLags([m, m], [
    feedbackDeltas(m, lambda),
    feedbackDeltas(m, lambda),
  ], lambda);
  const of = (f: LagFeedback) => feedbacks.find((x) => x.feedback === f)!;
  assertClose(of("bptt").cosine, 1, "BPTT with itself");
  for (const f of feedbacks) {
    const counts = f.byLag.reduce((a, q) => a + q.count, 0);
    assert.equal(counts, 2 * 15, `${f.feedback}: every real position once`);
    assertClose(f.byLag[0].cosine, 1, `${f.feedback}: δ = e at k = 0`);
    assert.deepEqual(f.byLag.map((q) => q.kMin), [0, 1, 3]);
    assert.equal(f.cosineByStep.length, T);
    for (const by of ["lambda", "jacobian"]) {
      const g = f.groups.filter((x) => x.by === by);
      assertClose(g.reduce((a, x) => a + x.share, 0), 1, `${f.feedback} ${by} shares`);
      assertClose(g.reduce((a, x) => a + x.shareBptt, 0), 1, `${f.feedback} ${by} BPTT shares`);
    }
  }
  assert.ok(diagonal.diagonalShare > 0 && diagonal.diagonalShare <= 1);
  assert.equal(diagonal.channelMean.length, S);
  model.dispose();
});
