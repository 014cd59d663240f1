/**
 * One optimisation step: loss, gradients of every parameter, optional norm clipping, Adam.
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
 * Runs one training step and returns the batch's mean loss (a scalar the caller disposes).
 * @param options.lr learning rate of this step
 * @param options.clip global gradient-norm bound (0: none)
 */
export function trainStep(
  model: TrainableModel,
  batch: Batch,
  options: { optimizer: Adam; lr: number; clip: number },
): tf.Scalar {
  return tf.tidy(() => {
    const { ids, targets, rows } = batchTensors(batch);
    const { value, grads } = gradsByName(
      model.params,
      () => model.loss(ids, targets, rows, { training: true }),
    );
    options.optimizer.step(options.clip > 0 ? clipGradNorm(grads, options.clip).grads : grads, {
      lr: options.lr,
    });
    return value;
  });
}

/**
 * Summed cross-entropy and target count over batches (no gradients), for exact perplexity.
 * Reads one number per batch (asynchronously).
 * @param options.shouldStop polled between batches: true ends the evaluation early, with
 *   `stopped: true` (its loss then covers only the batches done)
 */
export async function evaluate(
  model: TrainableModel,
  batches: Iterable<Batch>,
  options: { shouldStop?: () => boolean } = {},
): Promise<{ loss: number; count: number; stopped?: boolean }> {
  let sum = 0;
  let count = 0;
  for (const batch of batches) {
    if (options.shouldStop?.()) return { loss: count ? sum / count : NaN, count, stopped: true };
    if (batch.count === 0) continue;
    const loss = tf.tidy(() => {
      const { ids, targets, rows } = batchTensors(batch);
      return model.loss(ids, targets, rows, { training: false });
    });
    sum += (await loss.data())[0] * batch.count;
    count += batch.count;
    loss.dispose();
    await yieldToEventLoop(); // signals (a second Ctrl-C) are handled between batches
  }
  return { loss: count ? sum / count : NaN, count };
}
