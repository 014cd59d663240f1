/**
 * Micro-batches (config `microBatches`, lib/train/step.ts): a batch cut into k row slices gives
 * the whole batch's mean loss and every parameter's gradient to float32 rounding, for a GRU LM
 * in BPTT and DSF on cpu and wasm, with padding (slices of unequal target counts, one with
 * none); evaluation by slices gives the whole batch's loss; the trainer takes the config's
 * `microBatches` (the same curve, to rounding); the key's range is checked.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { makeConfig } from "../lib/config/schema.ts";
import type { Batch } from "../lib/data/batches.ts";
import { createModel } from "../lib/models/mod.ts";
import { resolveConfig } from "../lib/config/resolve.ts";
import { loadRunData } from "../lib/io/datasets.ts";
import { batchGrads, evaluate, splitBatch } from "../lib/train/step.ts";
import { type MetricRow, train } from "../lib/train/trainer.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";

const [B, T, V] = [5, 6, 11];

/** A batch of random ids; row 3 is all padding, row 1 half. */
function tinyBatch(): Batch {
  const rng = new Rng(9);
  const x = Int32Array.from({ length: B * T }, () => rng.int(V));
  const y = Int32Array.from({ length: B * T }, () => rng.int(V));
  const mask = Float32Array.from({ length: B * T }, (_, i) => {
    const [r, t] = [Math.floor(i / T), i % T];
    return r === 3 || (r === 1 && t >= T / 2) ? 0 : 1;
  });
  const count = mask.reduce((a, m) => a + m, 0);
  const position = { epoch: 0, index: 0 };
  const indices = Int32Array.from({ length: B }, (_, i) => i);
  return { x, y, mask, B, T, count, indices, position, next: { epoch: 0, index: 1 } };
}

Deno.test("splitBatch: k slices of the rows, sizes within one, counts that add up", () => {
  const batch = tinyBatch();
  const parts = splitBatch(batch, 3);
  assert.deepEqual(parts.map((p) => p.B), [2, 2, 1]);
  assert.deepEqual(parts.map((p) => p.count), [9, 6, 6]);
  assert.deepEqual(Array.from(parts[2].x), Array.from(batch.x.subarray(4 * T)));
  assert.deepEqual(splitBatch(batch, 1), [batch]);
  assert.equal(splitBatch(batch, 99).length, B); // capped at one row each
});

for (const backend of ["cpu", "wasm"] as const) {
  for (const mode of ["bptt", "dsf"] as const) {
    Deno.test(`micro-batches on ${backend}, GRU LM ${mode}: whole batch's loss and grads`, async () => {
      await useBackend(backend);
      const model = createModel(
        makeConfig({ model: "rnn-lm", cell: "gru", mode, layers: 2, hidden: 8, context: T }),
        V,
      );
      const batch = tinyBatch();
      const read_ = async (r: { value: tf.Scalar; grads: Record<string, tf.Tensor> }) => {
        const out: Record<string, number[]> = { loss: await read(r.value) };
        for (const [k, g] of Object.entries(r.grads)) out[k] = await read(g);
        tf.dispose([r.value, ...Object.values(r.grads)]);
        return out;
      };
      const whole = await read_(batchGrads(model, batch, 1));
      for (const k of [2, 3, 5]) { // 5: one row a slice, and the padding row's slice skipped
        const sliced = await read_(batchGrads(model, batch, k));
        assert.deepEqual(Object.keys(sliced), Object.keys(whole));
        for (const name of Object.keys(whole)) {
          assertClose(sliced[name], whole[name], `k=${k} ${name}`, 2e-6);
        }
      }
      const before = tf.memory().numTensors;
      const one = await evaluate(model, [batch]);
      const three = await evaluate(model, [batch], { microBatches: 3 });
      assert.equal(three.count, one.count);
      assertClose([three.loss], [one.loss], "evaluation loss", 2e-6);
      assert.equal(tf.memory().numTensors, before, "no tensor leaked");
      model.dispose();
    });
  }
}

Deno.test("config microBatches: an integer in [1, batchSize]", () => {
  assert.equal(makeConfig({}).microBatches, 1);
  assert.equal(makeConfig({ batchSize: 8, microBatches: 8 }).microBatches, 8);
  assert.throws(() => makeConfig({ microBatches: 0 }), /"microBatches": must be an integer/);
  assert.throws(() => makeConfig({ microBatches: 1.5 }), /"microBatches"/);
  assert.throws(
    () => makeConfig({ batchSize: 4, microBatches: 5 }),
    /"microBatches": must be <= batchSize \(4\)/,
  );
});

Deno.test("trainer with microBatches=2: the curve of whole batches, to float32 rounding", async () => {
  await useBackend("cpu");
  const curve = async (microBatches: number) => {
    const config = resolveConfig("synthetic-recall", {
      scale: "smoke",
      set: ["hidden=8", "context=8", "lag=2", "batchSize=4", "steps=3", "evalEvery=3"].concat(
        `microBatches=${microBatches}`,
      ),
    });
    const data = await loadRunData(config);
    const model = createModel(config, data.vocabSize);
    const rows: MetricRow[] = [];
    const sizes = new Set<number>(); // the batch rows the model's loss sees
    const loss = model.loss.bind(model);
    model.loss = (ids, ...rest) => (sizes.add(ids.shape[0]), loss(ids, ...rest));
    await train(model, data, config, { callbacks: { onMetric: (r) => void rows.push(r) } });
    model.dispose();
    return { losses: rows.map((r) => r.loss), sizes: [...sizes] };
  };
  const [whole, sliced] = [await curve(1), await curve(2)];
  assert.deepEqual([whole.sizes, sliced.sizes], [[4], [2]]); // training and validation alike
  assert.equal(whole.losses.length, 2); // train and valid at step 3
  assertClose(sliced.losses, whole.losses, "train and valid losses", 1e-5);
});
