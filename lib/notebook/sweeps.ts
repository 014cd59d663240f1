/**
 * What the paper-sweep notebooks (§5) show: the paper's tables for display, the summary chart of
 * a sweep and "ours next to the paper's" tables. The numbers come from lib/analysis
 * (`paper_tables.ts`, `paper_comparison.ts`, `mode_sweep.ts`).
 *
 * @module
 */
import type { OurSetting } from "../analysis/mode_sweep.ts";
import {
  comparisonRows,
  type ComparisonRowsOptions,
  paperTableRows,
  percent,
} from "../analysis/paper_comparison.ts";
import {
  modeLabel,
  PAPER_SOURCE,
  PAPER_TABLE4,
  type PaperTable,
} from "../analysis/paper_tables.ts";
import { type Figure, type FigureMeta, lineChart } from "../plot/mod.ts";
import { type Displayable, table } from "./display.ts";

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

/** Options of {@link sweepSummaryChart}. */
export interface SweepSummaryChartOptions {
  /** Chart title. */
  title: string;
  /** Caption (the run facts go in `meta`). */
  caption?: string;
  /** Run facts: scale, backend, seed, dataset … */
  meta?: FigureMeta;
  /** Plot area height (default 260). */
  height?: number;
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

/** Options of {@link comparisonTable}. */
export interface ComparisonOptions extends ComparisonRowsOptions {
  /** Where our numbers come from, e.g. "quick scale, WikiText-2, BPE 1024". */
  ours: string;
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
