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

/** The files' SHA-256, by their path in the data folder. */
export type PtbFiles = { files: Record<string, string> };

/** Reads and checks the three PTB files; with their SHA-256 by path. */
async function readPtbTexts(dataDir?: string): Promise<{ texts: PtbTexts } & PtbFiles> {
  const dir = resolveDataDir({ dataDir });
  const dec = new TextDecoder("utf-8", { fatal: true });
  const files: Record<string, string> = {};
  const read = async (split: "train" | "valid" | "test") => {
    const spec = dataFile("ptb", split);
    const f = await readVerified(spec, dir);
    files[spec.path] = f.sha256;
    return dec.decode(f.bytes);
  };
  const [train, valid, test] = await Promise.all([read("train"), read("valid"), read("test")]);
  return { texts: { train, valid, test }, files };
}

/** Reads and checks the three PTB files and builds the corpus (word or char level). */
export async function loadPtb(opts: LoadPtbOptions = {}): Promise<PtbCorpus & PtbFiles> {
  const { texts, files } = await readPtbTexts(opts.dataDir);
  return { ...buildPtbCorpus(texts, { level: opts.level, context: opts.context }), files };
}

/** Reads and checks the three PTB files and builds one token stream per split. */
export async function loadPtbStreams(
  opts: Pick<LoadPtbOptions, "dataDir" | "level"> = {},
): Promise<PtbStreams & PtbFiles> {
  const { texts, files } = await readPtbTexts(opts.dataDir);
  return { ...buildPtbStreams(texts, { level: opts.level }), files };
}
