/**
 * What the feedback code needs of a recurrent layer: its cell, mode, λ and an observer of its
 * activations. `Recurrent` (lib/recurrent.ts) implements it; the feedback modules are typed to
 * this interface, so that lib/feedback imports nothing from the layer that imports it.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Cell } from "../cells/cell.ts";

/**
 * Sees a layer's activations during a forward (`Recurrent.observe`); it runs inside the
 * forward's tidy scope, so it `tf.keep`s what it holds on to.
 * @param x the input, time-major [T, B, E]
 * @param states the states, time-major [T, B, S]
 */
export type ActivationObserver = (x: tf.Tensor3D, states: tf.Tensor3D) => void;

/** A recurrent layer as the feedback code sees it (`Recurrent` is one). */
export interface FeedbackLayer {
  /** The cell it runs. */
  readonly cell: Cell;
  /** Its gradient mode (`bptt`, `ft-bptt` or `dsf`). */
  readonly mode: string;
  /** Whether it runs the cell's fused path. */
  readonly fused: boolean;
  /** The stationary λ [S], or null (not DSF, or a time-varying feedback). */
  readonly feedback: tf.Tensor1D | null;
  /** Replaces λ by `values` (length S). */
  setFeedback(values: ArrayLike<number>): void;
  /** Calls `observer` after each forward until the returned function is called. */
  observe(observer: ActivationObserver): () => void;
}
