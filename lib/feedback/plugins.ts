/**
 * The feedback as trainer plug-ins: what a run installs into `train` for its feedback kind.
 * Every stationary λ (`fixed`, `fitted`) is part of what a run's numerics depend on, so it is
 * carried in each checkpoint's `feedbacks` field (λ of each recurrent layer, [L][S]) and set back
 * on resume: a `fixed` λ need not be the config's (`train --init` takes it from the weights file),
 * and a `fitted` one changes between steps (its refit runs as the plug-in's `afterStep`, with the
 * checkpoint field `feedbackSeconds` and the summary's `feedbackSeconds`). The time-varying
 * `jacobian-diagonal` kind has no state to carry.
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

/** λ of every recurrent layer that has one, [L][S] (a layer without λ: []). */
async function feedbackValues(model: Pick<RecurrentModel, "recurrentLayers">): Promise<number[][]> {
  const out: number[][] = [];
  for (const l of model.recurrentLayers()) {
    out.push(l.feedback ? Array.from(await l.feedback.data()) : []);
  }
  return out;
}

/**
 * Sets λ of each recurrent layer from a checkpoint's `feedbacks` field (absent: nothing to set,
 * a checkpoint written before λ was carried). A layer count or λ length other than the model's is
 * an Error naming the layer.
 */
export function restoreFeedbacks(
  model: Pick<RecurrentModel, "recurrentLayers">,
  values: unknown,
): void {
  if (values === undefined || values === null) return;
  const layers = model.recurrentLayers();
  if (!Array.isArray(values) || values.length !== layers.length) {
    throw new Error(
      `checkpoint: "feedbacks" must hold λ of ${layers.length} recurrent layers`,
    );
  }
  layers.forEach((l, i) => {
    const v = values[i];
    if (!l.feedback) return;
    if (!Array.isArray(v) || v.length !== l.feedback.size || !v.every(Number.isFinite)) {
      throw new Error(
        `checkpoint: "feedbacks" of layer ${i} must be ${l.feedback.size} finite numbers`,
      );
    }
    l.setFeedback(v);
  });
}

/**
 * The plug-in that carries a stationary λ (`fixed`) through the checkpoints: stored in each, set
 * back on resume. Whatever set λ before the first step (the config's init, `train --init`'s
 * weights file) is then what a resumed run and `export` use.
 */
export function feedbackStatePlugin(model: Pick<RecurrentModel, "recurrentLayers">): TrainPlugin {
  return {
    restore: (metrics) => restoreFeedbacks(model, metrics.feedbacks),
    checkpoint: async () => ({ feedbacks: await feedbackValues(model) }),
  };
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
      restoreFeedbacks(model, metrics.feedbacks);
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
      out.feedbacks = await feedbackValues(model);
      return out;
    },
    summary: () => ({ feedbackSeconds: seconds() }),
  };
}

/**
 * The trainer plug-ins a run's feedback asks for when `mode = dsf`: the `fitted` refit (which
 * carries its λ), the {@link feedbackStatePlugin} for `fixed`, none for `jacobian-diagonal` or
 * another mode. Pass them as `train(model, data, config, { plugins })`.
 * @param model the model to train (for `fitted`: one with `recurrentLayers()` and `features()`)
 */
export function feedbackPlugins(options: FeedbackPluginOptions, model: object): TrainPlugin[] {
  if (options.mode !== "dsf" || options.feedback.kind === "jacobian-diagonal") return [];
  const m = model as Partial<RecurrentModel>;
  if (options.feedback.kind === "fixed") {
    // Models without recurrent layers (gpt, ema) have no λ to carry.
    return typeof m.recurrentLayers === "function"
      ? [feedbackStatePlugin(m as RecurrentModel)]
      : [];
  }
  if (typeof m.recurrentLayers !== "function" || typeof m.features !== "function") {
    throw new Error("train: feedback.kind = fitted needs a model with recurrent layers");
  }
  return [fittedFeedbackPlugin(m as RecurrentModel, { every: options.feedback.every })];
}
