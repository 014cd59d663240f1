/**
 * The computed statements under the figures and tables of the notebook that goes beyond the
 * paper (§6: gradient alignment with BPTT, the fitted λ, the time-varying Jacobian-diagonal
 * feedback). Each is a claim, the paper's or ours (marked as such), then the numbers on it, rendered
 * by `claimThenData`: {@link sameWeightsFinding} (alignment along a DSF run),
 * {@link gapFinding} (validation curves), {@link runAlignmentFinding} (each method's own
 * alignment, and why FT-BPTT's can be the higher: {@link committedAlignmentLines}), {@link fittedLambdaFinding} (the fitted λ), {@link feedbackGapFinding} (the method
 * table) and {@link feedbackCostFinding} (its cost). Comparisons are signed differences. The one
 * word picked by a threshold is whether FT-BPTT and BPTT are apart, against a stated tolerance.
 *
 * @module
 */
import { fix, pct, signed as signedBy } from "./format.ts";
import type { AlignmentRow } from "../analysis/alignment.ts";
import { alignmentStats, gapClosed } from "../analysis/compare.ts";
import { PAPER_GAP_CLOSURE } from "../analysis/paper_tables.ts";
import type { FeedbackRefresh } from "../feedback/fitted.ts";
import type { TrainSummary } from "../train/trainer.ts";
import type { Displayable } from "./display.ts";
import { join } from "node:path";
import { readCommittedJson } from "../io/committed_runs.ts";
import { projectRoot } from "../io/dirs.ts";
import { claimThenData } from "./sweeps.ts";

/** One trained method as the statements read it (an `ExperimentResult` is one). */
export interface FindingRun {
  /** Its name in the statements (the figures' legend). */
  label: string;
  /** What the statements read of the trainer's summary. */
  summary: Pick<TrainSummary, "minValPpl" | "steps" | "seconds">;
  /** Mean gradient cosine with BPTT along its own run (all recurrent weights). */
  cosine?: number;
  /** Seconds of work outside the timed steps that the method needs (the fitted λ's refreshes). */
  overheadSeconds?: number;
}

/** The runs compared: the paper's three modes and our adapted feedbacks. */
export interface FeedbackRuns {
  /** Exact BPTT. */
  bptt: FindingRun;
  /** Fully truncated BPTT (λ = 0). */
  ft: FindingRun;
  /** DSF with the fixed λ of the reference code (linspace(0, 1, S); the paper: uniform in [0, 1]). */
  fixed: FindingRun;
  /** Our feedbacks adapted to the network (fitted λ, Jacobian diagonal). */
  adapted: readonly FindingRun[];
}

/** Options of the statements on the FT-BPTT → BPTT gap. */
export interface GapOptions {
  /** Relative ppl difference of FT-BPTT over BPTT up to which there is no gap (0.02). */
  tolerance?: number;
}

const f2 = (v: number) => fix(v, 2);
/** Differences here have 2 decimals. */
const signed = (v: number, digits = 2) => signedBy(v, digits);
const ppl = (r: FindingRun) => r.summary.minValPpl;
const seed = (runs: FeedbackRuns) => `one seed, ${runs.bptt.summary.steps} training steps`;

/**
 * "a 1.76 < b 5.81 < …": labels sorted by a value (ascending, or descending with `>`); "≈"
 * between two that are equal to the two decimals shown.
 */
function ordering(items: [string, number][], op: "<" | ">" = "<"): string {
  const sorted = [...items].sort((a, b) => op === "<" ? a[1] - b[1] : b[1] - a[1]);
  return sorted.map(([l, v], i) =>
    `${i ? (f2(v) === f2(sorted[i - 1][1]) ? " ≈ " : ` ${op} `) : ""}${l} ${f2(v)}`
  ).join("");
}

/** The paper's range of gap closed, "59–91%" (its Table 2). */
function paperRange(): string {
  const c = PAPER_GAP_CLOSURE.map((g) => g.closure);
  return `${(100 * Math.min(...c)).toFixed(0)}–${pct(Math.max(...c))}`;
}

/** FT-BPTT over BPTT, relative, and whether that is beyond the tolerance. */
function gapOf(runs: FeedbackRuns, options: GapOptions) {
  const tol = options.tolerance ?? 0.02;
  const rel = (ppl(runs.ft) - ppl(runs.bptt)) / ppl(runs.bptt);
  const line = `${runs.ft.label} − ${runs.bptt.label} = ${signed(ppl(runs.ft) - ppl(runs.bptt))}` +
    ` (${signed(100 * rel, 0)}% of ${runs.bptt.label}; tolerance for a gap: ${pct(tol)})` +
    (rel > tol
      ? "."
      : `: ${rel < -tol ? "FT-BPTT is below BPTT" : "within the tolerance"}, so no gap share ` +
        "is computed.");
  const of = (r: FindingRun) => gapClosed(ppl(runs.ft), ppl(r), ppl(runs.bptt));
  return { apart: rel > tol, line, of };
}

/**
 * Under the alignment measured along one DSF run (`alignmentMonitor` with modes `dsf` and
 * `ft-bptt`): the paper's premise that DSF's gradient is closer to BPTT's than FT-BPTT's, then
 * the mean, first and last cosines of both on the same weights, and per layer. Throws when the
 * rows lack either mode in the `recurrent` group.
 */
export function sameWeightsFinding(rows: readonly AlignmentRow[]): Displayable {
  const all = rows.filter((r) => r.group === "recurrent");
  const at = (mode: string) => all.filter((r) => r.mode === mode);
  const [dsf, ft] = [at("dsf"), at("ft-bptt")];
  if (!dsf.length || !ft.length) {
    throw new Error("sameWeightsFinding: needs dsf and ft-bptt rows of the recurrent group");
  }
  const s = alignmentStats([...rows]);
  const pair = (a: number, b: number) => `DSF ${f2(a)}, FT-BPTT ${f2(b)} (${signed(a - b)})`;
  const step = (r: AlignmentRow) => ft.find((q) => q.step === r.step)?.cosine ?? NaN;
  const last = dsf[dsf.length - 1];
  const layers = [...new Set(rows.map((r) => r.group).filter((g) => /^layer\d+$/.test(g)))];
  const layerMean = (g: string, m: string) => {
    const v = rows.filter((r) => r.group === g && r.mode === m).map((r) => r.cosine);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  };
  const perLayer = layers.map((g) => `${g} ${pair(layerMean(g, "dsf"), layerMean(g, "ft-bptt"))}`);
  return claimThenData({
    source: "the paper's premise, §3; it reports perplexities, not cosines",
    text: "DSF's gradient is closer to BPTT's than FT-BPTT's",
  }, {
    context: `one DSF run, one seed; cos(g, g_BPTT) of all recurrent weights, each measurement ` +
      `on the same weights and batch for every mode; differences DSF − FT-BPTT`,
    lines: [
      `mean over ${dsf.length} measurements: ${pair(s.mean.dsf!, s.mean["ft-bptt"]!)}.`,
      `DSF's cosine is the higher in ${s.aBetter} of ${s.count} measurements.`,
      `after step ${dsf[0].step}: ${pair(dsf[0].cosine, step(dsf[0]))}; after step ` +
      `${last.step}: ${pair(last.cosine, step(last))}.`,
      ...(layers.length ? [`mean per layer: ${perLayer.join("; ")}.`] : []),
    ],
  });
}

/**
 * Under the validation curves: the paper's Table 2 claim (DSF closes 59–91% of the FT-BPTT →
 * BPTT gap), then the ordering of every run by minimum validation perplexity, FT-BPTT's gap over
 * BPTT against the tolerance, and the share of it the fixed λ closes.
 */
export function gapFinding(runs: FeedbackRuns, options: GapOptions = {}): Displayable {
  const all = [runs.bptt, ...runs.adapted, runs.fixed, runs.ft];
  const gap = gapOf(runs, options);
  const { fixed, bptt } = runs;
  return claimThenData({
    source: "computed from the paper's Table 2, WikiText-103",
    text: `DSF closes ${paperRange()} of the FT-BPTT → BPTT gap in minimum validation ` +
      "perplexity (GRU, 1 to 12 layers)",
  }, {
    context: `${seed(runs)}; minimum validation perplexity`,
    lines: [
      `ordering: ${ordering(all.map((r) => [r.label, ppl(r)]))}.`,
      gap.line,
      ...(gap.apart
        ? [
          `${fixed.label} closes ${pct(gap.of(fixed))} of it (${fixed.label} − ${bptt.label} = ` +
          `${signed(ppl(fixed) - ppl(bptt))}).`,
        ]
        : []),
    ],
  });
}

/**
 * Under the method table: our hypothesis that a feedback adapted to the network closes more of
 * the gap than the fixed λ, then per adapted feedback its gap closed and its minimum validation
 * perplexity against the fixed λ's (signed differences; perplexities only without a gap).
 */
export function feedbackGapFinding(runs: FeedbackRuns, options: GapOptions = {}): Displayable {
  if (!runs.adapted.length) throw new Error("feedbackGapFinding: no adapted feedback run");
  const gap = gapOf(runs, options);
  const { fixed } = runs;
  const line = (r: FindingRun) =>
    `${r.label}: ` +
    (gap.apart
      ? `${pct(gap.of(r))} closed against ${pct(gap.of(fixed))} ` +
        `(${signed(100 * (gap.of(r) - gap.of(fixed)), 1)} points); `
      : "") +
    `min valid ppl ${f2(ppl(r))} against ${f2(ppl(fixed))} (${signed(ppl(r) - ppl(fixed))}).`;
  return claimThenData({
    source: "ours, beyond the paper",
    text: `a feedback adapted to the network (${runs.adapted.map((r) => r.label).join(" or ")}) ` +
      `closes more of the FT-BPTT → BPTT gap than the fixed λ of ${fixed.label}`,
  }, {
    context: `${seed(runs)}; gap closed = (ppl_FT − ppl_X)/(ppl_FT − ppl_BPTT), minimum ` +
      `validation perplexity; differences against ${fixed.label}`,
    lines: [gap.line, ...runs.adapted.map(line)],
  });
}

/**
 * Under the cosine of each method along its own run: our hypothesis that an adapted feedback
 * keeps its gradient closer to BPTT's than the fixed λ, then each run's mean cosine against the
 * fixed λ's, and the DSF variants ordered by cosine and by perplexity. Throws when a run other
 * than BPTT has no `cosine`.
 */
export function runAlignmentFinding(
  runs: FeedbackRuns,
  options: { committed?: readonly string[] } = {},
): Displayable {
  const dsfs = [...runs.adapted, runs.fixed];
  const missing = [...dsfs, runs.ft].filter((r) => r.cosine === undefined).map((r) => r.label);
  if (missing.length) throw new Error(`runAlignmentFinding: no cosine for ${missing.join(", ")}`);
  const c0 = runs.fixed.cosine!;
  const vs = (r: FindingRun) => `${r.label} ${f2(r.cosine!)} (${signed(r.cosine! - c0)})`;
  // FT-BPTT closer to BPTT than the fixed λ is no slip: say it, and what the committed
  // measurements on BPTT's weights say of why.
  const ftAhead = runs.ft.cosine! > c0
    ? [
      `${runs.ft.label}'s gradient stays closer to BPTT's than ${runs.fixed.label}'s ` +
      `(${f2(runs.ft.cosine!)} against ${f2(c0)}): the fixed λ puts most of DSF's state ` +
      "gradient in the channels with λ near 1, whose true memory is short" +
      (options.committed?.length
        ? `, as the committed measurements on BPTT's weights show: ${options.committed.join(" ")}`
        : "."),
    ]
    : [];
  return claimThenData({
    source: "ours, beyond the paper",
    text: `a feedback adapted to the network keeps its gradient closer to BPTT's than the ` +
      `fixed λ of ${runs.fixed.label} does, along its own run`,
  }, {
    context: `${seed(runs)}; mean cos(g, g_BPTT) of all recurrent weights along each run, so ` +
      `on different weights; differences against ${runs.fixed.label}'s ${f2(c0)}`,
    lines: [
      `${runs.adapted.map(vs).join("; ")}.`,
      `${vs(runs.ft)}.`,
      ...ftAhead,
      `DSF variants by mean cosine: ${ordering(dsfs.map((r) => [r.label, r.cosine!]), ">")}; ` +
      `by min valid ppl: ${ordering(dsfs.map((r) => [r.label, ppl(r)]))}.`,
    ],
  });
}

/** What {@link committedAlignmentLines} reads of a `deno task feedbacks` file. */
interface FeedbacksFile {
  config: string;
  step: number;
  rows: { variant: string; cosine: number[] }[];
}

/** What {@link committedAlignmentLines} reads of a `deno task lags` file. */
interface LagsFile {
  config: string;
  step: number;
  diagonal: { channelQuantiles: number[] };
  feedbacks: {
    feedback: string;
    cosine: number;
    groups: { by: string; group: number; share: number; shareBptt: number }[];
  }[];
}

async function jsonFiles(dir: string, pattern: RegExp): Promise<unknown[]> {
  const out: unknown[] = [];
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => pattern.test(n)).sort();
  } catch {
    return out;
  }
  for (const n of names) out.push(await readCommittedJson(join(dir, n)));
  return out;
}

/**
 * What the committed measurements on BPTT's own weights say of FT-BPTT's and DSF's alignment
 * with BPTT (`results/why-feedbacks/`: the weight gradients' cosines; `results/why-lags/`: the
 * state gradients', and DSF's share of ‖δ̃‖² in its top λ quartile against the true Jacobian's
 * diagonal), as sentences for {@link runAlignmentFinding}; empty when neither group is there.
 */
export async function committedAlignmentLines(root: string = projectRoot()): Promise<string[]> {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const lines: string[] = [];
  for (const f of await jsonFiles(join(root, "results", "why-feedbacks"), /\.json$/)) {
    const file = f as FeedbacksFile;
    const cos = (v: string) => file.rows?.find((r) => r.variant === v)?.cosine;
    const [ft, dsf] = [cos("ft-bptt"), cos("dsf")];
    if (!ft?.length || !dsf?.length) continue;
    lines.push(
      `on ${file.config} at update ${file.step} (results/why-feedbacks/), the weight gradient's ` +
        `cosine with BPTT's is FT-BPTT ${f2(mean(ft))}, DSF ${f2(mean(dsf))};`,
    );
  }
  for (const f of await jsonFiles(join(root, "results", "why-lags"), /-lags-last\.json$/)) {
    const file = f as LagsFile;
    const of = (v: string) => file.feedbacks?.find((x) => x.feedback === v);
    const [ft, dsf] = [of("ft-bptt"), of("dsf")];
    const top = dsf?.groups.filter((g) => g.by === "lambda").at(-1);
    if (!ft || !dsf || !top) continue;
    lines.push(
      `per position (results/why-lags/), the state gradient's cosine with BPTT's δ is FT-BPTT ` +
        `${f2(ft.cosine)}, DSF ${f2(dsf.cosine)}, and DSF's δ̃ puts ${pct(top.share)} of its ` +
        `squared norm in the channels of the top λ quartile (BPTT's δ ${pct(top.shareBptt)}), ` +
        `where the true Jacobian's mean diagonal per channel has median ` +
        `${f2(file.diagonal.channelQuantiles[2])}.`,
    );
  }
  return lines;
}

type Refresh = Pick<FeedbackRefresh, "step" | "layers">;

/**
 * Under the fitted λ over training: the paper's fixed λ = linspace(0, 1, S) (mean 0.5, from 0
 * to 1), then the fitted λ's mean, min and max per layer at the first and the last refresh.
 * Throws without a refresh that fitted a layer.
 */
export function fittedLambdaFinding(refreshes: readonly Refresh[]): Displayable {
  const fitted = refreshes.filter((r) => r.layers.some((l) => l));
  if (!fitted.length) throw new Error("fittedLambdaFinding: no refresh fitted a layer");
  const at = (r: Refresh) =>
    `after step ${r.step}: ` +
    r.layers.map((l, i) =>
      l ? `layer${i} mean ${f2(l.mean)} (${f2(l.min)} to ${f2(l.max)})` : `layer${i} not fitted`
    ).join(", ");
  const [first, last] = [fitted[0], fitted[fitted.length - 1]];
  const change = last.layers.flatMap((l, i) => l ? [`layer${i} ${f2(l.change)}`] : []);
  return claimThenData({
    source: "the paper's §3.2, λ fixed, and §5.1, λ uniform in [0, 1]; the reference code, " +
      "linspace",
    text: "DSF fixes λ at initialisation, never fitted to the network: uniform in [0, 1] in the " +
      "paper, λ = linspace(0, 1, S) in the reference code and here (mean 0.50, from 0 to 1)",
  }, {
    context: `the fitted λ, the clamped mean diagonal of J_t, ${fitted.length} refreshes, one seed`,
    lines: [
      `${at(first)}.`,
      ...(last !== first
        ? [`${at(last)}; mean |change| at that refresh: ${change.join(", ")}.`]
        : []),
    ],
  });
}

/** The fitted λ's refreshes, for {@link feedbackCostFinding}. */
export interface RefreshCost {
  /** The label of the run that was refreshed. */
  label: string;
  /** Refreshes done. */
  count: number;
  /** Seconds they took, in all. */
  seconds: number;
  /** One refresh every `every` training steps. */
  every: number;
}

/**
 * Under the method table's timings: our hypothesis that the adapted feedbacks cost little
 * training time, then the refreshes' cost (each, in training steps, in % of the run's training
 * time) and each adapted run's ms per step (refreshes included) against the fixed λ's, signed.
 * Throws when `refresh.label` is not one of the adapted runs.
 */
export function feedbackCostFinding(runs: FeedbackRuns, refresh: RefreshCost): Displayable {
  const run = runs.adapted.find((r) => r.label === refresh.label);
  if (!run) throw new Error(`feedbackCostFinding: no adapted run labelled "${refresh.label}"`);
  const perStep = (s: number, r: FindingRun) => 1000 * s / Math.max(1, r.summary.steps);
  const stepMs = (r: FindingRun) => perStep(r.summary.seconds, r);
  const extraMs = (r: FindingRun) => perStep(r.overheadSeconds ?? 0, r);
  const eachMs = 1000 * refresh.seconds / Math.max(1, refresh.count);
  const m0 = stepMs(runs.fixed);
  const line = (r: FindingRun) => {
    const total = stepMs(r) + extraMs(r);
    return `${r.label}: ${f2(total)} ms/step` +
      (extraMs(r) ? ` (${f2(stepMs(r))} training + ${f2(extraMs(r))} of refreshes)` : "") +
      `, ${signed(100 * (total / m0 - 1), 1)}% against ${runs.fixed.label}'s ${f2(m0)}.`;
  };
  return claimThenData({
    source: "ours, beyond the paper",
    text: "the adapted feedbacks cost little training time next to the fixed λ: the fitted λ " +
      "one plain forward per refresh, the Jacobian diagonal its closed-form diagonal per step",
  }, {
    context: `${seed(runs)}; wall time of the training steps, evaluation and alignment ` +
      "measurements excluded; one run per method, so timing noise is not measured",
    lines: [
      `${refresh.count} refreshes of ${run.label}, one every ${refresh.every} steps: ` +
      `${f2(eachMs)} ms each (${f2(eachMs / stepMs(run))} training steps' worth), ` +
      `${pct(refresh.seconds / run.summary.seconds, 1)} of its training time.`,
      ...runs.adapted.map(line),
      `${runs.bptt.label} ${f2(stepMs(runs.bptt))}, ${runs.ft.label} ${f2(stepMs(runs.ft))} ` +
      "ms/step.",
    ],
  });
}
