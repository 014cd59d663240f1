/**
 * The time-varying "jacobian-diagonal" DSF feedback against an independent reference: autodiff
 * through an unrolled surrogate whose step passes a_t ⊙ dy back to h_{t−1}, with a_t the
 * diagonal of the Jacobian computed row by row by tf.grad of `cell.step`.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type Cell, CELL_KINDS, createCell } from "../lib/cells/mod.ts";
import { Recurrent } from "../lib/recurrent.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, BACKENDS, read, useBackend } from "./_util.ts";

const [B, T, E, D] = [2, 7, 3, 4];

function randomTensor(shape: number[], rng: Rng, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => scale * rng.normal()), shape);
}

/** A value with no gradient. */
const stopGradient = tf.customGrad((...args: unknown[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
})) as (x: tf.Tensor) => tf.Tensor;

/** diag(∂step(x, h)/∂h) per row, by one tf.grad per state unit: [N, S]. */
function autodiffDiagonal(cell: Cell, x: tf.Tensor2D, h: tf.Tensor2D, w: tf.Tensor[]): tf.Tensor2D {
  const s = cell.stateSize;
  const cols = Array.from({ length: s }, (_, i) => {
    const g = tf.grad((hv: tf.Tensor) =>
      tf.sum(tf.slice(cell.step(x, hv as tf.Tensor2D, w), [0, i], [-1, 1]))
    )(
      h,
    );
    return tf.slice(g, [0, i], [-1, 1]);
  });
  return tf.concat(cols, 1) as tf.Tensor2D;
}

/** Σ outGrad ⊙ states of the surrogate, differentiated w.r.t. x and the weights. */
async function referenceGrads(cell: Cell, x: tf.Tensor3D, og: tf.Tensor3D) {
  const w = Object.values(cell.params);
  const xs = tf.unstack(x, 1) as tf.Tensor2D[]; // T × [B, E]
  // The forward states (no gradient), for the Jacobian diagonals.
  const states: tf.Tensor2D[] = [];
  let h: tf.Tensor2D = tf.zeros([B, cell.stateSize]);
  for (const xt of xs) states.push(h = cell.step(xt, h, w));
  const diag = xs.map((xt, t) =>
    autodiffDiagonal(cell, xt, t ? states[t - 1] : tf.zeros([B, cell.stateSize]), w)
  );
  const xv = tf.variable(x);
  const { value, grads } = tf.variableGrads(() => {
    const xsv = tf.unstack(xv, 1) as tf.Tensor2D[];
    let hv: tf.Tensor2D = tf.zeros([B, cell.stateSize]);
    const outs: tf.Tensor2D[] = [];
    xsv.forEach((xt, t) => {
      const fixed = stopGradient(hv) as tf.Tensor2D;
      const local = cell.step(xt, fixed, w); // local terms only
      hv = tf.add(local, tf.mul(diag[t], tf.sub(hv, fixed))); // + a_t ⊙ (h − sg(h))
      outs.push(hv);
    });
    return tf.sum(tf.mul(tf.stack(outs, 1), og)) as tf.Scalar;
  }, [xv, ...(w as tf.Variable[])]);
  const out = {
    x: await read(grads[xv.name]),
    weights: await Promise.all(w.map((v) => read(grads[v.name]))),
    diag: await read(tf.stack(diag, 1)),
  };
  tf.dispose([value, xv, ...states, ...diag, ...Object.values(grads)]);
  return out;
}

async function layerGrads(layer: Recurrent, x: tf.Tensor3D, og: tf.Tensor3D) {
  const w = Object.values(layer.params);
  const xv = tf.variable(x);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(layer.apply(xv), og)) as tf.Scalar,
    [xv, ...(w as tf.Variable[])],
  );
  const out = {
    x: await read(grads[xv.name]),
    weights: await Promise.all(w.map((v) => read(grads[v.name]))),
  };
  tf.dispose([value, xv, ...Object.values(grads)]);
  return out;
}

for (const backend of BACKENDS) {
  Deno.test(`jacobian-diagonal feedback equals autodiff through the surrogate (${backend})`, async () => {
    await useBackend(backend);
    for (const kind of CELL_KINDS) {
      const rng = new Rng(17);
      const cell = createCell(kind, { input: E, hidden: D }, { seed: 5 });
      // Larger recurrent weights than the init, so that the diagonal terms matter.
      const whh = cell.params.weight_hh;
      whh.assign(randomTensor(whh.shape, rng, 0.8));
      const s = cell.stateSize;
      const x = randomTensor([B, T, E], rng) as tf.Tensor3D;
      const og = randomTensor([B, T, s], rng) as tf.Tensor3D;
      const ref = await referenceGrads(cell, x, og);
      for (const scanImpl of ["sequential", "scan"] as const) {
        const layer = new Recurrent(cell, {
          mode: "dsf",
          feedbackKind: "jacobian-diagonal",
          scanImpl,
        });
        await layerGrads(layer, x, og); // warm-up: first calls may cache constants
        const before = tf.memory().numTensors;
        const got = await layerGrads(layer, x, og);
        assert.equal(tf.memory().numTensors, before, `${kind} leaks tensors`);
        const what = `${kind} ${scanImpl}`;
        assertClose(got.x, ref.x, `${what} dx`, 2e-5);
        got.weights.forEach((g, i) => assertClose(g, ref.weights[i], `${what} dW[${i}]`, 2e-5));
      }
      // The closed-form diagonal itself, on the fused forward's saved activations.
      const fwd = cell.fused!.forward(
        tf.transpose(x, [1, 0, 2]) as tf.Tensor3D,
        Object.values(cell.params),
        { keep: true },
      );
      const diag = cell.fused!.jacobianDiagonal!({
        x: tf.transpose(x, [1, 0, 2]) as tf.Tensor3D,
        states: fwd.states,
        saved: fwd.saved,
        weights: Object.values(cell.params),
      });
      assertClose(await read(tf.transpose(diag, [1, 0, 2])), ref.diag, `${kind} diagonal`, 2e-5);
      // …and it is not BPTT (the test can fail): the off-diagonal terms are dropped.
      const bptt = await layerGrads(new Recurrent(cell, { mode: "bptt" }), x, og);
      assert.throws(() => assertClose(bptt.weights[1], ref.weights[1], "bptt vs diagonal"));
      tf.dispose([x, og, fwd.states, ...fwd.saved, diag]);
      for (const v of Object.values(cell.params)) v.dispose();
    }
  });
}

Deno.test("jacobian-diagonal feedback: a clear error on an unfused layer and an unknown kind", async () => {
  await useBackend("cpu");
  const cell = createCell("gru", { input: E, hidden: D });
  assert.throws(
    () => new Recurrent(cell, { mode: "dsf", fused: false, feedbackKind: "jacobian-diagonal" }),
    /needs a fused cell/,
  );
  assert.throws(
    () => new Recurrent(cell, { mode: "dsf", feedbackKind: "full" as never }),
    /unknown; use one of fixed, fitted, jacobian-diagonal/,
  );
  for (const v of Object.values(cell.params)) v.dispose();
});
