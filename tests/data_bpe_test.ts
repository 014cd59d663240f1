import { strict as assert } from "node:assert";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BpeTokenizer, ENDOFTEXT_ID, FIRST_MERGE_ID } from "../lib/data/bpe.ts";
import { trainBpe, trainBpeOnText } from "../lib/data/bpe_train.ts";
import { BYTE_TO_CHAR, bytesToVisible, visibleToBytes } from "../lib/data/byte_unicode.ts";
import { countPretokens, linesKeepingNewline, pretokenize } from "../lib/data/pretokenize.ts";

const DATA_DIR = Deno.env.get("DSF_DATA_DIR") ??
  resolve(fileURLToPath(new URL("..", import.meta.url)), "../shared/data");

const id = (ch: string) => ch.charCodeAt(0) + 1; // byte b has id b + 1
const mergePairs = (t: BpeTokenizer) =>
  Array.from({ length: t.merges.length / 2 }, (_, r) => [t.merges[2 * r], t.merges[2 * r + 1]]);

Deno.test("GPT-2 byte table: printable bytes map to themselves, others above U+00FF", () => {
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.equal(BYTE_TO_CHAR[65], "A");
  assert.equal(BYTE_TO_CHAR[32], "\u0120"); // Ġ
  assert.equal(BYTE_TO_CHAR[10], "\u010a"); // Ċ
  assert.equal(BYTE_TO_CHAR[0], "\u0100");
  assert.equal(BYTE_TO_CHAR[173], "\u0143"); // soft hyphen is the 68th (last) remapped byte
  assert.deepEqual(Array.from(visibleToBytes(bytesToVisible([0, 32, 200, 255]))), [
    0,
    32,
    200,
    255,
  ]);
});

Deno.test("pre-tokenization matches GPT-2's pattern (reference: Python `regex`)", () => {
  assert.deepEqual(pretokenize("Hello world's  \n"), ["Hello", " world", "'s", "  \n"]);
  assert.deepEqual(pretokenize(" = Valkyria Chronicles III = \n"), [
    " =",
    " Valkyria",
    " Chronicles",
    " III",
    " =",
    " \n",
  ]);
  assert.deepEqual(pretokenize("I've 2024 apples!! ok"), [
    "I",
    "'ve",
    " 2024",
    " apples",
    "!!",
    " ok",
  ]);
  assert.deepEqual(pretokenize(" Senjō no 3 : <unk> ( 戦場 ) \n"), [
    " Senjō",
    " no",
    " 3",
    " :",
    " <",
    "unk",
    ">",
    " (",
    " 戦場",
    " )",
    " \n",
  ]);
  assert.deepEqual(linesKeepingNewline("a\n\nb"), ["a\n", "\n", "b"]);
  assert.deepEqual([...countPretokens(" a a\n a\n")], [[" a", 3], ["\n", 2]]);
});

Deno.test("BPE merges on a tiny corpus match the hand-computed answer", () => {
  // Pairs: (a,b) = 2·2 + 1 = 5, (b,c) = 3, (b,a) = 2. Merge (a,b) → 257; then "abab" is
  // [257, 257] (pair count 2) and (b,c) = 3 wins; then (257, 257).
  const counts = new Map([["abab", 2], ["ab", 1], ["bc", 3]]);
  const tok = trainBpe(counts, { vocabSize: 260 });
  assert.equal(tok.vocabSize, 260);
  assert.deepEqual(mergePairs(tok), [[id("a"), id("b")], [id("b"), id("c")], [257, 257]]);
  assert.equal(tok.tokenString(259), "abab");
  assert.throws(() => trainBpe(counts, { vocabSize: 261 }), /no pairs left after 3 merges/);
  // Encoding applies merges by rank: "abc" → (a,b) first (rank 0), not (b,c) (rank 1).
  assert.deepEqual(Array.from(tok.encode("abc")), [257, id("c")]);
  assert.deepEqual(Array.from(tok.encode("abab")), [259]);
  assert.deepEqual(Array.from(tok.encode("ab ab")), [257, id(" "), 257]); // " ab" is one piece
});

Deno.test("BPE ties go to the smaller pair; overlapping pairs merge left to right", () => {
  const tie = trainBpe(new Map([["yz", 1], ["xy", 1]]), { vocabSize: 258 });
  assert.deepEqual(mergePairs(tie), [[id("x"), id("y")]]);
  // "aaa" has (a,a) twice (overlapping), "aaaa" three times: 2 + 3 = 5 → merge 257;
  // then "aaa" = [257, a] and "aaaa" = [257, 257].
  const t = trainBpe(new Map([["aaa", 1], ["aaaa", 1]]), { vocabSize: 259 });
  const pairs = mergePairs(t);
  assert.deepEqual(pairs[0], [id("a"), id("a")]);
  assert.deepEqual(pairs[1], [257, id("a")]); // count 1 each; (257,97+1) < (257,257)
  assert.deepEqual(Array.from(t.encode("aaaaa")), [257, 258]); // aa·aa·a, then (257, a)
  assert.throws(() => trainBpe(new Map(), { vocabSize: 100 }), /vocabSize must be/);
});

Deno.test("encode/decode round-trips on a WikiText sample and arbitrary Unicode", async () => {
  const valid = await Deno.readTextFile(resolve(DATA_DIR, "wikitext-2/wiki.valid.tokens"));
  const tok = trainBpeOnText(valid.slice(0, 300_000), { vocabSize: 1_000 });
  assert.equal(tok.vocabSize, 1_000);
  const train = await Deno.readTextFile(resolve(DATA_DIR, "wikitext-2/wiki.train.tokens"));
  const sample = train.slice(0, 20_000); // has "Senjō no Valkyria 3" and Japanese text
  assert.ok([...sample].some((c) => c.charCodeAt(0) > 127));
  const ids = tok.encode(sample);
  assert.equal(tok.decode(ids), sample);
  assert.ok(ids.length < new TextEncoder().encode(sample).length / 2, "BPE should compress");
  assert.ok(ids.every((i) => i > ENDOFTEXT_ID && i < 1_000));
  for (const s of ["", "\n\n", "naïve café 😀 — 戦場のヴァルキュリア\t\r\n", "  x  "]) {
    assert.equal(tok.decode(tok.encode(s)), s);
  }
  const again = BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
  assert.deepEqual(Array.from(again.encode(sample)), Array.from(ids));
  assert.equal(tok.decode([ENDOFTEXT_ID]), "<|endoftext|>");
  assert.throws(() => tok.decode([1_000]), /outside/);
  assert.throws(() => new BpeTokenizer([300, 1]), /not yet defined/);
  assert.equal(FIRST_MERGE_ID, 257);
});
