/**
 * Loads PTB from the data folder (hash-checked) into the sentence-level corpus of
 * `lib/data/ptb.ts`, or into its stream framing. Takes well under a second; nothing is cached.
 *
 * @module
 */

import {
  buildPtbCorpus,
  buildPtbStreams,
  type PtbCorpus,
  type PtbCorpusOptions,
  type PtbStreams,
  type PtbTexts,
} from "../data/ptb.ts";
import { resolveDataDir } from "./dirs.ts";
import { dataFile } from "./manifest.ts";
import { readVerified } from "./verify.ts";

/** Options of {@link loadPtb}. */
export interface LoadPtbOptions extends PtbCorpusOptions {
  /** Data folder (default: see `resolveDataDir`). */
  dataDir?: string;
}

/** Reads and checks the three PTB files. */
async function readPtbTexts(dataDir?: string): Promise<PtbTexts> {
  const dir = resolveDataDir({ dataDir });
  const dec = new TextDecoder("utf-8", { fatal: true });
  const read = async (split: "train" | "valid" | "test") =>
    dec.decode((await readVerified(dataFile("ptb", split), dir)).bytes);
  const [train, valid, test] = await Promise.all([read("train"), read("valid"), read("test")]);
  return { train, valid, test };
}

/** Reads and checks the three PTB files and builds the corpus (word or char level). */
export async function loadPtb(opts: LoadPtbOptions = {}): Promise<PtbCorpus> {
  const texts = await readPtbTexts(opts.dataDir);
  return buildPtbCorpus(texts, { level: opts.level, context: opts.context });
}

/** Reads and checks the three PTB files and builds one token stream per split. */
export async function loadPtbStreams(
  opts: Pick<LoadPtbOptions, "dataDir" | "level"> = {},
): Promise<PtbStreams> {
  return buildPtbStreams(await readPtbTexts(opts.dataDir), { level: opts.level });
}
