/**
 * One optimisation step: loss, gradients of every parameter, optional norm clipping, Adam.
 *
 * Micro-batches (config `microBatches` = k > 1), for a batch whose activations do not fit: the
 * batch's rows are cut into k slices ({@link splitBatch}); each slice's mean loss and gradients
 * are computed in turn (its activations freed before the next) and added with the weight
 * `count_i / count` (its share of the batch's real targets), which is the whole batch's mean
 * loss and gradient up to float32 rounding; clipping and Adam then see one gradient, as
 * without slices. Evaluation cuts its batches the same way.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Batch } from "../data/batches.ts";
import type { Adam } from "./adam.ts";
import { clipGradNorm } from "./clip.ts";

/** What the trainer needs of a model. */
export interface TrainableModel {
  /** Trainable parameters by stable name. */
  readonly params: Record<string, tf.Variable>;
  /**
   * Mean cross-entropy over the kept positions.
   * @param ids [B, T] int32
   * @param targets [B·T] int32
   * @param rows the kept rows of the flattened [B·T] positions (int32, ascending)
   */
  loss(
    ids: tf.Tensor2D,
    targets: tf.Tensor1D,
    rows: Int32Array,
    options?: { training?: boolean },
  ): tf.Scalar;
}

/** The batch as tensors: ids [B, T], targets [B·T], and the kept (non-pad) rows. */
export function batchTensors(
  batch: Batch,
): { ids: tf.Tensor2D; targets: tf.Tensor1D; rows: Int32Array } {
  const rows = new Int32Array(batch.count);
  for (let i = 0, j = 0; i < batch.mask.length; i++) if (batch.mask[i] !== 0) rows[j++] = i;
  return {
    ids: tf.tensor2d(batch.x, [batch.B, batch.T], "int32"),
    targets: tf.tensor1d(batch.y, "int32"),
    rows,
  };
}

/**
 * The value of `loss` and the gradient of every parameter, keyed by the parameters' own names
 * (tfjs keys gradients by its internal variable names). Throws if a parameter gets none.
 */
export function gradsByName(
  params: Record<string, tf.Variable>,
  loss: () => tf.Scalar,
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const names = Object.keys(params);
  const vars = names.map((n) => params[n]);
  const { value, grads } = tf.variableGrads(loss, vars);
  const byName: Record<string, tf.Tensor> = {};
  names.forEach((n, i) => {
    const g = grads[vars[i].name];
    if (!g) throw new Error(`parameter "${n}" received no gradient`);
    byName[n] = g;
  });
  return { value, grads: byName };
}

/**
 * Lets the event loop run (timers, signal listeners). A step on wasm or cpu never awaits
 * anything that leaves the microtask queue, so without this a Ctrl-C waits for the next file
 * write. Costs well under a millisecond.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The batch's rows cut into `k` slices (sizes differ by at most one; `k` is capped at the
 * batch's rows), each a batch of its own with its own `count`; position fields are the batch's.
 */
export function splitBatch(batch: Batch, k: number): Batch[] {
  const parts = Math.max(1, Math.min(k, batch.B));
  if (parts === 1) return [batch];
  const { T } = batch;
  const out: Batch[] = [];
  for (let i = 0, r0 = 0; i < parts; i++) {
    const r1 = r0 + Math.floor(batch.B / parts) + (i < batch.B % parts ? 1 : 0);
    const mask = batch.mask.subarray(r0 * T, r1 * T);
    let count = 0;
    for (let j = 0; j < mask.length; j++) if (mask[j] !== 0) count++;
    out.push({
      ...batch,
      x: batch.x.subarray(r0 * T, r1 * T),
      y: batch.y.subarray(r0 * T, r1 * T),
      mask,
      B: r1 - r0,
      count,
      indices: batch.indices.subarray(r0, r1),
    });
    r0 = r1;
  }
  return out;
}

/**
 * The batch's mean loss and every parameter's gradient: of the whole batch, or with
 * `microBatches` > 1 accumulated over its slices (see the module doc).
 */
export function batchGrads(
  model: TrainableModel,
  batch: Batch,
  microBatches = 1,
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const gradsOf = (part: Batch) =>
    tf.tidy(() => {
      const { ids, targets, rows } = batchTensors(part);
      return gradsByName(model.params, () => model.loss(ids, targets, rows, { training: true }));
    });
  if (microBatches <= 1) return gradsOf(batch);
  type Grads = { value: tf.Scalar; grads: Record<string, tf.Tensor> };
  let acc: Grads | null = null;
  for (const part of splitBatch(batch, microBatches)) {
    if (part.count === 0) continue;
    const w = part.count / batch.count;
    const prev: Grads | null = acc;
    acc = tf.tidy((): Grads => {
      const { value, grads } = gradsOf(part);
      const add = <T extends tf.Tensor>(x: T, old?: T) =>
        (old ? tf.add(old, tf.mul(x, w)) : tf.mul(x, w)) as T;
      const sum: Record<string, tf.Tensor> = {};
      for (const [n, g] of Object.entries(grads)) sum[n] = add(g, prev?.grads[n]);
      return { value: add(value, prev?.value), grads: sum };
    });
    if (prev) tf.dispose([prev.value, ...Object.values(prev.grads)]);
  }
  if (acc === null) throw new Error("batchGrads: the batch has no real target");
  return acc;
}

/**
 * Runs one training step and returns the batch's mean loss (a scalar the caller disposes).
 * @param options.lr learning rate of this step
 * @param options.clip global gradient-norm bound (0: none)
 * @param options.microBatches row slices to accumulate the gradient over (default 1: whole)
 */
export function trainStep(
  model: TrainableModel,
  batch: Batch,
  options: { optimizer: Adam; lr: number; clip: number; microBatches?: number },
): tf.Scalar {
  return tf.tidy(() => {
    const { value, grads } = batchGrads(model, batch, options.microBatches);
    options.optimizer.step(options.clip > 0 ? clipGradNorm(grads, options.clip).grads : grads, {
      lr: options.lr,
    });
    return value;
  });
}

/**
 * Summed cross-entropy and target count over batches (no gradients), for exact perplexity.
 * Reads one number per batch (per slice with micro-batches; asynchronously).
 * @param options.shouldStop polled between batches: true ends the evaluation early, with
 *   `stopped: true` (its loss then covers only the batches done)
 * @param options.microBatches row slices each batch is evaluated in (default 1: whole)
 */
export async function evaluate(
  model: TrainableModel,
  batches: Iterable<Batch>,
  options: { shouldStop?: () => boolean; microBatches?: number } = {},
): Promise<{ loss: number; count: number; stopped?: boolean }> {
  let sum = 0;
  let count = 0;
  for (const batch of batches) {
    if (options.shouldStop?.()) return { loss: count ? sum / count : NaN, count, stopped: true };
    for (const part of splitBatch(batch, options.microBatches ?? 1)) {
      if (part.count === 0) continue;
      const loss = tf.tidy(() => {
        const { ids, targets, rows } = batchTensors(part);
        return model.loss(ids, targets, rows, { training: false });
      });
      sum += (await loss.data())[0] * part.count;
      count += part.count;
      loss.dispose();
    }
    await yieldToEventLoop(); // signals (a second Ctrl-C) are handled between batches
  }
  return { loss: count ? sum / count : NaN, count };
}
