/**
 * Your own text as a dataset (pure: no files; `lib/io/text_loader.ts` reads them): the text
 * split into train / valid / test by fractions on line (or paragraph) boundaries, tokenised
 * by characters or by the project's BPE, framed as lines (each from a zero state, like PTB's
 * sentences: `<bos> … <eos>` cut to context + 1) or as contiguous chunks of `context` tokens.
 *
 * Ids: the four specials of `lib/data/vocab.ts` first (`<pad> <bos> <eos> <unk>`), then the
 * characters of the training split in first-seen order, or the BPE ids shifted by 4.
 *
 * @module
 */
import { BpeTokenizer } from "./bpe.ts";
import { type PackedSentences, textLines } from "./sentences.ts";
import { BOS_ID, EOS_ID, SPECIAL_TOKENS, UNK_ID, Vocab } from "./vocab.ts";

/** How text becomes ids. */
export type TextTokenizerKind = "char" | "bpe";
/** How ids become examples. */
export type TextFraming = "lines" | "chunks";

/** The three splits' text. */
export interface TextSplits {
  /** The training text. */
  train: string;
  /** The validation text. */
  valid: string;
  /** The test text. */
  test: string;
}

/**
 * Splits one text into train / valid / test by fractions of its units, in order: lines, or
 * paragraphs (blank-line separated) when `paragraphs` and the text has at least three.
 * @throws Error when a split would be empty (the text is too small for the fractions)
 */
export function splitText(
  text: string,
  fractions: readonly [number, number, number],
  options: { paragraphs?: boolean } = {},
): TextSplits {
  const paras = options.paragraphs ? text.split(/\n[ \t]*\n/).filter((p) => p.trim()) : [];
  const byParagraph = paras.length >= 3;
  const units = byParagraph ? paras : textLines(text).filter((l) => l.trim() !== "");
  const n = units.length;
  const nTrain = Math.round(n * fractions[0]);
  const nValid = Math.round(n * fractions[1]);
  const parts = [
    units.slice(0, nTrain),
    units.slice(nTrain, nTrain + nValid),
    units.slice(nTrain + nValid),
  ];
  const names = ["train", "valid", "test"];
  parts.forEach((p, i) => {
    if (p.length === 0) {
      throw new Error(
        `has ${n} non-empty ${byParagraph ? "paragraphs" : "lines"}: too few for a ${names[i]} ` +
          `split of ${fractions[i]} (give more text, or data.train/valid/test files)`,
      );
    }
  });
  const join = byParagraph ? "\n\n" : "\n";
  const [train, valid, test] = parts.map((p) => p.join(join) + "\n");
  return { train, valid, test };
}

/** Text ↔ ids for one of the two tokenizers. */
export interface TextCodec {
  /** Which tokenizer. */
  kind: TextTokenizerKind;
  /** Ids, specials included. */
  vocabSize: number;
  /** Ids of a text (no specials added). */
  encode(text: string): number[];
  /** Text of ids (specials dropped). */
  decode(ids: ArrayLike<number>): string;
  /** What a cache of its encodings must be keyed by (the tokenizer's own content). */
  key: string;
  /** The tokenizer as JSON data (for exports): the character list, or the BPE's merges. */
  json: unknown;
}

/** A character codec: the specials, then the characters of `train` in first-seen order. */
export function charCodec(train: string): TextCodec {
  const vocab = Vocab.build(train);
  return {
    kind: "char",
    vocabSize: vocab.size,
    encode: (text) => Array.from(text, (c) => vocab.id(c)),
    decode: (ids) =>
      Array.from(ids, (i) => (i < SPECIAL_TOKENS.length ? "" : vocab.token(i))).join(""),
    key: `char${vocab.size}`,
    json: { kind: "char", tokens: vocab.toJSON() },
  };
}

/** A BPE codec: the tokenizer's ids shifted past the four specials. */
export function bpeCodec(tokenizer: BpeTokenizer, key: string): TextCodec {
  const shift = SPECIAL_TOKENS.length;
  return {
    kind: "bpe",
    vocabSize: tokenizer.vocabSize + shift,
    encode: (text) => Array.from(tokenizer.encode(text), (i) => i + shift),
    decode: (ids) =>
      tokenizer.decode(Array.from(ids).filter((i) => i >= shift).map((i) => i - shift)),
    key,
    json: { kind: "bpe", idShift: shift, bpe: tokenizer.toJSON() },
  };
}

/** Lines framed as sentences: `<bos> ids <eos>` cut to `context + 1` (blank lines skipped). */
export function frameLines(
  text: string,
  encode: (line: string) => ArrayLike<number>,
  context: number,
): PackedSentences {
  const lines = textLines(text).filter((l) => l.trim() !== "");
  const encoded = lines.map((l) => encode(l));
  const offsets = new Int32Array(lines.length + 1);
  for (let i = 0; i < lines.length; i++) {
    offsets[i + 1] = offsets[i] + Math.min(encoded[i].length + 2, context + 1);
  }
  const ids = new Int32Array(offsets[lines.length]);
  let rawTokens = 0;
  let oov = 0;
  let maxLength = 0;
  encoded.forEach((e, i) => {
    rawTokens += e.length;
    maxLength = Math.max(maxLength, e.length + 2);
    let p = offsets[i];
    const end = offsets[i + 1];
    ids[p++] = BOS_ID;
    for (let j = 0; j < e.length && p < end; j++) {
      if (e[j] === UNK_ID) oov++;
      ids[p++] = e[j];
    }
    if (p < end) ids[p++] = EOS_ID;
  });
  return { ids, offsets, size: lines.length, rawTokens, oov, maxLength };
}
