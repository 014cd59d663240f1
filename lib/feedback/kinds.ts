/**
 * The DSF feedback kinds, one vocabulary from the config (`feedback.kind`) to {@link Recurrent}:
 *
 * - `fixed` (the paper): one stationary λ, [S], made once at initialisation (see `makeFeedback`);
 * - `fitted` (ours): a stationary λ as well, refitted during training to the mean diagonal of the
 *   true Jacobians (see `fittedFeedback`; the trainer runs it as a plug-in, see
 *   `feedbackPlugins`); to the layer it is a `fixed` λ that changes between steps;
 * - `jacobian-diagonal` (ours): a time-varying feedback, the diagonal of the true Jacobian at every
 *   step and batch row (fused cells with `jacobianDiagonal` only, see `jacobianDiagonalBackward`).
 *
 * @module
 */

/** A DSF feedback kind (see the module doc). */
export type FeedbackKind = "fixed" | "fitted" | "jacobian-diagonal";

/** The feedback kinds, for validation and iteration (`fixed` is the paper's). */
export const FEEDBACK_KINDS: readonly FeedbackKind[] = ["fixed", "fitted", "jacobian-diagonal"];

/**
 * Whether the kind's λ is one stationary vector [S] (`fixed`, `fitted`), as the paper's
 * reverse scan (and the fft and webgpu implementations) need, rather than one per step and row.
 */
export function isStationary(kind: FeedbackKind): boolean {
  return kind !== "jacobian-diagonal";
}

/** What {@link feedbackVariant} reads of a config. */
export interface FeedbackVariantOptions {
  /** The gradient mode (a variant exists only in `dsf`). */
  mode: string;
  /** The feedback: its kind and how λ is initialised. */
  feedback: {
    kind: string;
    init: string;
    low: number;
    high: number;
    seed: number;
    values: readonly number[] | null;
  };
}

/**
 * A short, file-name-safe label of a DSF λ other than the default `linspace(0, 1)`: `lam0-0.5`
 * (linspace over [0, 0.5]), `uniform0-1s3` (U(0, 1), seed 3), `given` (explicit values); "" for
 * the default, another mode, or the `jacobian-diagonal` kind (it has no λ). Runs, result files and
 * tables name a method by its mode, its feedback kind and this label, so that two λ of one kind
 * never share a name.
 */
export function feedbackVariant(c: FeedbackVariantOptions): string {
  const f = c.feedback;
  if (c.mode !== "dsf" || f.kind === "jacobian-diagonal") return "";
  if (f.init === "given") return "given";
  if (f.init === "uniform") return `uniform${f.low}-${f.high}s${f.seed}`;
  return f.low === 0 && f.high === 1 ? "" : `lam${f.low}-${f.high}`;
}
