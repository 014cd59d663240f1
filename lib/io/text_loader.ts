/**
 * `dataset: "text"`: your own UTF-8 text file(s) as a run's data (see `lib/data/text.ts` for
 * the splits, tokenisers and framing). Everything is checked before anything is written: a
 * missing, empty, binary, non-UTF-8 or oversized file, or one too small for the splits or the
 * context, is one line naming the file and what to do. The BPE tokenizer and the chunk
 * encodings are cached under the cache folder, keyed by the text's sha256 (an edited file
 * never gets a stale cache) and CRC-checked on load.
 *
 * @module
 */
import { join } from "node:path";
import type { DataConfig } from "../config/parts.ts";
import { BpeTokenizer } from "../data/bpe.ts";
import { trainBpeOnText } from "../data/bpe_train.ts";
import { chunkSource } from "../data/chunks.ts";
import { sentenceSource, type SequenceSource } from "../data/sequence_source.ts";
import {
  bpeCodec,
  charCodec,
  frameLines,
  splitText,
  type TextCodec,
  type TextSplits,
} from "../data/text.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { cannotRead, readInputFile } from "./bounded_file.ts";
import { resolveCacheDir } from "./dirs.ts";
import { readTokenFile, writeTokenFile } from "./token_file.ts";
import { hashBytes } from "./verify.ts";
import { textSha256 } from "./data_fingerprint.ts";

/** A text dataset, ready for batching. */
export interface TextData {
  train: SequenceSource;
  valid: SequenceSource;
  test: SequenceSource;
  codec: TextCodec;
  description: string;
  /** Each file's text SHA-256, by its path as the config gives it. */
  files: Record<string, string>;
}

/**
 * Reads a text file, checking it is there, within `maxMB`, non-empty, not binary and UTF-8.
 * @throws Error (one line) naming the file and what to do
 */
export async function readTextData(path: string, maxMB: number): Promise<string> {
  const bound = {
    what: "a UTF-8 text file",
    maxBytes: maxMB * 2 ** 20,
    limit: `${maxMB} MB`,
    tooBig: "raise data.maxMB or give a smaller file",
  };
  let bytes: Uint8Array;
  try {
    bytes = await readInputFile(path, bound);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${path} does not exist: give the path of a UTF-8 text file`);
    }
    throw cannotRead(path, err);
  }
  if (bytes.length === 0) throw new Error(`${path} is empty: give a file with text in it`);
  if (bytes.includes(0)) {
    throw new Error(`${path} looks binary (it has NUL bytes): give a UTF-8 text file`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${path} is not UTF-8 text: convert it (e.g. iconv -t utf-8) first`);
  }
}

/**
 * The three splits of the config: its own files, or one file cut by `data.split`; with each
 * file's text SHA-256 by its path as given.
 */
async function readSplits(
  config: DataConfig,
): Promise<{ splits: TextSplits; name: string; files: Record<string, string> }> {
  const d = config.data;
  if (d.train !== null) {
    const paths = [d.train, d.valid!, d.test!];
    const [train, valid, test] = await Promise.all(paths.map((p) => readTextData(p, d.maxMB)));
    const files = Object.fromEntries(paths.map((p, i) => [p, textSha256([train, valid, test][i])]));
    return { splits: { train, valid, test }, name: d.train, files };
  }
  const text = await readTextData(d.path!, d.maxMB);
  try {
    return {
      splits: splitText(text, d.split, { paragraphs: d.framing === "chunks" }),
      name: d.path!,
      files: { [d.path!]: textSha256(text) },
    };
  } catch (err) {
    throw new Error(`${d.path} ${(err as Error).message}`);
  }
}

/** Loads the text dataset a config names (see the module doc). */
export async function loadTextData(
  config: DataConfig,
  options: { cacheDir?: string; log?: (line: string) => void } = {},
): Promise<TextData> {
  const log = options.log ?? (() => {});
  const { splits, name, files } = await readSplits(config);
  const cacheDir = resolveCacheDir({ cacheDir: options.cacheDir });
  const hash = (s: string) => hashBytes(new TextEncoder().encode(s)).slice(0, 16);
  const writes: (() => Promise<void>)[] = [];
  let codec: TextCodec;
  if (config.data.tokenizer === "char") {
    codec = charCodec(splits.train);
  } else {
    const path = join(
      cacheDir,
      "tokenizers",
      `text-bpe${config.vocabSize}-${hash(splits.train)}.json`,
    );
    let tok: BpeTokenizer | undefined;
    try {
      tok = BpeTokenizer.fromJSON(JSON.parse(await Deno.readTextFile(path)));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) log(`ignoring unreadable ${path}: ${err}`);
    }
    if (tok === undefined) {
      const t0 = performance.now();
      tok = trainBpeOnText(splits.train, { vocabSize: config.vocabSize, meta: { source: name } });
      log(
        `trained BPE (${tok.vocabSize} ids) on ${name} in ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s`,
      );
      const made = tok;
      writes.push(() => writeFileAtomic(path, JSON.stringify(made.toJSON())));
    }
    codec = bpeCodec(tok, `bpe${tok.vocabSize}-${hash(JSON.stringify(Array.from(tok.merges)))}`);
  }
  const names = ["train", "valid", "test"] as const;
  let sources: SequenceSource[];
  if (config.data.framing === "lines") {
    sources = names.map((s) => sentenceSource(frameLines(splits[s], codec.encode, config.context)));
  } else {
    sources = [];
    for (const s of names) {
      const path = join(cacheDir, "tokens", `text-${s}-${codec.key}-${hash(splits[s])}.i32`);
      let ids = codec.kind === "bpe" ? await readTokenFile(path, log) : null;
      if (ids === null) {
        ids = Int32Array.from(codec.encode(splits[s]));
        const made = ids;
        if (codec.kind === "bpe") writes.push(() => writeTokenFile(path, made));
      }
      if (ids.length < config.context + 1) {
        throw new Error(
          `${name}: the ${s} split has ${ids.length} tokens, fewer than context + 1 = ` +
            `${config.context + 1}: use a smaller context, framing lines, or more text`,
        );
      }
      sources.push(chunkSource(ids, { T: config.context }));
    }
  }
  for (const write of writes) await write(); // all checks passed
  const [train, valid, test] = sources;
  return {
    train,
    valid,
    test,
    codec,
    files,
    description: `text ${name}: ${codec.kind} ${codec.vocabSize} ids, ${config.data.framing}, ` +
      `${train.size} training examples, context ${config.context}`,
  };
}
