/**
 * The language models and a factory by config.
 *
 * - `rnn-lm` ({@link RnnLm}): PTB's stacked recurrent LM with residual skips;
 * - `transformer-like` ({@link TransformerLike}): WikiText's pre-LN blocks with a recurrent mixer;
 * - `gpt` ({@link Gpt}): the causal Transformer baseline;
 * - `ema` ({@link EmaLm}): MEGA's EMA in the transformer-like block.
 *
 * @module
 */
import type { Config } from "../config/schema.ts";
import { EmaLm } from "./ema.ts";
import { Gpt } from "./gpt.ts";
import type { LanguageModel } from "./model.ts";
import { RnnLm } from "./rnn_lm.ts";
import { TransformerLike } from "./transformer_like.ts";

export * from "./model.ts";
export { EmaLm, Gpt, RnnLm, TransformerLike };

/**
 * Builds the model `config.model` with its weights initialised from `config.seed`.
 * @param vocabSize V (the dataset's vocabulary, which may differ from `config.vocabSize`)
 */
export function createModel(config: Config, vocabSize: number): LanguageModel {
  switch (config.model) {
    case "rnn-lm":
      return new RnnLm(config, vocabSize);
    case "transformer-like":
      return new TransformerLike(config, vocabSize);
    case "gpt":
      return new Gpt(config, vocabSize);
    case "ema":
      return new EmaLm(config, vocabSize);
    default:
      throw new Error(`model "${config.model}" is unknown`);
  }
}
