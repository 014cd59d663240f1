/**
 * What every language model of the project shares: the {@link LanguageModel} interface, the
 * parameter store with the project's initialisations, the embedding lookup, and a base class
 * that gives the head, the masked cross-entropy and disposal from a model's `features`.
 *
 * Weights of dense layers are stored `[in, out]` (the layout of {@link linear}), i.e. the
 * transpose of PyTorch's `nn.Linear.weight`. Recurrent cells keep PyTorch's layout.
 *
 * Loss masking: the loss takes the kept rows as an **int32 index list** into the `B·T`
 * positions (row-major, `b·T + t`), not a float mask, so the head runs only on those rows and
 * the count is known without reading the GPU; {@link keptRows} turns a 0/1 mask into that list.
 * The head and the loss run whole, or in chunks of rows when the [rows, V] logits would pass
 * 256 MiB (lib/models/head_loss.ts): the training loss and the evaluation's `lossSum` alike.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type ModelConfig, modelPart } from "../config/parts.ts";
import { linear } from "../ops/linear.ts";
import { Recurrent } from "../recurrent.ts";
import { createCell } from "../cells/mod.ts";
import { Rng } from "../util/rng.ts";
import { headLossSum } from "./head_loss.ts";

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Record gradients with each layer's gradient mode (default true); false runs plain forwards. */
  training?: boolean;
  /**
   * The loss only: whole [rows, V] logits bytes above which the head and the cross-entropy run
   * in chunks of rows (default lib/models/head_loss.ts's `headBlockBytes()`; tests lower it).
   */
  headBlockBytes?: number;
}

/**
 * The positions the loss keeps: an int32 index list of rows of the flattened `[B·T]` positions
 * (a tensor or a typed array), or `null` for all `B·T` positions.
 */
export type KeptRows = tf.Tensor1D | Int32Array | null;

/** A next-token language model. */
export interface LanguageModel {
  /** The model's part of the config it was built from. */
  readonly config: ModelConfig;
  /** Vocabulary size V. */
  readonly vocabSize: number;
  /** Trainable weights under stable, readable, unique names (e.g. `layer0.rnn.weight_ih`). */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /**
   * Final hidden features before the head.
   * @param ids [B, T] int32
   * @returns [B, T, D]
   */
  features(ids: tf.Tensor2D, opts?: ForwardOptions): tf.Tensor3D;
  /**
   * Mean cross-entropy over the kept positions; the head runs only on those rows.
   * @param ids [B, T] int32
   * @param targets [B·T] int32
   * @param rows kept rows (see {@link KeptRows}); null = all
   * @returns scalar
   */
  loss(ids: tf.Tensor2D, targets: tf.Tensor1D, rows?: KeptRows, opts?: ForwardOptions): tf.Scalar;
  /**
   * Summed cross-entropy and the number of kept positions, for an exact perplexity over a split.
   * Runs without recording gradients by default (`training: false`).
   */
  lossSum(
    ids: tf.Tensor2D,
    targets: tf.Tensor1D,
    rows?: KeptRows,
    opts?: ForwardOptions,
  ): { sum: tf.Scalar; count: number };
  /**
   * Logits of every position (inference forward), for sampling.
   * @param ids [B, T] int32
   * @returns [B, T, V]
   */
  logits(ids: tf.Tensor2D): tf.Tensor3D;
  /** The recurrent layers, bottom to top ([] for gpt and ema). */
  recurrentLayers(): Recurrent[];
  /** Frees every weight (and each recurrent layer's λ). */
  dispose(): void;
}

/**
 * The kept rows of a 0/1 mask (e.g. a batch's `mask`), for {@link LanguageModel.loss}.
 * @param mask [B·T], 1 where the target is real
 * @returns the indices where mask ≠ 0, ascending
 */
export function keptRows(mask: ArrayLike<number>): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  const rows = new Int32Array(n);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i] !== 0) rows[j++] = i;
  return rows;
}

/** A dense layer's weights: `y = x · weight + bias`. */
export interface LinearParams {
  /** [in, out] */
  weight: tf.Variable;
  /** [out] */
  bias: tf.Variable;
}

/** Applies a {@link LinearParams} to `x` [..., in] → [..., out]. */
export function dense(x: tf.Tensor, p: LinearParams): tf.Tensor {
  return linear(x, p.weight as tf.Tensor2D, p.bias as tf.Tensor1D);
}

/** LayerNorm weights (scale ones, shift zeros). */
export interface NormParams {
  /** [D] */
  weight: tf.Variable;
  /** [D] */
  bias: tf.Variable;
}

/**
 * Creates named, seeded weights and records them in one ordered `params` record. The tfjs
 * variable names are left to tfjs (they must be globally unique); the record keys are ours.
 */
export class ParamStore {
  /** All weights made so far, in creation order. */
  readonly params: Record<string, tf.Variable> = {};
  /** The generator of every draw (seeded from the config). */
  readonly rng: Rng;

  /** A store whose draws follow `seed`. */
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  /** A weight drawn from N(0, std²). */
  normal(name: string, shape: number[], std: number): tf.Variable {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = std * this.rng.normal();
    return this.add(name, tf.tensor(data, shape));
  }

  /** A weight filled with `value`. */
  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, tf.fill(shape, value));
  }

  /** A dense layer `[in, out]`, weight N(0, std²), bias zero. */
  linear(name: string, sizes: { input: number; output: number }, std: number): LinearParams {
    return {
      weight: this.normal(`${name}.weight`, [sizes.input, sizes.output], std),
      bias: this.constant(`${name}.bias`, [sizes.output], 0),
    };
  }

  /** A LayerNorm over `size` channels. */
  layerNorm(name: string, size: number): NormParams {
    return {
      weight: this.constant(`${name}.weight`, [size], 1),
      bias: this.constant(`${name}.bias`, [size], 0),
    };
  }

  /** Records existing variables (e.g. a cell's) under `prefix.key`. */
  adopt(prefix: string, vars: Readonly<Record<string, tf.Variable>>): void {
    for (const [k, v] of Object.entries(vars)) this.#record(`${prefix}.${k}`, v);
  }

  /** Turns `init` into a trainable variable named `name` (disposes `init`). */
  add(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, true);
    init.dispose();
    this.#record(name, v);
    return v;
  }

  #record(name: string, v: tf.Variable): void {
    if (name in this.params) throw new Error(`ParamStore: duplicate parameter name "${name}"`);
    this.params[name] = v;
  }
}

/**
 * A recurrent layer built from the config: its cell (seeded from `store`), mode, feedback and
 * DSF implementation (`auto` lets the layer pick per backend at each call); the cell's weights are recorded as `prefix.weight_ih` etc. Each layer has
 * its own λ; with `feedback.init = "uniform"` layer i draws with seed `feedback.seed + i`.
 * @param sizes input width and layer index
 */
export function recurrentLayer(
  config: ModelConfig,
  sizes: { input: number; layer: number },
  store: ParamStore,
): Recurrent {
  const cell = createCell(config.cell, { input: sizes.input, hidden: config.hidden }, {
    seed: store.rng.int(2 ** 31),
  });
  const fb = config.feedback;
  const layer = new Recurrent(cell, {
    mode: config.mode,
    scanImpl: config.dsfImpl === "auto" ? undefined : config.dsfImpl, // auto: per backend
    // `fitted` is a stationary λ that its trainer plug-in refits (see lib/feedback/plugins.ts).
    feedbackKind: fb.kind,
    feedback: {
      init: fb.init,
      low: fb.low,
      high: fb.high,
      seed: fb.seed + sizes.layer,
      values: fb.values ?? undefined,
    },
  });
  store.adopt(`layer${sizes.layer}.rnn`, cell.params);
  return layer;
}

/**
 * Looks token embeddings up.
 * @param table [V, E]
 * @param ids [B, T] int32
 * @param options.timeMajor return [T, B, E] instead of [B, T, E] (transposes the ids, not the
 *   embeddings)
 * @returns [B, T, E] or [T, B, E]
 */
export function embed(
  table: tf.Tensor2D,
  ids: tf.Tensor2D,
  options: { timeMajor?: boolean } = {},
): tf.Tensor3D {
  if (ids.rank !== 2 || ids.dtype !== "int32") {
    throw new Error(`embed: ids must be an int32 [B, T] tensor, got ${ids.dtype} [${ids.shape}]`);
  }
  return tf.tidy(() =>
    tf.gather(table, options.timeMajor ? tf.transpose(ids) : ids) as tf.Tensor as tf.Tensor3D
  );
}

/**
 * The shared part of every model: an untied head on top of {@link features}, the masked
 * cross-entropy, and disposal. Subclasses build their weights in a {@link ParamStore} whose
 * record they pass here, set {@link head}, and implement `features`.
 */
export abstract class BaseLanguageModel implements LanguageModel {
  /** Its part of the config it was built from (a copy). */
  readonly config: ModelConfig;
  /** Vocabulary size V. */
  readonly vocabSize: number;
  /** Trainable weights by name. */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /** The untied output layer, D → V. */
  protected abstract readonly head: LinearParams;

  /** Stores the config, V and the (still filling) parameter record. */
  constructor(config: ModelConfig, vocabSize: number, params: Record<string, tf.Variable>) {
    if (!Number.isInteger(vocabSize) || vocabSize < 2) {
      throw new Error(`model: vocabSize must be an integer >= 2, got ${vocabSize}`);
    }
    this.config = modelPart(config);
    this.vocabSize = vocabSize;
    this.params = params;
  }

  /** Final hidden features: ids [B, T] int32 → [B, T, D]. */
  abstract features(ids: tf.Tensor2D, opts?: ForwardOptions): tf.Tensor3D;

  /** Mean cross-entropy over the kept rows (see {@link LanguageModel.loss}). */
  loss(
    ids: tf.Tensor2D,
    targets: tf.Tensor1D,
    rows: KeptRows = null,
    opts: ForwardOptions = {},
  ): tf.Scalar {
    const count = rowCount(ids, rows);
    if (count === 0) throw new Error("loss: no kept rows (every target is padding)");
    return tf.tidy(() => tf.div(this.#sumCe(ids, targets, rows, opts), count) as tf.Scalar);
  }

  /** Summed cross-entropy and count (see {@link LanguageModel.lossSum}). */
  lossSum(
    ids: tf.Tensor2D,
    targets: tf.Tensor1D,
    rows: KeptRows = null,
    opts: ForwardOptions = { training: false },
  ): { sum: tf.Scalar; count: number } {
    const count = rowCount(ids, rows);
    if (count === 0) return { sum: tf.scalar(0), count };
    return { sum: tf.tidy(() => this.#sumCe(ids, targets, rows, opts)), count };
  }

  /** Logits of every position: ids [B, T] → [B, T, V]. */
  logits(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => dense(this.features(ids, { training: false }), this.head) as tf.Tensor3D);
  }

  /** The recurrent layers ([] unless overridden). */
  recurrentLayers(): Recurrent[] {
    return [];
  }

  /** Frees every weight and each recurrent layer's λ. */
  dispose(): void {
    for (const layer of this.recurrentLayers()) layer.dispose();
    for (const v of Object.values(this.params)) if (!v.isDisposed) v.dispose();
  }

  #sumCe(ids: tf.Tensor2D, targets: tf.Tensor1D, rows: KeptRows, opts: ForwardOptions): tf.Scalar {
    const [b, t] = ids.shape;
    if (targets.rank !== 1 || targets.shape[0] !== b * t || targets.dtype !== "int32") {
      throw new Error(
        `loss: targets must be int32 [B·T] = [${b * t}], got ${targets.dtype} [${targets.shape}]`,
      );
    }
    const feats = this.features(ids, opts); // [B, T, D]
    const flat = tf.reshape(feats, [b * t, feats.shape[2]]) as tf.Tensor2D; // [B·T, D]
    const head = { blockBytes: opts.headBlockBytes };
    if (rows === null) return headLossSum(flat, this.head, targets, head);
    const index = rows instanceof tf.Tensor ? rows : tf.tensor1d(rows, "int32"); // [N]
    const kept = tf.gather(flat, index); // [N, D]
    return headLossSum(kept, this.head, tf.gather(targets, index), head);
  }
}

function rowCount(ids: tf.Tensor2D, rows: KeptRows): number {
  if (rows === null) return ids.shape[0] * ids.shape[1];
  if (rows instanceof tf.Tensor) {
    if (rows.rank !== 1 || rows.dtype !== "int32") {
      throw new Error(
        `loss: rows must be an int32 index list [N] (see keptRows), ` +
          `got ${rows.dtype} [${rows.shape}]`,
      );
    }
    return rows.shape[0];
  }
  if (!(rows instanceof Int32Array)) {
    throw new Error("loss: rows must be an Int32Array or an int32 tensor (see keptRows), or null");
  }
  return rows.length;
}
