/**
 * Your own text as a dataset: splits, tokenisers and framing (lib/data/text.ts) against hand
 * values, and the loader (lib/io/text_loader.ts): caches keyed by content, checked on load.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeConfig, type TextDataConfig } from "../lib/config/schema.ts";
import { trainBpeOnText } from "../lib/data/bpe_train.ts";
import { bpeCodec, charCodec, frameLines, splitText } from "../lib/data/text.ts";
import { loadTextData } from "../lib/io/text_loader.ts";

Deno.test("text: splits by fractions on lines, in order; paragraphs for chunks", () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
  const s = splitText(lines.join("\n") + "\n\n", [0.9, 0.05, 0.05]);
  assert.equal(s.train, lines.slice(0, 18).join("\n") + "\n");
  assert.equal(s.valid, "line 18\n");
  assert.equal(s.test, "line 19\n");
  const paras = ["a b\nc", "d e", "f\ng", "h"].join("\n\n");
  const p = splitText(paras, [0.5, 0.25, 0.25], { paragraphs: true });
  assert.equal(p.train, "a b\nc\n\nd e\n");
  assert.equal(p.valid, "f\ng\n");
  assert.equal(p.test, "h\n");
  assert.throws(() => splitText("one\ntwo\n", [0.9, 0.05, 0.05]), /too few for a valid split/);
});

Deno.test("text: the char codec numbers the training characters after the specials", () => {
  const c = charCodec("abca");
  assert.equal(c.vocabSize, 4 + 3);
  assert.deepEqual(c.encode("cab?"), [6, 4, 5, 3]); // ? is unknown → <unk> (3)
  assert.equal(c.decode([1, 6, 4, 5, 2]), "cab");
});

Deno.test("text: lines are framed <bos> … <eos>, cut to context + 1, blank lines skipped", () => {
  const c = charCodec("abcdef");
  const f = frameLines("ab\n\nabcdef\n", c.encode, 4);
  assert.equal(f.size, 2);
  assert.deepEqual(Array.from(f.ids), [1, 4, 5, 2, 1, 4, 5, 6, 7]);
  assert.deepEqual(Array.from(f.offsets), [0, 4, 9]);
});

Deno.test("text: the BPE codec shifts the tokenizer's ids past the specials and back", () => {
  const tok = trainBpeOnText("the cat sat on the mat ".repeat(20), { vocabSize: 265 });
  const c = bpeCodec(tok, "k");
  const ids = c.encode("the mat");
  assert.deepEqual(ids, Array.from(tok.encode("the mat"), (i) => i + 4));
  assert.equal(c.decode([1, ...ids, 2]), "the mat");
  assert.equal(c.vocabSize, tok.vocabSize + 4);
});

function textConfig(data: Partial<TextDataConfig>, extra: Record<string, unknown> = {}) {
  return makeConfig({
    dataset: "text",
    context: 8,
    vocabSize: 300,
    ...extra,
    data: {
      path: null,
      train: null,
      valid: null,
      test: null,
      split: [0.8, 0.1, 0.1],
      tokenizer: "char",
      framing: "lines",
      maxMB: 256,
      ...data,
    },
  });
}

Deno.test("text loader: BPE caches are keyed by the text, reused, and rebuilt when corrupt", async () => {
  const dir = await Deno.makeTempDir();
  const cacheDir = join(dir, "cache");
  const file = join(dir, "story.txt");
  const story = Array.from({ length: 60 }, (_, i) => `the ${i % 7} cats sat on mat ${i}.`);
  Deno.writeTextFileSync(file, story.join("\n") + "\n");
  const config = textConfig({ path: file, tokenizer: "bpe", framing: "chunks" });
  const logs: string[] = [];
  const first = await loadTextData(config, { cacheDir, log: (l) => logs.push(l) });
  assert.equal(logs.filter((l) => l.startsWith("trained BPE")).length, 1);
  const cached = [...Deno.readDirSync(join(cacheDir, "tokens"))].map((e) => e.name).sort();
  assert.equal(cached.length, 3);
  const again = await loadTextData(config, { cacheDir, log: (l) => logs.push(l) });
  assert.equal(logs.filter((l) => l.startsWith("trained BPE")).length, 1, "tokenizer reused");
  assert.deepEqual(Array.from(again.train.inputs(0)), Array.from(first.train.inputs(0)));
  // A corrupt token cache is named and rebuilt, with the same ids.
  const path = join(cacheDir, "tokens", cached[1]);
  const bytes = Deno.readFileSync(path);
  bytes[bytes.length - 1] ^= 0x01;
  Deno.writeFileSync(path, bytes);
  const rebuilt = await loadTextData(config, { cacheDir, log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => l.includes(cached[1]) && /CRC-32/.test(l)), logs.join("\n"));
  assert.deepEqual(Array.from(rebuilt.test.inputs(0)), Array.from(first.test.inputs(0)));
  // An edited file gets a tokenizer and caches of its own.
  Deno.writeTextFileSync(file, story.map((l) => l.toUpperCase()).join("\n") + "\n");
  await loadTextData(config, { cacheDir, log: (l) => logs.push(l) });
  assert.equal(logs.filter((l) => l.startsWith("trained BPE")).length, 2, "stale tokenizer served");
  assert.equal([...Deno.readDirSync(join(cacheDir, "tokenizers"))].length, 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("text loader: three files of their own; too small for the context is refused", async () => {
  const dir = await Deno.makeTempDir();
  for (const s of ["train", "valid", "test"]) {
    Deno.writeTextFileSync(join(dir, `${s}.txt`), s === "train" ? "abcdefgh ".repeat(30) : "ab\n");
  }
  const files = {
    train: join(dir, "train.txt"),
    valid: join(dir, "valid.txt"),
    test: join(dir, "test.txt"),
  };
  const lines = await loadTextData(textConfig(files), { cacheDir: join(dir, "c") });
  assert.equal(lines.valid.size, 1);
  await assert.rejects(
    () => loadTextData(textConfig({ ...files, framing: "chunks" }), { cacheDir: join(dir, "c") }),
    /the valid split has 3 tokens, fewer than context \+ 1 = 9/,
  );
  assert.throws(() => textConfig({ train: files.train }), /go together: give all three/);
  assert.throws(() => textConfig({}), /needs data.path=FILE/);
  await Deno.remove(dir, { recursive: true });
});
