/**
 * The feedback as trainer plug-ins: what a run installs into `train` for its feedback kind. Only
 * the `fitted` kind needs one (λ refitted between steps); `fixed` and `jacobian-diagonal` live in
 * the layers themselves. The plug-in keeps the checkpoint fields `feedbacks` (λ of each recurrent
 * layer, [L][S]) and `feedbackSeconds`, and the summary's `feedbackSeconds`.
 *
 * @module
 */
import type { TrainPlugin } from "../train/trainer.ts";
import { type FittedFeedback, fittedFeedback } from "./fitted.ts";
import type { FeedbackKind } from "./kinds.ts";
import type { RecurrentModel } from "./recurrent_activity.ts";

/** What {@link feedbackPlugins} reads of a run's config (a `Config` will do). */
export interface FeedbackPluginOptions {
  /** The gradient mode (`dsf` for any feedback to apply). */
  mode: string;
  /** The feedback: its kind, and the steps between refits of a `fitted` λ. */
  feedback: { kind: FeedbackKind; every: number };
}

/** The `fitted` feedback's plug-in, with the refit's record. */
export interface FittedFeedbackPlugin extends TrainPlugin {
  /** The refit (its `refreshes` and `seconds` since this plug-in was made). */
  readonly fit: FittedFeedback;
}

/**
 * The plug-in that refits λ of every DSF layer of `model` to the mean diagonal of the true
 * Jacobians after step 1 and every `every` steps, carrying λ and the refit seconds through the
 * checkpoints (see the module doc).
 */
export function fittedFeedbackPlugin(
  model: RecurrentModel,
  options: { every?: number } = {},
): FittedFeedbackPlugin {
  const fit = fittedFeedback({ every: options.every, model });
  let before: number | undefined; // refit seconds before a resume
  let stepped = false;
  const seconds = () => (before ?? 0) + fit.seconds;
  return {
    fit,
    restore(metrics) {
      const values = metrics.feedbacks as number[][] | undefined;
      if (values) model.recurrentLayers().forEach((l, i) => l.setFeedback(values[i]));
      const s = metrics.feedbackSeconds;
      before = typeof s === "number" ? s : undefined;
    },
    async afterStep(step, batch) {
      await fit.afterStep(step, batch);
      stepped = true;
    },
    async checkpoint() {
      const out: Record<string, unknown> = {};
      // As before plug-ins: the seconds are recorded from the first step on.
      if (stepped || before !== undefined) out.feedbackSeconds = seconds();
      const feedbacks: number[][] = [];
      for (const l of model.recurrentLayers()) feedbacks.push(Array.from(await l.feedback!.data()));
      out.feedbacks = feedbacks;
      return out;
    },
    summary: () => ({ feedbackSeconds: seconds() }),
  };
}

/**
 * The trainer plug-ins a run's feedback asks for: the `fitted` refit when `mode = dsf` and
 * `feedback.kind = fitted`, otherwise none. Pass them as `train(model, data, config, { plugins })`.
 * @param model the model to train (for `fitted`: one with `recurrentLayers()` and `features()`)
 */
export function feedbackPlugins(options: FeedbackPluginOptions, model: object): TrainPlugin[] {
  if (options.mode !== "dsf" || options.feedback.kind !== "fitted") return [];
  const m = model as Partial<RecurrentModel>;
  if (typeof m.recurrentLayers !== "function" || typeof m.features !== "function") {
    throw new Error("train: feedback.kind = fitted needs a model with recurrent layers");
  }
  return [fittedFeedbackPlugin(m as RecurrentModel, { every: options.feedback.every })];
}
