/**
 * The `data.*` keys: the framing (`data.framing`, for `ptb`, `ptb-char` and `text`) and the keys
 * of `dataset: "text"` (your own text; see `lib/io/text_loader.ts`): their type, defaults and
 * validation. Which dataset each key applies to: `lib/config/applies.ts`.
 *
 * @module
 */
import { fail, num, oneOf, plainObject, show } from "./checks.ts";

/** `dataset: "text"`: tokenisers of your own text (see `lib/data/text.ts`). */
export const TEXT_TOKENIZERS = ["char", "bpe"] as const;
/**
 * Framings (`data.framing`) of `ptb`, `ptb-char` and `text`: one example per line (PTB's
 * sentences) or fixed-length chunks of the split as one stream.
 */
export const TEXT_FRAMINGS = ["lines", "chunks"] as const;

/**
 * The data's framing (`ptb`, `ptb-char`, `text`) and your own text (`dataset: "text"`): the
 * file(s), their split and tokeniser.
 */
export interface TextDataConfig {
  /** One UTF-8 file, split into train / valid / test by `split` (or null: the three below). */
  path: string | null;
  /** Or three files of their own (all three, instead of `path`). */
  train: string | null;
  /** The validation file (with `train` and `test`). */
  valid: string | null;
  /** The test file (with `train` and `valid`). */
  test: string | null;
  /** Fractions of the lines (paragraphs with `chunks`) of `path` for train, valid, test. */
  split: [number, number, number];
  /** `char` (default) or `bpe` (the project's byte-level BPE with `vocabSize` ids). */
  tokenizer: typeof TEXT_TOKENIZERS[number];
  /**
   * Datasets `ptb`, `ptb-char` and `text`. `lines` (the default): each line (sentence) an
   * example from a zero state, `<bos> … <eos>` cut to `context + 1`. `chunks`: the split as one
   * stream cut into `context`-token chunks, each from a zero state (PTB: the sentences in file
   * order with `<eos>` between them, lib/data/sentence_stream.ts; text: the file's characters or
   * BPE ids, newlines included).
   */
  framing: typeof TEXT_FRAMINGS[number];
  /** Largest file accepted, MB. */
  maxMB: number;
}

/** Defaults of {@link TextDataConfig}. */
export const TEXT_DATA_DEFAULTS: Readonly<TextDataConfig> = {
  path: null,
  train: null,
  valid: null,
  test: null,
  split: [0.9, 0.05, 0.05],
  tokenizer: "char",
  framing: "lines",
  maxMB: 256,
};

/** Checks `data` (required file keys only when the dataset is "text"). */
export function validateTextData(raw: unknown, used: boolean): TextDataConfig {
  const d = plainObject("data", raw);
  const known = Object.keys(TEXT_DATA_DEFAULTS);
  for (const k of Object.keys(d)) {
    if (!known.includes(k)) fail(`data.${k}`, `unknown key; allowed keys: ${known.join(", ")}`);
  }
  const full = { ...TEXT_DATA_DEFAULTS, ...d } as Record<string, unknown>;
  const path = (k: string): string | null => {
    const v = full[k];
    if (v === null) return null;
    if (typeof v !== "string" || v === "") fail(`data.${k}`, `must be a file path, got ${show(v)}`);
    return v;
  };
  const split = full.split;
  if (
    !Array.isArray(split) || split.length !== 3 ||
    !split.every((x) => typeof x === "number" && x > 0) ||
    Math.abs(split.reduce((a, b) => a + b, 0) - 1) > 1e-9
  ) {
    fail("data.split", `must be three positive fractions summing to 1, got ${show(split)}`);
  }
  const out: TextDataConfig = {
    path: path("path"),
    train: path("train"),
    valid: path("valid"),
    test: path("test"),
    split: [split[0], split[1], split[2]],
    tokenizer: oneOf("data.tokenizer", full.tokenizer, TEXT_TOKENIZERS),
    framing: oneOf("data.framing", full.framing, TEXT_FRAMINGS),
    maxMB: num("data.maxMB", full.maxMB, 0, true),
  };
  const three = [out.train, out.valid, out.test].filter((x) => x !== null).length;
  if (three !== 0 && three !== 3) {
    fail("data.train", "data.train, data.valid and data.test go together: give all three");
  }
  if (used && (out.path === null) === (three === 0)) {
    fail(
      "data.path",
      `dataset "text" needs data.path=FILE (split ${out.split.join("/")}) or ` +
        `data.train, data.valid and data.test, not ${out.path === null ? "neither" : "both"}`,
    );
  }
  return out;
}
