/**
 * A synthetic long-range task generated in code: delayed recall. Inputs are i.i.d.
 * uniform symbols `1..K`; the target at step t is the input at step t − lag.
 *
 * Why it separates the training modes: `x_{t−lag}` is independent of everything the
 * model sees at steps t−lag+1..t, so the only way to predict `y_t` is to carry `x_{t−lag}`
 * in the state for `lag` steps. Writing it into the state at step t−lag is rewarded only by
 * the loss at step t, i.e. only through the gradient across `lag` steps of recurrence.
 * Without gradient through time (FT-BPTT) the state keeps only what a random-initialized
 * cell happens to keep, which fades within a few steps: with a lag well beyond that
 * (default 8) the loss is expected to stay at the chance level, while exact BPTT can learn
 * it with a small GRU. (These are design expectations, to be checked by the notebooks.)
 *
 * Chance level (closed form, {@link delayedRecallChance}): with the default `blanks: "mask"`
 * the first `lag` steps carry no target (mask 0) and the best memoryless loss is ln K
 * (perplexity K, accuracy 1/K). With `blanks: "predict"` those steps have target 0 (blank)
 * and count; a memoryless model cannot tell them apart from the rest either, so its best
 * loss is the entropy `−p ln p − (1−p) ln((1−p)/K)` with p = lag/T.
 *
 * Id layout: 0 = blank / pad, 1..K = symbols; vocabulary (inputs and classes) K + 1.
 *
 * @module
 */

import type { Rng } from "../util/rng.ts";
import { type Batch, epochRng } from "./batches.ts";

/** Options of the delayed-recall task. */
export interface DelayedRecallOptions {
  /** Alphabet size K (default 8). */
  symbols?: number;
  /** Delay between a symbol and the step that must recall it (default 8). */
  lag?: number;
  /** Sequence length (default 32). */
  T?: number;
  /** Rows per batch (default 32). */
  batchSize?: number;
  /** First `lag` steps: no target ("mask", default) or a blank class to predict ("predict"). */
  blanks?: "mask" | "predict";
}

/** Chance-level numbers of a memoryless predictor (see module doc). */
export interface ChanceLevel {
  /** Mean cross-entropy per counted target, in nats. */
  loss: number;
  /** exp(loss). */
  perplexity: number;
  /** Best accuracy without memory. */
  accuracy: number;
}

function resolve(opts: DelayedRecallOptions): Required<DelayedRecallOptions> {
  const o = {
    symbols: opts.symbols ?? 8,
    lag: opts.lag ?? 8,
    T: opts.T ?? 32,
    batchSize: opts.batchSize ?? 32,
    blanks: opts.blanks ?? "mask",
  };
  const int = (v: number, lo: number) => Number.isInteger(v) && v >= lo;
  if (!int(o.symbols, 2)) throw new Error(`delayedRecall: symbols must be an integer >= 2`);
  if (!int(o.lag, 1)) throw new Error(`delayedRecall: lag must be an integer >= 1`);
  if (!int(o.T, o.lag + 1)) {
    throw new Error(`delayedRecall: T must be an integer > lag (got T=${o.T}, lag=${o.lag})`);
  }
  if (!int(o.batchSize, 1)) throw new Error(`delayedRecall: batchSize must be an integer >= 1`);
  if (o.blanks !== "mask" && o.blanks !== "predict") {
    throw new Error(`delayedRecall: blanks must be "mask" or "predict"`);
  }
  return o;
}

/** Vocabulary size (input ids and output classes) of the task: K + 1. */
export function delayedRecallVocab(opts: DelayedRecallOptions = {}): number {
  return resolve(opts).symbols + 1;
}

/** The closed-form chance level of the task (what a model without memory can reach). */
export function delayedRecallChance(opts: DelayedRecallOptions = {}): ChanceLevel {
  const { symbols: K, lag, T, blanks } = resolve(opts);
  if (blanks === "mask") return { loss: Math.log(K), perplexity: K, accuracy: 1 / K };
  const p = lag / T;
  const loss = -p * Math.log(p) - (1 - p) * Math.log((1 - p) / K);
  return { loss, perplexity: Math.exp(loss), accuracy: Math.max(p, (1 - p) / K) };
}

/** One batch drawn from `rng` (advances it): same {@link Batch} format as the LM data. */
export function delayedRecallBatch(rng: Rng, opts: DelayedRecallOptions = {}): Batch {
  const { symbols: K, lag, T, batchSize: B, blanks } = resolve(opts);
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) x[r * T + t] = 1 + rng.int(K);
    for (let t = 0; t < T; t++) {
      const i = r * T + t;
      if (t >= lag) {
        y[i] = x[i - lag];
        mask[i] = 1;
      } else if (blanks === "predict") mask[i] = 1;
    }
  }
  const count = blanks === "mask" ? B * (T - lag) : B * T;
  return {
    x,
    y,
    mask,
    B,
    T,
    count,
    indices: new Int32Array(B).map((_, r) => r),
    position: { epoch: 0, index: 0 },
    next: { epoch: 0, index: 1 },
  };
}

/**
 * An endless stream of batches: batch i is drawn from its own generator derived from
 * (seed, i), so it is the same for the same seed and options, and `start` resumes at batch
 * `start` in O(1). Use distinct seeds for training and evaluation streams.
 */
export function* delayedRecallBatches(
  seed: number,
  opts: DelayedRecallOptions & { start?: number } = {},
): Generator<Batch, never, undefined> {
  const start = opts.start ?? 0;
  if (!Number.isInteger(start) || start < 0) {
    throw new Error(`delayedRecallBatches: start must be an integer >= 0, got ${start}`);
  }
  for (let index = start;; index++) {
    const b = delayedRecallBatch(epochRng(seed, index), opts);
    b.position = { epoch: 0, index };
    b.next = { epoch: 0, index: index + 1 };
    yield b;
  }
}
