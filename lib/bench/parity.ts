/**
 * The same training run in ours and in PyTorch, in one of the settings of
 * lib/bench/parity_cases.ts (default `ptb`: the PTB reference recipe's model and shapes, GRU 1×256
 * with skip, V = 10,002, batches of 128 sentences): the same initial weights (ours, exported)
 * and the same batches, a few Adam steps per gradient mode. Compared: every parameter's gradient
 * at step 1 and the losses of every step. PyTorch's side is `bench/torch_lm.py train` (BPTT by
 * autograd; FT-BPTT and DSF as the reference code writes them: a no-grad forward, one recompute,
 * a hook running the reverse recurrence).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Config } from "../config/schema.ts";
import type { Batch } from "../data/batches.ts";
import type { RunData } from "../io/datasets.ts";
import type { NamedTensor } from "../models/torch_names.ts";
import { createModel, type LanguageModel } from "../models/mod.ts";
import { toTorchTensors } from "../models/torch_names.ts";
import { Adam } from "../train/adam.ts";
import { batchTensors, gradsByName } from "../train/step.ts";
import { parityCase, parityCaseConfig } from "./parity_cases.ts";

/** The case's config in one gradient mode (seed 0, constant lr; default case `ptb`). */
export function parityConfig(mode: string, backend = "wasm", name = "ptb"): Config {
  return parityCaseConfig(name, mode, backend);
}

/**
 * The first `steps` training batches of the run's data order; with the case's `fullContext`,
 * the first `steps` of them whose T is the context (`config.context`).
 * @throws Error when the first epoch has fewer such batches
 */
export function parityBatches(
  data: RunData,
  steps: number,
  options: { name?: string; config?: Config } = {},
): Batch[] {
  const full = parityCase(options.name ?? "ptb").fullContext;
  const context = options.config?.context;
  if (full && context === undefined) throw new Error("parityBatches: fullContext needs the config");
  const it = data.train({ epoch: 0, index: 0 });
  const out: Batch[] = [];
  for (let i = 0; i < data.batchesPerEpoch && out.length < steps; i++) {
    const b = it.next().value as Batch;
    if (!full || b.T === context) out.push(b);
  }
  if (out.length < steps) {
    throw new Error(`parityBatches: the first epoch has ${out.length} such batches, not ${steps}`);
  }
  return out;
}

/** The batches as float32 tensors x{i}, y{i}, mask{i} [B, T] (ids < 2²⁴ are exact). */
export function batchTensorsForTorch(batches: Batch[]): Record<string, NamedTensor> {
  const out: Record<string, NamedTensor> = {};
  batches.forEach((b, i) => {
    const shape = [b.B, b.T];
    out[`x${i}`] = { shape, data: Float32Array.from(b.x) };
    out[`y${i}`] = { shape, data: Float32Array.from(b.y) };
    out[`mask${i}`] = { shape, data: Float32Array.from(b.mask) };
  });
  return out;
}

/** sha256 of the batches' ids, targets and masks, in order (to check both sides saw the same). */
export async function batchesHash(batches: Batch[]): Promise<string> {
  const parts = batches.flatMap((
    b,
  ) => [Int32Array.from(b.x), Int32Array.from(b.y), Int32Array.from(b.mask)]);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer), at);
    at += p.byteLength;
  }
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Our side: the losses of `batches.length` Adam steps and the step-1 gradients (PyTorch names). */
export async function trainOurs(
  model: LanguageModel,
  config: Config,
  batches: Batch[],
): Promise<{ losses: number[]; grads: Record<string, NamedTensor> }> {
  const optimizer = new Adam(model.params, {
    lr: config.lr,
    betas: config.betas,
    eps: config.eps,
    weightDecay: config.weightDecay,
  });
  const losses: number[] = [];
  let grads: Record<string, NamedTensor> = {};
  for (const [i, batch] of batches.entries()) {
    const { ids, targets, rows } = batchTensors(batch);
    const { value, grads: g } = gradsByName(
      model.params,
      () => model.loss(ids, targets, rows, { training: true }),
    );
    if (i === 0) grads = await toTorchTensors(g);
    optimizer.step(g, { lr: config.lr });
    losses.push((await value.data())[0]);
    tf.dispose([ids, targets, value, ...Object.values(g)]);
  }
  optimizer.dispose();
  return { losses, grads };
}

/** ‖a − b‖ / ‖b‖ over every entry. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.sqrt(den || 1);
}

/** Builds the recipe's model (seed 0: the same initial weights every time). */
export function parityModel(config: Config, data: RunData): LanguageModel {
  return createModel(config, data.vocabSize);
}
