/**
 * Penn Treebank (Mikolov's 10k-word version) at sentence level, as the reference
 * implementation builds it, from the text of the files (no file access here).
 *
 * Vocabulary: `<pad>=0, <bos>=1, <eos>=2, <unk>=3`, then the words of `ptb.train.txt` in
 * first-seen order (the reference's `Dictionary.add_word` order). The file's own `<unk>`
 * maps to id 3. The train file has 9,999 distinct words (`<unk>` included), so the word
 * vocabulary has 4 + 9,998 = 10,002 ids ({@link PTB_WORD_VOCAB_SIZE}).
 *
 * Character level: each line's words are joined with `_` (PTB has no `_`), every character
 * is a token, and the word `<unk>` stays one token (id 3) instead of five characters.
 * On the real files this gives 4 + 47 = 51 ids ({@link PTB_CHAR_VOCAB_SIZE}).
 *
 * Two framings of the same tokens and vocabulary: sentences ({@link buildPtbCorpus}, the
 * reference's: each line `<bos> … <eos>` cut to `context + 1`, from a zero state) or one stream
 * per split ({@link buildPtbStreams}: the lines concatenated in file order, `<eos>` between them,
 * see lib/data/sentence_stream.ts), which lib/data/chunks.ts cuts into `context`-token chunks.
 *
 * @module
 */

import { type FrameOptions, frameSentences, type PackedSentences, textLines } from "./sentences.ts";
import { type SentenceStream, streamSentences } from "./sentence_stream.ts";
import { Vocab } from "./vocab.ts";

/** Word-level PTB vocabulary size: 4 specials + 9,998 other words of the train file. */
export const PTB_WORD_VOCAB_SIZE = 10_002;
/** Character-level PTB vocabulary size on the real files: 4 specials + 46 characters + `_`. */
export const PTB_CHAR_VOCAB_SIZE = 51;
/** Word separator of the character level. */
export const CHAR_SPACE = "_";

/** Tokenization level of PTB. */
export type PtbLevel = "word" | "char";

/** The three PTB splits' texts. */
export interface PtbTexts {
  /** Content of `ptb.train.txt`. */
  train: string;
  /** Content of `ptb.valid.txt`. */
  valid: string;
  /** Content of `ptb.test.txt`. */
  test: string;
}

/** A sentence-level PTB corpus. */
export interface PtbCorpus {
  /** Tokenization level. */
  level: PtbLevel;
  /** Vocabulary built from the train split. */
  vocab: Vocab;
  /** Training sentences. */
  train: PackedSentences;
  /** Validation sentences. */
  valid: PackedSentences;
  /** Test sentences. */
  test: PackedSentences;
}

/** The tokens of one line at the given level (whitespace-split words, or characters). */
export function ptbLineTokens(line: string, level: PtbLevel = "word"): string[] {
  const trimmed = line.trim();
  const words = trimmed === "" ? [] : trimmed.split(/\s+/);
  if (level === "word") return words;
  if (level !== "char") throw new Error(`ptbLineTokens: level must be "word" or "char"`);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (i > 0) out.push(CHAR_SPACE);
    if (words[i] === "<unk>") out.push("<unk>");
    else for (const ch of words[i]) out.push(ch);
  }
  return out;
}

/** Tokenizes every line of a PTB text (see {@link textLines} for what a line is). */
export function ptbTokenize(text: string, level: PtbLevel = "word"): string[][] {
  return textLines(text).map((line) => ptbLineTokens(line, level));
}

/** Builds the vocabulary from tokenized training lines (specials, then first-seen order). */
export function buildPtbVocab(trainLines: readonly (readonly string[])[]): Vocab {
  const seen = new Set<string>();
  for (const line of trainLines) for (let i = 0; i < line.length; i++) seen.add(line[i]);
  return Vocab.build(seen);
}

/** Options of {@link buildPtbCorpus}. */
export interface PtbCorpusOptions extends FrameOptions {
  /** Tokenization level (default "word"). */
  level?: PtbLevel;
}

/**
 * Builds the sentence-level corpus from the three files' texts: vocabulary from train,
 * every line framed as `<bos> … <eos>` and cut to `context + 1` ids (default 64 + 1).
 * Words of valid/test missing from train map to `<unk>` (none on the real files).
 */
export function buildPtbCorpus(texts: PtbTexts, opts: PtbCorpusOptions = {}): PtbCorpus {
  const level = opts.level ?? "word";
  const trainLines = ptbTokenize(texts.train, level);
  const vocab = buildPtbVocab(trainLines);
  const frame = { context: opts.context };
  return {
    level,
    vocab,
    train: frameSentences(trainLines, vocab, frame),
    valid: frameSentences(ptbTokenize(texts.valid, level), vocab, frame),
    test: frameSentences(ptbTokenize(texts.test, level), vocab, frame),
  };
}

/** PTB as one token stream per split (see {@link buildPtbStreams}). */
export interface PtbStreams {
  /** Tokenization level. */
  level: PtbLevel;
  /** Vocabulary built from the train split (the same as {@link buildPtbCorpus}'s). */
  vocab: Vocab;
  /** The training split's stream. */
  train: SentenceStream;
  /** The validation split's stream. */
  valid: SentenceStream;
  /** The test split's stream. */
  test: SentenceStream;
}

/**
 * Builds the stream framing from the three files' texts: the vocabulary of
 * {@link buildPtbCorpus}, each split's lines concatenated in file order as one stream,
 * `<eos>` after each line and one before the first (nothing cut).
 */
export function buildPtbStreams(
  texts: PtbTexts,
  opts: Pick<PtbCorpusOptions, "level"> = {},
): PtbStreams {
  const level = opts.level ?? "word";
  const trainLines = ptbTokenize(texts.train, level);
  const vocab = buildPtbVocab(trainLines);
  return {
    level,
    vocab,
    train: streamSentences(trainLines, vocab),
    valid: streamSentences(ptbTokenize(texts.valid, level), vocab),
    test: streamSentences(ptbTokenize(texts.test, level), vocab),
  };
}
