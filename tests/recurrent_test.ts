import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type Cell, CELL_KINDS, createCell } from "../lib/cells/mod.ts";
import { computeGrads, type GradsSpec } from "../lib/grads.ts";
import { scanImplsFor } from "../lib/ops/reverse_scan.ts";
import { type GradientMode, Recurrent, type RecurrentOptions } from "../lib/recurrent.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, BACKENDS, cellFixtures, fixture, read, useBackend } from "./_util.ts";

const SIZES = { B: 2, T: 6, E: 3, D: 5 };

function randomTensor(shape: number[], rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

/** Gradients of Σ layers(x) ⊙ outGrad w.r.t. x and every weight, read back as arrays. */
async function gradsOf(
  layers: Recurrent[],
  x: tf.Tensor3D,
  outGrad: tf.Tensor,
): Promise<{ x: number[]; weights: number[][]; states: number[] }> {
  const xv = tf.variable(x);
  const weights = layers.flatMap((l) => Object.values(l.params));
  const run = () => layers.reduce((h, l) => l.apply(h), xv as tf.Tensor3D);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(run(), outGrad)) as tf.Scalar, [
    xv,
    ...weights,
  ]);
  const states = tf.tidy(() => layers.reduce((h, l) => l.apply(h, { training: false }), x));
  const out = {
    x: await read(grads[xv.name]),
    weights: await Promise.all(weights.map((w) => read(grads[w.name]))),
    states: await read(states),
  };
  tf.dispose([value, xv, states, ...Object.values(grads)]);
  return out;
}

function assertSameGrads(
  a: Awaited<ReturnType<typeof gradsOf>>,
  b: Awaited<ReturnType<typeof gradsOf>>,
  what: string,
): void {
  assertClose(a.states, b.states, `${what} states`);
  assertClose(a.x, b.x, `${what} dx`);
  a.weights.forEach((w, i) => assertClose(w, b.weights[i], `${what} dW[${i}]`));
}

/** A layer over a fresh cell of `kind` with seeded weights. */
function layerOf(kind: string, mode: GradientMode, opts: RecurrentOptions = {}): Recurrent {
  const cell = createCell(kind as "gru", { input: SIZES.E, hidden: SIZES.D }, { seed: 3 });
  return new Recurrent(cell, { mode, ...opts });
}

for (const backend of BACKENDS) {
  Deno.test(`1. fused BPTT equals autodiff through the unrolled cell (${backend})`, async () => {
    await useBackend(backend);
    for (const kind of CELL_KINDS) {
      const rng = new Rng(11);
      const fused = layerOf(kind, "bptt");
      const naive = layerOf(kind, "bptt", { fused: false });
      const x = randomTensor([SIZES.B, SIZES.T, SIZES.E], rng) as tf.Tensor3D;
      const og = randomTensor([SIZES.B, SIZES.T, fused.cell.stateSize], rng);
      assertSameGrads(await gradsOf([fused], x, og), await gradsOf([naive], x, og), kind);
      tf.dispose([x, og]);
      fused.dispose();
      naive.dispose();
    }
  });

  Deno.test(`2. states and gradients equal PyTorch's (fixtures, ${backend})`, async () => {
    await useBackend(backend);
    for (const name of cellFixtures()) {
      const f = fixture(name);
      const expected = f.expected as { states: unknown; grads: Record<string, unknown> };
      const { expected: _e, name: _n, ...spec } = f;
      const got = await computeGrads(spec as unknown as GradsSpec);
      assertClose(got.states, expected.states, `${name} states`);
      for (const k of ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "x"] as const) {
        assertClose(got.grads[k], expected.grads[k], `${name} d${k}`);
      }
    }
  });

  Deno.test(`3. DSF is exact on a diagonal linear recurrence with λ = a (${backend})`, async () => {
    await useBackend(backend);
    const [E, S] = [3, 4];
    const a = [0.9, 0.5, -0.3, 0.99];
    const diagonalCell = (): Cell => ({
      kind: "diagonal-linear",
      inputSize: E,
      stateSize: S,
      params: {
        a: tf.variable(tf.tensor1d(a)),
        w: tf.variable(
          tf.tensor2d([[0.3, -0.2, 0.1], [0.5, 0.4, -0.6], [-0.7, 0.2, 0.9], [0.1, 0.1, 0.1]]),
        ),
      },
      // h_t = a ⊙ h_{t−1} + W x_t
      step: (x, h, [av, w]) => tf.add(tf.mul(h, av), tf.matMul(x, w, false, true)),
    });
    const rng = new Rng(5);
    const x = randomTensor([2, 9, E], rng) as tf.Tensor3D;
    const og = randomTensor([2, 9, S], rng);
    const bptt = new Recurrent(diagonalCell(), { mode: "bptt" });
    const ref = await gradsOf([bptt], x, og);
    for (const impl of scanImplsFor()) {
      const dsf = new Recurrent(diagonalCell(), { mode: "dsf", feedback: a, scanImpl: impl });
      assertSameGrads(await gradsOf([dsf], x, og), ref, `dsf(${impl})`);
      dsf.dispose();
    }
    // …and it is not exact with another λ (the test can fail).
    const off = new Recurrent(diagonalCell(), { mode: "dsf" });
    const wrong = await gradsOf([off], x, og);
    assert.throws(() => assertClose(wrong.x, ref.x, "dx with linspace λ"));
    tf.dispose([x, og]);
    [bptt, off].forEach((l) => l.dispose());
  });

  Deno.test(`4. FT-BPTT = DSF with λ = 0, and the DSF implementations agree (${backend})`, async () => {
    await useBackend(backend);
    for (const kind of CELL_KINDS) {
      const rng = new Rng(2);
      const ft = layerOf(kind, "ft-bptt");
      const s = ft.cell.stateSize;
      const x = randomTensor([SIZES.B, SIZES.T, SIZES.E], rng) as tf.Tensor3D;
      const og = randomTensor([SIZES.B, SIZES.T, s], rng);
      const zero = layerOf(kind, "dsf", { feedback: new Array(s).fill(0) });
      assertSameGrads(await gradsOf([zero], x, og), await gradsOf([ft], x, og), `${kind} λ=0`);
      const lambda = Array.from({ length: s }, () => rng.uniform(0, 1));
      const refLayer = layerOf(kind, "dsf", { feedback: lambda, fused: false });
      const ref = await gradsOf([refLayer], x, og);
      for (const impl of scanImplsFor()) {
        const l = layerOf(kind, "dsf", { feedback: lambda, scanImpl: impl });
        assertSameGrads(await gradsOf([l], x, og), ref, `${kind} ${impl}`);
        l.dispose();
      }
      tf.dispose([x, og]);
      [ft, zero, refLayer].forEach((l) => l.dispose());
    }
  });

  Deno.test(`5. two-layer stack: exact between layers, DSF in time (fixtures, ${backend})`, async () => {
    await useBackend(backend);
    for (const mode of ["bptt", "dsf"] as const) {
      const f = fixture(`stack_gru_${mode}.json`) as {
        layers: { weights: Record<string, number[][]>; dsf?: { lambda: number[] } }[];
        x: number[][][];
        outGrad: number[][][];
        expected: {
          states2: number[][][];
          grads: Record<string, number[][]>[];
          grads_x: number[][][];
        };
      };
      const layers = f.layers.map((spec, i) => {
        const cell = createCell("gru", { input: i === 0 ? 3 : 4, hidden: 4 });
        for (const [k, v] of Object.entries(spec.weights)) cell.params[k].assign(tf.tensor(v));
        return new Recurrent(cell, { mode, feedback: spec.dsf?.lambda });
      });
      const x = tf.tensor3d(f.x);
      const og = tf.tensor3d(f.outGrad);
      const got = await gradsOf(layers, x, og);
      assertClose(got.states, f.expected.states2, `${mode} states2`);
      assertClose(got.x, f.expected.grads_x, `${mode} dx`);
      const names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"];
      got.weights.forEach((w, i) =>
        assertClose(
          w,
          f.expected.grads[Math.floor(i / 4)][names[i % 4]],
          `${mode} layer${Math.floor(i / 4)} ${names[i % 4]}`,
        )
      );
      tf.dispose([x, og]);
      layers.forEach((l) => l.dispose());
    }
  });

  Deno.test(`6. a training step does not leak tensors (${backend})`, async () => {
    await useBackend(backend);
    for (const kind of CELL_KINDS) {
      for (const mode of ["bptt", "ft-bptt", "dsf"] as const) {
        const layer = layerOf(kind, mode);
        const rng = new Rng(1);
        const x = randomTensor([SIZES.B, SIZES.T, SIZES.E], rng) as tf.Tensor3D;
        const target = randomTensor([SIZES.B, SIZES.T, layer.cell.stateSize], rng);
        const step = async () => {
          const loss = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(
              () => tf.mean(tf.square(tf.sub(layer.apply(x), target))) as tf.Scalar,
            );
            for (const [name, g] of Object.entries(grads)) {
              const v = Object.values(layer.params).find((p) => p.name === name)!;
              v.assign(tf.sub(v, tf.mul(g, 0.1)));
            }
            return value;
          });
          const out = (await loss.data())[0];
          loss.dispose();
          return out;
        };
        const first = await step();
        const after1 = tf.memory().numTensors;
        let last = first;
        for (let i = 0; i < 19; i++) last = await step();
        assert.equal(tf.memory().numTensors, after1, `${kind} ${mode}: tensors leak per step`);
        assert.ok(last < first, `${kind} ${mode}: loss did not fall (${first} → ${last})`);
        tf.dispose([x, target]);
        layer.dispose();
      }
    }
  });
}

Deno.test("a layer rejects an unknown mode, a λ of the wrong length and a wrong input width", () => {
  const cell = createCell("gru", { input: 3, hidden: 4 });
  // deno-lint-ignore no-explicit-any
  assert.throws(() => new Recurrent(cell, { mode: "tbptt" as any }), /mode "tbptt" is unknown/);
  assert.throws(
    () => new Recurrent(cell, { mode: "dsf", feedback: [0.5, 0.5] }),
    /length 2, but the state size is 4/,
  );
  const l = new Recurrent(cell, { mode: "dsf" });
  const x = tf.zeros([2, 5, 7]) as tf.Tensor3D;
  assert.throws(() => l.apply(x), /input must be \[T, B, 3\]/);
  x.dispose();
  l.dispose();
});

Deno.test("observe: each forward's input [T, B, E] and states [T, B, S], until unsubscribed", async () => {
  await useBackend("cpu");
  const { B, T, E, D } = SIZES;
  const layer = layerOf("gru", "dsf");
  const x = randomTensor([B, T, E], new Rng(7)) as tf.Tensor3D;
  const seen: [number[], number[]][] = [];
  let states: tf.Tensor3D | undefined;
  const stop = layer.observe((xi, s) => {
    seen.push([xi.shape, s.shape]);
    states?.dispose();
    states = tf.keep(tf.transpose(s, [1, 0, 2]));
  });
  for (const training of [false, true]) tf.dispose(layer.apply(x, { training }));
  assert.deepEqual(seen, [[[T, B, E], [T, B, D]], [[T, B, E], [T, B, D]]]);
  const out = layer.apply(x, { training: false });
  assertClose(await read(states!), await read(out), "the observed states are the output");
  stop();
  tf.dispose(layer.apply(x));
  assert.equal(seen.length, 3, "no call after unsubscribing");
  tf.dispose([x, out, states!]);
  layer.dispose();
});
