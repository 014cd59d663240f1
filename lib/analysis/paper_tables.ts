/**
 * The paper's reported numbers as data, typed once: Tables 2–4 and the claims of Figures 1–3 of
 * Caillon, Fagnou & Allauzen 2025 (arXiv:2503.23104), the three modes it compares with their
 * display names, and Table 2's gap closures derived from the table.
 *
 * @module
 */
import { gapClosure } from "./compare.ts";
import { GRADIENT_MODES, type GradientMode } from "../recurrent.ts";

/** The three gradient modes the paper compares (the gradient modes of `Recurrent`). */
export type PaperMode = GradientMode;

/** The modes in the order the tables use. */
export const PAPER_MODES: readonly PaperMode[] = GRADIENT_MODES;

/** Display names of the modes, as the paper writes them. */
export const MODE_LABELS: Readonly<Record<PaperMode, string>> = {
  bptt: "BPTT",
  "ft-bptt": "FT-BPTT",
  dsf: "DSF",
};

/** A mode's display name (BPTT, FT-BPTT, DSF), or the string itself for other labels. */
export function modeLabel(mode: string): string {
  return (MODE_LABELS as Record<string, string>)[mode] ?? mode;
}

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
    claim: "BPTT gives the lowest validation perplexity in every configuration, DSF stays " +
      "close to it and below FT-BPTT; deeper and wider networks reach lower perplexities, " +
      "except the 3 × 1024 one, where BPTT and DSF overfit and their validation curves cross " +
      "FT-BPTT's (§5.2)",
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
 * The paper's gap closures (its Table 2: WikiText-103 validation perplexity, GRU 512, by depth),
 * computed from {@link PAPER_TABLE2}.
 */
export const PAPER_GAP_CLOSURE: readonly { layers: number; closure: number }[] = PAPER_TABLE2
  .settings.map((s) => ({ layers: s.setting, closure: gapClosure(s.ppl) }));
