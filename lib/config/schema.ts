/**
 * The experiment config: its type, the defaults (the one place they live) and validation.
 * A config is plain JSON data; {@link validateConfig} checks every key and fills `embed`.
 *
 * @module
 */
import { validateSchedule } from "../train/schedule.ts";
import type { TrainingConfig } from "../train/training_config.ts";
import { CELL_KINDS, type CellKind } from "../cells/mod.ts";
import { FEEDBACK_KINDS, type FeedbackKind, isStationary } from "../feedback/kinds.ts";
import { REVERSE_SCAN_IMPLS, VARYING_SCAN_IMPLS } from "../ops/reverse_scan.ts";
import { GRADIENT_MODES, type GradientMode } from "../recurrent.ts";
import { fail, fileName, num, oneOf, plainObject, show } from "./checks.ts";
import { intKey } from "./int_keys.ts";
import { TEXT_DATA_DEFAULTS, type TextDataConfig, validateTextData } from "./text_data.ts";

export { fileName } from "./checks.ts";
export {
  TEXT_DATA_DEFAULTS,
  TEXT_FRAMINGS,
  TEXT_TOKENIZERS,
  type TextDataConfig,
  validateTextData,
} from "./text_data.ts";

/** Datasets. */
export const DATASETS = [
  "ptb",
  "ptb-char",
  "wikitext-2",
  "wikitext-103",
  "synthetic",
  "text",
] as const;
/** Model families: PTB's stacked RNN LM, WikiText's pre-norm block, and the Table 4 baselines. */
export const MODELS = ["rnn-lm", "transformer-like", "gpt", "ema"] as const;
/** Recurrent cells: lib/cells' {@link CELL_KINDS}. */
export const CELLS: readonly CellKind[] = CELL_KINDS;
/** Gradient modes: `Recurrent`'s {@link GRADIENT_MODES}. */
export const MODES: readonly GradientMode[] = GRADIENT_MODES;
/** Feedback (λ) initialisations. */
export const FEEDBACK_INITS = ["linspace", "uniform", "given"] as const;
/**
 * DSF feedback kinds (`feedback.kind`): lib/feedback's {@link FEEDBACK_KINDS}, `fixed` (the
 * paper: λ made once by `init`), `fitted` (ours: λ refitted every `feedback.every` steps to the
 * mean diagonal of the true Jacobians), `jacobian-diagonal` (ours: a time-varying feedback, the
 * diagonal of the true Jacobian at every step).
 */
export const FEEDBACK_CONFIG_KINDS: readonly FeedbackKind[] = FEEDBACK_KINDS;
/**
 * Implementations of the DSF reverse scan: `auto` (the backend's default, `defaultScanImpl`) or
 * one of lib/ops' {@link REVERSE_SCAN_IMPLS}.
 */
export const DSF_IMPLS = ["auto", ...REVERSE_SCAN_IMPLS] as const;
/** TensorFlow.js backends. */
export const BACKENDS = ["auto", "webgpu", "wasm", "cpu"] as const;
/** Scale presets. */
export const SCALES = ["smoke", "quick", "small", "paper"] as const;

/** A dataset name. */
export type Dataset = typeof DATASETS[number];
/** A model family. */
export type ModelKind = typeof MODELS[number];
/** A gradient mode (`Recurrent`'s {@link GradientMode}). */
export type Mode = GradientMode;
/** A feedback initialisation. */
export type FeedbackInit = typeof FEEDBACK_INITS[number];
/** A DSF feedback kind (lib/feedback's {@link FeedbackKind}). */
export type FeedbackConfigKind = FeedbackKind;
/** A DSF reverse-scan implementation. */
export type DsfImpl = typeof DSF_IMPLS[number];
/** A backend choice. */
export type BackendChoice = typeof BACKENDS[number];
/** A scale preset. */
export type Scale = typeof SCALES[number];

/** How the fixed diagonal feedback λ is made. */
export interface FeedbackConfig {
  /** `linspace(low, high, S)` (reference code), U(low, high) (paper text) or `values`. */
  init: FeedbackInit;
  /** Lower end. */
  low: number;
  /** Upper end. */
  high: number;
  /** Seed of the `uniform` draw. */
  seed: number;
  /** Explicit λ (length = state size: hidden, or 2·hidden for lstm); only with `init: given`. */
  values: number[] | null;
  /** `fixed` (the paper), `fitted` or `jacobian-diagonal` (see {@link FEEDBACK_CONFIG_KINDS}). */
  kind: FeedbackConfigKind;
  /** Steps between refits of a `fitted` λ (also refitted after step 1). */
  every: number;
}

/**
 * A resolved, validated experiment config: the trainer's fields (lib/train's
 * {@link TrainingConfig}: name, budget, optimiser, schedule, evaluation), narrowed where the
 * config knows more (`mode`, `feedback`), and the model's, the data's and the run's.
 */
export interface Config extends TrainingConfig {
  /** Scale preset it was resolved at. */
  scale: Scale;
  /** Dataset. */
  dataset: Dataset;
  /** Model family. */
  model: ModelKind;
  /** Recurrent cell (rnn-lm, transformer-like). */
  cell: CellKind;
  /** Number of layers L. */
  layers: number;
  /** Hidden size D. */
  hidden: number;
  /** Embedding size E (defaults to `hidden`; `null` in a partial config means "= hidden"). */
  embed: number;
  /** Context length T. */
  context: number;
  /** Training batch size. */
  batchSize: number;
  /** Evaluation batch size. */
  evalBatchSize: number;
  /**
   * Row slices each batch is cut into, when a whole batch's activations do not fit (default 1):
   * the gradients of the slices, weighted by their real targets, add up to the batch's, and
   * one optimiser step follows; evaluation batches are cut the same way. At most `batchSize`.
   */
  microBatches: number;
  /** Gradient mode (ignored by gpt and ema). */
  mode: Mode;
  /** Fixed diagonal feedback λ. */
  feedback: FeedbackConfig;
  /** The framing (`ptb`, `ptb-char`, `text`) and your own text's files (`dataset: "text"`). */
  data: TextDataConfig;
  /** DSF reverse-scan implementation; "auto": `scan`, or the custom kernel on webgpu. */
  dsfImpl: DsfImpl;
  /** Cap on validation batches per evaluation, or null for the whole split. */
  evalBatches: number | null;
  /** Seed of initialisation and data order. */
  seed: number;
  /** Backend. */
  backend: BackendChoice;
  /** BPE vocabulary size (wikitext-*). */
  vocabSize: number;
  /** Attention heads (gpt). */
  heads: number;
  /** EMA state dimension per channel (ema; MEGA's default 16). */
  emaDim: number;
  /** Synthetic recall: how many steps back the target symbol is. */
  lag: number;
  /** Synthetic recall: alphabet size. */
  alphabet: number;
}

/** A config with optional keys at every level (presets and overrides). */
export type ConfigPatch = {
  [K in keyof Config]?: K extends "feedback" ? Partial<FeedbackConfig>
    : K extends "data" ? Partial<TextDataConfig>
    : K extends "embed" ? number | null
    : Config[K];
};

/** The defaults (the reference code's PTB setting where one applies). */
export const DEFAULTS: Readonly<Omit<Config, "embed"> & { embed: number | null }> = {
  name: "custom",
  scale: "paper",
  dataset: "ptb",
  model: "rnn-lm",
  cell: "gru",
  layers: 1,
  hidden: 256,
  embed: null,
  context: 64,
  batchSize: 128,
  evalBatchSize: 256,
  microBatches: 1,
  epochs: 30,
  steps: null,
  stopAfter: null,
  checkpointMinutes: 5,
  lr: 1e-3,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  clip: 0,
  schedule: { kind: "constant" },
  mode: "dsf",
  feedback: {
    init: "linspace",
    low: 0,
    high: 1,
    seed: 0,
    values: null,
    kind: "fixed",
    every: 50,
  },
  data: { ...TEXT_DATA_DEFAULTS, split: [...TEXT_DATA_DEFAULTS.split] },
  dsfImpl: "auto",
  evalEvery: 0,
  evals: 50,
  evalBatches: null,
  seed: 0,
  backend: "auto",
  vocabSize: 16000,
  heads: 8,
  emaDim: 16,
  lag: 8,
  alphabet: 16,
};

/** Keys added after runs were first written (they change no numerics). */
export const LATER_KEYS = ["stopAfter", "checkpointMinutes", "data", "microBatches"] as const;

/** A config written before {@link LATER_KEYS} existed, with their defaults filled in. */
export function withLaterKeys(raw: Record<string, unknown>): Record<string, unknown> {
  const out = { ...raw };
  for (const k of LATER_KEYS) if (!(k in out)) out[k] = structuredClone(DEFAULTS[k]);
  return out;
}

/** State size S of one recurrent layer: `hidden`, or `2·hidden` for an LSTM (h and c). */
export function stateSize(config: Pick<Config, "cell" | "hidden">): number {
  return config.cell === "lstm" ? 2 * config.hidden : config.hidden;
}

/**
 * Checks a complete config (every key present, no unknown key, types, ranges, enums and
 * cross-key rules) and returns a validated copy with `embed: null` resolved to `hidden`.
 * Errors name the key and, for enums, the allowed values.
 */
export function validateConfig(raw: unknown): Config {
  const c = plainObject("(root)", raw);
  const known = Object.keys(DEFAULTS);
  for (const k of Object.keys(c)) {
    if (!known.includes(k)) fail(k, `unknown key; allowed keys: ${known.join(", ")}`);
  }
  for (const k of known) if (!(k in c)) fail(k, "missing");
  const fbRaw = plainObject("feedback", c.feedback);
  const fbKnown = Object.keys(DEFAULTS.feedback);
  for (const k of Object.keys(fbRaw)) {
    if (!fbKnown.includes(k)) {
      fail(`feedback.${k}`, `unknown key; allowed keys: ${fbKnown.join(", ")}`);
    }
  }
  // `kind` and `every` came later: configs saved before them mean the defaults.
  const fbLater = ["kind", "every"];
  for (const k of fbKnown) {
    if (!(k in fbRaw) && !fbLater.includes(k)) fail(`feedback.${k}`, "missing");
  }

  const hidden = intKey("hidden", c.hidden);
  const cell = oneOf("cell", c.cell, CELLS);
  const betas = c.betas;
  if (!Array.isArray(betas) || betas.length !== 2) {
    fail("betas", `must be [beta1, beta2], got ${show(betas)}`);
  }
  betas.forEach((b, i) => {
    if (typeof b !== "number" || !(b >= 0 && b < 1)) {
      fail(`betas[${i}]`, `must be a number in [0, 1), got ${show(b)}`);
    }
  });
  const steps = intKey("steps", c.steps);
  const stopAfter = intKey("stopAfter", c.stopAfter);
  const evalBatches = intKey("evalBatches", c.evalBatches);

  const feedback: FeedbackConfig = {
    init: oneOf("feedback.init", fbRaw.init, FEEDBACK_INITS),
    low: num("feedback.low", fbRaw.low, -Infinity, false),
    high: num("feedback.high", fbRaw.high, -Infinity, false),
    seed: intKey("feedback.seed", fbRaw.seed),
    values: null,
    kind: oneOf("feedback.kind", fbRaw.kind ?? DEFAULTS.feedback.kind, FEEDBACK_CONFIG_KINDS),
    every: intKey("feedback.every", fbRaw.every ?? DEFAULTS.feedback.every),
  };
  if (feedback.low > feedback.high) {
    fail("feedback.low", `must be <= feedback.high (${feedback.high}), got ${feedback.low}`);
  }
  const S = stateSize({ cell, hidden });
  if (fbRaw.values !== null) {
    const vs = fbRaw.values;
    if (!Array.isArray(vs)) {
      fail("feedback.values", `must be null or an array of numbers, got ${show(vs)}`);
    }
    if (vs.length !== S) {
      fail(
        "feedback.values",
        `has length ${vs.length}; it must equal the state size ${S} (${
          cell === "lstm" ? "2·hidden for lstm" : "hidden"
        })`,
      );
    }
    vs.forEach((v, i) => {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        fail(`feedback.values[${i}]`, `must be a finite number, got ${show(v)}`);
      }
    });
    if (feedback.init !== "given") {
      fail("feedback.values", `is only used with feedback.init = "given" (got "${feedback.init}")`);
    }
    feedback.values = [...vs];
  } else if (feedback.init === "given") {
    fail("feedback.values", `is required when feedback.init = "given" (an array of ${S} numbers)`);
  }

  const config: Config = {
    name: fileName("name", c.name),
    scale: oneOf("scale", c.scale, SCALES),
    dataset: oneOf("dataset", c.dataset, DATASETS),
    model: oneOf("model", c.model, MODELS),
    cell,
    layers: intKey("layers", c.layers),
    hidden,
    embed: intKey("embed", c.embed) ?? hidden,
    context: intKey("context", c.context),
    batchSize: intKey("batchSize", c.batchSize),
    evalBatchSize: intKey("evalBatchSize", c.evalBatchSize),
    microBatches: intKey("microBatches", c.microBatches),
    epochs: intKey("epochs", c.epochs),
    steps,
    stopAfter,
    checkpointMinutes: num("checkpointMinutes", c.checkpointMinutes, 0, false),
    lr: num("lr", c.lr, 0, true),
    betas: [betas[0], betas[1]],
    eps: num("eps", c.eps, 0, false),
    weightDecay: num("weightDecay", c.weightDecay, 0, false),
    clip: num("clip", c.clip, 0, false),
    schedule: validateSchedule(c.schedule, "schedule"),
    mode: oneOf("mode", c.mode, MODES),
    feedback,
    data: validateTextData(c.data, c.dataset === "text"),
    dsfImpl: oneOf("dsfImpl", c.dsfImpl, DSF_IMPLS),
    evalEvery: intKey("evalEvery", c.evalEvery),
    evals: intKey("evals", c.evals),
    evalBatches,
    seed: intKey("seed", c.seed),
    backend: oneOf("backend", c.backend, BACKENDS),
    vocabSize: intKey("vocabSize", c.vocabSize),
    heads: intKey("heads", c.heads),
    emaDim: intKey("emaDim", c.emaDim),
    lag: intKey("lag", c.lag),
    alphabet: intKey("alphabet", c.alphabet),
  };
  if (config.microBatches > config.batchSize) {
    fail(
      "microBatches",
      `must be <= batchSize (${config.batchSize}): each slice needs a row, got ${config.microBatches}`,
    );
  }
  if (config.model === "gpt" && config.hidden % config.heads !== 0) {
    fail("heads", `must divide hidden (${config.hidden}), got ${config.heads}`);
  }
  const fk = config.feedback.kind;
  if (fk !== "fixed" && config.mode !== "dsf") {
    fail("feedback.kind", `"${fk}" is a DSF feedback: it needs mode=dsf (got ${config.mode})`);
  }
  const impl = config.dsfImpl;
  if (!isStationary(fk) && impl !== "auto" && !VARYING_SCAN_IMPLS.includes(impl)) {
    fail(
      "dsfImpl",
      `"${impl}" needs a stationary λ; the jacobian-diagonal feedback runs with ` +
        `auto, ${VARYING_SCAN_IMPLS.join(", ")}`,
    );
  }
  if (config.dataset === "synthetic" && config.lag >= config.context) {
    fail("lag", `must be < context (${config.context}) for the synthetic task, got ${config.lag}`);
  }
  return config;
}

/** The parts of a config that a patch merges key by key (the rest it replaces). */
const NESTED_KEYS: readonly string[] = ["feedback", "data"];

/**
 * `b` over `a`: every key of `b` replaces `a`'s, except the nested parts (`feedback`, `data`),
 * merged key by key. Neither input is changed.
 */
export function mergePatches(a: ConfigPatch, b: ConfigPatch): ConfigPatch {
  const out: Record<string, unknown> = structuredClone({ ...a });
  for (const [k, v] of Object.entries(b)) {
    const nested = NESTED_KEYS.includes(k) && v !== null && typeof v === "object" &&
      !Array.isArray(v);
    out[k] = nested ? { ...(out[k] as object), ...structuredClone(v) } : structuredClone(v);
  }
  return out as ConfigPatch;
}

/** Deep-merges `patch` over the defaults (objects merged, arrays and `schedule` replaced). */
export function withDefaults(patch: ConfigPatch = {}): Record<string, unknown> {
  return mergePatches(DEFAULTS as ConfigPatch, patch) as Record<string, unknown>;
}

/** `validateConfig(withDefaults(patch))`: a validated config from a partial one. */
export function makeConfig(patch: ConfigPatch = {}): Config {
  return validateConfig(withDefaults(patch));
}
