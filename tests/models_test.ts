/**
 * Tests of lib/models (cpu, tiny sizes): shapes and parameter names, the loss at
 * initialisation, gradient flow to every parameter in every mode, the masked loss against a
 * plain-JS log-softmax, the cross-entropy's hand-written gradient, and no tensor leak.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type ConfigPatch, makeConfig, MODES } from "../lib/config/schema.ts";
import { crossEntropySum } from "../lib/models/cross_entropy.ts";
import { setSimdKernels, simdKernelsFor } from "../lib/ops/wasm_simd.ts";
import { createModel, keptRows, type LanguageModel } from "../lib/models/mod.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, crossEntropyCase, read, useBackend } from "./_util.ts";

const B = 2;
const T = 5;
const V = 13;

/** A tiny model: 2 layers of width 8, context T. */
function tiny(patch: ConfigPatch, vocab = V): LanguageModel {
  return createModel(
    makeConfig({ layers: 2, hidden: 8, context: T, heads: 2, emaDim: 3, ...patch }),
    vocab,
  );
}

/** Random ids [B, T] and targets [B·T] in [0, vocab). */
function batch(seed: number, vocab = V): { ids: tf.Tensor2D; targets: tf.Tensor1D } {
  const rng = new Rng(seed);
  const draw = () => Int32Array.from({ length: B * T }, () => rng.int(vocab));
  return { ids: tf.tensor2d(draw(), [B, T], "int32"), targets: tf.tensor1d(draw(), "int32") };
}

const ALL: { name: string; patch: ConfigPatch }[] = [
  { name: "rnn-lm gru", patch: { model: "rnn-lm", cell: "gru" } },
  { name: "rnn-lm lstm", patch: { model: "rnn-lm", cell: "lstm" } },
  { name: "rnn-lm rnn, E≠D", patch: { model: "rnn-lm", cell: "rnn", embed: 6 } },
  { name: "transformer-like gru", patch: { model: "transformer-like", cell: "gru" } },
  { name: "transformer-like lstm", patch: { model: "transformer-like", cell: "lstm" } },
  { name: "gpt", patch: { model: "gpt" } },
  { name: "ema", patch: { model: "ema" } },
];

Deno.test("models: output shapes, unique names, recurrent layers", async () => {
  await useBackend("cpu");
  const { ids, targets } = batch(1);
  for (const { name, patch } of ALL) {
    const model = tiny(patch);
    const f = model.features(ids);
    const logits = model.logits(ids);
    const loss = model.loss(ids, targets);
    assert.deepEqual(f.shape, [B, T, 8], name);
    assert.deepEqual(logits.shape, [B, T, V], name);
    assert.deepEqual(loss.shape, [], name);
    const tfNames = Object.values(model.params).map((v) => v.name);
    assert.equal(new Set(tfNames).size, tfNames.length, `${name}: tfjs names unique`);
    const recurrent = patch.model === "rnn-lm" || patch.model === "transformer-like";
    assert.equal(model.recurrentLayers().length, recurrent ? 2 : 0, name);
    tf.dispose([f, logits, loss]);
    model.dispose();
  }
  tf.dispose([ids, targets]);
});

Deno.test("models: stable parameter names", async () => {
  await useBackend("cpu");
  const rnn = tiny({ model: "rnn-lm", cell: "lstm", layers: 1 });
  assert.deepEqual(Object.keys(rnn.params), [
    "embedding.weight",
    "layer0.rnn.weight_ih",
    "layer0.rnn.weight_hh",
    "layer0.rnn.bias_ih",
    "layer0.rnn.bias_hh",
    "layer0.proj.weight",
    "layer0.proj.bias",
    "head.weight",
    "head.bias",
  ]);
  const gpt = tiny({ model: "gpt", layers: 1 });
  assert.deepEqual(Object.keys(gpt.params), [
    "embedding.weight",
    "pos_embedding.weight",
    "layer0.ln1.weight",
    "layer0.ln1.bias",
    "layer0.attn.qkv.weight",
    "layer0.attn.qkv.bias",
    "layer0.attn.proj.weight",
    "layer0.attn.proj.bias",
    "layer0.ln2.weight",
    "layer0.ln2.bias",
    "layer0.mlp.fc.weight",
    "layer0.mlp.fc.bias",
    "layer0.mlp.proj.weight",
    "layer0.mlp.proj.bias",
    "ln_f.weight",
    "ln_f.bias",
    "head.weight",
    "head.bias",
  ]);
  const tl = tiny({ model: "transformer-like", layers: 1 });
  assert.ok(
    ["layer0.ln1.weight", "layer0.rnn.weight_hh", "layer0.out.weight", "layer0.mlp.proj.bias"]
      .every((k) => k in tl.params),
  );
  const ema = tiny({ model: "ema", layers: 1 });
  assert.deepEqual(
    Object.keys(ema.params).filter((k) => k.includes(".ema.")),
    ["alpha", "delta", "beta", "gamma", "omega"].map((k) => `layer0.ema.${k}`),
  );
  assert.deepEqual(ema.params["layer0.ema.gamma"].shape, [8, 3]);
  [rnn, gpt, tl, ema].forEach((m) => m.dispose());
});

Deno.test("models: the same seed gives the same weights", async () => {
  await useBackend("cpu");
  const a = tiny({ model: "transformer-like", seed: 4 });
  const b = tiny({ model: "transformer-like", seed: 4 });
  for (const k of Object.keys(a.params)) {
    assert.deepEqual(await read(a.params[k]), await read(b.params[k]), k);
  }
  a.dispose();
  b.dispose();
});

Deno.test("models: loss at initialisation ≈ ln V", async () => {
  await useBackend("cpu");
  const vocab = 101;
  const { ids, targets } = batch(2, vocab);
  for (const { name, patch } of ALL) {
    const model = tiny(patch, vocab);
    const loss = model.loss(ids, targets);
    const value = (await read(loss))[0];
    assert.ok(
      Math.abs(value - Math.log(vocab)) < 0.05,
      `${name}: ${value} vs ln V ${Math.log(vocab)}`,
    );
    loss.dispose();
    model.dispose();
  }
  tf.dispose([ids, targets]);
});

Deno.test("models: every parameter gets a non-zero finite gradient, in every mode", async () => {
  await useBackend("cpu");
  const { ids, targets } = batch(3);
  const rows = keptRows(Array.from({ length: B * T }, (_, i) => (i % 3 === 2 ? 0 : 1)));
  const cases: { name: string; patch: ConfigPatch }[] = [...ALL];
  for (const model of ["rnn-lm", "transformer-like"] as const) {
    for (const mode of MODES) cases.push({ name: `${model} gru ${mode}`, patch: { model, mode } });
  }
  cases.push({ name: "rnn-lm dsf fft", patch: { model: "rnn-lm", dsfImpl: "fft" } });
  for (const { name, patch } of cases) {
    const model = tiny(patch);
    const vars = Object.values(model.params);
    const { value, grads } = tf.variableGrads(() => model.loss(ids, targets, rows), vars);
    for (const [key, v] of Object.entries(model.params)) {
      const g = await read(grads[v.name]);
      assert.ok(g.every(Number.isFinite), `${name}: ${key} has a non-finite gradient`);
      assert.ok(g.some((x) => x !== 0), `${name}: ${key} has a zero gradient`);
    }
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
  }
  tf.dispose([ids, targets]);
});

/** Mean CE over `rows` from logits [B·T·V] by a plain-JS log-softmax (float64). */
function referenceCe(logits: number[], targets: number[], rows: ArrayLike<number>): number {
  let sum = 0;
  for (const r of Array.from(rows)) {
    const z = logits.slice(r * V, (r + 1) * V);
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0));
    sum += lse - z[targets[r]];
  }
  return sum / rows.length;
}

Deno.test("models: masked loss equals a plain-JS CE on the kept rows", async () => {
  await useBackend("cpu");
  const { ids, targets } = batch(5);
  const mask = Array.from({ length: B * T }, (_, i) => (i === 1 || i === 7 || i === 8 ? 0 : 1));
  const rows = keptRows(mask);
  assert.equal(rows.length, B * T - 3);
  const tv = await read(targets);
  for (const { name, patch } of ALL) {
    const model = tiny(patch);
    const logits = model.logits(ids);
    const expected = referenceCe(await read(logits), tv, rows);
    const rowsT = tf.tensor1d(rows, "int32");
    const losses = [
      model.loss(ids, targets, rows),
      model.loss(ids, targets, rowsT),
      model.loss(ids, targets, rows, { training: false }),
    ];
    for (const l of losses) assertClose(await read(l), [expected], `${name} masked loss`, 1e-5);
    const { sum, count } = model.lossSum(ids, targets, rows);
    assert.equal(count, rows.length);
    assertClose(await read(sum), [expected * count], `${name} lossSum`, 1e-5);
    const all = model.loss(ids, targets, null);
    const allRows = Int32Array.from({ length: B * T }, (_, i) => i);
    assertClose(await read(all), [referenceCe(await read(logits), tv, allRows)], `${name} all`);
    tf.dispose([logits, rowsT, sum, all, ...losses]);
    model.dispose();
  }
  tf.dispose([ids, targets]);
});

Deno.test("models: loss rejects a float mask and empty rows", async () => {
  await useBackend("cpu");
  const model = tiny({ model: "rnn-lm" });
  const { ids, targets } = batch(6);
  const mask = tf.ones([B * T]) as tf.Tensor1D;
  assert.throws(() => model.loss(ids, targets, mask), /int32 index list/);
  assert.throws(() => model.loss(ids, targets, new Int32Array(0)), /no kept rows/);
  tf.dispose([ids, targets, mask]);
  model.dispose();
});

Deno.test("crossEntropySum: value and gradient match autodiff of logSoftmax", async () => {
  await useBackend("cpu");
  const rng = new Rng(7);
  const z = tf.variable(
    tf.tensor2d(Float32Array.from({ length: 4 * 6 }, () => rng.normal()), [4, 6]),
  );
  const t = tf.tensor1d([0, 5, 2, 2], "int32");
  const viaCustom = tf.variableGrads(() => tf.mul(crossEntropySum(z, t), 0.7) as tf.Scalar, [z]);
  const viaAutodiff = tf.variableGrads(() => {
    const oneHot = tf.cast(tf.oneHot(t, 6), "float32");
    return tf.mul(tf.neg(tf.sum(tf.mul(tf.logSoftmax(z), oneHot))), 0.7) as tf.Scalar;
  }, [z]);
  assertClose(await read(viaCustom.value), await read(viaAutodiff.value), "CE value");
  assertClose(
    await read(viaCustom.grads[z.name]),
    await read(viaAutodiff.grads[z.name]),
    "CE grad",
  );
  tf.dispose([z, t, viaCustom.value, viaAutodiff.value]);
  tf.dispose([...Object.values(viaCustom.grads), ...Object.values(viaAutodiff.grads)]);
});

Deno.test("models: a training step does not leak tensors", async () => {
  await useBackend("cpu");
  const { ids, targets } = batch(8);
  const rows = keptRows(Array.from({ length: B * T }, (_, i) => (i % 4 === 0 ? 0 : 1)));
  for (const { name, patch } of [...ALL, { name: "rnn-lm bptt", patch: { mode: "bptt" } }]) {
    const model = tiny(patch as ConfigPatch);
    const vars = Object.values(model.params);
    const step = async () => {
      const { value, grads } = tf.variableGrads(() => model.loss(ids, targets, rows), vars);
      for (const v of vars) tf.tidy(() => v.assign(tf.sub(v, tf.mul(grads[v.name], 0.1))));
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
      const { sum } = model.lossSum(ids, targets, rows);
      sum.dispose();
    };
    await step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await step();
    assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked`);
    model.dispose();
  }
  const start = tf.memory().numTensors;
  tiny({ model: "transformer-like", cell: "lstm" }).dispose();
  assert.equal(tf.memory().numTensors, start, "dispose frees every weight and λ");
  tf.dispose([ids, targets]);
});

Deno.test("crossEntropySum on wasm (the fused kernel, SIMD and JS rows): value and gradient equal a float64 reference", async () => {
  await useBackend("wasm");
  const rng = new Rng(11);
  const before = tf.memory().numTensors;
  const cases = [[1, 1], [1, 2], [3, 17], [64, 1000], [5, 10002], [2, 4], [3, 400]];
  for (const [simd, [n, v]] of [true, false].flatMap((on) => cases.map((c) => [on, c] as const))) {
    setSimdKernels(simd);
    assert.equal(simdKernelsFor(tf.backend()) !== null, simd, "the SIMD module loads here");
    const { want, wantGrad, z, t, g, plain } = crossEntropyCase(rng, n, v);
    const what = `[${n}, ${v}] ${simd ? "SIMD" : "JS"}`;
    assertClose(await read(g.value), [0.7 * want], `CE value ${what}`, 1e-6);
    assertClose(await read(plain), [want], `CE value, no gradient ${what}`, 1e-6);
    assertClose(await read(g.grads[z.name]), wantGrad, `CE grad ${what}`, 1e-6);
    tf.dispose([z, t, g.value, plain, ...Object.values(g.grads)]);
  }
  setSimdKernels(true);
  assert.equal(tf.memory().numTensors, before, "the fused path leaked tensors");
});

Deno.test("crossEntropySum on wasm: the row's maximum anywhere in the row (each accumulator of the SIMD max, its tail); a NaN logit gives a NaN loss", async () => {
  await useBackend("wasm");
  const before = tf.memory().numTensors;
  for (const simd of [true, false]) {
    setSimdKernels(simd);
    for (const v of [4, 20, 24, 40, 43]) {
      // Row j holds its maximum (200) at column j, the rest −1; target 0 (a maximum missed
      // would overflow exp).
      const values = Float32Array.from(
        { length: v * v },
        (_, i) => i % v === Math.floor(i / v) ? 200 : -1,
      );
      const z = tf.tensor2d(values, [v, v]);
      const t = tf.zeros([v], "int32") as tf.Tensor1D;
      const ce = crossEntropySum(z, t);
      const lse = 200 + Math.log(1 + (v - 1) * Math.exp(-201));
      const want = Array.from({ length: v }, (_, j) => lse - (j === 0 ? 200 : -1)).reduce((a, b) =>
        a + b
      );
      assertClose(await read(ce), [want], `v = ${v} ${simd ? "SIMD" : "JS"}`, 1e-6);
      tf.dispose([z, t, ce]);
    }
    for (const at of [0, 5, 17, 21]) { // in the first vector, the 4-wide loop, its tail, the JS tail
      const values = new Float32Array(22).fill(0.5);
      values[at] = NaN;
      const z = tf.tensor2d(values, [1, 22]);
      const t = tf.tensor1d([3], "int32");
      const ce = crossEntropySum(z, t);
      assert.ok(Number.isNaN((await read(ce))[0]), `NaN at ${at} ${simd ? "SIMD" : "JS"}`);
      tf.dispose([z, t, ce]);
    }
  }
  setSimdKernels(true);
  assert.equal(tf.memory().numTensors, before);
});
