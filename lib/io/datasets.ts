/**
 * The data of a run, ready for the trainer: a config's `dataset` turned into training,
 * validation and test batch streams (files read and checked through the loaders; pure batching
 * in lib/data). Batches stream one at a time: only token ids are held in memory.
 *
 * - `ptb`, `ptb-char`, `data.framing: "lines"` (the default): sentence level as the reference
 *   (`<bos> … <eos>`, cut to context + 1); training batches are bucketed by length (chunks of
 *   50 batches sorted by length, then shuffled) and trimmed to their longest row: the same
 *   sentences and targets per epoch, far less padding (mean sentence ≈ 23 tokens of 64).
 * - `ptb`, `ptb-char`, `data.framing: "chunks"`: each split's sentences in file order as one
 *   stream (`<eos>` between them, lib/data/sentence_stream.ts), cut into `context`-token chunks
 *   each from a zero state; the last, shorter chunk is kept (padded in its batch), so every
 *   token of the split is a target exactly once, at every context length.
 * - `wikitext-2`, `wikitext-103`: byte-level BPE (vocabSize), text cut into `context`-step
 *   chunks, each from a zero state. WikiText-103's training split is not available offline.
 * - `text`: your own UTF-8 file(s) (`data.path` or `data.train/valid/test`), by characters or
 *   BPE, as lines or chunks (lib/io/text_loader.ts).
 * - `synthetic`: the delayed-recall task (lib/data/synthetic.ts), generated per batch.
 *
 * @module
 */
import type { DataConfig } from "../config/parts.ts";
import { type Batch, batchesPerEpoch, evalBatches, trainBatches } from "../data/batches.ts";
import { chunkSource } from "../data/chunks.ts";
import { sentenceSource } from "../data/sequence_source.ts";
import type { SequenceSource } from "../data/sequence_source.ts";
import {
  delayedRecallBatches,
  type DelayedRecallOptions,
  delayedRecallVocab,
} from "../data/synthetic.ts";
import type { TrainData } from "../train/trainer.ts";
import { loadPtb, loadPtbStreams } from "./ptb_loader.ts";
import { PAD_ID } from "../data/vocab.ts";
import type { Vocab } from "../data/vocab.ts";
import { loadWikiTextSplit } from "./wikitext_loader.ts";
import { loadTextData } from "./text_loader.ts";
import { type DataFingerprint, dataFingerprint } from "./data_fingerprint.ts";

/** A run's data plus what the model needs to know about it. */
export interface RunData extends TrainData {
  /** Input ids and output classes. */
  vocabSize: number;
  /** Decodes ids to text (for samples); absent for the synthetic task. */
  decode?: (ids: ArrayLike<number>) => string;
  /** Encodes text to ids (for prompts). */
  encode?: (text: string) => number[];
  /** One line describing the data. */
  description: string;
  /** The tokenizer as JSON data (saved with exported weights); absent for the synthetic task. */
  tokenizer?: unknown;
  /** What the data is: its files' and tokenizer's hashes (kept in checkpoints). */
  fingerprint: DataFingerprint;
}

/** Options of {@link loadRunData}. */
export interface LoadRunDataOptions {
  /** Data directory (else env DSF_DATA_DIR, else the cache). */
  dataDir?: string;
  /** Progress messages. */
  log?: (line: string) => void;
}

/** Chunks of training batches sorted by length together (ptb). */
const BUCKET = 50;
/** Synthetic task: batches per "epoch" and validation batches. */
const SYNTHETIC_EPOCH = 100;
const SYNTHETIC_VALID = 8;

function take(it: Iterable<Batch>, n: number | null): Iterable<Batch> {
  if (n === null) return it;
  return (function* () {
    let i = 0;
    for (const b of it) {
      if (i++ >= n) return;
      yield b;
    }
  })();
}

function streams(
  config: DataConfig,
  sources: { train: SequenceSource; valid: SequenceSource; test: SequenceSource },
  bucket: number,
): TrainData {
  const shuffle = { batchSize: config.batchSize, seed: config.seed, bucket };
  return {
    batchesPerEpoch: batchesPerEpoch(sources.train.size, shuffle),
    train: (start) => trainBatches(sources.train, { ...shuffle, start }),
    valid: () =>
      take(evalBatches(sources.valid, { batchSize: config.evalBatchSize }), config.evalBatches),
    test: () => evalBatches(sources.test, { batchSize: config.evalBatchSize }),
  };
}

/** PTB at word or character level, as sentences or as a stream of chunks (`data.framing`). */
async function ptbData(config: DataConfig, dataDir?: string): Promise<RunData> {
  const level = config.dataset === "ptb" ? "word" : "char";
  const T = config.context;
  let vocab: Vocab;
  let data: TrainData;
  let described: string;
  let files: Record<string, string>;
  if (config.data.framing === "chunks") {
    const c = await loadPtbStreams({ dataDir, level });
    files = c.files;
    const chunks = (ids: Int32Array) => chunkSource(ids, { T, tail: "pad", pad: PAD_ID });
    vocab = c.vocab;
    data = streams(config, {
      train: chunks(c.train.ids),
      valid: chunks(c.valid.ids),
      test: chunks(c.test.ids),
    }, 0);
    described = `${c.train.ids.length - 1} training tokens as one stream, chunks of ${T}`;
  } else {
    const c = await loadPtb({ dataDir, level, context: T });
    files = c.files;
    vocab = c.vocab;
    data = streams(config, {
      train: sentenceSource(c.train),
      valid: sentenceSource(c.valid),
      test: sentenceSource(c.test),
    }, BUCKET);
    described = `${c.train.size} training sentences, context ${T}`;
  }
  const tokenizer = { kind: `ptb-${level}`, tokens: vocab.toJSON() };
  return {
    ...data,
    fingerprint: dataFingerprint(files, tokenizer),
    vocabSize: vocab.size,
    decode: (ids) => Array.from(ids, (i) => vocab.token(i)).join(level === "word" ? " " : ""),
    encode: (text) =>
      Array.from(
        level === "word" ? text.split(/\s+/).filter((w) => w) : text.replaceAll(" ", "_"),
        (w) => vocab.id(w),
      ),
    tokenizer,
    description: `PTB ${level} level, ${vocab.size} ids, ${described}`,
  };
}

/** Loads (or generates) the data `config.dataset` names. */
export async function loadRunData(
  config: DataConfig,
  options: LoadRunDataOptions = {},
): Promise<RunData> {
  const { dataDir, log } = options;
  switch (config.dataset) {
    case "ptb":
    case "ptb-char":
      return await ptbData(config, dataDir);
    case "wikitext-2":
    case "wikitext-103": {
      const opts = { dataset: config.dataset, vocabSize: config.vocabSize, dataDir, log };
      const [train, valid, test] = await Promise.all(
        (["train", "valid", "test"] as const).map((s) => loadWikiTextSplit(s, opts)),
      );
      const chunks = (t: Uint16Array) => chunkSource(t, { T: config.context });
      const data = streams(config, {
        train: chunks(train.tokens),
        valid: chunks(valid.tokens),
        test: chunks(test.tokens),
      }, 0);
      const tok = train.tokenizer;
      const tokenizer = { kind: "bpe", idShift: 0, bpe: tok.toJSON() };
      const files = Object.fromEntries(
        [train, valid, test].map((s) => [s.source.path, s.source.sha256]),
      );
      return {
        ...data,
        fingerprint: dataFingerprint(files, tokenizer),
        vocabSize: tok.vocabSize,
        decode: (ids) => tok.decode(Array.from(ids)),
        encode: (text) => Array.from(tok.encode(text)),
        tokenizer,
        description:
          `${config.dataset} BPE ${tok.vocabSize}, ${train.tokens.length} training tokens, chunks of ${config.context}`,
      };
    }
    case "text": {
      const t = await loadTextData(config, { log });
      const { codec } = t;
      return {
        ...streams(config, t, config.data.framing === "lines" ? BUCKET : 0),
        fingerprint: dataFingerprint(t.files, codec.json),
        vocabSize: codec.vocabSize,
        decode: (ids) => codec.decode(ids),
        encode: (text) => codec.encode(text),
        tokenizer: codec.json,
        description: t.description,
      };
    }
    case "synthetic": {
      const task: DelayedRecallOptions = {
        symbols: config.alphabet,
        lag: config.lag,
        T: config.context,
        batchSize: config.batchSize,
      };
      return {
        fingerprint: dataFingerprint({}, { task: "delayed-recall", ...task, seed: config.seed }),
        vocabSize: delayedRecallVocab(task),
        batchesPerEpoch: SYNTHETIC_EPOCH,
        train: (start) =>
          delayedRecallBatches(config.seed, {
            ...task,
            start: start.epoch * SYNTHETIC_EPOCH + start.index,
          }),
        valid: () => take(delayedRecallBatches(config.seed + 1_000_003, task), SYNTHETIC_VALID),
        description:
          `delayed recall: ${config.alphabet} symbols, lag ${config.lag}, T ${config.context}`,
      };
    }
    default:
      throw new Error(`dataset "${config.dataset}" is unknown`);
  }
}
