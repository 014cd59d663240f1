/**
 * Causality of every model (changing a future token leaves earlier logits unchanged), and the
 * GPT attention against a plain-JS multi-head causal attention (cpu, tiny sizes).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { makeConfig, type ModelKind } from "../lib/config/schema.ts";
import { causalSelfAttention } from "../lib/models/attention.ts";
import { createModel } from "../lib/models/mod.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";

const [B, T, V, D] = [2, 7, 11, 8];

for (const model of ["gpt", "ema", "transformer-like", "rnn-lm"] as ModelKind[]) {
  Deno.test(`${model}: changing a future token does not change earlier logits`, async () => {
    await useBackend("cpu");
    const m = createModel(
      makeConfig({ model, layers: 2, hidden: D, context: T, heads: 2, emaDim: 3, seed: 1 }),
      V,
    );
    const rng = new Rng(2);
    const a = Int32Array.from({ length: B * T }, () => rng.int(V));
    const changed = 4;
    const b = a.slice();
    b[changed] = (a[changed] + 1) % V; // row 0, position 4
    const ids = [tf.tensor2d(a, [B, T], "int32"), tf.tensor2d(b, [B, T], "int32")];
    const [la, lb] = await Promise.all(ids.map((x) => m.logits(x)).map((l) => read(l)));
    for (let t = 0; t < T; t++) {
      const row = (arr: number[]) => arr.slice(t * V, (t + 1) * V); // batch row 0
      const diff = Math.max(...row(la).map((x, i) => Math.abs(x - row(lb)[i])));
      if (t < changed) assert.ok(diff < 1e-6, `${model}: position ${t} changed by ${diff}`);
      else assert.ok(diff > 1e-6, `${model}: position ${t} did not change`);
    }
    assertClose(la.slice(T * V), lb.slice(T * V), `${model}: the other sequence`, 1e-6);
    tf.dispose(ids);
    m.dispose();
  });
}

Deno.test("gpt: causalSelfAttention equals a plain-JS multi-head causal attention", async () => {
  await useBackend("cpu");
  const [b, t, d, h] = [2, 4, 6, 3];
  const hd = d / h;
  const rng = new Rng(9);
  const randn = (n: number) => Array.from({ length: n }, () => rng.normal());
  const xv = randn(b * t * d);
  const wv = randn(d * 3 * d);
  const bv = randn(3 * d);
  const x = tf.tensor3d(xv, [b, t, d]);
  const qkv = {
    weight: tf.variable(tf.tensor2d(wv, [d, 3 * d])),
    bias: tf.variable(tf.tensor1d(bv)),
  };
  const out = causalSelfAttention(x, qkv, h);
  const expected: number[] = [];
  for (let n = 0; n < b; n++) {
    // proj[s][c] for c < 3D: x · W + b
    const proj = Array.from({ length: t }, (_, s) =>
      Array.from({ length: 3 * d }, (_, c) => {
        let acc = bv[c];
        for (let i = 0; i < d; i++) acc += xv[(n * t + s) * d + i] * wv[i * 3 * d + c];
        return acc;
      }));
    for (let s = 0; s < t; s++) {
      for (let head = 0; head < h; head++) {
        const q = proj[s].slice(head * hd, (head + 1) * hd);
        const scores = Array.from({ length: s + 1 }, (_, u) => {
          const k = proj[u].slice(d + head * hd, d + (head + 1) * hd);
          return q.reduce((acc, qi, i) => acc + qi * k[i], 0) / Math.sqrt(hd);
        });
        const m = Math.max(...scores);
        const w = scores.map((z) => Math.exp(z - m));
        const z = w.reduce((p, c) => p + c, 0);
        for (let i = 0; i < hd; i++) {
          let acc = 0;
          for (let u = 0; u <= s; u++) acc += (w[u] / z) * proj[u][2 * d + head * hd + i];
          expected.push(acc);
        }
      }
    }
  }
  assertClose(await read(out), expected, "attention", 1e-5);
  tf.dispose([x, qkv.weight, qkv.bias, out]);
});
