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
