/**
 * Stream framing of sentences (the usual language-model stream, as Mikolov's PTB setup and
 * PyTorch's word-language-model example build it): the lines of a split concatenated in file
 * order into one token stream, each line's tokens followed by `<eos>`, so that sentence
 * boundaries stay as tokens and nothing is cut. The stream starts with one `<eos>` (the boundary
 * before the first sentence), so that every token of every sentence, and every sentence's
 * `<eos>`, is a target once: the same targets as the sentence framing's `<bos> … <eos>` before
 * its cut to `context + 1`.
 *
 * Cut into `context`-token chunks by lib/data/chunks.ts, each from a zero state.
 *
 * @module
 */

import { EOS_ID, UNK_ID, type Vocab } from "./vocab.ts";

/** One split as a token stream. */
export interface SentenceStream {
  /**
   * `[<eos>, s₀ ids…, <eos>, s₁ ids…, <eos>, …]`: length `1 + Σ (|sᵢ| + 1)` over the lines
   * (a blank line gives one more `<eos>`).
   */
  ids: Int32Array;
  /** Number of lines (sentences). */
  sentences: number;
  /** Number of tokens, `<eos>` excluded. */
  rawTokens: number;
  /** Number of tokens that mapped to `<unk>` without being `<unk>` in the text. */
  oov: number;
}

/**
 * Frames already-tokenized lines as one stream (see the module doc): tokens mapped through
 * `vocab` (unknown tokens → `<unk>`), each line followed by `<eos>`, after a leading `<eos>`.
 */
export function streamSentences(
  lines: readonly (readonly string[])[],
  vocab: Vocab,
): SentenceStream {
  let total = 1;
  for (const line of lines) total += line.length + 1;
  const ids = new Int32Array(total);
  let p = 0;
  let rawTokens = 0;
  let oov = 0;
  ids[p++] = EOS_ID;
  for (const toks of lines) {
    rawTokens += toks.length;
    for (let j = 0; j < toks.length; j++) {
      let id = vocab.lookup(toks[j]);
      if (id === undefined) {
        oov++;
        id = UNK_ID;
      }
      ids[p++] = id;
    }
    ids[p++] = EOS_ID;
  }
  return { ids, sentences: lines.length, rawTokens, oov };
}
