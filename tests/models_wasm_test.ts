/**
 * The models on the wasm backend: loss and every gradient equal the cpu backend's, and one SGD
 * step changes the embedding (tf.gather's gradient on wasm) and lowers the loss.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type ConfigPatch, makeConfig } from "../lib/config/schema.ts";
import { createModel, keptRows } from "../lib/models/mod.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";

const [B, T, V] = [2, 5, 13];

function tinyConfig(patch: ConfigPatch) {
  return makeConfig({ layers: 2, hidden: 8, context: T, heads: 2, emaDim: 3, ...patch });
}

/** Loss and all gradients (by parameter name) of a fresh seeded model on `backend`. */
async function lossAndGrads(
  backend: "cpu" | "wasm",
  patch: ConfigPatch,
): Promise<{ loss: number[]; grads: Record<string, number[]> }> {
  await useBackend(backend);
  const model = createModel(tinyConfig(patch), V);
  const rng = new Rng(4);
  const draw = () => Int32Array.from({ length: B * T }, () => rng.int(V));
  const ids = tf.tensor2d(draw(), [B, T], "int32");
  const targets = tf.tensor1d(draw(), "int32");
  const rows = keptRows(Array.from({ length: B * T }, (_, i) => (i === 3 ? 0 : 1)));
  const vars = Object.values(model.params);
  const { value, grads } = tf.variableGrads(() => model.loss(ids, targets, rows), vars);
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(model.params)) out[k] = await read(grads[v.name]);
  const loss = await read(value);
  tf.dispose([ids, targets, value, ...Object.values(grads)]);
  model.dispose();
  return { loss, grads: out };
}

const CASES: ConfigPatch[] = [
  { model: "rnn-lm", cell: "gru", mode: "dsf" },
  { model: "rnn-lm", cell: "lstm", mode: "bptt" },
  { model: "transformer-like", cell: "gru", mode: "ft-bptt" },
  { model: "gpt" },
  { model: "ema" },
];

for (const patch of CASES) {
  const name = [patch.model, patch.cell, patch.mode].filter((s) => s).join(" ");
  Deno.test(`models on wasm: loss and gradients equal cpu's (${name})`, async () => {
    const cpu = await lossAndGrads("cpu", patch);
    const wasm = await lossAndGrads("wasm", patch);
    assertClose(wasm.loss, cpu.loss, `${name} loss`, 1e-5);
    for (const k of Object.keys(cpu.grads)) {
      assertClose(wasm.grads[k], cpu.grads[k], `${name} grad ${k}`, 1e-4);
    }
  });
}

Deno.test("models on wasm: one step changes the embedding and lowers the loss", async () => {
  await useBackend("wasm");
  const model = createModel(tinyConfig({ model: "rnn-lm" }), V);
  const ids = tf.tensor2d(Int32Array.from({ length: B * T }, (_, i) => i % V), [B, T], "int32");
  const targets = tf.tensor1d(Int32Array.from({ length: B * T }, (_, i) => (i + 1) % V), "int32");
  const emb = model.params["embedding.weight"];
  const before = await read(emb);
  const vars = Object.values(model.params);
  const { value, grads } = tf.variableGrads(() => model.loss(ids, targets), vars);
  for (const v of vars) tf.tidy(() => v.assign(tf.sub(v, tf.mul(grads[v.name], 1.0))));
  const after = await read(emb);
  assert.ok(after.some((x, i) => x !== before[i]), "the embedding did not change");
  const next = model.loss(ids, targets);
  assert.ok((await read(next))[0] < (await read(value))[0], "the loss did not decrease");
  tf.dispose([ids, targets, value, next, ...Object.values(grads)]);
  model.dispose();
});
