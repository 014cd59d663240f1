import { strict as assert } from "node:assert";
import {
  type Batch,
  batchesPerEpoch,
  epochPlan,
  evalBatches,
  makeBatch,
  trainBatches,
} from "../lib/data/batches.ts";
import { chunkCount, chunkSource } from "../lib/data/chunks.ts";
import { sentenceSource, type SequenceSource } from "../lib/data/sequence_source.ts";
import { frameSentences } from "../lib/data/sentences.ts";
import { Vocab } from "../lib/data/vocab.ts";
import { Rng } from "../lib/util/rng.ts";

/** n sentences of random lengths 0..maxWords over a 20-word vocabulary. */
function randomSource(n: number, maxWords: number, seed = 1): SequenceSource {
  const rng = new Rng(seed);
  const words = Array.from({ length: 20 }, (_, i) => `w${i}`);
  const lines = Array.from(
    { length: n },
    () => Array.from({ length: rng.int(maxWords + 1) }, () => words[rng.int(20)]),
  );
  return sentenceSource(frameSentences(lines, Vocab.build(words), { context: 12 }));
}

/** The unpadded (x, y) rows of a batch, as strings. */
function batchRows(b: Batch): string[] {
  const out: string[] = [];
  for (let r = 0; r < b.B; r++) {
    let n = 0;
    while (n < b.T && b.mask[r * b.T + n] === 1) n++;
    for (let t = n; t < b.T; t++) assert.equal(b.mask[r * b.T + t], 0);
    const x = b.x.subarray(r * b.T, r * b.T + n).join(",");
    const y = b.y.subarray(r * b.T, r * b.T + n).join(",");
    out.push(`${x}|${y}`);
  }
  return out;
}

function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

Deno.test("makeBatch: X = s[:-1], Y = s[1:], padded with 0, trimmed to the longest row", () => {
  const v = Vocab.build(["a", "b", "c"]); // a4 b5 c6
  const src = sentenceSource(frameSentences([["a", "b"], ["c"]], v));
  const b = makeBatch(src, [0, 1]);
  assert.equal(b.B, 2);
  assert.equal(b.T, 3);
  assert.deepEqual(Array.from(b.x), [1, 4, 5, 1, 6, 0]);
  assert.deepEqual(Array.from(b.y), [4, 5, 2, 6, 2, 0]);
  assert.deepEqual(Array.from(b.mask), [1, 1, 1, 1, 1, 0]);
  assert.equal(b.count, 5);
  const wide = makeBatch(src, [1], { padTo: 5 });
  assert.deepEqual(Array.from(wide.x), [1, 6, 0, 0, 0]);
  assert.throws(() => makeBatch(src, [0], { padTo: 2 }), /padTo/);
});

Deno.test("training batches are deterministic and each epoch covers every example once", () => {
  const src = randomSource(103, 10);
  const opts = { batchSize: 8, seed: 42, epochs: 2 };
  const a = [...trainBatches(src, opts)];
  const b = [...trainBatches(src, opts)];
  assert.equal(a.length, 2 * Math.ceil(103 / 8));
  assert.equal(a.length, 2 * batchesPerEpoch(103, opts));
  assert.deepEqual(a.map((x) => Array.from(x.x)), b.map((x) => Array.from(x.x)));
  for (const epoch of [0, 1]) {
    const seen = a.filter((x) => x.position.epoch === epoch).flatMap((x) => Array.from(x.indices));
    assert.deepEqual(seen.toSorted((p, q) => p - q), Array.from({ length: 103 }, (_, i) => i));
  }
  const e0 = a.filter((x) => x.position.epoch === 0).map((x) => x.indices.join());
  const e1 = a.filter((x) => x.position.epoch === 1).map((x) => x.indices.join());
  assert.notDeepEqual(e0, e1); // a new permutation per epoch
  const other = [...trainBatches(src, { ...opts, seed: 43 })];
  assert.notDeepEqual(other[0].indices, a[0].indices);
});

Deno.test("training batches resume exactly from a saved position", () => {
  const src = randomSource(50, 10);
  const opts = { batchSize: 7, seed: 3, bucket: 2, epochs: 3 };
  const all = [...trainBatches(src, opts)];
  const cut = 10; // somewhere in epoch 1
  const resumed = [...trainBatches(src, { ...opts, start: all[cut - 1].next })];
  assert.equal(resumed.length, all.length - cut);
  for (let i = 0; i < resumed.length; i++) {
    assert.deepEqual(resumed[i].position, all[cut + i].position);
    assert.deepEqual(Array.from(resumed[i].x), Array.from(all[cut + i].x));
    assert.deepEqual(Array.from(resumed[i].y), Array.from(all[cut + i].y));
  }
  assert.deepEqual(all[6].next, { epoch: 0, index: 7 }); // 50 / 7 → 8 batches; index 7 is last
  assert.deepEqual(all[7].next, { epoch: 1, index: 0 });
  assert.throws(() => take(trainBatches(src, { ...opts, start: { epoch: 0, index: 99 } }), 1));
});

Deno.test("bucketing: same sentences and targets per epoch, less padding", () => {
  const src = randomSource(500, 12, 7);
  const plain = { batchSize: 16, seed: 11, epochs: 1 };
  const a = [...trainBatches(src, plain)];
  const b = [...trainBatches(src, { ...plain, bucket: 10 })];
  assert.equal(a.length, b.length);
  const rowsA = a.flatMap(batchRows).sort();
  const rowsB = b.flatMap(batchRows).sort();
  assert.deepEqual(rowsA, rowsB);
  const sum = (xs: Batch[], f: (x: Batch) => number) => xs.reduce((s, x) => s + f(x), 0);
  assert.equal(sum(a, (x) => x.count), sum(b, (x) => x.count));
  const cells = (xs: Batch[]) => sum(xs, (x) => x.B * x.T);
  assert.ok(cells(b) < 0.8 * cells(a), `bucketed ${cells(b)} vs plain ${cells(a)} cells`);
  // Every row matches its source example exactly.
  for (const batch of b) {
    for (let r = 0; r < batch.B; r++) {
      const i = batch.indices[r];
      const n = src.steps(i);
      assert.deepEqual(
        Array.from(batch.y.subarray(r * batch.T, r * batch.T + n)),
        Array.from(src.targets(i)),
      );
    }
  }
});

Deno.test("dropLast drops only the incomplete batch", () => {
  const src = randomSource(37, 5);
  for (const bucket of [0, 2]) {
    const plan = epochPlan(src, 0, { batchSize: 8, seed: 1, bucket, dropLast: true });
    assert.equal(plan.length, 4);
    assert.ok(plan.every((p) => p.length === 8));
  }
});

Deno.test("evaluation batches: the whole split in order", () => {
  const src = randomSource(21, 6);
  const bs = [...evalBatches(src, { batchSize: 8 })];
  assert.deepEqual(bs.map((b) => b.B), [8, 8, 5]);
  assert.deepEqual(
    bs.flatMap((b) => Array.from(b.indices)),
    Array.from({ length: 21 }, (_, i) => i),
  );
});

Deno.test("chunks: x = tokens[iT .. iT+T), y shifted by one; counts and tails", () => {
  const tokens = Int32Array.from({ length: 11 }, (_, i) => 100 + i); // 100..110
  const src = chunkSource(tokens, { T: 4 });
  assert.equal(src.size, 2); // targets 1..8 in two chunks; 9,10 left over
  assert.deepEqual(Array.from(src.inputs(1)), [104, 105, 106, 107]);
  assert.deepEqual(Array.from(src.targets(1)), [105, 106, 107, 108]);
  const padded = chunkSource(tokens, { T: 4, tail: "pad" });
  assert.equal(padded.size, 3);
  assert.equal(padded.steps(2), 2);
  assert.deepEqual(Array.from(padded.targets(2)), [109, 110]);
  const b = makeBatch(padded, [2]);
  assert.equal(b.T, 2);
  // Reference layout: 5-token chunks, no overlap, 4 targets each.
  const ref = chunkSource(tokens, { T: 4, stride: 5 });
  assert.equal(ref.size, 2);
  assert.deepEqual(Array.from(ref.inputs(1)), [105, 106, 107, 108]);
  // Closed forms: full chunks = floor((n - 1 - T) / stride) + 1.
  assert.equal(chunkCount(1_000_001, { T: 256 }), Math.floor(1_000_000 / 256));
  assert.equal(chunkCount(3, { T: 4 }), 0);
  assert.equal(chunkCount(3, { T: 4, tail: "pad" }), 1);
  assert.equal(chunkCount(11, { T: 4, stride: 5, tail: "pad" }), 2); // token 10 alone makes no example
  const streamed = [...evalBatches(src, { batchSize: 1 })];
  assert.equal(streamed.length, 2);
});
