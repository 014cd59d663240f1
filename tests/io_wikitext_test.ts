import { strict as assert } from "node:assert";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chunkSource } from "../lib/data/chunks.ts";
import { loadWikiTextSplit, loadWikiTextTokenizer } from "../lib/io/wikitext_loader.ts";

const DATA_DIR = Deno.env.get("DSF_DATA_DIR") ??
  resolve(fileURLToPath(new URL("..", import.meta.url)), "../shared/data");

async function withCache(f: (cacheDir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("WikiText loader (one small tokenizer shared by the steps)", async (t) => {
  await withCache(async (cacheDir) => {
    const opts = { dataDir: DATA_DIR, cacheDir, vocabSize: 600 };
    await t.step("tokenizer and ids are cached, reused, and decode to the file", async () => {
      const first = await loadWikiTextSplit("valid", opts);
      assert.equal(first.tokenizer.vocabSize, 600);
      const text = await Deno.readTextFile(join(DATA_DIR, "wikitext-2/wiki.valid.tokens"));
      assert.equal(first.tokenizer.decode(first.tokens), text);
      const [tokFile] = [...Deno.readDirSync(join(cacheDir, "tokenizers"))].map((e) => e.name);
      assert.match(tokFile, /^wikitext-2-bpe600-9e9fa1ad55b1c2c9\.json$/); // train file's hash
      const [idsFile] = [...Deno.readDirSync(join(cacheDir, "tokens"))].map((e) => e.name);
      assert.match(idsFile, /^wikitext-2-valid-bpe600-[0-9a-f]{12}-f0737ed31fc1\.u16$/);
      // Mark the cached tokenizer: a reload must return it instead of retraining.
      const path = join(cacheDir, "tokenizers", tokFile);
      const json = JSON.parse(await Deno.readTextFile(path));
      json.meta.marker = "cached";
      await Deno.writeTextFile(path, JSON.stringify(json));
      const second = await loadWikiTextSplit("valid", opts);
      assert.equal(second.tokenizer.meta.marker, "cached");
      assert.deepEqual(second.tokens, first.tokens);
      // Chunks over the cached ids stream the split without copying.
      const src = chunkSource(second.tokens, { T: 256 });
      assert.equal(src.size, Math.floor((second.tokens.length - 1) / 256));
    });

    await t.step("WikiText-103 train absent: the error says use WikiText-2 or fetch", async () => {
      const err = await loadWikiTextSplit("train", { ...opts, dataset: "wikitext-103" })
        .then(() => null, (e) => e as Error);
      assert.ok(err);
      assert.match(err.message, /WikiText-103 train split is not available/);
      assert.match(err.message, /"wikitext-2"/);
      assert.match(err.message, /deno task fetch --dataset wikitext-103/);
      // Valid/test of WikiText-103 work with a WikiText-2 tokenizer.
      const valid = await loadWikiTextSplit("valid", {
        ...opts,
        dataset: "wikitext-103",
        tokenizerFrom: "wikitext-2",
      });
      assert.equal(valid.tokenizer.meta.marker, "cached");
      const text = await Deno.readTextFile(join(DATA_DIR, "wikitext-103/wiki.valid.tokens"));
      assert.equal(valid.tokenizer.decode(valid.tokens), text);
    });
  });
});

Deno.test("WikiText-2: the 16,000-id tokenizer trains in well under a minute", async () => {
  await withCache(async (cacheDir) => {
    const t0 = performance.now();
    const tok = await loadWikiTextTokenizer({ dataDir: DATA_DIR, cacheDir });
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(tok.vocabSize, 16_000);
    assert.equal(tok.merges.length / 2, 16_000 - 257);
    assert.ok(seconds < 30, `training took ${seconds.toFixed(1)} s`);
    // First merges of Hugging Face `tokenizers` 0.23.2 (ByteLevel, same settings) on this file.
    const hf = ["Ġt", "he", "Ġa", "in", "Ġthe", "er", "on", "Ġ,", "re", "Ġs", "Ġo", "Ġw"];
    assert.deepEqual(hf.map((_, r) => tok.tokenString(257 + r)), hf);
    console.log(`BPE 16k on WikiText-2 train: ${seconds.toFixed(2)} s`);
  });
});

Deno.test("WikiText loader: a cold cache trains the tokenizer once for splits loaded together", async () => {
  await withCache(async (cacheDir) => {
    const logs: string[] = [];
    const opts = { dataDir: DATA_DIR, cacheDir, vocabSize: 400, log: (l: string) => logs.push(l) };
    await Promise.all([
      loadWikiTextSplit("valid", opts),
      loadWikiTextSplit("test", opts),
      loadWikiTextTokenizer(opts),
    ]);
    assert.equal(logs.filter((l) => l.startsWith("training BPE")).length, 1, logs.join("\n"));
  });
});
