/**
 * The cell interface: what a recurrent layer needs from a cell to run it in every gradient mode.
 *
 * A cell only has to give {@link Cell.step}, one differentiable step. With it, the layer runs
 * exact BPTT by autodiff through the unrolled loop, and DSF / FT-BPTT the way the reference code
 * does (forward without gradients, then one step recomputed for all t at once on (x_t, h_{t−1})
 * with h_{t−1} held constant). The built-in cells also give a {@link FusedCell}: a forward that
 * keeps its gate activations and hand-written backwards, so that DSF's backward is a few large
 * ops with no second forward, and BPTT's weight gradients are one matMul over all steps.
 *
 * Tensors inside a fused cell are time-major: `[T, B, ·]`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { transposesAreFree } from "../ops/linear.ts";
import { Rng } from "../util/rng.ts";

/** A recurrent cell `state_t = f(state_{t−1}, x_t)`. */
export interface Cell {
  /** Cell kind, for display (e.g. "gru"). */
  readonly kind: string;
  /** E, the input width. */
  readonly inputSize: number;
  /** S, the state width (D, or 2·D for an LSTM whose state is concat(h, c)). */
  readonly stateSize: number;
  /** The trainable weights, in the order {@link Cell.step} takes them. */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /**
   * One step, differentiable with ordinary autodiff.
   * @param x [N, E]
   * @param state [N, S]
   * @param weights the values of `params`, in its key order
   * @returns the next state [N, S]
   */
  step(x: tf.Tensor2D, state: tf.Tensor2D, weights: tf.Tensor[]): tf.Tensor2D;
  /** An optional fast path with hand-written backwards. */
  readonly fused?: FusedCell;
}

/** What a fused forward returns. */
export type FusedForward = {
  /** All states, [T, B, S]. */
  states: tf.Tensor3D;
  /** Activations kept for the backward (empty when not asked to keep them). */
  saved: tf.Tensor[];
};

/** Gradients of a cell's inputs and weights. */
export type CellGrads = {
  /** [T, B, E] */
  dx: tf.Tensor3D;
  /** One per weight, in `params` order. */
  dWeights: tf.Tensor[];
};

/** The arguments the backwards receive. */
export interface BackwardArgs {
  /** Inputs, [T, B, E]. */
  x: tf.Tensor3D;
  /** States, [T, B, S]. */
  states: tf.Tensor3D;
  /** What {@link FusedCell.forward} saved. */
  saved: tf.Tensor[];
  /** The weights, in `params` order. */
  weights: tf.Tensor[];
}

/** A cell's fast path. */
export interface FusedCell {
  /**
   * Runs the recurrence from a zero state.
   * @param x [T, B, E]
   * @param weights in `params` order
   * @returns states [T, B, S] and, when `keep`, the activations the backwards need
   */
  forward(x: tf.Tensor3D, weights: tf.Tensor[], options: { keep: boolean }): FusedForward;
  /**
   * Gradients with every `state_{t−1}` held constant (the local terms ∂h_t/∂θ, ∂h_t/∂x_t).
   * @param stateGrad δ [T, B, S], the total gradient on each state (after the feedback scan)
   */
  localBackward(stateGrad: tf.Tensor3D, args: BackwardArgs): CellGrads;
  /**
   * Exact gradients through time (BPTT, eqs. 11–12).
   * @param directGrad e [T, B, S], the gradient arriving on each state from outside the layer
   */
  bpttBackward(directGrad: tf.Tensor3D, args: BackwardArgs): CellGrads;
  /**
   * The diagonal of the true Jacobians, `a_t[b, i] = ∂state_t[b, i] / ∂state_{t−1}[b, i]`, from
   * the saved activations: the time-varying diagonal feedback (absent: not implemented).
   * @returns a [T, B, S]
   */
  jacobianDiagonal?(args: BackwardArgs): tf.Tensor3D;
}

/** The diagonal of block `gate` of a PyTorch-layout recurrent weight [G·D, D], [D]. */
export function blockDiagonal(weight: tf.Tensor2D, gate: number, d: number): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(tf.slice(weight, [gate * d, 0], [d, d]), tf.eye(d)), 1));
}

/** Options shared by the built-in cells. */
export interface CellOptions {
  /** Seed of the U(−1/√D, 1/√D) initialisation; default 0. */
  seed?: number;
}

/**
 * Makes a weight initialised U(−1/√D, 1/√D), PyTorch's default for recurrent cells.
 * @param shape the weight's shape
 * @param hidden D
 */
export function uniformWeight(shape: number[], hidden: number, rng: Rng): tf.Variable {
  const bound = 1 / Math.sqrt(hidden);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = rng.uniform(-bound, bound);
  const init = tf.tensor(data, shape);
  const v = tf.variable(init, true);
  init.dispose();
  return v;
}

/** The four PyTorch-layout weights of a cell with `gates` gates. */
export function pytorchWeights(
  sizes: { input: number; hidden: number; gates: number },
  options: CellOptions = {},
): Record<string, tf.Variable> {
  const { input, hidden, gates } = sizes;
  if (![input, hidden].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(
      `cell: input and hidden sizes must be positive integers, got ${input}, ${hidden}`,
    );
  }
  const rng = new Rng(options.seed ?? 0);
  const gd = gates * hidden;
  return {
    weight_ih: uniformWeight([gd, input], hidden, rng),
    weight_hh: uniformWeight([gd, hidden], hidden, rng),
    bias_ih: uniformWeight([gd], hidden, rng),
    bias_hh: uniformWeight([gd], hidden, rng),
  };
}

/** Rows [g·D, (g+1)·D) of a [G·D, ·] weight, transposed: [·, D]. */
export function gateBlockT(w: tf.Tensor2D, gate: number, hidden: number): tf.Tensor2D {
  return tf.transpose(tf.slice(w, [gate * hidden, 0], [hidden, w.shape[1]]));
}

/** Entries [g·D, (g+1)·D) of a [G·D] bias. */
export function gateBias(b: tf.Tensor1D, gate: number, hidden: number): tf.Tensor1D {
  return tf.slice(b, [gate * hidden], [hidden]);
}

/** States shifted one step later in time: [0, h_1, …, h_{T−1}], [T, B, S]. */
export function previousStates(states: tf.Tensor3D): tf.Tensor3D {
  const [t, b, s] = states.shape;
  return tf.pad(tf.slice(states, [0, 0, 0], [t - 1, b, s]), [[1, 0], [0, 0], [0, 0]]);
}

/**
 * Weight and input gradients from the pre-activation gradients of all steps at once (one matMul
 * each): dW_ih = G_xᵀ·X, dW_hh = G_hᵀ·H_prev, db_ih = Σ G_x, db_hh = Σ G_h, dX = G_x·W_ih.
 * Transposes are explicit unless they are free (wasm's own transposed matMul is 10–15× slower).
 * @param pre.gx [T·B, G·D] gradients of the input-side pre-activations
 * @param pre.gh [T·B, G·D] gradients of the state-side pre-activations (may be `gx` itself)
 * @param hPrev [T·B, D] the previous states h_{t−1}
 */
export function linearGrads(
  pre: { gx: tf.Tensor2D; gh: tf.Tensor2D },
  args: BackwardArgs,
  hPrev: tf.Tensor2D,
): CellGrads {
  const { gx, gh } = pre;
  const [t, b, e] = args.x.shape;
  const x = tf.reshape(args.x, [t * b, e]) as tf.Tensor2D;
  // With a native BLAS the transposed product is direct. Else dWᵀ = Xᵀ·G transposes the narrow
  // [T·B, E] inputs rather than the wide [T·B, G·D] gradients. The bias gradients are ones·G
  // (a reduction over axis 0 is slow on wasm).
  const free = transposesAreFree();
  const dWih = free ? tf.matMul(gx, x, true) : tf.transpose(tf.matMul(tf.transpose(x), gx));
  const dWhh = free ? tf.matMul(gh, hPrev, true) : tf.transpose(tf.matMul(tf.transpose(hPrev), gh));
  const ones = tf.ones([1, t * b]) as tf.Tensor2D;
  const dbih = tf.reshape(tf.matMul(ones, gx), [-1]);
  const dbhh = gh === gx ? dbih : tf.reshape(tf.matMul(ones, gh), [-1]);
  const dx = tf.reshape(tf.matMul(gx, args.weights[0] as tf.Tensor2D), [t, b, e]) as tf.Tensor3D;
  return { dx, dWeights: [dWih, dWhh, dbih, dbhh] };
}

/**
 * Sets a cell's weights from nested arrays (PyTorch layout), checking names and shapes.
 * @param values e.g. `{weight_ih: [[…]], weight_hh: [[…]], bias_ih: […], bias_hh: […]}`
 */
export function assignWeights(cell: Cell, values: Record<string, tf.TensorLike>): void {
  for (const name of Object.keys(values)) {
    if (!(name in cell.params)) {
      throw new Error(
        `weights.${name} is not a weight of a ${cell.kind} cell (${
          Object.keys(cell.params).join(", ")
        })`,
      );
    }
  }
  for (const [name, v] of Object.entries(cell.params)) {
    if (!(name in values)) throw new Error(`weights.${name} is missing`);
    const t = tf.tensor(values[name], undefined, "float32");
    if (t.shape.join() !== v.shape.join()) {
      t.dispose();
      throw new Error(`weights.${name} has shape [${t.shape}], expected [${v.shape}]`);
    }
    v.assign(t);
    t.dispose();
  }
}
