/**
 * How much memory a config's model needs to train and evaluate, estimated before it is built,
 * so that a size the machine cannot hold (`--set hidden=1e9`, the paper's WikiText batch on
 * wasm) is refused with one line instead of failing inside an allocation, midway or at the
 * first evaluation.
 *
 * The estimate is the weights (with their gradient, Adam's two moments, and a gradient
 * accumulator with micro-batches) plus the larger of a training step's and an evaluation
 * batch's activations, each for one micro-batch (`ceil(rows / microBatches)` rows of `context`
 * positions). Per position a step keeps `L · (A · D + R) + H · V` floats, A per model, cell
 * and mode from {@link ACTIVATIONS} ({@link positionFloats}), and H = 2 blocks of logits (three
 * chunks of `HEAD_CHUNK_BYTES` when the head runs in chunks, lib/models/head_loss.ts).
 * Evaluation frees each block's intermediates at its end: its floats are one block's, plus
 * the residual stream of every layer and the logits. Sampling (lib/models/sample.ts) runs the
 * evaluation's forward on one row, below an evaluation batch of at least one.
 *
 * @module
 */
import type { Config } from "../config/schema.ts";
import type { ModelConfig } from "../config/parts.ts";
import { HEAD_BLOCK_BYTES, HEAD_CHUNK_BYTES } from "./head_loss.ts";

const GATES: Record<string, number> = { rnn: 1, gru: 3, lstm: 4 };

/**
 * Floats a position keeps, per layer and hidden unit, in a training step of each gradient mode
 * and in one block of an evaluation (`eval`), rounded up from the wasm heap's peaks that
 * bench/memory_coefficients.ts measured (results/bench-memory/coefficients.json;
 * tests/models_size_test.ts keeps them at or above it). gpt and ema train by backpropagation
 * only; the EMA's scale with `emaDim` (measured at 16); attention adds its scores per layer
 * ({@link estimateMemory}).
 */
export const ACTIVATIONS = {
  "rnn-lm": {
    rnn: { bptt: 11, "ft-bptt": 7, dsf: 8, eval: 2 },
    gru: { bptt: 30, "ft-bptt": 13, dsf: 14, eval: 2 },
    lstm: { bptt: 40, "ft-bptt": 32, dsf: 34, eval: 34 },
  },
  "transformer-like": {
    rnn: { bptt: 103, "ft-bptt": 103, dsf: 104, eval: 39 },
    gru: { bptt: 123, "ft-bptt": 107, dsf: 108, eval: 39 },
    lstm: { bptt: 131, "ft-bptt": 123, dsf: 125, eval: 38 },
  },
  gpt: { bptt: 128, eval: 16 },
  /** Per unit of `emaDim`. */
  ema: { bptt: 63, eval: 14 },
} as const;

/** Floats per position and layer besides: a recurrent layer's few scalars per step. */
const PER_LAYER = 70;

type SizedConfig =
  & ModelConfig
  & Pick<Config, "batchSize" | "evalBatchSize" | "microBatches" | "dataset" | "clip">;

/**
 * An upper estimate of the model's parameter count: embedding and head (V·E + D·V), and per
 * layer the recurrent cell's G·D·(E + D) plus 12·D² for any attention or MLP block.
 */
export function estimateParams(config: ModelConfig, vocabSize: number): number {
  const { hidden: d, embed: e, layers: l, context: t } = config;
  const g = GATES[config.cell] ?? 4;
  return vocabSize * e + d * vocabSize + l * (g * d * (e + d) + 12 * d * d) + t * d;
}

/** The parts of {@link estimateMemory}, in bytes. */
export interface MemoryEstimate {
  /** The weights, their gradients, Adam's moments (and the accumulated gradient). */
  weights: number;
  /** A training step's activations, for one micro-batch. */
  train: number;
  /** An evaluation batch's (or slice's) activations and logits. */
  evaluation: number;
  /** `weights + max(train, evaluation)`. */
  total: number;
}

/**
 * Bytes of the logits of `rows` rows: `copies.whole` blocks of them, or `copies.chunk` chunks
 * when the head runs in chunks (lib/models/head_loss.ts).
 */
function logitsBytes(rows: number, vocab: number, copies: { whole: number; chunk: number }) {
  const whole = 4 * rows * vocab;
  return whole <= HEAD_BLOCK_BYTES ? copies.whole * whole : copies.chunk * HEAD_CHUNK_BYTES;
}

/** Floats per position, layer and hidden unit of `config`'s model ({@link ACTIVATIONS}). */
function perUnit(config: ModelConfig): { train: number; eval: number } {
  if (config.model === "gpt" || config.model === "ema") {
    const n = config.model === "ema" ? config.emaDim : 1;
    const a = ACTIVATIONS[config.model];
    return { train: a.bptt * n, eval: a.eval * n };
  }
  const table = ACTIVATIONS[config.model] as Record<string, Record<string, number>>;
  const row = table[config.cell] ?? table.lstm;
  return { train: row[config.mode] ?? row.bptt, eval: row.eval };
}

/**
 * Floats one position keeps besides the logits: in a training step, `L · (A · D + R)` (R: a
 * recurrent layer's few scalars per step, and attention's heads × T scores, 8 copies); in an
 * evaluation, one block's `A · D` (and 4 copies of its scores) and every layer's residual `D`.
 */
export function positionFloats(config: ModelConfig): { train: number; eval: number } {
  const { hidden: d, layers: l } = config;
  const scores = config.model === "gpt" ? config.heads * config.context : 0;
  const unit = perUnit(config);
  return {
    train: l * (unit.train * d + PER_LAYER + 8 * scores),
    eval: unit.eval * d + l * d + 4 * scores,
  };
}

/**
 * The bytes a config needs on its backend: weights, a training step and an evaluation batch
 * (see the module doc); the synthetic task evaluates batches of `batchSize` rows.
 */
export function estimateMemory(config: SizedConfig, vocabSize: number): MemoryEstimate {
  const k = Math.max(1, config.microBatches);
  const copies = 4 + (k > 1 ? 1 : 0) + (config.clip > 0 ? 1 : 0);
  const weights = 4 * copies * estimateParams(config, vocabSize);
  const floats = positionFloats(config);
  const trainRows = Math.ceil(config.batchSize / k) * config.context;
  const train = 4 * trainRows * floats.train +
    logitsBytes(trainRows, vocabSize, { whole: 2, chunk: 3 });
  const evalBatch = config.dataset === "synthetic" ? config.batchSize : config.evalBatchSize;
  const evalRows = Math.ceil(evalBatch / k) * config.context;
  const evaluation = 4 * evalRows * floats.eval +
    logitsBytes(evalRows, vocabSize, { whole: 2, chunk: 2 });
  return { weights, train, evaluation, total: weights + Math.max(train, evaluation) };
}

/** {@link estimateMemory}'s total: the bytes to train a config, evaluations included. */
export function estimateTrainingBytes(config: SizedConfig, vocabSize: number): number {
  return estimateMemory(config, vocabSize).total;
}

/**
 * Refuses a model that cannot fit: more than the wasm heap's 4 GiB on wasm, or more than the
 * machine's memory elsewhere; and on WebGPU a training step's or evaluation's largest buffer
 * over `maxBufferBytes` (the device's smallest of `maxStorageBufferBindingSize` and
 * `maxBufferSize`). Says which `microBatches` would fit, when one would.
 * @throws Error (one line) with the estimate and what to make smaller
 */
export function checkModelFits(
  config: SizedConfig,
  vocabSize: number,
  options: { backend: string; memoryBytes?: number; maxBufferBytes?: number },
): void {
  const need = estimateTrainingBytes(config, vocabSize);
  const limit = options.backend === "wasm"
    ? 4 * 2 ** 30
    : options.memoryBytes ?? Deno.systemMemoryInfo().total;
  const fits = (k: number) => {
    const c = { ...config, microBatches: k };
    return estimateTrainingBytes(c, vocabSize) <= limit &&
      largestBufferBytes(c) <= (options.maxBufferBytes ?? Infinity);
  };
  if (fits(config.microBatches)) return;
  let k = config.microBatches + 1;
  while (k <= config.batchSize && !fits(k)) k++;
  const instead = k <= config.batchSize ? `set microBatches=${k} (it fits), or ` : "";
  const gib = (bytes: number) => {
    const g = bytes / 2 ** 30;
    return g >= 1e6 ? g.toExponential(1) : g.toFixed(1);
  };
  if (need <= limit) {
    throw new Error(
      `a buffer of the model would be ${gib(largestBufferBytes(config))} GiB ` +
        `(batch ${config.batchSize} × ${config.context}, microBatches ${config.microBatches}), ` +
        `more than the ${gib(options.maxBufferBytes!)} GiB this WebGPU device binds: ` +
        `${instead}make batchSize, evalBatchSize, context or hidden smaller`,
    );
  }
  throw new Error(
    `the model would need about ${gib(need)} GiB to train and evaluate (hidden ` +
      `${config.hidden}, embed ${config.embed}, layers ${config.layers}, vocabulary ` +
      `${vocabSize}, batch ${config.batchSize} × ${config.context}, evaluation batch ` +
      `${config.evalBatchSize}, microBatches ${config.microBatches}), more than the ` +
      `${gib(limit)} GiB ` +
      `${options.backend === "wasm" ? "the wasm backend can hold" : "this machine has"}: ` +
      `${instead}make hidden, layers, vocabSize, batchSize, evalBatchSize or context smaller`,
  );
}

/**
 * The largest single activation of a step or an evaluation, in bytes: a layer's [rows, 4D] (the
 * MLP's hidden layer, a cell's gates) or attention's [rows, heads, T] scores. The logits are
 * not counted: the head chunks itself under the device's limits (lib/models/head_loss.ts).
 */
export function largestBufferBytes(config: SizedConfig): number {
  const k = Math.max(1, config.microBatches);
  const evalBatch = config.dataset === "synthetic" ? config.batchSize : config.evalBatchSize;
  const rows = Math.ceil(Math.max(config.batchSize, evalBatch) / k) * config.context;
  const scores = config.model === "gpt" ? config.heads * config.context : 0;
  return 4 * rows * Math.max(4 * config.hidden, scores);
}
