/**
 * The language models and a factory by config.
 *
 * - `rnn-lm` ({@link RnnLm}): PTB's stacked recurrent LM with residual skips;
 * - `transformer-like`, `gpt`, `ema` ({@link PreNormLm}): WikiText's pre-LN blocks with a
 *   recurrent mixer, causal self-attention (the Transformer baseline), or MEGA's EMA.
 *
 * `TransformerLike`, `Gpt` and `EmaLm` (the three former classes) are aliases of
 * {@link PreNormLm}, whose default mixer follows `config.model`.
 *
 * @module
 */
import type { ModelConfig } from "../config/parts.ts";
import type { LanguageModel } from "./model.ts";
import { PreNormLm } from "./prenorm_lm.ts";
import { RnnLm } from "./rnn_lm.ts";

export * from "./model.ts";
export type { Mixer, MixerLayer } from "./mixer.ts";
export type { MlpParams } from "./mlp.ts";
export { attentionMixer } from "./attention.ts";
export { emaMixer } from "./ema.ts";
export { recurrentMixer } from "./recurrent_mixer.ts";
export { PRENORM_MIXERS, type PreNormBlock, type PreNormLmOptions } from "./prenorm_lm.ts";
export { PreNormLm, RnnLm };
export type { RnnLmLayer } from "./rnn_lm.ts";
/** The former class names of the three pre-norm models, now one {@link PreNormLm}. */
export { PreNormLm as EmaLm, PreNormLm as Gpt, PreNormLm as TransformerLike };

/**
 * Builds the model `config.model` with its weights initialised from `config.seed`.
 * @param vocabSize V (the dataset's vocabulary, which may differ from `config.vocabSize`)
 */
export function createModel(config: ModelConfig, vocabSize: number): LanguageModel {
  switch (config.model) {
    case "rnn-lm":
      return new RnnLm(config, vocabSize);
    case "transformer-like":
    case "gpt":
    case "ema":
      return new PreNormLm(config, vocabSize); // the mixer of config.model
    default:
      throw new Error(`model "${config.model}" is unknown`);
  }
}
