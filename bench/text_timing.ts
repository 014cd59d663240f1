/**
 * Times loading your own text as a dataset (README "Train on your own text"): characters as
 * lines and chunks, BPE (8,000 ids) cold and from its caches, BPE as lines.
 *
 *     deno run -A bench/text_timing.ts FILE
 */
import { makeConfig } from "../lib/config/schema.ts";
import { loadTextData } from "../lib/io/text_loader.ts";
const path = Deno.args[0];
const cacheDir = await Deno.makeTempDir();
for (
  const [tokenizer, framing, vocabSize] of [
    ["char", "lines", 0],
    ["char", "chunks", 0],
    ["bpe", "chunks", 8000],
    ["bpe", "chunks", 8000],
    ["bpe", "lines", 8000],
  ] as const
) {
  const config = makeConfig({
    dataset: "text",
    context: 64,
    vocabSize: vocabSize || 16000,
    data: {
      path,
      train: null,
      valid: null,
      test: null,
      split: [0.9, 0.05, 0.05],
      tokenizer,
      framing,
      maxMB: 256,
    },
  });
  const t0 = performance.now();
  const d = await loadTextData(config, { cacheDir });
  console.log(
    `${tokenizer} ${framing}: ${((performance.now() - t0) / 1000).toFixed(2)} s — ${d.description}`,
  );
}
