/**
 * The benchmark unit: one recurrent layer on x [T, B, D] (time-major, E = D) with a small
 * linear readout, loss = mean((x·W_ro + b_ro − target)²) with W_ro [S, 16] and a fixed random
 * target, so that the recurrence dominates the cost. One {@link LayerUnit} owns its weights,
 * inputs and Adam state, and offers the measured pieces:
 *
 * - {@link LayerUnit.forward}: the plain forward, no gradient recording (`training: false`);
 * - {@link LayerUnit.step}: one training step, forward + backward + Adam;
 * - {@link LayerUnit.backwardDispatches}: one step with the backward's kernels tracked
 *   ({@link DispatchTracker}): its critical path and kernel count.
 *
 * {@link matmulFloor} is the matMul-only lower bound of the forward: the same per-step hidden
 * matMuls [B, D]×[D, G·D] run T times, plus the one input projection [B·T, E]×[E, G·D].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type CellKind, createCell } from "../cells/mod.ts";
import { linear } from "../ops/linear.ts";
import type { ReverseScanImpl } from "../ops/reverse_scan.ts";
import { type GradientMode, Recurrent } from "../recurrent.ts";
import { Adam } from "../train/adam.ts";
import { gradsByName } from "../train/step.ts";
import { Rng } from "../util/rng.ts";
import { DispatchTracker } from "./dispatch.ts";

/** Width of the readout (so that the recurrence dominates). */
export const READOUT_WIDTH = 16;

/** Gates per cell kind (the G of the [D, G·D] hidden matMul). */
export const GATES: Readonly<Record<CellKind, number>> = { rnn: 1, gru: 3, lstm: 4 };

/** One layer-benchmark shape and method. */
export interface LayerSpec {
  /** Cell kind. */
  cell: CellKind;
  /** Gradient mode. */
  mode: GradientMode;
  /** Reverse-scan algorithm (dsf only); default the layer's own (`defaultScanImpl`: wasm on wasm). */
  impl?: ReverseScanImpl;
  /** Batch. */
  B: number;
  /** Sequence length. */
  T: number;
  /** Hidden width (and input width). */
  D: number;
  /** Weight/data seed (default 0). */
  seed?: number;
}

/** A uniform(−1, 1) tensor from the project's seeded generator. */
export function randomTensor(shape: number[], rng: Rng, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(-scale, scale);
  return tf.tensor(data, shape);
}

/** A trainable variable holding `init`'s values; `init` is disposed. */
export function variableFrom(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init, true);
  init.dispose();
  return v;
}

/** A recurrent layer + readout + Adam on fixed data; see the module doc. */
export class LayerUnit {
  /** The spec it was built from. */
  readonly spec: LayerSpec;
  /** The layer. */
  readonly layer: Recurrent;
  #x: tf.Tensor3D;
  #target: tf.Tensor3D;
  #readoutW: tf.Variable;
  #readoutB: tf.Variable;
  #params: Record<string, tf.Variable>;
  #adam: Adam;

  /** Builds the unit (cell weights U(−1/√D, 1/√D), readout U(±0.02), data U(±1)). */
  constructor(spec: LayerSpec) {
    this.spec = spec;
    const { cell, mode, B, T, D } = spec;
    const rng = new Rng((spec.seed ?? 0) + 1);
    const c = createCell(cell, { input: D, hidden: D }, { seed: spec.seed ?? 0 });
    this.layer = new Recurrent(c, {
      mode,
      scanImpl: spec.impl,
    });
    const s = c.stateSize;
    this.#x = randomTensor([T, B, D], rng) as tf.Tensor3D;
    this.#target = randomTensor([T, B, READOUT_WIDTH], rng) as tf.Tensor3D;
    this.#readoutW = variableFrom(randomTensor([s, READOUT_WIDTH], rng, 0.02));
    this.#readoutB = variableFrom(tf.zeros([READOUT_WIDTH]));
    this.#params = { ...c.params, readout_w: this.#readoutW, readout_b: this.#readoutB };
    this.#adam = new Adam(this.#params, { lr: 1e-3 });
  }

  /** The plain forward (no gradient recording); returns the states [T, B, S]. */
  forward(): tf.Tensor3D {
    return tf.tidy(() => this.layer.applyTimeMajor(this.#x, { training: false }));
  }

  #loss(): tf.Scalar {
    const h = this.layer.applyTimeMajor(this.#x, { training: true });
    const y = linear(h, this.#readoutW as tf.Tensor2D, this.#readoutB as tf.Tensor1D);
    return tf.mean(tf.square(tf.sub(y, this.#target)));
  }

  #stepWith(tracker: DispatchTracker | null): tf.Scalar {
    return adamStep(this.#params, this.#adam, () => this.#loss(), tracker);
  }

  /** One training step (forward + backward + Adam); returns the loss (caller disposes). */
  step(): tf.Scalar {
    return this.#stepWith(null);
  }

  /**
   * Every parameter's gradient of the loss (the cell's weights and the readout's), as the layer's
   * mode computes it, without an update (caller disposes).
   */
  gradients(): Record<string, tf.Tensor> {
    const { value, grads } = gradsByName(this.#params, () => this.#loss());
    value.dispose();
    return grads;
  }

  /** One training step with the backward's kernels tracked. */
  backwardDispatches(): { criticalPath: number; kernels: number } {
    return trackBackward((t) => this.#stepWith(t));
  }

  /** A tensor updated by the last step (to wait on). */
  get probe(): tf.Tensor {
    return this.#readoutB;
  }

  /** Frees everything. */
  dispose(): void {
    this.layer.dispose();
    this.#adam.dispose();
    tf.dispose([this.#x, this.#target, this.#readoutW, this.#readoutB]);
  }
}

/** The tensors and the run of a matMul floor; see {@link matmulFloor}. */
export interface MatmulFloor {
  /** Runs the T + 1 matMuls; returns the last product (to settle on; caller disposes). */
  run(): tf.Tensor;
  /** Frees the operands. */
  dispose(): void;
}

/**
 * The matMuls of a forward, alone: T × [B, D]×[D, G·D] (one per step, each product freed at
 * once) plus one [B·T, D]×[D, G·D] input projection, plus, with `head: V`, the output head
 * [B·T, D]×[D, V] of a language model.
 */
export function matmulFloor(
  spec: { cell: CellKind; B: number; T: number; D: number; head?: number },
  options: { seed?: number } = {},
): MatmulFloor {
  const { B, T, D } = spec;
  const gd = GATES[spec.cell] * D;
  const rng = new Rng((options.seed ?? 0) + 2);
  const h = randomTensor([B, D], rng) as tf.Tensor2D;
  const wh = randomTensor([D, gd], rng) as tf.Tensor2D;
  const x = randomTensor([B * T, D], rng) as tf.Tensor2D;
  const wi = randomTensor([D, gd], rng) as tf.Tensor2D;
  const wo = spec.head ? randomTensor([D, spec.head], rng) as tf.Tensor2D : null;
  return {
    run() {
      tf.matMul(x, wi).dispose();
      if (wo) tf.matMul(x, wo).dispose();
      for (let t = 0; t < T - 1; t++) tf.matMul(h, wh).dispose();
      return tf.matMul(h, wh);
    },
    dispose() {
      tf.dispose([h, wh, x, wi, ...(wo ? [wo] : [])]);
    },
  };
}

/**
 * One benchmark training step: the loss, every parameter's gradient, one Adam update. When a
 * tracker is given it records the backward only (started once the forward has returned).
 * @returns the loss (the caller disposes it)
 */
export function adamStep(
  params: Record<string, tf.Variable>,
  adam: Adam,
  loss: () => tf.Scalar,
  tracker: DispatchTracker | null,
): tf.Scalar {
  const { value, grads } = gradsByName(params, () => {
    const l = loss();
    tracker?.start(); // the forward is done: what runs next is the backward
    return l;
  });
  tracker?.stop();
  adam.step(grads);
  tf.dispose(Object.values(grads));
  return value;
}

/** Runs one step with a {@link DispatchTracker} on its backward; the tracker's counts. */
export function trackBackward(
  stepWith: (tracker: DispatchTracker) => tf.Scalar,
): { criticalPath: number; kernels: number } {
  const tracker = new DispatchTracker();
  try {
    stepWith(tracker).dispose();
  } finally {
    tracker.stop();
  }
  return { criticalPath: tracker.criticalPath, kernels: tracker.kernels };
}
