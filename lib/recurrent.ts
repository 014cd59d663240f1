/**
 * A recurrent layer: a {@link Cell} run over a sequence from a zero state, with the way its
 * gradient through time is computed chosen per layer — the {@link GradientMode}:
 *
 * - `bptt`: exact backpropagation through time (eqs. 11–12);
 * - `ft-bptt`: fully truncated, no gradient through time (Λ = 0);
 * - `dsf`: diagonal state feedback, the incoming state gradient e is replaced by the reverse-time
 *   recurrence δ_t = e_t + λ ⊙ δ_{t+1} with a fixed λ (eq. 13), then the local terms apply.
 *
 * The DSF feedback's kind ({@link FeedbackKind}, lib/feedback/) is `fixed` by default (the paper;
 * `fitted` is the same stationary λ, refitted from outside between steps). Beyond the paper,
 * `feedbackKind: "jacobian-diagonal"` makes it time-varying: the diagonal of the true Jacobian at
 * each step and batch row, `δ_t = e_t + a_{t+1} ⊙ δ_{t+1}` with `a_t = diag(∂state_t/∂state_{t−1})`
 * from the forward's saved activations (fused cells only, see {@link jacobianDiagonalBackward}).
 *
 * {@link Recurrent.observe} lets a caller see each forward's input and states (the activations
 * the fitted λ and the Jacobian analyses are measured on).
 *
 * DSF and FT-BPTT run parallel over time: the forward keeps its gate activations, the temporal
 * backward is one {@link reverseScan}, and the local derivatives of all steps are a few large ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackwardArgs, Cell, CellGrads } from "./cells/cell.ts";
import { previousStates } from "./cells/cell.ts";
import { type FeedbackSpec, makeFeedback } from "./feedback/init.ts";
import { FEEDBACK_KINDS, type FeedbackKind } from "./feedback/kinds.ts";
import { hasJacobianDiagonal, jacobianDiagonalBackward } from "./feedback/jacobian_diagonal.ts";
import type { ActivationObserver, FeedbackLayer } from "./feedback/layer.ts";

export type { ActivationObserver } from "./feedback/layer.ts";
import { defaultScanImpl, reverseScan, type ReverseScanImpl } from "./ops/reverse_scan.ts";

/** How a layer's gradient through time is computed. */
export type GradientMode = "bptt" | "ft-bptt" | "dsf";

/** The gradient modes, for validation and iteration. */
export const GRADIENT_MODES: readonly GradientMode[] = ["bptt", "ft-bptt", "dsf"];

/** Options of a {@link Recurrent} layer. */
export interface RecurrentOptions {
  /** The gradient mode; default `dsf`. */
  mode?: GradientMode;
  /** λ for `dsf`: a spec (default linspace(0, 1, S)) or the vector itself. */
  feedback?: FeedbackSpec | ArrayLike<number>;
  /** The reverse-scan algorithm for `dsf`; default `scan` (`webgpu`, the custom kernel, when the
   * active backend is webgpu). */
  scanImpl?: ReverseScanImpl;
  /** Use the cell's fused fast path when it has one; default true. */
  fused?: boolean;
  /** The feedback's kind in `dsf` mode; default `fixed` (the paper). */
  feedbackKind?: FeedbackKind;
}

/** A cell plus its gradient mode. Owns the cell's weights and its feedback vector. */
export class Recurrent implements FeedbackLayer {
  /** The cell. */
  readonly cell: Cell;
  #mode: GradientMode;
  /** The reverse-scan algorithm (dsf), when given; else chosen per backend at each call. */
  readonly scanImpl: ReverseScanImpl | undefined;
  /** Whether the fused path is used. */
  readonly fused: boolean;
  #feedback: tf.Tensor1D | null = null;
  #feedbackKind: FeedbackKind = "fixed";
  #observers = new Set<ActivationObserver>();
  #op: ((...inputs: tf.Tensor[]) => tf.Tensor) | null = null;
  #noGrad: ((...inputs: tf.Tensor[]) => tf.Tensor) | null = null;
  #hook: ((...inputs: tf.Tensor[]) => tf.Tensor) | null = null;

  /** Wraps `cell` with a gradient mode. */
  constructor(cell: Cell, options: RecurrentOptions = {}) {
    this.cell = cell;
    this.#mode = checkMode(options.mode ?? "dsf");
    this.scanImpl = options.scanImpl;
    this.fused = (options.fused ?? true) && cell.fused !== undefined;
    if (this.#mode === "dsf") this.setFeedback(resolveFeedback(cell.stateSize, options.feedback));
    this.feedbackKind = options.feedbackKind ?? "fixed";
  }

  /** The gradient mode. */
  get mode(): GradientMode {
    return this.#mode;
  }

  /**
   * Switches the gradient mode on the same weights (e.g. to measure the exact BPTT gradient
   * next to the DSF one). Switching to `dsf` keeps the current λ, or makes the default one.
   */
  setMode(mode: GradientMode): void {
    this.#mode = checkMode(mode);
    if (mode === "dsf" && !this.#feedback) this.setFeedback(makeFeedback(this.cell.stateSize));
  }

  /** The trainable weights (the cell's). */
  get params(): Readonly<Record<string, tf.Variable>> {
    return this.cell.params;
  }

  /** λ, [S] (null unless the mode is dsf). */
  get feedback(): tf.Tensor1D | null {
    return this.#feedback;
  }

  /** The feedback's kind in `dsf` mode (see {@link FeedbackKind}). */
  get feedbackKind(): FeedbackKind {
    return this.#feedbackKind;
  }

  set feedbackKind(kind: FeedbackKind) {
    if (!FEEDBACK_KINDS.includes(kind)) {
      throw new Error(
        `feedback kind "${kind}" is unknown; use one of ${FEEDBACK_KINDS.join(", ")}`,
      );
    }
    if (kind === "jacobian-diagonal" && !hasJacobianDiagonal(this.cell, this.fused)) {
      throw new Error(
        `the jacobian-diagonal feedback needs a fused cell with jacobianDiagonal (gru, rnn, lstm); ` +
          `this layer's ${this.cell.kind} cell ${this.fused ? "has none" : "runs unfused"}`,
      );
    }
    this.#feedbackKind = kind;
  }

  /** Replaces λ (e.g. a fitted feedback refreshed during training). */
  setFeedback(values: ArrayLike<number>): void {
    if (values.length !== this.cell.stateSize) {
      throw new Error(
        `feedback has length ${values.length}, but the state size is ${this.cell.stateSize}`,
      );
    }
    this.#feedback?.dispose();
    this.#feedback = tf.keep(tf.tensor1d(Float32Array.from(values)));
  }

  /**
   * Runs the layer, batch-major.
   * @param x [B, T, E]
   * @param options.training record gradients with the layer's mode (default true); false runs
   *   the plain forward, keeping no activations
   * @returns states [B, T, S]
   */
  apply(x: tf.Tensor3D, options: { training?: boolean } = {}): tf.Tensor3D {
    return tf.tidy(() =>
      tf.transpose(this.applyTimeMajor(tf.transpose(x, [1, 0, 2]), options), [1, 0, 2])
    );
  }

  /**
   * Runs the layer, time-major.
   * @param x [T, B, E]
   * @returns states [T, B, S]
   */
  applyTimeMajor(x: tf.Tensor3D, options: { training?: boolean } = {}): tf.Tensor3D {
    if (x.rank !== 3 || x.shape[2] !== this.cell.inputSize) {
      throw new Error(`recurrent: input must be [T, B, ${this.cell.inputSize}], got [${x.shape}]`);
    }
    const states = this.#run(x, options);
    for (const observer of this.#observers) observer(x, states);
    return states;
  }

  /**
   * Calls `observer` with the input [T, B, E] and the states [T, B, S] of every forward of this
   * layer (training or not) until the returned function is called.
   * @returns unsubscribe
   */
  observe(observer: ActivationObserver): () => void {
    this.#observers.add(observer);
    return () => void this.#observers.delete(observer);
  }

  /** Frees the weights and λ. */
  dispose(): void {
    for (const v of Object.values(this.cell.params)) v.dispose();
    this.#feedback?.dispose();
    this.#feedback = null;
  }

  #run(x: tf.Tensor3D, options: { training?: boolean }): tf.Tensor3D {
    const weights = Object.values(this.cell.params);
    if (options.training === false) return this.#forwardOnly(x, weights);
    if (!this.fused) {
      if (this.#mode === "bptt") return unrolled(this.cell, x, weights);
      return this.#referenceStyle(x, weights);
    }
    this.#op ??= this.#makeOp();
    return this.#op(x, ...weights) as tf.Tensor3D;
  }

  #forwardOnly(x: tf.Tensor3D, weights: tf.Tensor[]): tf.Tensor3D {
    if (this.cell.fused) return this.cell.fused.forward(x, weights, { keep: false }).states;
    return tf.tidy(() => unrolled(this.cell, x, weights));
  }

  /** The temporal part of the backward: e → δ. */
  #temporal(directGrad: tf.Tensor3D): tf.Tensor3D {
    if (this.#mode === "ft-bptt") return directGrad;
    const impl = this.scanImpl ?? defaultScanImpl();
    return reverseScan(directGrad, this.#feedback!, { impl });
  }

  /**
   * The reference code's method, for any cell: states forwarded without gradients, one step
   * recomputed for all t at once on (x_t, h_{t−1}) with h_{t−1} held constant (autodiff gives
   * the local terms), and the feedback applied to the gradient arriving on the states.
   */
  #referenceStyle(x: tf.Tensor3D, weights: tf.Tensor[]): tf.Tensor3D {
    const cell = this.cell;
    const [t, b, e] = x.shape;
    const s = cell.stateSize;
    this.#noGrad ??= tf.customGrad((...args: unknown[]) => {
      args.pop();
      const [xi, ...w] = args as tf.Tensor[];
      return {
        value: unrolled(cell, xi as tf.Tensor3D, w),
        gradFunc: () => [xi, ...w].map((v) => tf.zerosLike(v)),
      };
    });
    this.#hook ??= tf.customGrad((...args: unknown[]) => {
      const states = args[0] as tf.Tensor3D;
      return { value: tf.clone(states), gradFunc: (dy) => this.#temporal(dy as tf.Tensor3D) };
    });
    return tf.tidy(() => {
      const states = this.#noGrad!(x, ...weights) as tf.Tensor3D;
      const hPrev = tf.reshape(previousStates(states), [t * b, s]) as tf.Tensor2D;
      const local = cell.step(tf.reshape(x, [t * b, e]) as tf.Tensor2D, hPrev, weights);
      return this.#hook!(tf.reshape(local, [t, b, s])) as tf.Tensor3D;
    });
  }

  #makeOp(): (...inputs: tf.Tensor[]) => tf.Tensor {
    const cell = this.cell;
    const nw = Object.keys(cell.params).length;
    return tf.customGrad((...args: unknown[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const [x, ...weights] = args as tf.Tensor[];
      const x3 = x as tf.Tensor3D;
      const fwd = cell.fused!.forward(x3, weights, { keep: true });
      save([x3, fwd.states, ...weights, ...fwd.saved]);
      return {
        value: fwd.states,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const e = dy as tf.Tensor3D;
          const a: BackwardArgs = {
            x: saved[0] as tf.Tensor3D,
            states: saved[1] as tf.Tensor3D,
            weights: saved.slice(2, 2 + nw),
            saved: saved.slice(2 + nw),
          };
          const g: CellGrads = this.#mode === "bptt"
            ? cell.fused!.bpttBackward(e, a)
            : this.#mode === "dsf" && this.#feedbackKind === "jacobian-diagonal"
            ? jacobianDiagonalBackward(cell, e, { args: a, scanImpl: this.scanImpl })
            : cell.fused!.localBackward(this.#temporal(e), a);
          return [g.dx, ...g.dWeights];
        },
      };
    });
  }
}

function checkMode(mode: GradientMode): GradientMode {
  if (!(GRADIENT_MODES as readonly string[]).includes(mode)) {
    throw new Error(`mode "${mode}" is unknown; use one of ${GRADIENT_MODES.join(", ")}`);
  }
  return mode;
}

function resolveFeedback(size: number, f: RecurrentOptions["feedback"]): Float32Array {
  if (f === undefined) return makeFeedback(size);
  if (typeof (f as ArrayLike<number>).length === "number") {
    return makeFeedback(size, { init: "given", values: f as ArrayLike<number> });
  }
  return makeFeedback(size, f as FeedbackSpec);
}

/** The plain loop over `cell.step` (differentiable by autodiff): x [T, B, E] → [T, B, S]. */
function unrolled(cell: Cell, x: tf.Tensor3D, weights: tf.Tensor[]): tf.Tensor3D {
  const [, b] = x.shape;
  const xs = tf.unstack(x) as tf.Tensor2D[];
  let h: tf.Tensor2D = tf.zeros([b, cell.stateSize]);
  const hs: tf.Tensor2D[] = [];
  for (const xt of xs) {
    h = cell.step(xt, h, weights);
    hs.push(h);
  }
  return tf.stack(hs) as tf.Tensor3D;
}
