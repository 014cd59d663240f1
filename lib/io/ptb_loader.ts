/**
 * Loads PTB from the data folder (hash-checked) into the sentence-level corpus of
 * `lib/data/ptb.ts`. Takes well under a second; nothing is cached.
 *
 * @module
 */

import { buildPtbCorpus, type PtbCorpus, type PtbCorpusOptions } from "../data/ptb.ts";
import { resolveDataDir } from "./dirs.ts";
import { dataFile } from "./manifest.ts";
import { readVerified } from "./verify.ts";

/** Options of {@link loadPtb}. */
export interface LoadPtbOptions extends PtbCorpusOptions {
  /** Data folder (default: see `resolveDataDir`). */
  dataDir?: string;
}

/**
 * Reads and checks the three PTB files and builds the corpus (word or char level), with the
 * files' SHA-256 by their path in the data folder.
 */
export async function loadPtb(
  opts: LoadPtbOptions = {},
): Promise<PtbCorpus & { files: Record<string, string> }> {
  const dataDir = resolveDataDir({ dataDir: opts.dataDir });
  const dec = new TextDecoder("utf-8", { fatal: true });
  const files: Record<string, string> = {};
  const read = async (split: "train" | "valid" | "test") => {
    const spec = dataFile("ptb", split);
    const f = await readVerified(spec, dataDir);
    files[spec.path] = f.sha256;
    return dec.decode(f.bytes);
  };
  const [train, valid, test] = await Promise.all([read("train"), read("valid"), read("test")]);
  const corpus = buildPtbCorpus({ train, valid, test }, {
    level: opts.level,
    context: opts.context,
  });
  return { ...corpus, files };
}
