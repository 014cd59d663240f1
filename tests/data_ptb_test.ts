import { strict as assert } from "node:assert";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildPtbCorpus,
  PTB_CHAR_VOCAB_SIZE,
  PTB_WORD_VOCAB_SIZE,
  ptbLineTokens,
} from "../lib/data/ptb.ts";
import { frameSentences, sentenceAt, textLines } from "../lib/data/sentences.ts";
import { Vocab } from "../lib/data/vocab.ts";
import { loadPtb } from "../lib/io/ptb_loader.ts";

const DATA_DIR = Deno.env.get("DSF_DATA_DIR") ??
  resolve(fileURLToPath(new URL("..", import.meta.url)), "../shared/data");

const rows = (set: ReturnType<typeof frameSentences>) =>
  Array.from({ length: set.size }, (_, i) => Array.from(sentenceAt(set, i)));

Deno.test("sentence framing on a hand-made text: <bos> words <eos>, cut to context+1", () => {
  const text = "a b c\nb a\n\nd a b c e f\n";
  const corpus = buildPtbCorpus({ train: text, valid: "a z\n", test: "<unk> f\n" }, {
    context: 4,
  });
  // ids: <pad>0 <bos>1 <eos>2 <unk>3, then first-seen: a4 b5 c6 d7 e8 f9
  assert.deepEqual(corpus.vocab.toJSON(), [
    "<pad>",
    "<bos>",
    "<eos>",
    "<unk>",
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
  ]);
  assert.deepEqual(rows(corpus.train), [
    [1, 4, 5, 6, 2],
    [1, 5, 4, 2],
    [1, 2], // a blank line is kept, as in the reference
    [1, 7, 4, 5, 6], // 6 words + 2 specials = 8 ids, cut to context + 1 = 5
  ]);
  assert.equal(corpus.train.rawTokens, 3 + 2 + 0 + 6);
  assert.equal(corpus.train.maxLength, 8);
  assert.deepEqual(rows(corpus.valid), [[1, 4, 3, 2]]); // z is unknown → <unk>
  assert.equal(corpus.valid.oov, 1);
  assert.deepEqual(rows(corpus.test), [[1, 3, 9, 2]]); // the file's own <unk> is id 3
  assert.equal(corpus.test.oov, 0);
});

Deno.test("the file's <unk> keeps id 3 and adds no duplicate", () => {
  const v = Vocab.build(["x", "<unk>", "y", "x"]);
  assert.deepEqual(v.toJSON(), ["<pad>", "<bos>", "<eos>", "<unk>", "x", "y"]);
  assert.equal(v.id("<unk>"), 3);
  assert.equal(v.id("never-seen"), 3);
  assert.throws(() => Vocab.fromJSON(["<bos>", "<pad>"]), /must start with/);
});

Deno.test("character level: words joined by _, <unk> stays one token", () => {
  assert.deepEqual(ptbLineTokens(" ab <unk> c ", "char"), ["a", "b", "_", "<unk>", "_", "c"]);
  assert.deepEqual(ptbLineTokens("   ", "char"), []);
  assert.deepEqual(textLines("x\ny\n"), ["x", "y"]);
  assert.deepEqual(textLines("x\n\ny"), ["x", "", "y"]);
});

Deno.test("frameSentences rejects a bad context", () => {
  assert.throws(() => frameSentences([["a"]], Vocab.build([]), { context: 0 }), /context/);
});

Deno.test("real PTB: 10,002 word ids, 51 char ids, split sizes as published", async () => {
  const t0 = performance.now();
  const ptb = await loadPtb({ dataDir: DATA_DIR });
  const ms = performance.now() - t0;
  assert.equal(ptb.vocab.size, PTB_WORD_VOCAB_SIZE);
  assert.equal(ptb.vocab.size, 4 + 9_998);
  assert.equal(ptb.vocab.token(4), "aer"); // first word of ptb.train.txt
  assert.equal(ptb.train.size, 42_068);
  assert.equal(ptb.valid.size, 3_370);
  assert.equal(ptb.test.size, 3_761);
  // Published counts with one <eos> per line: 929,589 / 73,760 / 82,430.
  assert.equal(ptb.train.rawTokens + ptb.train.size, 929_589);
  assert.equal(ptb.valid.rawTokens + ptb.valid.size, 73_760);
  assert.equal(ptb.test.rawTokens + ptb.test.size, 82_430);
  assert.equal(ptb.valid.oov + ptb.test.oov, 0);
  assert.equal(ptb.train.maxLength, 84); // longest line: 82 words
  let longest = 0;
  for (let i = 0; i < ptb.train.size; i++) {
    longest = Math.max(longest, sentenceAt(ptb.train, i).length);
  }
  assert.equal(longest, 65);
  const first = Array.from(sentenceAt(ptb.train, 1), (id) => ptb.vocab.token(id)).join(" ");
  assert.equal(
    first,
    "<bos> pierre <unk> N years old will join the board as a nonexecutive " +
      "director nov. N <eos>",
  );
  const chars = await loadPtb({ dataDir: DATA_DIR, level: "char" });
  assert.equal(chars.vocab.size, PTB_CHAR_VOCAB_SIZE);
  assert.ok(ms < 5_000, `PTB load took ${ms.toFixed(0)} ms`);
});
