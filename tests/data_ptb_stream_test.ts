// PTB's stream framing (`data.framing: "chunks"` on ptb and ptb-char): the split's sentences in
// file order as one stream, cut into `context`-token chunks; the default stays the sentences.
import { strict as assert } from "node:assert";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPtbCorpus, buildPtbStreams, type PtbLevel } from "../lib/data/ptb.ts";
import { sentenceAt } from "../lib/data/sentences.ts";
import { type Batch, trainBatches } from "../lib/data/batches.ts";
import { sentenceSource } from "../lib/data/sequence_source.ts";
import { BOS_ID, EOS_ID, PAD_ID } from "../lib/data/vocab.ts";
import { makeConfig } from "../lib/config/schema.ts";
import { resolveConfig } from "../lib/config/resolve.ts";
import { loadRunData } from "../lib/io/datasets.ts";
import { loadPtb, loadPtbStreams } from "../lib/io/ptb_loader.ts";

const DATA_DIR = Deno.env.get("DSF_DATA_DIR") ??
  resolve(fileURLToPath(new URL("..", import.meta.url)), "../shared/data");

/** The real targets of a batch, row by row (mask 1 only). */
function targets(b: Batch): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.B * b.T; i++) if (b.mask[i] === 1) out.push(b.y[i]);
  return out;
}

/** Counts of each id in `xs`. */
function histogram(xs: ArrayLike<number>): Map<number, number> {
  const h = new Map<number, number>();
  for (let i = 0; i < xs.length; i++) h.set(xs[i], (h.get(xs[i]) ?? 0) + 1);
  return h;
}

Deno.test("stream framing on a hand-made text: <eos> s₀ <eos> s₁ <eos> …, nothing cut", () => {
  const texts = { train: "a b c\nb a\n\nd a b c e f\n", valid: "a z\n", test: "<unk> f\n" };
  const s = buildPtbStreams(texts);
  const c = buildPtbCorpus(texts, { context: 4 });
  assert.deepEqual(s.vocab.toJSON(), c.vocab.toJSON()); // the same vocabulary
  // ids: <pad>0 <bos>1 <eos>2 <unk>3, then a4 b5 c6 d7 e8 f9; the 6-word line is not cut
  assert.deepEqual(Array.from(s.train.ids), [2, 4, 5, 6, 2, 5, 4, 2, 2, 7, 4, 5, 6, 8, 9, 2]);
  assert.equal(s.train.sentences, 4);
  assert.equal(s.train.rawTokens, 11);
  assert.deepEqual(Array.from(s.valid.ids), [2, 4, 3, 2]);
  assert.equal(s.valid.oov, 1);
  assert.deepEqual(Array.from(s.test.ids), [2, 3, 9, 2]);
  const chars = buildPtbStreams({ train: "ab c\n", valid: "a\n", test: "c\n" }, { level: "char" });
  assert.deepEqual(chars.vocab.toJSON().slice(4), ["a", "b", "_", "c"]);
  assert.deepEqual(Array.from(chars.train.ids), [2, 4, 5, 6, 7, 2]);
});

for (const level of ["word", "char"] as PtbLevel[]) {
  const dataset = level === "word" ? "ptb" : "ptb-char";

  Deno.test(`${dataset} stream: the sentences' tokens in file order, <eos> between`, async () => {
    const streams = await loadPtbStreams({ dataDir: DATA_DIR, level });
    const sentences = await loadPtb({ dataDir: DATA_DIR, level, context: 100_000 }); // uncut
    for (const split of ["train", "valid", "test"] as const) {
      const ids = streams[split].ids;
      const set = sentences[split];
      assert.equal(ids[0], EOS_ID);
      let p = 1;
      for (let i = 0; i < set.size; i++) {
        const s = sentenceAt(set, i); // <bos> tokens <eos>
        assert.equal(s[0], BOS_ID);
        for (let j = 1; j < s.length; j++, p++) {
          if (ids[p] !== s[j]) {
            assert.fail(`${split}: sentence ${i} token ${j}: ${ids[p]} ≠ ${s[j]}`);
          }
        }
      }
      assert.equal(p, ids.length, `${split}: the stream is exactly the sentences`);
      assert.equal(streams[split].sentences, set.size);
      assert.ok(!ids.includes(BOS_ID) && !ids.includes(PAD_ID));
    }
    // Word level: one <eos> per line, as the published token counts (929,589 training tokens).
    if (level === "word") assert.equal(streams.train.ids.length - 1, 929_589);
  });

  Deno.test(`${dataset} chunks: every target once, in order, context respected`, async () => {
    const streams = await loadPtbStreams({ dataDir: DATA_DIR, level });
    for (const [split, context] of [["valid", 32], ["test", 64], ["valid", 100]] as const) {
      const { ids } = streams[split];
      const config = makeConfig({
        dataset,
        data: { framing: "chunks" },
        context,
        batchSize: 7,
        evalBatchSize: 5,
        seed: 3,
      });
      const data = await loadRunData(config, { dataDir: DATA_DIR });
      assert.match(data.description, /one stream, chunks of/);
      // In order: the evaluation batches' targets are the stream after its first token.
      const seen: number[] = [];
      for (const b of split === "valid" ? data.valid() : data.test!()) {
        assert.ok(b.T <= context, `a batch of ${b.T} steps > context ${context}`);
        for (let r = 0; r < b.B; r++) {
          const row = (a: Int32Array) => a.subarray(r * b.T, (r + 1) * b.T);
          const n = b.mask.subarray(r * b.T, (r + 1) * b.T).reduce((a, m) => a + m, 0);
          const [x, y] = [row(b.x), row(b.y)];
          // Inputs are the targets shifted by one, and a row goes on where the last one ended.
          assert.equal(x[0], seen.length === 0 ? ids[0] : seen[seen.length - 1]);
          for (let t = 1; t < n; t++) assert.equal(x[t], y[t - 1]);
          seen.push(...y.subarray(0, n));
          // Every row is a whole chunk of `context` steps but the last one.
          if (n !== context) assert.equal(seen.length, ids.length - 1);
        }
      }
      assert.deepEqual(seen, Array.from(ids.subarray(1)), `${split}, context ${context}`);
    }
  });

  Deno.test(`${dataset} chunks: an epoch of training batches has every target once`, async () => {
    const { ids } = (await loadPtbStreams({ dataDir: DATA_DIR, level })).train;
    const config = makeConfig({
      dataset,
      data: { framing: "chunks" },
      context: 64,
      batchSize: 1024,
      seed: 5,
    });
    const data = await loadRunData(config, { dataDir: DATA_DIR });
    const n = ids.length - 1;
    assert.equal(data.batchesPerEpoch, Math.ceil(Math.ceil(n / 64) / 1024));
    const all: number[] = [];
    const it = data.train({ epoch: 0, index: 0 });
    for (let i = 0; i < data.batchesPerEpoch; i++) {
      const b = it.next().value as Batch;
      assert.ok(b.T <= 64 && b.B <= 1024);
      for (const y of targets(b)) all.push(y);
    }
    assert.equal(all.length, n);
    assert.deepEqual(histogram(all), histogram(ids.subarray(1)));
    // Deterministic per seed: the same seed, the same batches; another seed, another order.
    const first = async (seed: number) => {
      const d = await loadRunData({ ...config, seed }, { dataDir: DATA_DIR });
      return d.train({ epoch: 1, index: 3 }).next().value as Batch;
    };
    const [a, b, c] = await Promise.all([first(5), first(5), first(6)]);
    assert.deepEqual(a.x, b.x);
    assert.deepEqual(a.indices, b.indices);
    assert.notDeepEqual(a.indices, c.indices);
  });
}

Deno.test("the default framing of ptb and ptb-char is still the sentences, batch for batch", async () => {
  for (const name of ["ptb-gru-1L256", "ptb-char-gru-1L256"]) {
    for (const scale of ["smoke", "quick", "small", "paper"] as const) {
      assert.equal(resolveConfig(name, { scale }).data.framing, "lines", `${name} ${scale}`);
    }
    const config = resolveConfig(name, { scale: "quick" });
    const data = await loadRunData(config, { dataDir: DATA_DIR });
    assert.match(data.description, /training sentences, context/);
    // The batches the sentence framing made before the stream framing existed.
    const level = config.dataset === "ptb" ? "word" : "char";
    const c = await loadPtb({ dataDir: DATA_DIR, level, context: config.context });
    const want = trainBatches(sentenceSource(c.train), {
      batchSize: config.batchSize,
      seed: config.seed,
      bucket: 50,
      start: { epoch: 2, index: 5 },
    });
    const got = data.train({ epoch: 2, index: 5 });
    const [w, g] = [want.next().value!, got.next().value!];
    assert.deepEqual(g, w);
  }
});
