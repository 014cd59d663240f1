/**
 * Summaries of committed training runs (one group of `results/`, several methods and seeds):
 * per method the minimum validation perplexity (mean and spread over seeds), the training time
 * per step, the share of the FT-BPTT → BPTT gap closed, seed by seed; the seed-mean validation
 * curves; and where those curves cross.
 *
 * @module
 */
import type { MetricRow } from "../train/trainer.ts";
import { resolveConfig } from "../config/resolve.ts";
import type { Scale } from "../config/schema.ts";
import { gapClosed } from "./compare.ts";
import { GRADIENT_MODES } from "../recurrent.ts";

/** One run: its method (mode, plus the feedback kind when not the paper's), seed and record. */
export interface ReproRun {
  method: string;
  /** The config's name: the point of an axis when a group holds several configs. */
  point: string;
  /** The resolved config the run trained with (result files written since it was kept). */
  settings?: Record<string, unknown>;
  seed: number;
  /** Minimum validation perplexity. */
  minValPpl: number;
  /** Test perplexity at the best validation point (null without a test split). */
  testPpl: number | null;
  /** Training seconds (evaluation excluded) and updates. */
  seconds: number;
  steps: number;
  /** Training tokens seen. */
  tokens: number;
  /** Extra seconds outside the timed steps (a fitted feedback's refits). */
  extraSeconds: number;
  /** Updates per epoch, when the run was set to train whole epochs ({@link stepsPerEpochOf}). */
  stepsPerEpoch?: number;
  rows: MetricRow[];
}

/**
 * Updates per epoch of a committed run that was set to train a number of epochs: its
 * `totalSteps` over the epochs its settings, its command (`--set epochs=N`) or, when the command
 * sets neither epochs nor steps, its config at its scale name; undefined for a run set to a
 * number of updates (or a summary that says too little).
 */
export function stepsPerEpochOf(s: Record<string, unknown>): number | undefined {
  const total = s.totalSteps;
  if (typeof total !== "number" || !(total > 0)) return undefined;
  const settings = s.settings as Record<string, unknown> | undefined;
  const command = typeof s.command === "string" ? s.command : "";
  let epochs: number | undefined;
  if (settings && typeof settings.epochs === "number") {
    epochs = settings.steps == null ? settings.epochs : undefined;
  } else if (/--set\s+'?steps=/.test(command)) {
    epochs = undefined;
  } else if (/--set\s+'?epochs=(\d+)/.test(command)) {
    epochs = Number(command.match(/--set\s+'?epochs=(\d+)/)![1]);
  } else {
    try {
      const c = resolveConfig(String(s.config), { scale: String(s.scale) as Scale });
      epochs = c.steps == null ? c.epochs : undefined;
    } catch {
      epochs = undefined;
    }
  }
  return epochs && epochs > 0 ? total / epochs : undefined;
}

/** The methods in the order tables and figures name them. */
export const METHOD_ORDER: readonly string[] = [
  "bptt",
  "ft-bptt",
  "dsf",
  "dsf-fitted",
  "dsf-jacobian-diagonal",
];

/** A committed run as {@link ReproRun}: its summary line and its metric rows. */
export function reproRunOf(
  run: { summary: Record<string, unknown>; rows: MetricRow[] },
): ReproRun {
  const s = run.summary;
  return {
    // Runs of gpt or ema recorded before their mode was set to bptt: backpropagation all the same.
    method: methodOf({
      ...(s as { mode: string; feedback?: string; variant?: string }),
      ...(["gpt", "ema"].includes(String((s.settings as { model?: unknown } | undefined)?.model))
        ? { mode: "bptt" }
        : {}),
    }),
    point: String(s.config ?? ""),
    ...(s.settings && typeof s.settings === "object"
      ? { settings: s.settings as Record<string, unknown> }
      : {}),
    seed: Number(s.seed ?? 0),
    minValPpl: Number(s.minValPpl),
    testPpl: typeof s.testPpl === "number" ? s.testPpl : null,
    seconds: Number(s.seconds),
    steps: Number(s.steps),
    tokens: Number(s.tokens),
    extraSeconds: Number(s.feedbackSeconds ?? 0),
    ...(stepsPerEpochOf(s) ? { stepsPerEpoch: stepsPerEpochOf(s) } : {}),
    rows: run.rows,
  };
}

/** Mean, population standard deviation and the values. */
export interface Spread {
  mean: number;
  sd: number;
  values: number[];
}

function spread(values: number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x));
  const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  const sd = v.length ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) : NaN;
  return { mean, sd, values };
}

/** One method's summary. */
export interface MethodSummary {
  method: string;
  seeds: number[];
  minValPpl: Spread;
  testPpl: Spread;
  /** Training seconds per update (refits included), over seeds. */
  secondsPerStep: Spread;
  /** Tokens per run (mean). */
  tokens: number;
  /** Updates per run (mean). */
  steps: number;
  /** `(FT − X) / (FT − BPTT)` of the min validation perplexity, per seed present in all three. */
  gapClosed: Spread;
}

/**
 * The run's method label from a training summary (`dsf`, `dsf-fitted`, `dsf-lam0-0.5`, …): the
 * mode, the feedback kind when it is not the paper's, the λ variant when there is one
 * (`feedbackVariant` of lib/feedback/kinds.ts).
 */
export function methodOf(summary: { mode: string; feedback?: string; variant?: string }): string {
  const kind = !summary.feedback || summary.feedback === "fixed" ? "" : `-${summary.feedback}`;
  return `${summary.mode}${kind}${summary.variant ? `-${summary.variant}` : ""}`;
}

/** Per method (in the order given, then any others), see {@link MethodSummary}. */
export function summarizeMethods(runs: ReproRun[], order: string[] = []): MethodSummary[] {
  const methods = [
    ...new Set([
      ...order.filter((m) => runs.some((r) => r.method === m)),
      ...runs.map((r) => r.method),
    ]),
  ];
  const at = (method: string, seed: number) =>
    runs.find((r) => r.method === method && r.seed === seed)?.minValPpl;
  return methods.map((method) => {
    const mine = runs.filter((r) => r.method === method).sort((a, b) => a.seed - b.seed);
    const gaps = mine.map((r) => {
      const ft = at("ft-bptt", r.seed);
      const bptt = at("bptt", r.seed);
      return ft === undefined || bptt === undefined ? NaN : gapClosed(ft, r.minValPpl, bptt);
    });
    return {
      method,
      seeds: mine.map((r) => r.seed),
      minValPpl: spread(mine.map((r) => r.minValPpl)),
      testPpl: spread(mine.map((r) => r.testPpl ?? NaN)),
      secondsPerStep: spread(mine.map((r) => (r.seconds + r.extraSeconds) / r.steps)),
      tokens: spread(mine.map((r) => r.tokens)).mean,
      steps: spread(mine.map((r) => r.steps)).mean,
      gapClosed: spread(gaps),
    };
  });
}

/** A point of a seed-mean validation curve. */
export interface CurvePoint {
  method: string;
  step: number;
  tokens: number;
  ppl: number;
  /** Seeds averaged at this step. */
  seeds: number;
}

/**
 * Seed-mean validation perplexity per method at each evaluated step that every seed of the
 * method has.
 */
export function meanCurves(runs: ReproRun[]): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const method of new Set(runs.map((r) => r.method))) {
    const mine = runs.filter((r) => r.method === method);
    const valid = mine.map((r) => r.rows.filter((m) => m.split === "valid"));
    const steps = [...new Set(valid.flatMap((v) => v.map((m) => m.step)))].sort((a, b) => a - b);
    for (const step of steps) {
      const pts = valid.map((v) => v.find((m) => m.step === step));
      if (pts.some((p) => !p)) continue;
      const mean = (f: (m: MetricRow) => number) => pts.reduce((a, p) => a + f(p!), 0) / pts.length;
      out.push({
        method,
        step,
        tokens: mean((m) => m.tokens),
        ppl: mean((m) => m.ppl),
        seeds: pts.length,
      });
    }
  }
  return out;
}

/** Where two seed-mean curves swap order. */
export interface Crossing {
  /** The method that is ahead (lower perplexity) after the crossing. */
  ahead: string;
  /** The method it overtook. */
  behind: string;
  /** The last evaluated step before and the first after the swap. */
  between: [number, number];
}

/** Every swap of order between methods `a` and `b` on their common evaluated steps. */
export function crossings(curves: CurvePoint[], a: string, b: string): Crossing[] {
  const of = (m: string) =>
    new Map(curves.filter((p) => p.method === m).map((p) => [p.step, p.ppl]));
  const ca = of(a);
  const cb = of(b);
  const steps = [...ca.keys()].filter((s) => cb.has(s)).sort((x, y) => x - y);
  const out: Crossing[] = [];
  let prev: { step: number; sign: number } | null = null;
  for (const step of steps) {
    const d = ca.get(step)! - cb.get(step)!;
    const sign = Math.sign(d);
    if (sign === 0) continue;
    if (prev && sign !== prev.sign) {
      out.push({ ahead: sign < 0 ? a : b, behind: sign < 0 ? b : a, between: [prev.step, step] });
    }
    prev = { step, sign };
  }
  return out;
}

/**
 * The runs as they stood at update `step`: each one's minimum validation perplexity over its
 * evaluations up to that update and its tokens there, no test perplexity (for comparing runs
 * of unequal progress).
 */
export function runsAt(runs: readonly ReproRun[], step: number): ReproRun[] {
  return runs.map((r) => {
    const valid = r.rows.filter((row) => row.split === "valid" && row.step <= step);
    const tokens = valid.at(-1)?.tokens ?? 0;
    return { ...r, minValPpl: Math.min(...valid.map((row) => row.ppl)), testPpl: null, tokens };
  });
}

/** The last update every run has evaluated at (while some train: their common horizon). */
export function commonStep(runs: readonly ReproRun[]): number {
  return Math.min(
    ...runs.map((r) =>
      Math.max(0, ...r.rows.filter((x) => x.split === "valid").map((x) => x.step))
    ),
  );
}

const fmt2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");

/**
 * Where the seed-mean validation curves cross, as Markdown lines, for the pairs a reader asks
 * about (the three modes with one another, each feedback against DSF).
 * @param order the methods in the order they are named
 */
export function crossingLines(runs: ReproRun[], order: readonly string[]): string[] {
  const curves = meanCurves(runs);
  const present = order.filter((m) => runs.some((r) => r.method === m));
  // The pairs a reader asks about: the three modes with one another, each feedback against DSF.
  const modes: readonly string[] = GRADIENT_MODES;
  const pairs: [string, string][] = [];
  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++) {
      const [a, b] = [present[i], present[j]];
      const feedbackVsDsf = (a === "dsf" && !modes.includes(b)) ||
        (b === "dsf" && !modes.includes(a));
      if ((modes.includes(a) && modes.includes(b)) || feedbackVsDsf) pairs.push([a, b]);
    }
  }
  const out: string[] = [];
  for (const [a, b] of pairs) {
    const cs = crossings(curves, a, b);
    const last = curves.filter((p) => p.method === a).at(-1);
    const lastB = curves.filter((p) => p.method === b).at(-1);
    const end = last && lastB && last.step === lastB.step
      ? ` At the last evaluation (update ${last.step}): ${a} ${fmt2(last.ppl)}, ${b} ${
        fmt2(lastB.ppl)
      }.`
      : "";
    out.push(
      cs.length
        ? `- ${a} vs ${b}: ${
          cs.map((c) =>
            `${c.ahead} overtakes ${c.behind} between updates ${c.between[0]} and ${c.between[1]}`
          )
            .join("; ")
        }.${end}`
        : `- ${a} vs ${b}: no crossing.${end}`,
    );
  }
  return out;
}
