/**
 * WikiText with the project's byte-level BPE (vocabulary 16,000 by default):
 * the tokenizer is trained on the dataset's training split once and saved as JSON in the
 * cache (`<cache>/tokenizers/`), keyed by training dataset, vocabulary size and the
 * training file's hash; each split's ids are saved as a binary token file
 * (`<cache>/tokens/`), keyed by split, tokenizer hash and the split file's hash.
 * Data files are hash-checked; the data folder is never written.
 *
 * The WikiText-103 training split is not in the offline copies: asking for it when it is
 * absent gives an error that says to use WikiText-2 or fetch it. WikiText-103's valid/test
 * splits can be encoded with a WikiText-2 tokenizer (`tokenizerFrom: "wikitext-2"`).
 *
 * @module
 */

import { join } from "node:path";
import { BpeTokenizer } from "../data/bpe.ts";
import { trainBpe } from "../data/bpe_train.ts";
import { countPretokens } from "../data/pretokenize.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { resolveCacheDir, resolveDataDir } from "./dirs.ts";
import { dataFile, type SplitName } from "./manifest.ts";
import { readTokenFile, writeTokenFile } from "./token_file.ts";
import { DataFileError, fetchCommand, hashBytes, readVerified } from "./verify.ts";

/** The WikiText variants. */
export type WikiTextName = "wikitext-2" | "wikitext-103";

/** The project's BPE vocabulary size for WikiText. */
export const WIKITEXT_VOCAB_SIZE = 16_000;

/** Options of the WikiText loaders. */
export interface WikiTextOptions {
  /** Dataset (default "wikitext-2", the offline stand-in for WikiText-103's training). */
  dataset?: WikiTextName;
  /** Dataset whose training split trains the tokenizer (default: `dataset`). */
  tokenizerFrom?: WikiTextName;
  /** BPE vocabulary size (default 16,000). */
  vocabSize?: number;
  /** Data folder (default: see `resolveDataDir`). */
  dataDir?: string;
  /** Cache folder (default: see `resolveCacheDir`). */
  cacheDir?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

async function readSplit(dataset: WikiTextName, split: SplitName, dataDir: string) {
  try {
    return await readVerified(dataFile(dataset, split), dataDir);
  } catch (e) {
    if (e instanceof DataFileError && e.kind === "missing" && dataset === "wikitext-103") {
      throw new Error(
        `WikiText-103 ${split} split is not available: ${e.file} does not exist. The offline ` +
          `copies have only WikiText-103 valid and test. Use dataset "wikitext-2" (its ` +
          `training split is the offline stand-in; for the tokenizer: tokenizerFrom: ` +
          `"wikitext-2"), or run \`${fetchCommand("wikitext-103", dataDir)}\` (about 180 MB).`,
      );
    }
    throw e;
  }
}

/** Loads the cached BPE tokenizer of the training split, training and saving it if absent. */
export async function loadWikiTextTokenizer(opts: WikiTextOptions = {}): Promise<BpeTokenizer> {
  const from = opts.tokenizerFrom ?? opts.dataset ?? "wikitext-2";
  const vocabSize = opts.vocabSize ?? WIKITEXT_VOCAB_SIZE;
  const dataDir = resolveDataDir({ dataDir: opts.dataDir });
  const cacheDir = resolveCacheDir({ cacheDir: opts.cacheDir });
  const log = opts.log ?? (() => {});
  const train = await readSplit(from, "train", dataDir);
  const path = join(
    cacheDir,
    "tokenizers",
    `${from}-bpe${vocabSize}-${train.sha256.slice(0, 16)}.json`,
  );
  // One training per cache file at a time: the splits ask for it together when it is cold.
  let pending = training.get(path);
  if (pending === undefined) {
    pending = readOrTrain(path, { from, vocabSize, train, log });
    training.set(path, pending);
    pending.then(() => training.delete(path), () => training.delete(path));
  }
  return await pending;
}

/** Tokenizers being read or trained now, by cache path (removed once settled). */
const training = new Map<string, Promise<BpeTokenizer>>();

async function readOrTrain(
  path: string,
  o: {
    from: WikiTextName;
    vocabSize: number;
    train: Awaited<ReturnType<typeof readSplit>>;
    log: (l: string) => void;
  },
): Promise<BpeTokenizer> {
  const { from, vocabSize, train, log } = o;
  try {
    const tok = BpeTokenizer.fromJSON(JSON.parse(await Deno.readTextFile(path)));
    if (tok.vocabSize === vocabSize) return tok;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) log(`ignoring unreadable ${path}: ${e}`);
  }
  log(`training BPE (${vocabSize} ids) on ${train.file}`);
  const t0 = performance.now();
  const counts = countPretokens(decoder.decode(train.bytes));
  const tok = trainBpe(counts, {
    vocabSize,
    meta: {
      dataset: from,
      trainFile: dataFile(from, "train").path,
      trainSha256: train.sha256,
      distinctPretokens: counts.size,
    },
    onProgress: (d, n) => log(`  ${d}/${n} merges`),
  });
  const seconds = (performance.now() - t0) / 1000;
  tok.meta.trainSeconds = Math.round(seconds * 100) / 100;
  await writeFileAtomic(path, JSON.stringify(tok.toJSON()));
  log(`trained in ${seconds.toFixed(1)} s; saved ${path}`);
  return tok;
}

/** One split's token ids and the tokenizer that made them. */
export interface WikiTextSplit {
  /** Token ids of the whole split, lines concatenated (newlines kept). */
  tokens: Uint16Array;
  /** The tokenizer. */
  tokenizer: BpeTokenizer;
  /** Dataset. */
  dataset: WikiTextName;
  /** Split. */
  split: SplitName;
  /** The split's file (path in the data folder) and its SHA-256. */
  source: { path: string; sha256: string };
}

/** Token ids of one split, from the token cache or encoded now (and cached). */
export async function loadWikiTextSplit(
  split: SplitName,
  opts: WikiTextOptions = {},
): Promise<WikiTextSplit> {
  const dataset = opts.dataset ?? "wikitext-2";
  const dataDir = resolveDataDir({ dataDir: opts.dataDir });
  const cacheDir = resolveCacheDir({ cacheDir: opts.cacheDir });
  const tokenizer = await loadWikiTextTokenizer(opts);
  const file = await readSplit(dataset, split, dataDir);
  const source = { path: dataFile(dataset, split).path, sha256: file.sha256 };
  const tokHash = hashBytes(new TextEncoder().encode(JSON.stringify(Array.from(tokenizer.merges))));
  const name = `${dataset}-${split}-bpe${tokenizer.vocabSize}-${tokHash.slice(0, 12)}-` +
    `${file.sha256.slice(0, 12)}.u16`;
  const path = join(cacheDir, "tokens", name);
  const cached = await readTokenFile(path, (why) => opts.log?.(`${why}: encoding it again`));
  if (cached instanceof Uint16Array) return { tokens: cached, tokenizer, dataset, split, source };
  opts.log?.(`encoding ${file.file}`);
  const tokens = Uint16Array.from(tokenizer.encode(decoder.decode(file.bytes)));
  await writeTokenFile(path, tokens);
  return { tokens, tokenizer, dataset, split, source };
}
