/**
 * Fixed-length chunks of a long token stream (WikiText): chunk i has
 * `x = tokens[i·stride .. i·stride + T)` and `y = tokens[i·stride + 1 .. i·stride + T + 1)`.
 * Each chunk is an independent example (the model starts it from a zero state).
 *
 * With the default `stride = T`, the first input of chunk i+1 is the last target of chunk i,
 * so every token after the first is a target exactly once. The reference cuts 256-token chunks with no
 * overlap and predicts 255 of them: `{ T: 255, stride: 256 }` reproduces it exactly.
 *
 * @module
 */

import type { SequenceSource } from "./sequence_source.ts";

/** Default chunk length (prediction steps per example). */
export const DEFAULT_CHUNK_T = 256;

/** Options of {@link chunkSource}. */
export interface ChunkOptions {
  /** Prediction steps per chunk (default 256). */
  T?: number;
  /** Distance between chunk starts (default T: every token a target once). */
  stride?: number;
  /**
   * What to do with the tokens left after the last full chunk: "drop" them (default, as the
   * reference does) or "pad": one shorter final chunk, padded in batches (mask 0).
   */
  tail?: "drop" | "pad";
  /** Id used to pad (default 0, the BPE `<|endoftext|>` id). */
  pad?: number;
}

/** Number of chunks {@link chunkSource} makes from `n` tokens. */
export function chunkCount(n: number, opts: ChunkOptions = {}): number {
  const { T, stride } = checkChunkOptions(opts);
  const full = n - 1 >= T ? Math.floor((n - 1 - T) / stride) + 1 : 0;
  if ((opts.tail ?? "drop") === "drop") return full;
  // Full chunks' targets reach token index `covered`; a tail chunk starts at full·stride.
  const covered = full === 0 ? 0 : (full - 1) * stride + T;
  return n - 1 > covered && n - 1 - full * stride >= 1 ? full + 1 : full;
}

/** A {@link SequenceSource} over fixed-length chunks of `tokens` (views, no copies). */
export function chunkSource(
  tokens: Int32Array | Uint16Array | Uint32Array,
  opts: ChunkOptions = {},
): SequenceSource {
  const { T, stride } = checkChunkOptions(opts);
  const size = chunkCount(tokens.length, opts);
  const steps = (i: number): number => {
    if (!(i >= 0 && i < size)) throw new Error(`chunkSource: chunk ${i} outside [0, ${size})`);
    return Math.min(T, tokens.length - 1 - i * stride);
  };
  return {
    size,
    pad: opts.pad ?? 0,
    steps,
    inputs: (i) => tokens.subarray(i * stride, i * stride + steps(i)),
    targets: (i) => tokens.subarray(i * stride + 1, i * stride + 1 + steps(i)),
  };
}

function checkChunkOptions(opts: ChunkOptions): { T: number; stride: number } {
  const T = opts.T ?? DEFAULT_CHUNK_T;
  const stride = opts.stride ?? T;
  if (!Number.isInteger(T) || T < 1) throw new Error(`chunks: T must be an integer >= 1, got ${T}`);
  if (!Number.isInteger(stride) || stride < 1) {
    throw new Error(`chunks: stride must be an integer >= 1, got ${stride}`);
  }
  const tail = opts.tail ?? "drop";
  if (tail !== "drop" && tail !== "pad") {
    throw new Error(`chunks: tail must be "drop" or "pad", got ${JSON.stringify(tail)}`);
  }
  return { T, stride };
}
