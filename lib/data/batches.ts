/**
 * Batch iterators over a {@link SequenceSource}: deterministic shuffled training batches
 * (one seeded permutation per epoch, resumable from any (epoch, index) position, optional
 * length bucketing) and in-order evaluation batches. Batches are built one at a time as
 * plain typed arrays; the model turns them into tensors.
 *
 * Bucketing (`bucket: k`): the epoch's permutation is cut into chunks of k·B examples, each
 * chunk is sorted by length (longest first, stable), cut into batches, and the order of all
 * the epoch's batches is then shuffled. Every batch is trimmed to its longest row (with or
 * without bucketing, as the reference's `pad_sequence` does), so bucketing changes only how
 * much padding there is: the same examples, targets and target count per epoch.
 *
 * @module
 */

import { Rng } from "../util/rng.ts";
import type { SequenceSource } from "./sequence_source.ts";

/** Where a batch sits in training: epoch number and batch index within the epoch. */
export interface BatchPosition {
  /** Epoch, from 0. */
  epoch: number;
  /** Batch index within the epoch, from 0. */
  index: number;
}

/** One batch, row-major `[B, T]`, ready to be turned into tensors. */
export interface Batch {
  /** Input ids, `B*T`, padded with the source's pad id. */
  x: Int32Array;
  /** Target ids, `B*T`, padded with the source's pad id. */
  y: Int32Array;
  /** 1 where `y` is a real target, 0 on padding, `B*T`. */
  mask: Float32Array;
  /** Rows. */
  B: number;
  /** Columns (time steps). */
  T: number;
  /** Number of real targets (sum of `mask`): the loss is their summed CE / count. */
  count: number;
  /** Example index of each row. */
  indices: Int32Array;
  /** This batch's position. */
  position: BatchPosition;
  /** The position of the batch after this one (save it to resume). */
  next: BatchPosition;
}

/** Options of {@link makeBatch}. */
export interface MakeBatchOptions {
  /** Pad every batch to this many steps instead of its longest row (static shapes). */
  padTo?: number;
  /** Position stamped on the batch (default epoch 0, index 0). */
  position?: BatchPosition;
  /** Next position stamped on the batch (default: index + 1 in the same epoch). */
  next?: BatchPosition;
}

/** Builds the batch of the given examples, `T` = the longest row (or `padTo`). */
export function makeBatch(
  source: SequenceSource,
  indices: ArrayLike<number>,
  opts: MakeBatchOptions = {},
): Batch {
  const B = indices.length;
  if (B === 0) throw new Error("makeBatch: no example indices given");
  let longest = 0;
  for (let r = 0; r < B; r++) longest = Math.max(longest, source.steps(indices[r]));
  const T = opts.padTo ?? longest;
  if (T < longest) {
    throw new Error(`makeBatch: padTo=${T} is shorter than the longest row (${longest} steps)`);
  }
  const x = new Int32Array(B * T).fill(source.pad);
  const y = new Int32Array(B * T).fill(source.pad);
  const mask = new Float32Array(B * T);
  let count = 0;
  for (let r = 0; r < B; r++) {
    const i = indices[r];
    const n = source.steps(i);
    x.set(source.inputs(i), r * T);
    y.set(source.targets(i), r * T);
    mask.fill(1, r * T, r * T + n);
    count += n;
  }
  const position = opts.position ?? { epoch: 0, index: 0 };
  const next = opts.next ?? { epoch: position.epoch, index: position.index + 1 };
  return { x, y, mask, B, T, count, indices: Int32Array.from(indices), position, next };
}

/** Options of the shuffled training iterators. */
export interface ShuffleOptions {
  /** Rows per batch. */
  batchSize: number;
  /** Seed; epoch e uses its own generator derived from (seed, e). */
  seed: number;
  /** Bucketing: sort by length within chunks of this many batches (0 or absent: off). */
  bucket?: number;
  /** Drop the epoch's last, incomplete batch (default false, as the reference's PTB loader). */
  dropLast?: boolean;
  /** Pad every batch to this many steps (default: each batch's longest row). */
  padTo?: number;
}

/** Number of batches per epoch for `size` examples. */
export function batchesPerEpoch(size: number, opts: ShuffleOptions): number {
  checkShuffle(opts);
  return opts.dropLast ? Math.floor(size / opts.batchSize) : Math.ceil(size / opts.batchSize);
}

/** The generator that shuffles epoch `epoch` (a pure function of seed and epoch). */
export function epochRng(seed: number, epoch: number): Rng {
  const a = Math.imul((seed | 0) ^ 0x5bd1e995, 0x27d4eb2d);
  const b = Math.imul((epoch | 0) + 1, 0x165667b1);
  return new Rng((a ^ (b + 0x7f4a7c15 + (a << 6) + (a >>> 2))) >>> 0);
}

/** The example indices of every batch of epoch `epoch`, in order (a plan, no data). */
export function epochPlan(
  source: SequenceSource,
  epoch: number,
  opts: ShuffleOptions,
): Int32Array[] {
  checkShuffle(opts);
  const n = source.size;
  const B = opts.batchSize;
  const rng = epochRng(opts.seed, epoch);
  const perm = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  let plan: number[][] = [];
  const bucket = opts.bucket ?? 0;
  if (bucket > 0) {
    const chunk = bucket * B;
    for (let s = 0; s < n; s += chunk) {
      const part = perm.slice(s, s + chunk);
      const len = part.map((i) => source.steps(i));
      const order = part.map((_, j) => j).sort((p, q) => len[q] - len[p] || p - q);
      const sorted = order.map((j) => part[j]);
      for (let j = 0; j < sorted.length; j += B) plan.push(sorted.slice(j, j + B));
    }
    if (opts.dropLast) plan = plan.filter((b) => b.length === B);
    rng.shuffle(plan);
  } else {
    for (let j = 0; j < n; j += B) plan.push(perm.slice(j, j + B));
    if (opts.dropLast && plan.length > 0 && plan[plan.length - 1].length < B) plan.pop();
  }
  return plan.map((b) => Int32Array.from(b));
}

/** Options of {@link trainBatches}. */
export interface TrainBatchOptions extends ShuffleOptions {
  /** Where to start (default epoch 0, index 0): a saved `batch.next` resumes exactly. */
  start?: BatchPosition;
  /** Stop after this many epochs in all (default: never stop). */
  epochs?: number;
}

/**
 * Shuffled training batches, epoch after epoch, from `start`: the same options always give
 * the same batches, and starting at a saved position gives the rest of the same sequence.
 */
export function* trainBatches(
  source: SequenceSource,
  opts: TrainBatchOptions,
): Generator<Batch, void, undefined> {
  const start = opts.start ?? { epoch: 0, index: 0 };
  if (!(Number.isInteger(start.epoch) && start.epoch >= 0 && Number.isInteger(start.index))) {
    throw new Error(`trainBatches: bad start position ${JSON.stringify(start)}`);
  }
  const epochs = opts.epochs ?? Infinity;
  if (source.size === 0) throw new Error("trainBatches: the source has no examples");
  for (let epoch = start.epoch; epoch < epochs; epoch++) {
    const plan = epochPlan(source, epoch, opts);
    const first = epoch === start.epoch ? start.index : 0;
    if (first < 0 || first > plan.length) {
      throw new Error(
        `trainBatches: start index ${first} outside [0, ${plan.length}] for epoch ${epoch}`,
      );
    }
    for (let index = first; index < plan.length; index++) {
      const last = index === plan.length - 1;
      yield makeBatch(source, plan[index], {
        padTo: opts.padTo,
        position: { epoch, index },
        next: last ? { epoch: epoch + 1, index: 0 } : { epoch, index: index + 1 },
      });
    }
  }
}

/** Options of {@link evalBatches}. */
export interface EvalBatchOptions {
  /** Rows per batch (the last batch may be smaller). */
  batchSize: number;
  /** Pad every batch to this many steps (default: each batch's longest row). */
  padTo?: number;
}

/** Every example of the source once, in order, in batches (for validation / test). */
export function* evalBatches(
  source: SequenceSource,
  opts: EvalBatchOptions,
): Generator<Batch, void, undefined> {
  checkShuffle({ batchSize: opts.batchSize, seed: 0 });
  const B = opts.batchSize;
  const total = Math.ceil(source.size / B);
  for (let index = 0; index < total; index++) {
    const lo = index * B;
    const hi = Math.min(source.size, lo + B);
    const idx = new Int32Array(hi - lo);
    for (let r = 0; r < idx.length; r++) idx[r] = lo + r;
    yield makeBatch(source, idx, {
      padTo: opts.padTo,
      position: { epoch: 0, index },
      next: { epoch: 0, index: index + 1 },
    });
  }
}

function checkShuffle(opts: ShuffleOptions): void {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new Error(`batches: batchSize must be an integer >= 1, got ${opts.batchSize}`);
  }
  if (!Number.isFinite(opts.seed)) throw new Error(`batches: seed must be a number`);
  const bucket = opts.bucket ?? 0;
  if (!Number.isInteger(bucket) || bucket < 0) {
    throw new Error(`batches: bucket must be an integer >= 0 (batches per sorted chunk)`);
  }
}
