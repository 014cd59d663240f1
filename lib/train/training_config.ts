/**
 * The trainer's part of a config: what the trainer reads (`lib/config/parts.ts` picks it from
 * a whole config; train/ owns the type, so that it imports nothing from config/). See `train` of
 * `trainer.ts`.
 *
 * @module
 */
import type { Schedule } from "./schedule.ts";

/** What the trainer reads of a config. */
export interface TrainingConfig {
  /** The run's name (on its summary). */
  name: string;
  /** The gradient mode (a label on the summary; the model's layers hold the mode itself). */
  mode: string;
  /** The feedback kind (a label on the summary; its plug-ins do the work). */
  feedback: { kind: string };
  /** Training epochs (ignored when `steps` is set). */
  epochs: number;
  /** Budget of updates that replaces `epochs`, or null. */
  steps: number | null;
  /** End this stretch after this many updates (the schedule follows the planned length). */
  stopAfter: number | null;
  /** Minutes of wall time between checkpoints besides those at evaluations (0: only those). */
  checkpointMinutes: number;
  /** Base learning rate. */
  lr: number;
  /** Adam `[β1, β2]`. */
  betas: [number, number];
  /** Adam epsilon. */
  eps: number;
  /** L2 weight decay (torch Adam semantics). */
  weightDecay: number;
  /** Gradient-norm clip (0 = none). */
  clip: number;
  /** Learning-rate schedule. */
  schedule: Schedule;
  /** Evaluate every this many updates; 0 = `floor(totalSteps / evals)`. */
  evalEvery: number;
  /** Number of evaluations per run when `evalEvery` is 0. */
  evals: number;
  /**
   * Row slices per batch, for training (gradients accumulated, one step) and evaluation; 1 or
   * absent: whole batches.
   */
  microBatches?: number;
}

/** Total optimisation steps of a config: `steps`, else epochs × batches per epoch. */
export function totalStepsOf(
  config: Pick<TrainingConfig, "steps" | "epochs">,
  batchesPerEpoch: number,
): number {
  return config.steps ?? config.epochs * batchesPerEpoch;
}

/** Steps between evaluations: `evalEvery`, else the total divided by `evals`. */
export function evalEveryOf(
  config: Pick<TrainingConfig, "evalEvery" | "evals">,
  totalSteps: number,
): number {
  return config.evalEvery > 0
    ? config.evalEvery
    : Math.max(1, Math.floor(totalSteps / config.evals));
}
