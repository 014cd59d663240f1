import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { compareFeedbacks, FEEDBACK_VARIANTS } from "../lib/analysis/feedback_compare.ts";
import { gradientAlignment } from "../lib/analysis/alignment.ts";
import { makeConfig } from "../lib/config/schema.ts";
import type { Batch } from "../lib/data/batches.ts";
import { createModel } from "../lib/models/mod.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";

const [B, T, V] = [3, 9, 11];

function randomBatch(seed: number): Batch {
  const rng = new Rng(seed);
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T === T - 1 ? 0 : 1));
  return {
    x: Int32Array.from({ length: B * T }, () => rng.int(V)),
    y: Int32Array.from({ length: B * T }, () => rng.int(V)),
    mask,
    B,
    T,
    count: mask.reduce((a, v) => a + v, 0),
    indices: Int32Array.from({ length: B }, (_, i) => i),
    position: { epoch: 0, index: seed },
    next: { epoch: 0, index: seed + 1 },
  };
}

Deno.test("compareFeedbacks: every variant measured, BPTT's cosine is 1, the layers restored", async () => {
  await useBackend("cpu");
  const model = createModel(makeConfig({ layers: 2, hidden: 6, context: T, mode: "dsf" }), V);
  const batches = [0, 1, 2].map(randomBatch);
  const lambda = await read(model.recurrentLayers()[0].feedback!);
  const before = tf.memory().numTensors;
  const rows = await compareFeedbacks(model, batches, { rounds: 2 });
  assert.equal(tf.memory().numTensors, before, "no leak");
  assert.deepEqual(rows.map((r) => r.variant), ["bptt", ...FEEDBACK_VARIANTS]);
  for (const r of rows) {
    assert.equal(r.cosine.length, 2, `${r.variant}: one cosine per measured batch`);
    assert.ok(r.cosine.every((c) => c >= -1 && c <= 1), r.variant);
    assert.ok(r.ms > 0, `${r.variant} timed`);
  }
  assert.deepEqual(rows[0].cosine, [1, 1]);
  assert.ok(rows.find((r) => r.variant === "dsf-fitted")!.refitMs! > 0);
  // The fixed-λ and FT-BPTT cosines are gradientAlignment's on the same batch.
  const ref = await gradientAlignment(model, batches[1], { modes: ["dsf", "ft-bptt"] });
  assertClose(rows.find((r) => r.variant === "dsf")!.cosine[0], ref.recurrent.dsf!, "dsf", 1e-5);
  assertClose(
    rows.find((r) => r.variant === "ft-bptt")!.cosine[0],
    ref.recurrent["ft-bptt"]!,
    "ft",
    1e-5,
  );
  // The variants differ from each other (the test can fail).
  const first = rows.slice(1).map((r) => r.cosine[0].toFixed(6));
  assert.equal(new Set(first).size, first.length, `distinct cosines: ${first}`);
  for (const layer of model.recurrentLayers()) {
    assert.equal(layer.mode, "dsf");
    assert.equal(layer.feedbackKind, "fixed");
  }
  assertClose(await read(model.recurrentLayers()[0].feedback!), lambda, "λ restored");
  model.dispose();
});

Deno.test("compareFeedbacks: clear errors for a non-DSF model and a single batch", async () => {
  await useBackend("cpu");
  const model = createModel(makeConfig({ layers: 1, hidden: 4, context: T, mode: "bptt" }), V);
  await assert.rejects(() => compareFeedbacks(model, [randomBatch(0), randomBatch(1)]), /dsf mode/);
  model.recurrentLayers()[0].setMode("dsf");
  await assert.rejects(() => compareFeedbacks(model, [randomBatch(0)]), /at least 2 batches/);
  model.dispose();
});
