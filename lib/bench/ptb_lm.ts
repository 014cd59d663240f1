/**
 * A full PTB-style language-model training step for the benchmark, self-contained here (the
 * project's model factory in `lib/models` was not available when this was written):
 *
 *     ids [B, T] → embedding [V, D] → x + GRU(x) (one layer, residual skip) → Linear(D → V)
 *       → cross-entropy summed over all B·T targets / B·T (no padding)
 *
 * Embedding and head ~ N(0, 0.02), head bias 0, cell weights U(−1/√D, 1/√D) (NOTES,
 * "Architectures"); Adam lr 1e-3. The ids and targets are fixed uniform random tokens: the
 * timings do not depend on the text.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type CellKind, createCell } from "../cells/mod.ts";
import { crossEntropySum } from "../models/cross_entropy.ts";
import { linear } from "../ops/linear.ts";
import type { ReverseScanImpl } from "../ops/reverse_scan.ts";
import { type GradientMode, Recurrent } from "../recurrent.ts";
import type { Adam } from "../train/adam.ts";
import { Rng } from "../util/rng.ts";
import { DispatchTracker } from "./dispatch.ts";
import { newAdam, variableFrom } from "./layer.ts";

/** The PTB step's shape and method. */
export interface PtbSpec {
  /** Cell kind (default gru). */
  cell?: CellKind;
  /** Gradient mode. */
  mode: GradientMode;
  /** Reverse-scan algorithm (dsf only). */
  impl?: string;
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

function normalTensor(shape: number[], rng: Rng, std: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = std * rng.normal();
  return tf.tensor(data, shape);
}

/** Embedding + one residual recurrent layer + head, with Adam, on fixed random tokens. */
export class PtbUnit {
  /** The spec it was built from. */
  readonly spec: PtbSpec;
  /** The recurrent layer. */
  readonly layer: Recurrent;
  #ids: tf.Tensor1D; // [T·B] time-major flattening of ids
  #targets: tf.Tensor1D; // [T·B]
  #params: Record<string, tf.Variable>;
  #adam: Adam;

  /** Builds the model and the data. */
  constructor(spec: PtbSpec) {
    this.spec = spec;
    const { B, T, D, V } = spec;
    const rng = new Rng((spec.seed ?? 0) + 3);
    const cell = createCell(spec.cell ?? "gru", { input: D, hidden: D }, { seed: spec.seed ?? 0 });
    if (cell.stateSize !== D) {
      throw new Error(`PtbUnit: the residual skip needs state width D; ${cell.kind} has 2·D`);
    }
    this.layer = new Recurrent(cell, {
      mode: spec.mode,
      scanImpl: (spec.impl ?? "scan") as ReverseScanImpl,
    });
    const ids = Int32Array.from({ length: T * B }, () => rng.int(V));
    const targets = Int32Array.from({ length: T * B }, () => rng.int(V));
    this.#ids = tf.tensor1d(ids, "int32");
    this.#targets = tf.tensor1d(targets, "int32");
    this.#params = {
      ...cell.params,
      embedding: variableFrom(normalTensor([V, D], rng, 0.02)),
      head_w: variableFrom(normalTensor([D, V], rng, 0.02)),
      head_b: variableFrom(tf.zeros([V])),
    };
    this.#adam = newAdam(this.#params);
  }

  #loss(training: boolean): tf.Scalar {
    const { B, T, D } = this.spec;
    const p = this.#params;
    const x = tf.reshape(tf.gather(p.embedding, this.#ids), [T, B, D]) as tf.Tensor3D;
    const h = tf.add(x, this.layer.applyTimeMajor(x, { training }));
    const logits = linear(
      tf.reshape(h, [T * B, D]),
      p.head_w as tf.Tensor2D,
      p.head_b as tf.Tensor1D,
    );
    return tf.div(crossEntropySum(logits as tf.Tensor2D, this.#targets), T * B);
  }

  /** The loss without gradient recording (the layer's plain forward). */
  forward(): tf.Scalar {
    return tf.tidy(() => this.#loss(false));
  }

  #stepWith(tracker: DispatchTracker | null): tf.Scalar {
    const vars = Object.values(this.#params);
    const names = new Map(Object.entries(this.#params).map(([k, v]) => [v.name, k]));
    const { value, grads } = tf.variableGrads(() => {
      const loss = this.#loss(true);
      tracker?.start();
      return loss;
    }, vars);
    tracker?.stop();
    const named: Record<string, tf.Tensor> = {};
    for (const [vname, g] of Object.entries(grads)) named[names.get(vname)!] = g;
    this.#adam.step(named);
    tf.dispose(Object.values(grads));
    return value;
  }

  /** One training step; returns the loss (caller disposes). */
  step(): tf.Scalar {
    return this.#stepWith(null);
  }

  /** One training step with the backward's kernels tracked. */
  backwardDispatches(): { criticalPath: number; kernels: number } {
    const tracker = new DispatchTracker();
    try {
      this.#stepWith(tracker).dispose();
    } finally {
      tracker.stop();
    }
    return { criticalPath: tracker.criticalPath, kernels: tracker.kernels };
  }

  /** Frees everything. */
  dispose(): void {
    this.layer.dispose();
    this.#adam.dispose();
    tf.dispose([
      this.#ids,
      this.#targets,
      ...["embedding", "head_w", "head_b"].map((k) => this.#params[k]),
    ]);
  }
}
