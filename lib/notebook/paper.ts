/**
 * The paper's reported numbers as data (Tables 2–4 and the claims of Figures 1–3 of Caillon,
 * Fagnou & Allauzen 2025, arXiv:2503.23104), and small helpers that put this project's numbers
 * next to them: the share of the FT-BPTT→BPTT gap that DSF closes, curves as chart rows,
 * "ours next to the paper's" tables, sweeps over settings × modes, and computed findings.
 *
 * Everything here is pure (browser-safe); running experiments is the caller's (see
 * `runExperiment` in `lib/io/mod.ts`), passed in as a function.
 *
 * @module
 */
import type { Config } from "../config/schema.ts";
import type { MetricRow } from "../train/trainer.ts";
import { type Displayable, formatValue, markdown, table } from "./display.ts";
import { type Figure, type FigureMeta, lineChart } from "./plot.ts";

/** The three gradient modes the paper compares. */
export type PaperMode = "bptt" | "ft-bptt" | "dsf";

/** The modes in the order the tables use. */
export const PAPER_MODES: readonly PaperMode[] = ["bptt", "ft-bptt", "dsf"];

/** Display names of the modes. */
export const MODE_LABELS: Readonly<Record<PaperMode, string>> = {
  bptt: "BPTT",
  "ft-bptt": "FT-BPTT",
  dsf: "DSF",
};

/** Where the paper's numbers come from. */
export const PAPER_SOURCE = "Caillon, Fagnou & Allauzen (2025), arXiv:2503.23104";

/** Validation perplexity per mode. */
export type ModePpl = Record<PaperMode, number>;

/** One column of a paper table: a setting and the three modes' perplexities. */
export interface PaperSetting {
  /** The value of the varied quantity (layers, context length). */
  setting: number;
  /** Parameter count as printed, if printed. */
  params?: string;
  /** Minimum validation perplexity per mode. */
  ppl: ModePpl;
}

/** A table of the paper that varies one quantity over the three modes. */
export interface PaperTable {
  /** e.g. "Table 2". */
  id: string;
  /** What it varies, in words. */
  title: string;
  /** Name of the varied quantity (a column header), e.g. "layers". */
  variable: string;
  /** What stays fixed, in words (dataset, model, sizes). */
  fixed: string;
  /** The settings, in the paper's order. */
  settings: PaperSetting[];
}

/** Table 2: depth (WikiText-103, GRU, D = 512, T = 256; minimum validation perplexity). */
export const PAPER_TABLE2: PaperTable = {
  id: "Table 2",
  title: "depth",
  variable: "layers",
  fixed: "WikiText-103, transformer-like GRU LM, D = 512, T = 256, BPE 16k",
  settings: [
    { setting: 1, params: "20.3M", ppl: { bptt: 35.59, "ft-bptt": 56.61, dsf: 37.42 } },
    { setting: 3, params: "28.2M", ppl: { bptt: 28.32, "ft-bptt": 46.6, dsf: 31.54 } },
    { setting: 6, params: "40.0M", ppl: { bptt: 25.44, "ft-bptt": 41.35, dsf: 29.62 } },
    { setting: 12, params: "63.7M", ppl: { bptt: 23.73, "ft-bptt": 36.59, dsf: 28.99 } },
  ],
};

/** Table 3: training sequence length (WikiText-103, GRU 3 × 512). */
export const PAPER_TABLE3: PaperTable = {
  id: "Table 3",
  title: "sequence length",
  variable: "T",
  fixed: "WikiText-103, transformer-like GRU LM, 3 layers, D = 512, BPE 16k",
  settings: [
    { setting: 256, ppl: { bptt: 28.32, "ft-bptt": 46.6, dsf: 31.54 } },
    { setting: 512, ppl: { bptt: 27.14, "ft-bptt": 45.95, dsf: 30.22 } },
    { setting: 1024, ppl: { bptt: 26.75, "ft-bptt": 46.75, dsf: 30.17 } },
    { setting: 2048, ppl: { bptt: 26.52, "ft-bptt": 46.52, dsf: 30.64 } },
  ],
};

/** One row of Table 4 (architectures, 3 layers, WikiText-103). */
export interface PaperBaseline {
  /** Architecture as the paper names it. */
  model: string;
  /** Parameter count as printed. */
  params: string;
  /** Minimum validation perplexity. */
  ppl: number;
  /** Our preset that corresponds to it. */
  config: string;
  /** Our gradient mode for it ("bptt" for the non-recurrent baselines). */
  mode: PaperMode;
}

/** Table 4: architectures at 3 layers (WikiText-103, T = 256). */
export const PAPER_TABLE4: readonly PaperBaseline[] = [
  {
    model: "Transformer (GPT-2 style)",
    params: "25.9M",
    ppl: 24.58,
    config: "wt-gpt-3L512",
    mode: "bptt",
  },
  { model: "SSM (MEGA EMA)", params: "28.2M", ppl: 33.19, config: "wt-ema-3L512", mode: "bptt" },
  { model: "GRU + BPTT", params: "28.2M", ppl: 28.32, config: "wt-gru-3L512", mode: "bptt" },
  { model: "GRU + DSF", params: "28.2M", ppl: 31.54, config: "wt-gru-3L512", mode: "dsf" },
];

/** A figure of the paper whose numbers are not in its text: what it shows, in words. */
export interface PaperFigure {
  /** e.g. "Figure 1". */
  id: string;
  /** What is plotted. */
  shows: string;
  /** The claim the paper draws from it, in our words. */
  claim: string;
}

/** Figures 1–3 (the paper prints no numbers for them). */
export const PAPER_FIGURES: Readonly<Record<"fig1" | "fig2" | "fig3", PaperFigure>> = {
  fig1: {
    id: "Figure 1",
    shows: "PTB word level, GRU with 1 or 3 layers × 256 or 1024 units: training and validation " +
      "perplexity curves of BPTT, FT-BPTT and DSF",
    claim: "DSF's curves stay close to BPTT's in every setting while FT-BPTT ends clearly " +
      "higher; the gap between FT-BPTT and the other two is largest for the wider and deeper " +
      "models",
  },
  fig2: {
    id: "Figure 2",
    shows: "WikiText-103, 3-layer GRU: validation perplexity against the hidden size " +
      "D ∈ {128, 256, 512, 1024} for BPTT, FT-BPTT and DSF",
    claim: "perplexity falls with D for all three methods; DSF stays between FT-BPTT and " +
      "BPTT and much closer to BPTT at every size",
  },
  fig3: {
    id: "Figure 3",
    shows: "WikiText-103, 3 layers × 512: vanilla RNN, GRU and LSTM cells trained with BPTT, " +
      "FT-BPTT and DSF",
    claim: "the ordering BPTT < DSF < FT-BPTT holds for every cell: DSF is not specific to " +
      "the GRU; the gated cells (GRU, LSTM) are better than the vanilla RNN throughout",
  },
};

/**
 * Share of the FT-BPTT→BPTT perplexity gap that DSF closes: `(ppl_FT − ppl_DSF) /
 * (ppl_FT − ppl_BPTT)`. 1: DSF matches BPTT; 0: no better than FT-BPTT; NaN when FT-BPTT is
 * not worse than BPTT (no gap to close).
 */
export function gapClosure(ppl: ModePpl): number {
  const gap = ppl["ft-bptt"] - ppl.bptt;
  return gap > 0 ? (ppl["ft-bptt"] - ppl.dsf) / gap : NaN;
}

/** A fraction as a percentage string ("91%"), or "n/a" when not finite. */
export function percent(x: number, digits = 0): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : "n/a";
}

/** The rows of a paper table: setting, params, the modes, DSF − BPTT and the gap closed. */
export function paperTableRows(t: PaperTable): Record<string, unknown>[] {
  return t.settings.map((s) => ({
    [t.variable]: s.setting,
    ...(s.params ? { params: s.params } : {}),
    BPTT: s.ppl.bptt,
    "FT-BPTT": s.ppl["ft-bptt"],
    DSF: s.ppl.dsf,
    "DSF − BPTT": round(s.ppl.dsf - s.ppl.bptt, 2),
    "gap closed": percent(gapClosure(s.ppl)),
  }));
}

/** A paper table for display, captioned as the paper's. */
export function paperTable(t: PaperTable): Displayable {
  return table(paperTableRows(t), {
    caption: `The paper's ${t.id} (${t.title}; ${t.fixed}; minimum validation perplexity, ` +
      `as reported by ${PAPER_SOURCE}). "gap closed" = (FT − DSF)/(FT − BPTT), computed here.`,
  });
}

/** Table 4 for display, captioned as the paper's. */
export function paperBaselineTable(): Displayable {
  return table(PAPER_TABLE4.map((b) => ({ model: b.model, params: b.params, ppl: b.ppl })), {
    caption: `The paper's Table 4 (WikiText-103, 3 layers, T = 256; minimum validation ` +
      `perplexity, as reported by ${PAPER_SOURCE})`,
  });
}

/** How the DSF − BPTT gap of a paper table moves across its settings. */
export interface GapTrend {
  /** The settings, in order. */
  settings: number[];
  /** DSF − BPTT perplexity points per setting. */
  gaps: number[];
  /** Share of the FT→BPTT gap closed per setting. */
  closure: number[];
  /** Whether the DSF − BPTT gap grows at every step. */
  increasing: boolean;
  /** Last gap / first gap. */
  ratio: number;
}

/** The DSF − BPTT gap and the gap closed across a paper table's settings. */
export function gapTrend(t: PaperTable): GapTrend {
  const gaps = t.settings.map((s) => round(s.ppl.dsf - s.ppl.bptt, 2));
  return {
    settings: t.settings.map((s) => s.setting),
    gaps,
    closure: t.settings.map((s) => gapClosure(s.ppl)),
    increasing: gaps.every((g, i) => i === 0 || g > gaps[i - 1]),
    ratio: gaps[gaps.length - 1] / gaps[0],
  };
}

// ------------------------------------------------------------------------ our runs

/** What the helpers need of one finished run (an `ExperimentResult` fits). */
export interface FinishedRun {
  /** Label (e.g. the mode). */
  label: string;
  /** Every measurement. */
  rows: readonly MetricRow[];
  /** The trainer's summary (only these fields are read). */
  summary: { minValPpl: number; seconds: number; tokens: number; mode?: string };
  /** The resolved config (its mode is read). */
  config: Pick<Config, "mode">;
}

/** A run of a sweep: which setting it belongs to, its mode, and the run. */
export interface SweepRun<R extends FinishedRun = FinishedRun> {
  /** The setting (e.g. number of layers) as shown. */
  setting: string | number;
  /** The preset it ran. */
  configName: string;
  /** Its gradient mode (or model, for baselines). */
  mode: string;
  /** The run. */
  run: R;
}

/** One point of a sweep: the setting shown and the preset run for it. */
export interface SweepPoint {
  /** The setting (e.g. 3 layers) as shown. */
  setting: string | number;
  /** Preset name. */
  config: string;
}

/** A sweep reduced at small scales: the points to run now, and a computed sentence about it. */
export interface SweepPlan {
  /** The points run at this scale. */
  points: SweepPoint[];
  /** One sentence saying what was left out (empty when nothing was). */
  note: string;
}

/**
 * The points of a sweep to run at `scale`: all of them at `small` and `paper`, only those
 * whose index is in `reducedKeep` at `smoke` and `quick`.
 * @param variable name of the varied quantity, for the note (e.g. "layers")
 */
export function sweepPlan(
  all: readonly SweepPoint[],
  scale: string,
  reducedKeep: readonly number[],
  variable: string,
): SweepPlan {
  const reduced = scale === "smoke" || scale === "quick";
  const points = reduced ? all.filter((_, i) => reducedKeep.includes(i)) : [...all];
  const note = points.length === all.length
    ? ""
    : `At scale \`${scale}\` this notebook runs ${points.length} of the ${all.length} ` +
      `settings (${variable} ${points.map((p) => p.setting).join(", ")}; left out: ${
        all.filter((p) => !points.includes(p)).map((p) => p.setting).join(", ")
      }) to keep the run short; \`small\` and \`paper\` run all ${all.length}.`;
  return { points, note };
}

/**
 * Runs every point of a sweep in every mode, in order (settings outer, modes inner).
 * @param run trains one preset in one mode (e.g. a call of `runExperiment`)
 */
export async function runSweep<R extends FinishedRun>(
  points: readonly SweepPoint[],
  modes: readonly string[],
  run: (config: string, mode: string) => Promise<R>,
): Promise<SweepRun<R>[]> {
  const out: SweepRun<R>[] = [];
  for (const p of points) {
    for (const mode of modes) {
      out.push({ setting: p.setting, configName: p.config, mode, run: await run(p.config, mode) });
    }
  }
  return out;
}

/** One point of a perplexity curve, for {@link lineChart}. */
export type ModeCurveRow = {
  /** Optimisation step. */
  step: number;
  /** Perplexity. */
  ppl: number;
  /** "train" or "valid". */
  split: string;
  /** Mode label (BPTT, FT-BPTT, DSF) or model. */
  mode: string;
  /** The sweep's setting. */
  setting: string;
};

/** A mode's display name (BPTT, FT-BPTT, DSF), or the string itself for other labels. */
export function modeLabel(mode: string): string {
  return (MODE_LABELS as Record<string, string>)[mode] ?? mode;
}

/** The train and valid curves of sweep runs as chart rows. */
export function sweepCurveRows(runs: readonly SweepRun[]): ModeCurveRow[] {
  return runs.flatMap((r) =>
    r.run.rows.filter((m) => m.split === "train" || m.split === "valid").map((m) => ({
      step: m.step,
      ppl: m.ppl,
      split: m.split,
      mode: modeLabel(r.mode),
      setting: String(r.setting),
    }))
  );
}

/** Options of {@link modeCurves}. */
export interface ModeCurvesOptions {
  /** Chart title. */
  title: string;
  /** Caption (the run facts go in `meta`). */
  caption?: string;
  /** Run facts: scale, backend, seed, dataset … */
  meta?: FigureMeta;
  /** Plot area height (default 260). */
  height?: number;
}

/**
 * One chart of train (dashed) and validation (solid) perplexity per mode, log y axis, for the
 * runs of one setting.
 */
export function modeCurves(runs: readonly SweepRun[], options: ModeCurvesOptions): Figure {
  const rows = sweepCurveRows(runs);
  return lineChart(rows, {
    x: "step",
    y: "ppl",
    stroke: "mode",
    strokeDasharray: "split",
    series: [...new Set(rows.map((r) => r.mode))],
    logY: true,
    xLabel: "training step",
    yLabel: "perplexity (log)",
    title: options.title,
    caption: options.caption,
    meta: options.meta,
    height: options.height ?? 260,
    marker: true,
  });
}

/** Options of {@link sweepSummaryChart}. */
export interface SweepSummaryChartOptions extends ModeCurvesOptions {
  /** Label of the x axis (the varied quantity). */
  xLabel: string;
  /** Log-scaled x axis (sizes, lengths). */
  logX?: boolean;
}

/**
 * Minimum validation perplexity against a numeric setting (hidden size, depth, length), one
 * line per mode: the shape of the paper's Figure 2 and of Tables 2–3 drawn as curves.
 */
export function sweepSummaryChart(
  ours: readonly OurSetting[],
  options: SweepSummaryChartOptions,
): Figure {
  const rows = ours.flatMap((o) =>
    Object.entries(o.ppl).map(([m, ppl]) => ({ x: Number(o.setting), ppl, mode: modeLabel(m) }))
  );
  return lineChart(rows, {
    x: "x",
    y: "ppl",
    stroke: "mode",
    logX: options.logX,
    logY: true,
    marker: true,
    xLabel: options.xLabel,
    yLabel: "min validation perplexity (log)",
    title: options.title,
    caption: options.caption,
    meta: options.meta,
    height: options.height ?? 260,
  });
}

/** Our minimum validation perplexity per setting and mode. */
export interface OurSetting {
  /** The setting as shown. */
  setting: string | number;
  /** Minimum validation perplexity per mode label (e.g. "bptt", "gpt"). */
  ppl: Record<string, number>;
  /** Training tokens per second per mode (training time only). */
  tokensPerSec: Record<string, number>;
}

/** Groups sweep runs by setting: min validation perplexity and training speed per mode. */
export function summarizeSweep(runs: readonly SweepRun[]): OurSetting[] {
  const out: OurSetting[] = [];
  for (const r of runs) {
    let s = out.find((o) => o.setting === r.setting);
    if (!s) out.push(s = { setting: r.setting, ppl: {}, tokensPerSec: {} });
    s.ppl[r.mode] = r.run.summary.minValPpl;
    s.tokensPerSec[r.mode] = r.run.summary.tokens / Math.max(r.run.summary.seconds, 1e-9);
  }
  return out;
}

function hasModes(p: Record<string, number>): p is ModePpl {
  return PAPER_MODES.every((m) => typeof p[m] === "number");
}

/** Options of {@link comparisonTable}. */
export interface ComparisonOptions {
  /** The paper's table for the same settings (matched by `setting`), if it gives numbers. */
  paper?: PaperTable;
  /** Header of the setting column (default: the paper's variable, else "setting"). */
  variable?: string;
  /** Where our numbers come from, e.g. "quick scale, WikiText-2, BPE 1024". */
  ours: string;
  /**
   * FT-BPTT must be worse than BPTT by more than this relative difference for our gap closed to
   * be shown (default 0.02): below it the ratio divides noise by noise.
   */
  tolerance?: number;
}

/** Our "gap closed" cell: a percentage only when FT-BPTT is worse than BPTT by more than `tol`. */
function closedCell(ppl: Record<string, number>, tol: number): string {
  if (!hasModes(ppl)) return "n/a";
  const rel = (ppl["ft-bptt"] - ppl.bptt) / ppl.bptt;
  if (rel > tol) return percent(gapClosure(ppl));
  return rel < -tol ? "n/a (FT-BPTT better)" : "n/a (not apart)";
}

/**
 * Rows of "ours next to the paper's": per setting, our min validation perplexity per mode and
 * the gap closed, then the paper's (blank where the paper has no such setting).
 */
export function comparisonRows(
  ours: readonly OurSetting[],
  options: Omit<ComparisonOptions, "ours"> = {},
): Record<string, unknown>[] {
  const variable = options.variable ?? options.paper?.variable ?? "setting";
  return ours.map((o) => {
    const row: Record<string, unknown> = { [variable]: o.setting };
    for (const m of PAPER_MODES) {
      row[`ours ${MODE_LABELS[m]}`] = o.ppl[m] === undefined ? undefined : round(o.ppl[m], 2);
    }
    row["ours gap closed"] = closedCell(o.ppl, options.tolerance ?? 0.02);
    if (options.paper) {
      const p = options.paper.settings.find((s) => String(s.setting) === String(o.setting));
      for (const m of PAPER_MODES) row[`paper ${MODE_LABELS[m]}`] = p?.ppl[m];
      row["paper gap closed"] = p ? percent(gapClosure(p.ppl)) : "";
    }
    return row;
  });
}

/** {@link comparisonRows} as a captioned table that says the two are not comparable. */
export function comparisonTable(
  ours: readonly OurSetting[],
  options: ComparisonOptions,
): Displayable {
  const paper = options.paper
    ? ` The "paper" columns are ${options.paper.id} (${options.paper.fixed}, full scale) — a ` +
      `different dataset and model size: compare the orderings and the gap closed, not the values.`
    : "";
  return table(comparisonRows(ours, options), {
    caption: `Minimum validation perplexity. "ours": this run (${options.ours}).${paper} ` +
      `gap closed = (FT − DSF)/(FT − BPTT), ours shown only where FT-BPTT is more than ` +
      `${percent(options.tolerance ?? 0.02)} above BPTT.`,
  });
}

/** Options of {@link findings}. */
export interface FindingsOptions {
  /** Name of the varied quantity, e.g. "layers" (default "setting"). */
  variable?: string;
  /** Relative perplexity difference below which two modes count as "not apart" (0.02). */
  tolerance?: number;
  /** The paper's table for the same settings, for the gap closed it reports. */
  paper?: PaperTable;
}

/**
 * Computed "what we saw" lines from our sweep: per setting the ordering of the modes, the gap
 * closed, whether FT-BPTT and BPTT are apart at all (relative difference above `tolerance`);
 * and the training speed of DSF and FT-BPTT relative to BPTT.
 */
export function findings(ours: readonly OurSetting[], options: FindingsOptions = {}): string[] {
  const tol = options.tolerance ?? 0.02;
  const variable = options.variable ?? "setting";
  const lines: string[] = [];
  const count = { worse: 0, better: 0, level: 0 };
  const rel = (a: number, b: number) => (a - b) / b;
  const vs = (x: number) =>
    Math.abs(x) <= tol
      ? `within ${percent(tol, 0)} of`
      : `${percent(Math.abs(x), 1)} ${x > 0 ? "above" : "below"}`;
  for (const o of ours) {
    const entries = Object.entries(o.ppl).sort((a, b) => a[1] - b[1]);
    const order = entries.map(([m, v]) => `${modeLabel(m)} ${formatValue(v, 4)}`).join(" < ");
    let line = `- ${variable} ${o.setting}: ${order}`;
    if (hasModes(o.ppl)) {
      const ft = rel(o.ppl["ft-bptt"], o.ppl.bptt);
      const dsf = rel(o.ppl.dsf, o.ppl.bptt);
      if (ft > tol) {
        count.worse++;
        line += `; FT-BPTT is ${vs(ft)} BPTT and DSF closes ${percent(gapClosure(o.ppl))} of ` +
          `that gap (DSF is ${vs(dsf)} BPTT)`;
      } else if (ft < -tol) {
        count.better++;
        line += `; FT-BPTT is ${vs(ft)} BPTT — the reverse of the paper's ordering — and DSF ` +
          `is ${vs(dsf)} BPTT`;
      } else {
        count.level++;
        line += `; FT-BPTT is ${vs(ft)} BPTT (not apart) and DSF is ${vs(dsf)} BPTT`;
      }
      const p = options.paper?.settings.find((s) => String(s.setting) === String(o.setting));
      if (p) line += `; the paper's DSF closed ${percent(gapClosure(p.ppl))} at this setting`;
    }
    lines.push(line + ".");
  }
  const n = count.worse + count.better + count.level;
  if (n > 0) {
    lines.push(
      `- Over ${n} setting(s), FT-BPTT was worse than BPTT by more than ${percent(tol, 0)} ` +
        `(the paper's direction) in ${count.worse}, better by more than that in ` +
        `${count.better}, and within it in ${count.level}` +
        (count.worse === 0
          ? ": the paper's separation of the modes did not appear at this scale."
          : "."),
    );
  }
  const speed = ours.filter((o) => o.tokensPerSec.bptt > 0);
  if (speed.length > 0) {
    const ratio = (m: string) =>
      speed.map((o) => o.tokensPerSec[m] / o.tokensPerSec.bptt).filter((x) => x > 0);
    const fmt = (xs: number[]) => xs.length ? xs.map((x) => `×${x.toFixed(2)}`).join(", ") : "n/a";
    lines.push(
      `- Training speed relative to BPTT (tokens/s, training time only): DSF ${
        fmt(ratio("dsf"))
      }; FT-BPTT ${fmt(ratio("ft-bptt"))} (per ${variable}, in the order above).`,
    );
  }
  return lines;
}

/**
 * Table 4 next to ours: one row per architecture found in `runs` (matched by preset, and by mode
 * for the GRU), ours and the paper's; plus GRU + FT-BPTT, whose number is in Table 2.
 */
export function baselineRows(runs: readonly SweepRun[]): Record<string, unknown>[] {
  const rows = PAPER_TABLE4.map((b) => ({
    model: b.model,
    config: b.config,
    mode: b.mode,
    paper: b.ppl,
  }));
  // FT-BPTT is not in Table 4; its 3-layer, T = 256 number is in Tables 2 and 3.
  rows.push({
    model: "GRU + FT-BPTT (Table 2)",
    config: "wt-gru-3L512",
    mode: "ft-bptt",
    paper: PAPER_TABLE2.settings[1].ppl["ft-bptt"],
  });
  return rows.flatMap((b) => {
    // A baseline run may carry its model's name as its mode (e.g. "Transformer").
    const r = runs.find((x) =>
      x.configName === b.config &&
      (x.mode === b.mode || !(PAPER_MODES as readonly string[]).includes(x.mode))
    );
    return r
      ? [{ model: b.model, "ours ppl": round(r.run.summary.minValPpl, 2), "paper ppl": b.paper }]
      : [];
  });
}

/** The order of the models by perplexity (best first), ours and the paper's, as two strings. */
export function baselineOrder(rows: readonly Record<string, unknown>[]): {
  ours: string;
  paper: string;
  same: boolean;
} {
  const by = (k: string) =>
    [...rows].sort((a, b) => (a[k] as number) - (b[k] as number)).map((r) => String(r.model));
  const ours = by("ours ppl");
  const paper = by("paper ppl");
  return {
    ours: ours.join(" < "),
    paper: paper.join(" < "),
    same: ours.every((m, i) => m === paper[i]),
  };
}

// ------------------------------------------------------------------- configs and results

/**
 * One sentence on how a scaled config differs from the paper-scale one, computed from both
 * (e.g. "hidden 64 (paper 512), context 32 (256), …").
 */
export function reductionNote(ours: Config, paper: Config): string {
  const parts: string[] = [];
  const keys: [keyof Config, string][] = [
    ["layers", "layers"],
    ["hidden", "hidden"],
    ["context", "context"],
    ["batchSize", "batch"],
    ["vocabSize", "BPE vocabulary"],
    ["lr", "lr"],
  ];
  for (const [k, name] of keys) {
    if (k === "vocabSize" && !ours.dataset.startsWith("wikitext")) continue;
    if (ours[k] !== paper[k]) parts.push(`${name} ${ours[k]} (paper ${paper[k]})`);
  }
  const budget = (c: Config) => c.steps !== null ? `${c.steps} steps` : `${c.epochs} epochs`;
  if (budget(ours) !== budget(paper)) parts.push(`${budget(ours)} (paper ${budget(paper)})`);
  if (ours.schedule.kind !== paper.schedule.kind) {
    parts.push(`${ours.schedule.kind} schedule (paper ${paper.schedule.kind})`);
  }
  if (ours.evalBatches !== paper.evalBatches && ours.evalBatches !== null) {
    parts.push(
      `validation on ${ours.evalBatches} batches of ${ours.evalBatchSize} (paper: whole split)`,
    );
  }
  const data = ours.dataset === paper.dataset ? ours.dataset : `${ours.dataset} (${paper.dataset})`;
  return `\`${ours.name}\` at \`${ours.scale}\`: ${data}; ${
    parts.length ? parts.join(", ") : "the paper's sizes"
  }.`;
}

/** A committed run, as `readCommittedRuns` returns it (the fields read here). */
export interface CommittedLike {
  /** File stem. */
  name: string;
  /** Its summary. */
  summary: { minValPpl: number; steps: number; mode?: string; scale?: unknown };
  /** The command that made it. */
  command: string;
}

/**
 * The committed results of a group for display: a table (run, scale, steps, min valid ppl,
 * command) or, when there are none, the commands that would produce them.
 */
export function committedView(
  group: string,
  runs: readonly CommittedLike[],
  commands: readonly string[],
): Displayable {
  if (runs.length === 0) {
    return markdown(
      `No committed results under \`results/${group}/\` yet. They are produced (one run per ` +
        `line; \`--results ${group}\` copies each run's summary and curves there) by:\n\n` +
        "```sh\n" + commands.join("\n") + "\n```",
    );
  }
  return table(
    runs.map((r) => ({
      run: r.name,
      scale: String(r.summary.scale ?? ""),
      steps: r.summary.steps,
      "min valid ppl": round(r.summary.minValPpl, 2),
      command: r.command,
    })),
    { caption: `Committed results in results/${group}/ (each with the command that made it)` },
  );
}

/** The `deno task train` commands of a sweep at a scale, one per preset and mode. */
export function sweepCommands(
  configs: readonly string[],
  modes: readonly string[],
  scale: string,
  group: string,
): string[] {
  return configs.flatMap((c) =>
    modes.map((m) =>
      `deno task train --config ${c} --scale ${scale} --set mode=${m} --results ${group}`
    )
  );
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
