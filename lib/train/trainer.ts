/**
 * The training loop shared by the command line and the notebooks: steps with Adam and the
 * config's schedule, evaluation on the whole validation split every N steps, the curves and the
 * minimum, test perplexity at the best validation point, NaN stop, interruption, and exact
 * resume from a {@link Checkpoint}. File writing is left to callbacks (lib stays browser-safe);
 * what runs between steps and keeps state across a resume (the `fitted` feedback) comes as
 * {@link TrainPlugin}s from the caller.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Batch, BatchPosition } from "../data/batches.ts";
import { Adam } from "./adam.ts";
import { captureParams, type Checkpoint, type ParamSnapshot, restoreParams } from "./checkpoint.ts";
import { learningRate } from "./schedule.ts";
import { evalEveryOf, totalStepsOf, type TrainingConfig } from "./training_config.ts";

export type { TrainingConfig } from "./training_config.ts";
export { evalEveryOf, totalStepsOf } from "./training_config.ts";
import { evaluate, type TrainableModel, trainStep, yieldToEventLoop } from "./step.ts";

/** The data a run trains and evaluates on. */
export interface TrainData {
  /** Training batches from a position; the same position always gives the same batches. */
  train(start: BatchPosition): Iterator<Batch>;
  /** Validation batches (the whole split unless the config caps them). */
  valid(): Iterable<Batch>;
  /** Test batches, if the dataset has a test split. */
  test?(): Iterable<Batch>;
  /** Batches in one training epoch. */
  batchesPerEpoch: number;
  /**
   * What the data is (JSON data, e.g. the hashes of its files and tokenizer), kept in every
   * checkpoint so that a resume can refuse other data.
   */
  fingerprint?: unknown;
}

/** One line of `metrics.jsonl`. */
export interface MetricRow {
  /** Steps done (test rows: the step of the best validation). */
  step: number;
  /** Which data: the mean over training steps since the last row, or a whole split. */
  split: "train" | "valid" | "test";
  /** Mean cross-entropy per real target (nats). */
  loss: number;
  /** Perplexity, exp(loss). */
  ppl: number;
  /** Training seconds so far (evaluation excluded). */
  seconds: number;
  /** Real targets trained on so far. */
  tokens: number;
  /** Learning rate at this step. */
  lr?: number;
  /** valid / test rows: seconds this evaluation took. */
  evalSeconds?: number;
}

/** The run's summary: the training command's final JSON line. */
export interface TrainSummary {
  /** The config's name. */
  config: string;
  /** The gradient mode. */
  mode: string;
  /** Steps done. */
  steps: number;
  /** The last train row's perplexity. */
  trainPpl: number;
  /** The last validation perplexity. */
  valPpl: number;
  /** The best validation perplexity. */
  minValPpl: number;
  /** Test perplexity at the best validation point (null: no test split, or not done). */
  testPpl: number | null;
  /** Training seconds (evaluation excluded). */
  seconds: number;
  /** Evaluation seconds. */
  evalSeconds: number;
  /** Real targets trained on. */
  tokens: number;
  /** The TensorFlow.js backend it ran on. */
  backend: string;
  /**
   * `done`: the planned length reached; `paused`: stopped at `stopAfter` (resume to go on);
   * `interrupted`: by `shouldStop` (a signal); `nan`: a non-finite loss.
   */
  stopped: "done" | "paused" | "nan" | "interrupted";
  /** Planned length of the run in updates (the schedule's total). */
  totalSteps: number;
  /** The DSF feedback kind (config `feedback.kind`; `fixed` is the paper's). */
  feedback: string;
  /** Seconds refitting a `fitted` λ, outside the timed steps (0 otherwise; its plug-in sets it). */
  feedbackSeconds: number;
}

/** Progress after each step. */
export interface StepInfo {
  /** Steps done. */
  step: number;
  /** The planned length. */
  totalSteps: number;
  /** This step's loss. */
  loss: number;
  /** This step's learning rate. */
  lr: number;
  /** Real targets per training second so far. */
  tokensPerSec: number;
  /** Training seconds so far. */
  seconds: number;
  /** Training seconds left at the pace so far. */
  etaSeconds: number;
}

/** Hooks for progress, curves and checkpoint files. */
export interface TrainCallbacks {
  /** After every step. */
  onStep?(info: StepInfo): void;
  /** After each train/valid/test measurement. */
  onMetric?(row: MetricRow): void | Promise<void>;
  /**
   * A checkpoint to persist: after each evaluation, every `checkpointMinutes` of wall time, at
   * the end, at `stopAfter`, on interrupt.
   */
  onCheckpoint?(ckpt: Checkpoint, kind: "last" | "best"): void | Promise<void>;
  /** Polled between steps; true stops the run (saving a checkpoint first). */
  shouldStop?(): boolean;
  /**
   * Awaited after every step with the batch just trained on: the place for measurements during
   * training (gradient alignment) and for changes to the model (a fitted feedback).
   */
  afterStep?(step: number, batch: Batch): void | Promise<void>;
}

/**
 * Code the trainer runs between steps, outside the timed step, whose state is carried in the
 * checkpoints and the summary (e.g. the `fitted` feedback: `feedbackPlugins` of lib/feedback/).
 * The caller installs it; the trainer knows nothing of what it does.
 */
export interface TrainPlugin {
  /** On resume, before the first step: the resumed checkpoint's loop state (its `metrics`). */
  restore?(metrics: Readonly<Record<string, unknown>>): void;
  /**
   * After each step (after `onStep`, before `callbacks.afterStep`), with the step's number (from
   * 1) and the batch just trained on.
   */
  afterStep?(step: number, batch: Batch): void | Promise<void>;
  /** Fields stored in each checkpoint's `metrics` beside the loop's own (JSON values). */
  checkpoint?(): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Fields it sets in the run's summary. */
  summary?(): Partial<TrainSummary>;
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** Progress, curves, checkpoint files, stop requests. */
  callbacks?: TrainCallbacks;
  /** Continue from this checkpoint (and its best-validation twin for the final test). */
  resume?: { last: Checkpoint; best?: Checkpoint };
  /** Plug-ins, called in this order (see {@link TrainPlugin}). */
  plugins?: TrainPlugin[];
  /**
   * The run's whole config (plain JSON data), stored in each checkpoint so that a resume can
   * rebuild the run; default the trainer's own part.
   */
  runConfig?: unknown;
}

/** The loop state carried in a checkpoint's `metrics` field. */
interface LoopState {
  rows: MetricRow[];
  minValPpl: number;
  bestStep: number;
  trainSum: number;
  trainCount: number;
  seconds: number;
  evalSeconds: number;
  tokens: number;
  /** The planned length and the data's batches per epoch (for progress reports). */
  totalSteps?: number;
  batchesPerEpoch?: number;
  /** The plug-ins' fields (a `fitted` feedback: `feedbackSeconds`, `feedbacks`). */
  [field: string]: unknown;
}

/**
 * The test perplexity when the curves end with the test row (the run's test is done: the test
 * comes after the final validation, and a run extended past it gets new validation rows),
 * else null.
 */
export function testDone(rows: readonly MetricRow[]): number | null {
  const last = rows.at(-1);
  return last?.split === "test" ? last.ppl : null;
}

/**
 * Trains `model` on `data` as `config` says.
 * @returns the summary (also when stopped by NaN or interruption)
 */
export async function train(
  model: TrainableModel,
  data: TrainData,
  config: TrainingConfig,
  options: TrainOptions = {},
): Promise<TrainSummary> {
  const cb = options.callbacks ?? {};
  const plugins = options.plugins ?? [];
  const totalSteps = totalStepsOf(config, data.batchesPerEpoch);
  const evalEvery = evalEveryOf(config, totalSteps);
  const microBatches = config.microBatches ?? 1;
  const optimizer = new Adam(model.params, {
    lr: config.lr,
    betas: config.betas,
    eps: config.eps,
    weightDecay: config.weightDecay,
  });
  let st: LoopState = {
    rows: [],
    minValPpl: Infinity,
    bestStep: -1,
    trainSum: 0,
    trainCount: 0,
    seconds: 0,
    evalSeconds: 0,
    tokens: 0,
  };
  let step = 0;
  let position: BatchPosition = { epoch: 0, index: 0 };
  let best: Record<string, ParamSnapshot> | null = null;
  if (options.resume) {
    const { last } = options.resume;
    restoreParams(model.params, last.params);
    if (last.optimizer) optimizer.setState(last.optimizer);
    step = last.step;
    position = { epoch: last.epoch, index: last.batch };
    st = structuredClone(last.metrics as LoopState);
    st.minValPpl ??= Infinity; // JSON has no Infinity
    best = options.resume.best?.params ?? null;
  }
  if (options.resume) { for (const p of plugins) p.restore?.(st); }

  const checkpoint = async (): Promise<Checkpoint> => {
    for (const p of plugins) Object.assign(st, await p.checkpoint?.());
    st.totalSteps = totalSteps;
    st.batchesPerEpoch = data.batchesPerEpoch;
    return {
      params: await captureParams(model.params),
      optimizer: await optimizer.getState(),
      step,
      epoch: position.epoch,
      batch: position.index,
      rng: {},
      config: options.runConfig ?? config,
      metrics: st,
      ...(data.fingerprint !== undefined ? { data: data.fingerprint } : {}),
    };
  };
  const record = async (row: MetricRow) => {
    st.rows.push(row);
    await cb.onMetric?.(row);
  };
  const validate = async () => {
    const t0 = performance.now();
    const v = await evaluate(model, data.valid(), { microBatches });
    const took = (performance.now() - t0) / 1000;
    st.evalSeconds += took;
    const trainLoss = st.trainCount ? st.trainSum / st.trainCount : NaN;
    const lr = learningRate(config.schedule, { step, totalSteps, baseLr: config.lr });
    const base = { step, seconds: st.seconds, tokens: st.tokens, lr };
    if (st.trainCount) {
      await record({ ...base, split: "train", loss: trainLoss, ppl: Math.exp(trainLoss) });
    }
    await record({
      ...base,
      split: "valid",
      loss: v.loss,
      ppl: Math.exp(v.loss),
      evalSeconds: took,
    });
    st.trainSum = 0;
    st.trainCount = 0;
    const ckpt = await checkpoint();
    if (Math.exp(v.loss) < st.minValPpl) {
      st.minValPpl = Math.exp(v.loss);
      st.bestStep = step;
      best = ckpt.params;
      await cb.onCheckpoint?.(ckpt, "best");
    }
    await cb.onCheckpoint?.(ckpt, "last");
  };

  let stopped: TrainSummary["stopped"] = "done";
  const batches = data.train(position);
  const checkpointMs = config.checkpointMinutes * 60_000;
  let lastSaved = performance.now();
  while (step < totalSteps) {
    await yieldToEventLoop();
    if (cb.shouldStop?.()) {
      stopped = "interrupted";
      await cb.onCheckpoint?.(await checkpoint(), "last");
      break;
    }
    if (config.stopAfter !== null && step >= config.stopAfter) {
      stopped = "paused";
      await cb.onCheckpoint?.(await checkpoint(), "last");
      break;
    }
    const next = batches.next();
    if (next.done) break;
    const batch = next.value;
    const lr = learningRate(config.schedule, { step, totalSteps, baseLr: config.lr });
    const t0 = performance.now();
    const lossT = trainStep(model, batch, { optimizer, lr, clip: config.clip, microBatches });
    const loss = (await lossT.data())[0];
    lossT.dispose();
    const dt = (performance.now() - t0) / 1000;
    if (!Number.isFinite(loss)) {
      stopped = "nan";
      break;
    }
    st.seconds += dt;
    st.tokens += batch.count;
    st.trainSum += loss * batch.count;
    st.trainCount += batch.count;
    step++;
    position = batch.next;
    cb.onStep?.({
      step,
      totalSteps,
      loss,
      lr,
      tokensPerSec: st.tokens / Math.max(st.seconds, 1e-9),
      seconds: st.seconds,
      etaSeconds: (st.seconds / step) * (totalSteps - step),
    });
    for (const p of plugins) await p.afterStep?.(step, batch);
    await cb.afterStep?.(step, batch);
    if (step % evalEvery === 0 || step === totalSteps) {
      await validate();
      lastSaved = performance.now();
    } else if (checkpointMs > 0 && performance.now() - lastSaved >= checkpointMs) {
      await cb.onCheckpoint?.(await checkpoint(), "last");
      lastSaved = performance.now();
    }
  }

  let testPpl: number | null = null;
  const tested = testDone(st.rows);
  if (stopped === "done" && data.test && tested !== null) {
    testPpl = tested; // a resume of a run whose test was done: nothing left to do
  } else if (stopped === "done" && data.test) {
    // Test perplexity at the best validation point, then back to the final weights. The last
    // checkpoint (written at the final validation) stays the one to resume from until the test
    // row is in a checkpoint: a stop during the test is resumed to the test alone.
    const final = best ? await captureParams(model.params) : null;
    if (best) restoreParams(model.params, best);
    const t0 = performance.now();
    const t = await evaluate(model, data.test(), { shouldStop: cb.shouldStop, microBatches });
    const took = (performance.now() - t0) / 1000;
    if (final) restoreParams(model.params, final);
    if (t.stopped) {
      stopped = "interrupted";
    } else {
      st.evalSeconds += took;
      testPpl = Math.exp(t.loss);
      await record({
        step: st.bestStep,
        split: "test",
        loss: t.loss,
        ppl: testPpl,
        seconds: st.seconds,
        tokens: st.tokens,
        evalSeconds: took,
      });
      await cb.onCheckpoint?.(await checkpoint(), "last");
    }
  }
  optimizer.dispose();
  const lastOf = (split: string) => st.rows.filter((r) => r.split === split).at(-1)?.ppl ?? NaN;
  const summary: TrainSummary = {
    config: config.name,
    mode: config.mode,
    steps: step,
    trainPpl: lastOf("train"),
    valPpl: lastOf("valid"),
    minValPpl: st.minValPpl,
    testPpl,
    seconds: st.seconds,
    evalSeconds: st.evalSeconds,
    tokens: st.tokens,
    backend: tf.getBackend(),
    stopped,
    totalSteps,
    feedback: config.feedback.kind,
    feedbackSeconds: 0,
  };
  for (const p of plugins) Object.assign(summary, p.summary?.());
  return summary;
}
