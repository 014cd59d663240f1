/**
 * The token mixer of a pre-norm block ({@link PreNormLm}): the first residual branch,
 * `x + mixer(LayerNorm(x))`, that moves information along time (a recurrent layer, causal
 * self-attention, or MEGA's EMA). A {@link Mixer} describes the kind; its `create` builds one
 * block's weights and returns a {@link MixerLayer} that applies them.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { ModelKind } from "../config/schema.ts";
import type { ModelConfig } from "../config/parts.ts";
import type { Recurrent } from "../recurrent.ts";
import type { ForwardOptions, ParamStore } from "./model.ts";

/** One block's mixer, with its weights. */
export interface MixerLayer {
  /**
   * The branch added to the residual stream (including its output projection).
   * @param x LayerNorm(x): [T, B, D] if the mixer is `timeMajor`, else [B, T, D]
   * @returns the same layout, [T, B, D] or [B, T, D]
   */
  apply(x: tf.Tensor3D, opts: ForwardOptions): tf.Tensor3D;
  /** Its recurrent layer (the recurrent mixer only). */
  readonly recurrent?: Recurrent;
}

/** A kind of token mixer: what the pre-norm LM needs to lay out and build its blocks. */
export interface Mixer {
  /** The config's `model` value this mixer makes (also the prefix of error messages). */
  readonly model: ModelKind;
  /** Whether the model runs time-major [T, B, D] (the recurrence's layout), else [B, T, D]. */
  readonly timeMajor: boolean;
  /** Whether the model adds a learned position embedding `pos_embedding.weight` [context, D]. */
  readonly positions: boolean;
  /** Throws if `config` does not fit this mixer (before any weight is made). */
  check?(config: ModelConfig): void;
  /**
   * Creates layer `layer`'s mixer weights in `store` under `layer{i}.…` (the block calls it
   * after `ln1` and before `ln2`, so the weights and the draws keep that order).
   */
  create(config: ModelConfig, layer: number, store: ParamStore): MixerLayer;
}

/** The std of the last Linear of each residual branch, N(0, (0.02/√(2L))²). */
export function residualProjStd(config: ModelConfig): number {
  return 0.02 / Math.sqrt(2 * config.layers);
}
