/**
 * Each §5 group of ours beside the paper's table or figure that asks the same question: which
 * of our config keys is the axis, the paper's numbers where it prints them (Tables 2–4) or its
 * claim where it shows a figure only (Figures 1–3), and the comparison a reader wants per group —
 * the paper's gap closure and ours along the axis, whether BPTT < DSF < FT-BPTT holds at each
 * point, and whether DSF's closure moves the same way along the axis.
 *
 * ```ts
 * const verdict = paperVerdict(axisSummary(runs, METHOD_ORDER), PAPER_AXES["wt-depth"]);
 * ```
 *
 * @module
 */
import type { AxisSummary } from "./axis_summary.ts";
import { gapClosure } from "./compare.ts";
import {
  PAPER_FIGURES,
  PAPER_TABLE2,
  PAPER_TABLE3,
  PAPER_TABLE4,
  type PaperTable,
} from "./paper_tables.ts";

/** The paper's side of one of our §5 groups. */
export interface PaperAxis {
  /** "Table 2", "Figure 2", … */
  ref: string;
  /** The question, in a few words ("depth"). */
  question: string;
  /** Our config key the points differ in (the axis; sorted by it). */
  key: string;
  /** The paper's setting, in words. */
  setting: string;
  /** The paper's numbers, where it prints them (its settings are values of `key`). */
  table?: PaperTable;
  /** The paper's claim, where it shows a figure only. */
  claim?: string;
  /**
   * A point of this axis trained once in another group (the base): its group and config name.
   * Its runs join the axis's own wherever the axis is read (`readAxisRuns`).
   */
  base?: { group: string; point: string };
}

const WT103 = "WikiText-103, 3 × 512 unless varied, T = 256, ~5 epochs";

/** The WikiText-2 base (3 × 128 GRU, T = 256), trained once in the width group. */
const WT_BASE = { group: "wt-model-size", point: "wt-gru-3L128" };

/** Our §5 groups, by name, and the paper's table or figure each answers. */
export const PAPER_AXES: Readonly<Record<string, PaperAxis>> = {
  "ptb-depth-width": {
    ref: PAPER_FIGURES.fig1.id,
    question: "PTB words, depth and width",
    key: "hidden",
    setting: "PTB words, GRU 1 or 3 layers × 256 or 1024, 30 epochs",
    claim: PAPER_FIGURES.fig1.claim,
  },
  "wt-model-size": {
    ref: PAPER_FIGURES.fig2.id,
    question: "width",
    key: "hidden",
    setting: `${WT103}, D ∈ {128, 256, 512, 1024}`,
    claim: PAPER_FIGURES.fig2.claim,
  },
  "wt-depth": {
    ref: PAPER_TABLE2.id,
    question: "depth",
    key: "layers",
    setting: PAPER_TABLE2.fixed,
    table: PAPER_TABLE2,
    base: WT_BASE,
  },
  "wt-cells": {
    ref: PAPER_FIGURES.fig3.id,
    question: "cells",
    key: "cell",
    setting: WT103,
    claim: PAPER_FIGURES.fig3.claim,
    base: WT_BASE,
  },
  "wt-sequence-length": {
    ref: PAPER_TABLE3.id,
    question: "context length",
    key: "context",
    setting: PAPER_TABLE3.fixed,
    table: PAPER_TABLE3,
    base: WT_BASE,
  },
  "wt-baselines": {
    ref: "Table 4",
    question: "baselines",
    key: "model",
    setting: `${WT103}: ${PAPER_TABLE4.map((b) => `${b.model} ${b.ppl}`).join(", ")}`,
    base: WT_BASE,
  },
};

/** The paper against us for one group, in numbers and words. */
export interface PaperVerdict {
  /** The paper's DSF closure per setting (its tables), e.g. "1: 92%, 3: 82%"; "–" for figures. */
  paperClosure: string;
  /** Ours per point, "64: 40%, 128: 35%". */
  oursClosure: string;
  /** "3 of 3": the points where BPTT < DSF < FT-BPTT holds (the paper's ordering). */
  orderingHolds: string;
  /**
   * Whether DSF's closure moves along the axis as the paper's does; ours alone where the paper
   * shows a figure; "–" with fewer than two of our points.
   */
  trend: string;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : "–");

/** The sign of the closure's change from the first to the last point, in words. */
function direction(values: readonly number[]): "rises" | "falls" | "flat" | null {
  const v = values.filter(Number.isFinite);
  if (v.length < 2) return null;
  const d = v[v.length - 1] - v[0];
  return Math.abs(d) < 0.05 ? "flat" : d > 0 ? "rises" : "falls";
}

/** Compares a group's axis with the paper's (see {@link PaperVerdict}). */
export function paperVerdict(axis: AxisSummary, paper: PaperAxis): PaperVerdict {
  const at = (p: AxisSummary["points"][number]) => String(p.at[paper.key] ?? p.point);
  const ours = axis.points.map((p) => p.closed.dsf ?? NaN);
  const paperVals = paper.table?.settings.map((s) => gapClosure(s.ppl)) ?? [];
  const holds = axis.points.filter((p) => {
    const m = p.methods;
    return m.bptt && m.dsf && m["ft-bptt"] && m.bptt.ppl < m.dsf.ppl &&
      m.dsf.ppl < m["ft-bptt"].ppl;
  }).length;
  const full = axis.points.filter((p) => p.methods.bptt && p.methods.dsf && p.methods["ft-bptt"]);
  const a = direction(paperVals);
  const b = direction(ours);
  return {
    paperClosure: paper.table
      ? paper.table.settings.map((s, i) => `${s.setting}: ${pct(paperVals[i])}`).join(", ")
      : "–",
    oursClosure: axis.points.map((p, i) => `${at(p)}: ${pct(ours[i])}`).join(", "),
    orderingHolds: `${holds} of ${full.length}`,
    // A figure prints no numbers: ours alone, the paper's claim is beside it in words.
    trend: a && b
      ? `paper ${a}, ours ${b}${a === b ? "" : " (differs)"}`
      : b && !paper.table
      ? `ours ${b} (the paper's figure: no numbers)`
      : "–",
  };
}

/**
 * The paper's rows beside ours in a group's summary: its table at the settings it printed (with
 * DSF's closure), or its claim; then our closures and the ordering count.
 * @param ours our reduction in words (dataset, tokens per run)
 */
export function paperBesideLines(axis: AxisSummary, paper: PaperAxis, ours: string): string[] {
  const v = paperVerdict(axis, paper);
  const head = `The paper's ${paper.ref} (${paper.question}; ${paper.setting}) asks the same ` +
    `question at its own scale; ours is smaller: ${ours}.`;
  const table = paper.table
    ? [
      "",
      `| ${paper.table.variable} | paper BPTT | paper FT-BPTT | paper DSF | paper: DSF closes |`,
      "|---|---|---|---|---|",
      ...paper.table.settings.map((s) =>
        `| ${s.setting} | ${s.ppl.bptt.toFixed(2)} | ${s.ppl["ft-bptt"].toFixed(2)} | ` +
        `${s.ppl.dsf.toFixed(2)} | ` +
        `${pct(gapClosure(s.ppl))} |`
      ),
    ]
    : paper.claim
    ? ["", `What the paper reads off its figure (no numbers printed): ${paper.claim}.`]
    : [];
  return [
    head,
    ...table,
    "",
    `Ours: DSF closes ${v.oursClosure}; the paper's ordering BPTT < DSF < FT-BPTT holds at ` +
    `${v.orderingHolds} points${
      v.trend === "–" ? "" : `; along the axis, DSF's closure: ${v.trend}`
    }.`,
  ];
}
