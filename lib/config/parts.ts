/**
 * The config in three parts: what a model reads, what the trainer reads, what the data loader
 * reads (as nanoGPT's `GPTConfig` holds model fields only). On disk a config stays one flat JSON
 * object (`config.json`, the `--set` keys and the committed command lines are unchanged); each
 * consumer is typed to its part and, where it keeps the config, keeps only its part
 * ({@link modelPart}, {@link trainingPart}, {@link dataPart}). A key may sit in two parts: the
 * context length T sizes a model's positions and cuts the data; the seed initialises the weights
 * and orders the batches.
 *
 * @module
 */
import type { Config } from "./schema.ts";
import type { TrainingConfig } from "../train/trainer.ts";

export type { TrainingConfig } from "../train/trainer.ts";

/** The keys a model reads: its architecture, the gradient mode and feedback, the init seed. */
export const MODEL_KEYS = [
  "model",
  "cell",
  "layers",
  "hidden",
  "embed",
  "context",
  "heads",
  "emaDim",
  "mode",
  "feedback",
  "dsfImpl",
  "seed",
] as const satisfies readonly (keyof Config)[];

/** The keys the trainer reads: the budget, the optimiser, the schedule, evaluation, labels. */
export const TRAINING_KEYS = [
  "name",
  "mode",
  "feedback",
  "epochs",
  "steps",
  "stopAfter",
  "checkpointMinutes",
  "lr",
  "betas",
  "eps",
  "weightDecay",
  "clip",
  "schedule",
  "evalEvery",
  "evals",
  "microBatches",
] as const satisfies readonly (keyof Config)[];

/** The keys the data a config trains on depends on (and the data cache is keyed by). */
export const DATA_KEYS = [
  "dataset",
  "context",
  "batchSize",
  "evalBatchSize",
  "evalBatches",
  "seed",
  "vocabSize",
  "lag",
  "alphabet",
  "data",
] as const satisfies readonly (keyof Config)[];

/** The keys of the run itself, read by the runner and the CLI only. */
export const RUN_KEYS = ["name", "scale", "backend"] as const satisfies readonly (keyof Config)[];

/** A model's part of the config. */
export type ModelConfig = Pick<Config, typeof MODEL_KEYS[number]>;

// The trainer's part is lib/train's own `TrainingConfig`: the keys above are exactly its keys,
// and a whole config's values are of its types.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : never)
  : never;
const _trainingKeys: SameKeys<Pick<Config, typeof TRAINING_KEYS[number]>, TrainingConfig> = true;
const _trainingTypes: TrainingConfig = {} as Pick<Config, typeof TRAINING_KEYS[number]>;
void [_trainingKeys, _trainingTypes];

/** The data loader's part of the config. */
export type DataConfig = Pick<Config, typeof DATA_KEYS[number]>;

function pick<K extends keyof Config>(
  config: Pick<Config, K>,
  keys: readonly K[],
): Pick<Config, K> {
  const out = {} as Pick<Config, K>;
  for (const k of keys) out[k] = structuredClone(config[k]);
  return out;
}

/** A model's part of `config` (a copy: later changes to `config` do not reach it). */
export function modelPart(config: ModelConfig): ModelConfig {
  return pick(config, MODEL_KEYS);
}

/** The trainer's part of `config` (a copy). */
export function trainingPart(config: Pick<Config, typeof TRAINING_KEYS[number]>): TrainingConfig {
  return pick(config, TRAINING_KEYS);
}

/** The data loader's part of `config` (a copy). */
export function dataPart(config: DataConfig): DataConfig {
  return pick(config, DATA_KEYS);
}
