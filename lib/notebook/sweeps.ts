/**
 * What the paper-sweep notebooks (§5) show: the paper's tables for display, the curves and the
 * summary chart of a sweep, "ours next to the paper's" tables, the computed "What we saw" lines,
 * how a scaled config differs from the paper's, and the committed results of a group. The
 * numbers come from lib/analysis (`paper_tables.ts`, `paper_comparison.ts`, `mode_sweep.ts`).
 *
 * @module
 */
import type { Config } from "../config/schema.ts";
import { gapClosure } from "../analysis/compare.ts";
import { type OurSetting, sweepCurveRows, type SweepRun } from "../analysis/mode_sweep.ts";
import {
  comparisonRows,
  type ComparisonRowsOptions,
  hasPaperModes,
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
import { type Displayable, formatValue, markdown, table } from "./display.ts";

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
    if (hasPaperModes(o.ppl)) {
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
 * The finding of one setting of a sweep, for the line under its figure: the ordering of the
 * modes and the gap (the first line {@link findings} writes for it); empty when the setting
 * did not run.
 */
export function settingFinding(
  ours: readonly OurSetting[],
  setting: string | number,
  options: FindingsOptions = {},
): string {
  const o = ours.filter((x) => String(x.setting) === String(setting));
  return o.length ? findings(o, options)[0].replace(/^- /, "") : "";
}

/**
 * A claim and what our data says about it, as one Markdown block: "**Claim** (source): …",
 * then "**Data** (context):" and the computed lines.
 * @param claim what the paper (or we) claim, and where: `{source: "Figure 2", text: "…"}`
 */
export function claimThenData(
  claim: { source: string; text: string },
  data: { context: string; lines: readonly string[] },
): Displayable {
  return markdown(claimThenDataText(claim, data));
}

/** The Markdown text of {@link claimThenData} (for statements joined before display). */
export function claimThenDataText(
  claim: { source: string; text: string },
  data: { context: string; lines: readonly string[] },
): string {
  const lines = data.lines.map((l) => (l.startsWith("- ") ? l : `- ${l}`));
  return `**Claim** (${claim.source}): ${claim.text}.\n\n**Data** (${data.context}):\n\n` +
    lines.join("\n");
}

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

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
