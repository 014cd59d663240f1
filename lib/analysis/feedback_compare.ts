/**
 * The feedbacks side by side on the same weights and batches: the cosine of each one's gradient
 * with the exact BPTT gradient, and the time of one gradient computation.
 *
 * - `ft-bptt`: no feedback (Λ = 0);
 * - `dsf`: the paper's fixed λ (the layers' λ as given);
 * - `dsf-fitted`: λ refitted to the mean diagonal of the true Jacobians, measured on the
 *   previous batch (as during training: fitted on past batches, used on the next);
 * - `dsf-jacobian-diagonal`: the time-varying diagonal of the true Jacobian.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Batch } from "../data/batches.ts";
import type { LanguageModel } from "../models/model.ts";
import type { GradientMode } from "../recurrent.ts";
import { batchTensors } from "../train/step.ts";
import { fittedFeedback } from "../feedback/fitted.ts";
import { gradientAlignment } from "./alignment.ts";

/** The gradients compared (BPTT is the reference). */
export const FEEDBACK_VARIANTS = [
  "ft-bptt",
  "dsf",
  "dsf-fitted",
  "dsf-jacobian-diagonal",
] as const;

/** One of {@link FEEDBACK_VARIANTS}. */
export type FeedbackVariant = typeof FEEDBACK_VARIANTS[number];

/** One variant's measurements. */
export interface FeedbackComparisonRow {
  variant: FeedbackVariant | "bptt";
  /** Cosine with BPTT over all recurrent weights, one per measured batch. */
  cosine: number[];
  /** Cosine with BPTT over every parameter, one per measured batch. */
  cosineAll: number[];
  /** Per parameter (by name): cosine with BPTT's gradient, one per measured batch. */
  paramCosine: Record<string, number[]>;
  /** Share of recurrent-weight entries with BPTT's sign (what Adam's step follows), per batch. */
  signAgreement: number[];
  /** Median milliseconds of one loss + gradient computation (forward and backward). */
  ms: number;
  /** `fitted` only: milliseconds of one refit of λ (amortise over the refit interval). */
  refitMs?: number;
  /** `fitted` only: the last fitted λ per layer (mean, min, max). */
  lambda?: ({ mean: number; min: number; max: number } | null)[];
}

/** Options of {@link compareFeedbacks}. */
export interface CompareFeedbacksOptions {
  /** Timing rounds, variants interleaved within each (default 5; the first is a warm-up). */
  rounds?: number;
  /** Points sampled per refit of the fitted λ (default 64). */
  maxRows?: number;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
}

/**
 * Measures every variant (see the module doc) on `batches[1..]` (`batches[0]` only feeds the
 * first refit). The model's layers must be in `dsf` mode; their λ is the fixed one, and every
 * layer is left as it was found.
 */
export async function compareFeedbacks(
  model: LanguageModel,
  batches: Batch[],
  options: CompareFeedbacksOptions = {},
): Promise<FeedbackComparisonRow[]> {
  const layers = model.recurrentLayers();
  if (!layers.length || layers.some((l) => l.mode !== "dsf" || !l.feedback)) {
    throw new Error("compareFeedbacks: needs a model whose recurrent layers are in dsf mode");
  }
  if (batches.length < 2) throw new Error("compareFeedbacks: needs at least 2 batches");
  const fixed = await Promise.all(layers.map(async (l) => Array.from(await l.feedback!.data())));
  const kinds = layers.map((l) => l.feedbackKind);
  const setFixed = () =>
    layers.forEach((l, i) => (l.setFeedback(fixed[i]), l.feedbackKind = kinds[i]));
  const fit = fittedFeedback({ model, maxRows: options.maxRows ?? 64 });
  const rows = new Map<FeedbackVariant | "bptt", FeedbackComparisonRow>();
  for (const v of ["bptt", ...FEEDBACK_VARIANTS] as const) {
    rows.set(v, {
      variant: v,
      cosine: [],
      cosineAll: [],
      paramCosine: Object.fromEntries(Object.keys(model.params).map((n) => [n, []])),
      signAgreement: [],
      ms: NaN,
    });
  }
  const add = (
    v: FeedbackVariant,
    a: Awaited<ReturnType<typeof gradientAlignment>>,
    m: GradientMode,
  ) => {
    const row = rows.get(v)!;
    row.cosine.push(a.recurrent[m]!);
    row.cosineAll.push(a.all[m]!);
    row.signAgreement.push(a.signAgreement[m]!);
    for (const [n, c] of Object.entries(a.params)) row.paramCosine[n].push(c[m]!);
  };
  try {
    for (let i = 1; i < batches.length; i++) {
      setFixed();
      const base = await gradientAlignment(model, batches[i], { modes: ["dsf", "ft-bptt"] });
      add("dsf", base, "dsf");
      add("ft-bptt", base, "ft-bptt");
      await fit.refresh(i, batches[i - 1]);
      add("dsf-fitted", await gradientAlignment(model, batches[i], { modes: ["dsf"] }), "dsf");
      setFixed();
      layers.forEach((l) => l.feedbackKind = "jacobian-diagonal");
      const diag = await gradientAlignment(model, batches[i], { modes: ["dsf"] });
      add("dsf-jacobian-diagonal", diag, "dsf");
      const ref = rows.get("bptt")!;
      ref.cosine.push(1);
      ref.cosineAll.push(1);
      ref.signAgreement.push(1);
      for (const n of Object.keys(ref.paramCosine)) ref.paramCosine[n].push(1);
    }
    // Timing: one loss + gradient per variant per round, interleaved (fitted = dsf's cost).
    const { ids, targets, rows: kept } = batchTensors(batches[1]);
    const vars = Object.values(model.params);
    const times = new Map<string, number[]>();
    const setups: [string, () => void][] = [
      ["bptt", () => layers.forEach((l) => l.setMode("bptt"))],
      ["ft-bptt", () => layers.forEach((l) => l.setMode("ft-bptt"))],
      ["dsf", () => (layers.forEach((l) => l.setMode("dsf")), setFixed())],
      ["dsf-jacobian-diagonal", () => layers.forEach((l) => l.feedbackKind = "jacobian-diagonal")],
    ];
    const rounds = options.rounds ?? 5;
    try {
      for (let r = 0; r < rounds; r++) {
        for (const [name, setup] of setups) {
          setup();
          const t0 = performance.now();
          const { value, grads } = tf.variableGrads(
            () => model.loss(ids, targets, kept, { training: true }),
            vars,
          );
          const g = Object.values(grads);
          await g[g.length - 1].data(); // wait for the backward (webgpu runs asynchronously)
          const ms = performance.now() - t0;
          tf.dispose([value, ...g]);
          if (r > 0 || rounds === 1) times.set(name, [...(times.get(name) ?? []), ms]);
        }
      }
    } finally {
      tf.dispose([ids, targets]);
    }
    for (const [name, t] of times) rows.get(name as FeedbackVariant)!.ms = median(t);
    const fitted = rows.get("dsf-fitted")!;
    fitted.ms = rows.get("dsf")!.ms;
    fitted.refitMs = 1000 * fit.seconds / Math.max(1, fit.refreshes.length);
    fitted.lambda = (fit.refreshes.at(-1)?.layers ?? []).map((l) =>
      l ? { mean: l.mean, min: l.min, max: l.max } : null
    );
  } finally {
    layers.forEach((l) => l.setMode("dsf"));
    setFixed();
  }
  return [...rows.values()];
}
