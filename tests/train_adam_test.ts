import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Adam } from "../lib/train/adam.ts";

await tf.setBackend("cpu");

/** Plain-JS torch.optim.Adam, float64. */
function refAdam(
  theta: number[],
  grads: number[][],
  lrs: number[],
  o: { b1: number; b2: number; eps: number; wd: number },
): number[] {
  const p = [...theta];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g0, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      const g = g0[i] + o.wd * p[i];
      m[i] = o.b1 * m[i] + (1 - o.b1) * g;
      v[i] = o.b2 * v[i] + (1 - o.b2) * g * g;
      const mh = m[i] / (1 - o.b1 ** t);
      const vh = v[i] / (1 - o.b2 ** t);
      p[i] -= lrs[s] * mh / (Math.sqrt(vh) + o.eps);
    }
  });
  return p;
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])),
      `index ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

Deno.test("Adam: first step is lr·sign(g) (closed form, no decay)", () => {
  const w = tf.variable(tf.tensor1d([1, -2, 0.5]));
  const opt = new Adam({ w }, { lr: 0.1 });
  const g = tf.tensor1d([3, -0.25, 1e-3]);
  opt.step({ w: g });
  // m̂ = g, √v̂ = |g|: Δ = lr·g/(|g|+eps)
  close(w.dataSync(), [1 - 0.1 * 3 / (3 + 1e-8), -2 + 0.1, 0.5 - 0.1 * 1e-3 / (1e-3 + 1e-8)], 1e-6);
  opt.dispose();
  tf.dispose([w, g]);
});

Deno.test("Adam: matches plain-JS torch Adam over 6 steps, weight decay, per-step lr", () => {
  const theta0 = [0.3, -1.2, 2.0, 0.05, -0.7, 1.1];
  const grads = [
    [0.5, -0.1, 0.2, 1.0, -2.0, 0.01],
    [-0.3, 0.4, 0.0, 0.5, -1.0, 0.02],
    [0.1, 0.1, -0.6, -0.2, 0.3, -0.05],
    [1.5, -0.8, 0.9, 0.0, 0.2, 0.3],
    [-0.4, 0.2, 0.1, 0.7, -0.1, -0.2],
    [0.05, -0.05, 0.3, -0.9, 0.6, 0.4],
  ];
  const lrs = [1e-2, 2e-2, 5e-3, 1e-2, 1e-3, 3e-2];
  const o = { b1: 0.8, b2: 0.95, eps: 1e-6, wd: 0.1 };
  // Split the vector over two parameters with 2-D shapes to exercise naming and shapes.
  const a = tf.variable(tf.tensor2d(theta0.slice(0, 4), [2, 2]));
  const b = tf.variable(tf.tensor1d(theta0.slice(4)));
  const opt = new Adam({ "layer0.a": a, "layer0.b": b }, {
    lr: 1,
    betas: [o.b1, o.b2],
    eps: o.eps,
    weightDecay: o.wd,
  });
  for (let s = 0; s < grads.length; s++) {
    const ga = tf.tensor2d(grads[s].slice(0, 4), [2, 2]);
    const gb = tf.tensor1d(grads[s].slice(4));
    opt.step({ "layer0.a": ga, "layer0.b": gb }, { lr: lrs[s] });
    tf.dispose([ga, gb]);
  }
  const expected = refAdam(theta0, grads, lrs, o);
  close([...a.dataSync(), ...b.dataSync()], expected, 2e-6);
  assert.equal(opt.stepCount, 6);
  // Without weight decay the result differs: the test can tell the two apart.
  const noWd = refAdam(theta0, grads, lrs, { ...o, wd: 0 });
  assert.ok(Math.abs(noWd[2] - expected[2]) > 1e-4);
  opt.dispose();
  tf.dispose([a, b]);
});

Deno.test("Adam: getState/setState resumes exactly", async () => {
  const init = [0.1, 0.2, -0.3, 0.4];
  const gs = [[1, 2, 3, 4], [-1, 0.5, 0, 2], [0.3, -0.3, 0.1, 1], [2, 1, -1, 0]];
  const run = (opt: Adam, from: number, to: number) => {
    for (let s = from; s < to; s++) {
      const g = tf.tensor1d(gs[s]);
      opt.step({ w: g });
      g.dispose();
    }
  };
  const w1 = tf.variable(tf.tensor1d(init));
  const o1 = new Adam({ w: w1 }, { lr: 0.05, weightDecay: 0.01 });
  run(o1, 0, 2);
  const saved = await o1.getState();
  const savedW = Float32Array.from(w1.dataSync());
  run(o1, 2, 4);

  const w2 = tf.variable(tf.tensor1d(savedW));
  const o2 = new Adam({ w: w2 }, { lr: 0.05, weightDecay: 0.01 });
  o2.setState(saved);
  assert.equal(o2.stepCount, 2);
  run(o2, 2, 4);
  assert.deepEqual(Array.from(w2.dataSync()), Array.from(w1.dataSync()));
  // The moments were restored, not just the step: a fresh optimiser ends elsewhere.
  const w3 = tf.variable(tf.tensor1d(savedW));
  const o3 = new Adam({ w: w3 }, { lr: 0.05, weightDecay: 0.01 });
  run(o3, 2, 4);
  assert.notDeepEqual(Array.from(w3.dataSync()), Array.from(w1.dataSync()));
  assert.throws(
    () => o2.setState({ step: 1, m: { w: new Float32Array(3) }, v: saved.v }),
    /m\.w" has 3 values/,
  );
  [o1, o2, o3].forEach((o) => o.dispose());
  tf.dispose([w1, w2, w3]);
});

Deno.test("Adam: no tensor leak over 20 steps (with weight decay)", () => {
  const w = tf.variable(tf.randomNormal([8, 4]));
  const u = tf.variable(tf.randomNormal([4]));
  const opt = new Adam({ w, u }, { lr: 1e-3, weightDecay: 1e-4 });
  const gw = tf.randomNormal([8, 4]);
  const gu = tf.randomNormal([4]);
  opt.step({ w: gw, u: gu });
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) opt.step({ w: gw, u: gu }, { lr: 1e-3 * (i + 1) });
  assert.equal(tf.memory().numTensors, before);
  opt.dispose();
  assert.equal(tf.memory().numTensors, before - 4);
  tf.dispose([w, u, gw, gu]);
});

Deno.test("Adam: bad input gives clear errors", () => {
  const w = tf.variable(tf.zeros([2]));
  assert.throws(() => new Adam({ w }, { lr: -1 }), /"lr"/);
  assert.throws(() => new Adam({ w }, { lr: 1, betas: [0.9, 1] }), /"betas\[1\]"/);
  const opt = new Adam({ w }, { lr: 1e-3 });
  const g = tf.zeros([3]);
  assert.throws(() => opt.step({ w: g }), /gradient "w" has shape \[3\]/);
  assert.throws(() => opt.step({}), /no gradient for parameter "w"/);
  assert.throws(() => opt.step({ w: g, x: g }), /gradient "x" has no parameter/);
  opt.dispose();
  tf.dispose([w, g]);
});
