/**
 * Sentence-level framing shared by the PTB word and character datasets: each line becomes
 * `<bos> tokens <eos>`, cut to `context + 1` ids, and the sentences are packed into one
 * `Int32Array` with offsets.
 *
 * @module
 */

import { BOS_ID, EOS_ID, UNK_ID, type Vocab } from "./vocab.ts";

/** Default context length (number of prediction steps per sentence), as in the reference. */
export const DEFAULT_CONTEXT = 64;

/** Sentences packed end to end: sentence i is `ids[offsets[i] .. offsets[i+1])`. */
export interface PackedSentences {
  /** All sentences' ids (each starts with `<bos>`; ends with `<eos>` unless it was cut). */
  ids: Int32Array;
  /** `size + 1` offsets into `ids`. */
  offsets: Int32Array;
  /** Number of sentences. */
  size: number;
  /** Number of tokens before cutting, `<bos>`/`<eos>` excluded (the reference's `#toks`). */
  rawTokens: number;
  /** Number of input tokens that mapped to `<unk>` without being `<unk>` in the text. */
  oov: number;
  /** Longest sentence before cutting, `<bos>` and `<eos>` included. */
  maxLength: number;
}

/** Options of {@link frameSentences}. */
export interface FrameOptions {
  /** Prediction steps kept per sentence: ids are cut to `context + 1` (default 64). */
  context?: number;
}

/**
 * The lines of a text file as Python's `for line in f` yields them: split on `\n`; a final
 * empty piece after a trailing newline is not a line. Blank lines are kept.
 */
export function textLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Frames already-tokenized lines: each `tokens` list becomes `<bos> tokens <eos>` mapped
 * through `vocab` (unknown tokens → `<unk>`), cut to `context + 1` ids, and packed.
 * Blank lines give the 2-id sentence `<bos> <eos>`, as in the reference.
 */
export function frameSentences(
  lines: readonly (readonly string[])[],
  vocab: Vocab,
  opts: FrameOptions = {},
): PackedSentences {
  const context = opts.context ?? DEFAULT_CONTEXT;
  if (!Number.isInteger(context) || context < 1) {
    throw new Error(`frameSentences: context must be an integer >= 1, got ${context}`);
  }
  const offsets = new Int32Array(lines.length + 1);
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    total += Math.min(lines[i].length + 2, context + 1);
    offsets[i + 1] = total;
  }
  const ids = new Int32Array(total);
  let rawTokens = 0;
  let oov = 0;
  let maxLength = 0;
  for (let i = 0; i < lines.length; i++) {
    const toks = lines[i];
    rawTokens += toks.length;
    maxLength = Math.max(maxLength, toks.length + 2);
    let p = offsets[i];
    const end = offsets[i + 1];
    ids[p++] = BOS_ID;
    for (let j = 0; j < toks.length; j++) {
      let id = vocab.lookup(toks[j]);
      if (id === undefined) {
        oov++;
        id = UNK_ID;
      }
      if (p < end) ids[p++] = id;
    }
    if (p < end) ids[p++] = EOS_ID;
  }
  return { ids, offsets, size: lines.length, rawTokens, oov, maxLength };
}

/** Sentence `i` of a packed set (a view, not a copy). */
export function sentenceAt(set: PackedSentences, i: number): Int32Array {
  if (!(i >= 0 && i < set.size)) {
    throw new Error(`sentenceAt: index ${i} outside [0, ${set.size})`);
  }
  return set.ids.subarray(set.offsets[i], set.offsets[i + 1]);
}
