import { strict as assert } from "node:assert";
import {
  delayedRecallBatch,
  delayedRecallBatches,
  delayedRecallChance,
  delayedRecallVocab,
} from "../lib/data/synthetic.ts";
import { Rng } from "../lib/util/rng.ts";

Deno.test("delayed recall: y_t = x_{t-lag}, first lag steps masked", () => {
  const b = delayedRecallBatch(new Rng(5), { symbols: 4, lag: 3, T: 10, batchSize: 6 });
  assert.equal(b.x.length, 60);
  assert.equal(b.count, 6 * (10 - 3));
  for (let r = 0; r < 6; r++) {
    for (let t = 0; t < 10; t++) {
      const i = r * 10 + t;
      assert.ok(b.x[i] >= 1 && b.x[i] <= 4);
      if (t < 3) {
        assert.equal(b.mask[i], 0);
        assert.equal(b.y[i], 0);
      } else {
        assert.equal(b.mask[i], 1);
        assert.equal(b.y[i], b.x[i - 3]);
      }
    }
  }
  assert.equal(delayedRecallVocab({ symbols: 4 }), 5);
  const p = delayedRecallBatch(new Rng(5), { symbols: 4, lag: 3, T: 10, blanks: "predict" });
  assert.equal(p.count, p.B * 10);
  assert.throws(() => delayedRecallBatch(new Rng(1), { lag: 5, T: 5 }), /T must be/);
});

Deno.test("delayed recall stream is seeded and resumable", () => {
  const opts = { symbols: 5, lag: 2, T: 8, batchSize: 3 };
  const it = delayedRecallBatches(9, opts);
  const first = Array.from({ length: 6 }, () => it.next().value);
  const again = delayedRecallBatches(9, opts).next().value;
  assert.deepEqual(Array.from(again.x), Array.from(first[0].x));
  const resumed = delayedRecallBatches(9, { ...opts, start: 4 }).next().value;
  assert.deepEqual(resumed.position, { epoch: 0, index: 4 });
  assert.deepEqual(Array.from(resumed.x), Array.from(first[4].x));
  assert.notDeepEqual(Array.from(first[1].x), Array.from(first[0].x));
});

/** Plug-in estimate of H(Y_t | X_t) in nats over counted steps (the best memoryless loss). */
function conditionalEntropy(batches: ReturnType<typeof delayedRecallBatch>[], V: number): number {
  const joint = new Float64Array(V * V);
  let n = 0;
  for (const b of batches) {
    for (let i = 0; i < b.x.length; i++) {
      if (b.mask[i] === 0) continue;
      joint[b.x[i] * V + b.y[i]]++;
      n++;
    }
  }
  let h = 0;
  for (let x = 0; x < V; x++) {
    let row = 0;
    for (let y = 0; y < V; y++) row += joint[x * V + y];
    for (let y = 0; y < V; y++) {
      const c = joint[x * V + y];
      if (c > 0) h -= (c / n) * Math.log(c / row);
    }
  }
  return h;
}

Deno.test("chance level: closed form vs the best memoryless predictor on samples", () => {
  // Masked blanks: ln K.
  assert.equal(delayedRecallChance({ symbols: 8 }).loss, Math.log(8));
  assert.equal(delayedRecallChance({ symbols: 8 }).perplexity, 8);
  // Predicted blanks, K = 8, lag = 8, T = 32: p = 1/4,
  // −¼·ln ¼ − ¾·ln(3/32) = 0.346574 + 1.775343 = 2.121916 nats.
  const pred = delayedRecallChance({ symbols: 8, lag: 8, T: 32, blanks: "predict" });
  assert.ok(Math.abs(pred.loss - 2.121916) < 1e-6);
  assert.equal(pred.accuracy, 0.25);
  const rng = new Rng(123);
  for (const blanks of ["mask", "predict"] as const) {
    const opts = { symbols: 8, lag: 8, T: 32, batchSize: 64, blanks };
    const batches = Array.from({ length: 60 }, () => delayedRecallBatch(rng, opts));
    const h = conditionalEntropy(batches, 9);
    const closed = delayedRecallChance(opts).loss;
    assert.ok(Math.abs(h - closed) < 0.01, `${blanks}: empirical ${h} vs closed form ${closed}`);
  }
});
