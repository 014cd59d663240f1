/**
 * The head and the summed cross-entropy, in chunks of rows when the whole logits would not fit.
 *
 * The paper's WikiText-103 batch (B = 128, T = 256, V = 16k) makes a [B·T, V] logits block of
 * 2 GiB, and its evaluation batch (256 rows) 4 GiB: more than a WebGPU storage binding (128 MiB
 * by default) or the wasm heap (4 GiB) can hold. Above {@link HEAD_BLOCK_BYTES} the head and
 * the loss run in chunks of at most {@link HEAD_CHUNK_BYTES} inside one custom gradient:
 *
 *     forward   loss  = Σ_chunks CE(features[c] · W + b, targets[c])        (logits dropped)
 *     backward  z_c   = features[c] · W + b                                  (recomputed)
 *               dz_c  = (softmax(z_c) − onehot(targets[c])) · dy             [rows_c, V]
 *               dF[c] = dz_c Wᵀ,   dW += F[c]ᵀ dz_c,   db += Σ_rows dz_c
 *
 * so no tensor of [rows, V] ever exists, at the cost of a second head matMul in the backward.
 * At or below the threshold the whole block runs as before ({@link crossEntropySum} of
 * {@link linear}): every run that fitted keeps its numbers bit for bit. The chunked loss equals
 * the whole one to float32 rounding (the chunk sums and dW, db add up in another order).
 *
 * On WebGPU both sizes are also capped by the device's `maxStorageBufferBindingSize` and
 * `maxBufferSize` (lib/backend_webgpu.ts asks the adapter for its largest), so that no logits
 * buffer is one the device refuses.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { columnSum, linear, matMulAT, matMulBT } from "../ops/linear.ts";
import { crossEntropyGrad, crossEntropySum } from "./cross_entropy.ts";

/**
 * Bytes of the whole [rows, V] float32 logits block above which the head and the loss run in
 * chunks: 512 MiB. Every committed run stays below it, so their numbers are unchanged: the
 * largest block is a PTB word training batch of 6,826 targets × 10,002 words (260.4 MiB, the
 * 30-epoch runs; 256 MiB would have chunked it), then WikiText's 4,096 × 16,000 (250 MiB).
 */
export const HEAD_BLOCK_BYTES = 512 * 2 ** 20;

/**
 * Bytes of one chunk's [rows, V] logits once chunking is on: 128 MiB, the WebGPU default
 * `maxStorageBufferBindingSize` (the backward holds about three such blocks at a time).
 */
export const HEAD_CHUNK_BYTES = 128 * 2 ** 20;

/** The WebGPU device limits the chunk size respects. */
export interface BufferLimits {
  /** Largest buffer bound to one storage binding (bytes). */
  maxStorageBufferBindingSize?: number;
  /** Largest buffer (bytes). */
  maxBufferSize?: number;
}

/** The block bytes allowed under `limits`: min(`base`, both limits), at least 4 bytes. */
export function blockBytesUnder(limits: BufferLimits, base = HEAD_BLOCK_BYTES): number {
  const caps = [limits.maxStorageBufferBindingSize, limits.maxBufferSize]
    .filter((x): x is number => typeof x === "number" && x > 0);
  return Math.max(4, Math.min(base, ...caps));
}

/** The active WebGPU device's buffer limits ({} on other backends). */
function deviceLimits(): BufferLimits {
  if (tf.getBackend() !== "webgpu") return {};
  const device = (tf.backend() as unknown as { device?: { limits?: BufferLimits } }).device;
  return device?.limits ?? {};
}

/**
 * The largest buffer the active WebGPU device binds (the smaller of its two limits), or
 * undefined on other backends.
 */
export function deviceBufferBytes(): number | undefined {
  const limits = deviceLimits();
  const caps = [limits.maxStorageBufferBindingSize, limits.maxBufferSize]
    .filter((x): x is number => typeof x === "number" && x > 0);
  return caps.length ? Math.min(...caps) : undefined;
}

/**
 * The active backend's threshold: {@link HEAD_BLOCK_BYTES}, capped on WebGPU by its device's
 * buffer limits ({@link blockBytesUnder}).
 */
export function headBlockBytes(): number {
  return blockBytesUnder(deviceLimits(), HEAD_BLOCK_BYTES);
}

/** The active backend's chunk size: {@link HEAD_CHUNK_BYTES}, capped as {@link headBlockBytes}. */
export function headChunkBytes(): number {
  return blockBytesUnder(deviceLimits(), HEAD_CHUNK_BYTES);
}

/**
 * Rows per chunk of a [rows, V] block: all of them when the whole block fits in `blockBytes`,
 * else the most whose [chunk, V] block fits in both `blockBytes` and `chunkBytes` (at least 1).
 */
export function headChunkRows(
  rows: number,
  vocab: number,
  sizes: { blockBytes: number; chunkBytes: number },
): number {
  if (4 * rows * vocab <= sizes.blockBytes) return rows;
  return Math.max(1, Math.floor(Math.min(sizes.blockBytes, sizes.chunkBytes) / (4 * vocab)));
}

/** Options of {@link headLossSum}. */
export interface HeadLossOptions {
  /** Whole-block bytes above which it chunks (default {@link headBlockBytes}). */
  blockBytes?: number;
  /** Bytes of a chunk's block (default {@link headChunkBytes}; at most `blockBytes`). */
  chunkBytes?: number;
}

/**
 * Σ_n CE(features_n · W + b, targets_n): the head and the summed cross-entropy, whole or in
 * chunks of rows (see the module doc).
 * @param features [N, D]
 * @param head weight [D, V] and bias [V]
 * @param targets [N] int32
 * @returns scalar
 */
export function headLossSum(
  features: tf.Tensor2D,
  head: { weight: tf.Tensor; bias: tf.Tensor },
  targets: tf.Tensor1D,
  options: HeadLossOptions = {},
): tf.Scalar {
  const w = head.weight as tf.Tensor2D;
  const b = head.bias as tf.Tensor1D;
  const [n, v] = [features.shape[0], w.shape[1]];
  const chunk = headChunkRows(n, v, {
    blockBytes: options.blockBytes ?? headBlockBytes(),
    chunkBytes: options.chunkBytes ?? headChunkBytes(),
  });
  if (chunk >= n) return crossEntropySum(linear(features, w, b) as tf.Tensor2D, targets);
  return chunkedOp(targets, chunk)(features, w, b) as tf.Scalar;
}

/** Row ranges [start, start + size) of `n` rows, `chunk` at a time. */
function ranges(n: number, chunk: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += chunk) out.push([start, Math.min(chunk, n - start)]);
  return out;
}

/** `acc + x`, disposing both (acc may be null: then x). */
function addInto<T extends tf.Tensor>(acc: T | null, x: T): T {
  if (acc === null) return x;
  const sum = tf.add(acc, x) as T;
  tf.dispose([acc, x]);
  return sum;
}

/** The chunked op over (features, W, b) for the given targets; see the module doc. */
function chunkedOp(targets: tf.Tensor1D, chunk: number) {
  return tf.customGrad((x, w, b, save) => {
    const [f, wt, bias] = [x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D];
    const [n, d] = f.shape;
    // Saved (not closed over): the caller may dispose `targets` before the backward runs.
    (save as tf.GradSaveFunc)([f, wt, bias, targets]);
    let total: tf.Scalar | null = null;
    for (const [start, size] of ranges(n, chunk)) {
      const part = tf.tidy(() => {
        const rows = tf.slice(f, [start, 0], [size, d]); // [c, D]
        const z = linear(rows, wt, bias) as tf.Tensor2D; // [c, V]
        return crossEntropySum(z, tf.slice(targets, [start], [size]));
      });
      total = addInto(total, part);
    }
    return {
      value: total!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sf, sw, sb, st] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const dRows: tf.Tensor2D[] = [];
        let dW: tf.Tensor2D | null = null;
        let db: tf.Tensor1D | null = null;
        for (const [start, size] of ranges(n, chunk)) {
          const [dx, dw, dbias] = tf.tidy(() => {
            const rows = tf.slice(sf, [start, 0], [size, d]); // [c, D]
            const z = linear(rows, sw, sb) as tf.Tensor2D; // [c, V]
            const dz = tf.mul(crossEntropyGrad(z, tf.slice(st, [start], [size])), dy); // [c, V]
            return [
              matMulBT(dz as tf.Tensor2D, sw),
              matMulAT(rows, dz as tf.Tensor2D),
              columnSum(
                dz as tf.Tensor2D,
              ),
            ];
          });
          dRows.push(dx as tf.Tensor2D);
          dW = addInto(dW, dw as tf.Tensor2D);
          db = addInto(db, dbias as tf.Tensor1D);
        }
        const dF = tf.concat(dRows, 0); // [N, D]
        tf.dispose(dRows);
        return [dF, dW!, db!];
      },
    };
  });
}
