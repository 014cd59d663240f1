/**
 * A run's inputs in one folder, for the PyTorch twin trainer (`twin/`, Python): what a PyTorch
 * process needs to train the same run as `deno task train` without this workspace's code.
 *
 *     DIR/config.json          the resolved config (a run's `config.json` format, no environment)
 *     DIR/tokenizer.json       the tokenizer as JSON data (null for the synthetic task)
 *     DIR/init.safetensors     the initial weights and λ (ours, from the config's seed; PyTorch
 *                              names, lib/models/torch_names.ts)
 *     DIR/train.safetensors    the training batches of the planned steps, in our data order
 *     DIR/valid.safetensors    the validation batches (the config's cap applied)
 *     DIR/test.safetensors     the test batches
 *     DIR/twin.json            the index: sizes, counts, the schedule's lengths, sha256 of each file
 *
 * A batch file packs its batches end to end, each `[B, T]` row-major as the trainer sees it
 * (`Batch` of lib/data/batches.ts: trimmed to its longest row, padded with the pad id):
 *
 *     x, y      U16 (vocabularies up to 65,536) or I32   [Σ B·T]   input ids, target ids
 *     mask      U8                                      [Σ B·T]   1 on a real target
 *     shape     I32  [nBatches, 2]   (B, T) of each batch; batch i starts at Σ_{j<i} B_j·T_j
 *     position  I32  [nBatches, 2]   (epoch, index) of each batch in our data order
 *     count     I32  [nBatches]      real targets per batch (the loss's denominator)
 *
 * Training batch i is the batch of update i + 1: a run with `steps` or `epochs` has them all.
 *
 * @module
 */
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import type { Batch } from "../data/batches.ts";
import type { RunData } from "./datasets.ts";
import { encodeSafetensors, type RawTensor } from "./safetensors.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { hashBytes } from "./verify.ts";
import { runConfigText } from "./run_files.ts";
import type { NamedTensor } from "../models/torch_names.ts";
import { evalEveryOf, totalStepsOf } from "../train/training_config.ts";
import { methodOf } from "../analysis/reproduction.ts";
import { feedbackVariant } from "../feedback/kinds.ts";

/** The export format's name and version (in `twin.json`). */
export const TWIN_FORMAT = "dsf-twin-export";
export const TWIN_VERSION = 1;

/** What `twin.json` says about one batch file. */
export interface SplitInfo {
  /** File name in the export folder. */
  file: string;
  /** Number of batches. */
  batches: number;
  /** Positions stored (Σ B·T, padding included). */
  positions: number;
  /** Real targets (Σ count). */
  targets: number;
  /** Bytes of the file and its SHA-256. */
  bytes: number;
  sha256: string;
}

/** `twin.json`. */
export interface TwinManifest {
  format: typeof TWIN_FORMAT;
  version: number;
  /** The config's name, scale and gradient mode (the whole config is in config.json). */
  config: string;
  scale: string;
  mode: string;
  /**
   * The run's method label and λ variant as our records write them (lib/analysis/reproduction.ts
   * `methodOf`, lib/feedback/kinds.ts `feedbackVariant`): the twin names its files with them.
   */
  method: string;
  variant: string;
  /** Input ids and output classes. */
  vocabSize: number;
  /** The schedule's length, batches per epoch, updates between evaluations. */
  totalSteps: number;
  batchesPerEpoch: number;
  evalEvery: number;
  /** Integer type of the ids in the batch files. */
  idType: "U16" | "I32";
  splits: { train: SplitInfo; valid: SplitInfo; test: SplitInfo | null };
  /** The other files, by name: bytes and SHA-256. */
  files: Record<string, { bytes: number; sha256: string }>;
  /** The data's fingerprint (its files' and tokenizer's hashes, as a run's checkpoints keep). */
  data: unknown;
  /** The command that wrote the export, and when. */
  command: string;
  date: string;
}

/** The batches packed as one safetensors file's tensors (see the module doc). */
export function packBatches(
  batches: readonly Batch[],
  vocabSize: number,
): Record<string, RawTensor> {
  const positions = batches.reduce((n, b) => n + b.B * b.T, 0);
  const wide = vocabSize > 65_536;
  const x = wide ? new Int32Array(positions) : new Uint16Array(positions);
  const y = wide ? new Int32Array(positions) : new Uint16Array(positions);
  const mask = new Uint8Array(positions);
  const shape = new Int32Array(2 * batches.length);
  const position = new Int32Array(2 * batches.length);
  const count = new Int32Array(batches.length);
  let at = 0;
  batches.forEach((b, i) => {
    x.set(b.x, at);
    y.set(b.y, at);
    for (let k = 0; k < b.mask.length; k++) mask[at + k] = b.mask[k] !== 0 ? 1 : 0;
    at += b.B * b.T;
    shape.set([b.B, b.T], 2 * i);
    position.set([b.position.epoch, b.position.index], 2 * i);
    count[i] = b.count;
  });
  const n = batches.length;
  // Widest first: every tensor's data stays aligned to its element size.
  return {
    shape: { shape: [n, 2], data: shape },
    position: { shape: [n, 2], data: position },
    count: { shape: [n], data: count },
    x: { shape: [positions], data: x },
    y: { shape: [positions], data: y },
    mask: { shape: [positions], data: mask },
  };
}

/** The first `n` training batches of the run's data order. */
export function trainingBatches(data: RunData, n: number): Batch[] {
  const it = data.train({ epoch: 0, index: 0 });
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) {
    const next = it.next();
    if (next.done) throw new Error(`the training data ended after ${i} batches of ${n}`);
    out.push(next.value);
  }
  return out;
}

/** Bytes of an export's batch files, without writing them: positions × (2 ids + mask). */
export function estimateBytes(positions: number, vocabSize: number): number {
  return positions * (2 * (vocabSize > 65_536 ? 4 : 2) + 1);
}

/**
 * Writes the export of `config` into `dir` (created; files replaced atomically).
 * @param init the initial weights under PyTorch's names (`torchState` of the run's model)
 * @returns the manifest written as `twin.json`
 */
export async function writeTwinExport(
  dir: string,
  config: Config,
  data: RunData,
  init: Record<string, NamedTensor>,
  command: string,
): Promise<TwinManifest> {
  await Deno.mkdir(dir, { recursive: true });
  const totalSteps = totalStepsOf(config, data.batchesPerEpoch);
  const variant = feedbackVariant(config);
  const files: TwinManifest["files"] = {};
  const put = async (name: string, bytes: Uint8Array) => {
    await writeFileAtomic(join(dir, name), bytes);
    files[name] = { bytes: bytes.length, sha256: hashBytes(bytes) };
  };
  const split = async (name: string, batches: Batch[]): Promise<SplitInfo> => {
    const file = `${name}.safetensors`;
    await put(file, encodeSafetensors(packBatches(batches, data.vocabSize), { split: name }));
    const { [file]: f } = files;
    delete files[file];
    return {
      file,
      batches: batches.length,
      positions: batches.reduce((n, b) => n + b.B * b.T, 0),
      targets: batches.reduce((n, b) => n + b.count, 0),
      ...f,
    };
  };
  const enc = new TextEncoder();
  await put("config.json", enc.encode(runConfigText(config)));
  await put("tokenizer.json", enc.encode(JSON.stringify(data.tokenizer ?? null) + "\n"));
  await put(
    "init.safetensors",
    encodeSafetensors(init, {
      format: "dsf-notebooks",
      config: JSON.stringify(config),
      tokenizer: JSON.stringify(data.tokenizer ?? null),
      checkpoint: `init (seed ${config.seed})`,
    }),
  );
  const train = await split("train", trainingBatches(data, totalSteps));
  const valid = await split("valid", [...data.valid()]);
  const test = data.test ? await split("test", [...data.test()]) : null;
  const manifest: TwinManifest = {
    format: TWIN_FORMAT,
    version: TWIN_VERSION,
    config: config.name,
    scale: config.scale,
    mode: config.mode,
    method: methodOf({ mode: config.mode, feedback: config.feedback.kind, variant }),
    variant,
    vocabSize: data.vocabSize,
    totalSteps,
    batchesPerEpoch: data.batchesPerEpoch,
    evalEvery: evalEveryOf(config, totalSteps),
    idType: data.vocabSize > 65_536 ? "I32" : "U16",
    splits: { train, valid, test },
    files,
    data: data.fingerprint,
    command,
    date: new Date().toISOString(),
  };
  await writeFileAtomic(join(dir, "twin.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}
