/**
 * A full PTB-style language-model training step for the benchmark: the project's `rnn-lm`
 * (lib/models/rnn_lm.ts) with one residual recurrent layer of width D and a V-word head,
 *
 *     ids [B, T] → embedding [V, D] → x + RNN(x) → Linear(D → V) → mean cross-entropy
 *
 * over all B·T targets (no padding), Adam lr 1e-3. The ids and targets are fixed uniform random
 * tokens: the timings do not depend on the text.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { CellKind } from "../cells/mod.ts";
import { makeConfig } from "../config/schema.ts";
import { createModel, type LanguageModel } from "../models/mod.ts";
import type { ReverseScanImpl } from "../ops/reverse_scan.ts";
import type { GradientMode } from "../recurrent.ts";
import { Adam } from "../train/adam.ts";
import { Rng } from "../util/rng.ts";
import type { DispatchTracker } from "./dispatch.ts";
import { adamStep, trackBackward } from "./layer.ts";

/** The PTB step's shape: batch, context, width, vocabulary. */
export interface PtbShape {
  /** Batch. */
  B: number;
  /** Context length. */
  T: number;
  /** Hidden width (= embedding width). */
  D: number;
  /** Vocabulary size. */
  V: number;
}

/** The PTB step's shape and method. */
export interface PtbSpec {
  /** Cell kind (default gru). */
  cell?: CellKind;
  /** Gradient mode. */
  mode: GradientMode;
  /** Reverse-scan algorithm (dsf only). */
  impl?: ReverseScanImpl;
  /** Batch. */
  B: number;
  /** Context length. */
  T: number;
  /** Hidden width (= embedding width). */
  D: number;
  /** Vocabulary size. */
  V: number;
  /** Seed (default 0). */
  seed?: number;
}

/** The project's rnn-lm with Adam, on fixed random tokens. */
export class PtbUnit {
  /** The spec it was built from. */
  readonly spec: PtbSpec;
  /** The model. */
  readonly model: LanguageModel;
  #ids: tf.Tensor2D; // [B, T]
  #targets: tf.Tensor1D; // [B·T]
  #adam: Adam;

  /** Builds the model and the data. */
  constructor(spec: PtbSpec) {
    this.spec = spec;
    const { B, T, D, V } = spec;
    const rng = new Rng((spec.seed ?? 0) + 3);
    const impl = spec.impl ?? "auto";
    const config = makeConfig({
      name: "bench-ptb",
      model: "rnn-lm",
      dataset: "ptb",
      cell: spec.cell ?? "gru",
      layers: 1,
      hidden: D,
      context: T,
      batchSize: B,
      mode: spec.mode,
      dsfImpl: impl,
      seed: spec.seed ?? 0,
    });
    this.model = createModel(config, V);
    this.#ids = tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(V)), [B, T], "int32");
    this.#targets = tf.tensor1d(Int32Array.from({ length: B * T }, () => rng.int(V)), "int32");
    this.#adam = new Adam(this.model.params as Record<string, tf.Variable>, { lr: 1e-3 });
  }

  /** The loss without gradient recording (the layers' plain forwards). */
  forward(): tf.Scalar {
    return tf.tidy(() => this.model.loss(this.#ids, this.#targets, null, { training: false }));
  }

  #stepWith(tracker: DispatchTracker | null): tf.Scalar {
    return adamStep(
      this.model.params as Record<string, tf.Variable>,
      this.#adam,
      () => this.model.loss(this.#ids, this.#targets, null, { training: true }),
      tracker,
    );
  }

  /** One training step; returns the loss (caller disposes). */
  step(): tf.Scalar {
    return this.#stepWith(null);
  }

  /** One training step with the backward's kernels tracked. */
  backwardDispatches(): { criticalPath: number; kernels: number } {
    return trackBackward((t) => this.#stepWith(t));
  }

  /** Frees everything. */
  dispose(): void {
    this.model.dispose();
    this.#adam.dispose();
    tf.dispose([this.#ids, this.#targets]);
  }
}
