/**
 * Named experiments the notebooks share: a preset of `lib/config/presets.ts` plus typed
 * overrides, at every scale (`always`) and at `quick` only (`quick`: what makes the run fit a
 * notebook on a 2-core CPU). A notebook passes one to `runExperiment` in place of a preset name
 * and adds its own changes as a typed `patch`:
 *
 * ```ts
 * const r = await runExperiment(RECALL, { patch: { mode: "dsf", lr: 0.02 } });
 * ```
 *
 * @module
 */
import { type ConfigPatch, mergePatches, type Scale } from "../config/schema.ts";
import { QUICK_SEARCH_SETTINGS } from "../analysis/quick_search.ts";

/** A preset with the overrides a notebook runs it with. */
export interface NotebookPreset {
  /** The preset's name (`listConfigs()`). */
  preset: string;
  /** One line: what the run is. */
  description: string;
  /** Overrides at every scale. */
  always?: ConfigPatch;
  /** Overrides at `quick` only (after `always`). */
  quick?: ConfigPatch;
}

/** The overrides of `p` at `scale` (`always`, then `quick` at quick), feedback keys merged. */
export function presetPatch(p: NotebookPreset, scale: Scale): ConfigPatch {
  return mergePatches(p.always ?? {}, scale === "quick" ? p.quick ?? {} : {});
}

/**
 * Delayed recall at quick (notebooks 01 and 03): lag 8, K = 8 symbols, T = 32, a GRU 1×64 at
 * lr 0.01 for 300 updates, so that the three modes separate within ~15 s each.
 */
export const RECALL: NotebookPreset = {
  preset: "synthetic-recall",
  description: "delayed recall, lag 8, K = 8 (the preset's sizes above quick)",
  quick: {
    hidden: 64,
    context: 32,
    lag: 8,
    alphabet: 8,
    lr: 0.01,
    steps: 300,
    evalEvery: 30,
  },
};

/** Delayed recall whose Jacobians notebook 02 measures: lag 4, GRU 1×64, 300 updates at quick. */
export const JACOBIAN_RECALL: NotebookPreset = {
  preset: "synthetic-recall",
  description: "delayed recall, lag 4 (the Jacobians of a trained GRU)",
  quick: {
    hidden: 64,
    context: 32,
    lag: 4,
    steps: 300,
    lr: 0.003,
    evalEvery: 50,
    evalBatches: 4,
  },
};

/** Delayed recall with 2 layers (notebook 06's feedbacks): GRU 2×32, lag 4 at quick. */
export const FEEDBACK_RECALL: NotebookPreset = {
  preset: "synthetic-recall",
  description: "delayed recall with 2 layers (the feedbacks beyond the paper)",
  always: { layers: 2 },
  quick: { ...JACOBIAN_RECALL.quick, hidden: 32 },
};

const searchBest = QUICK_SEARCH_SETTINGS.find((s) => s.id === "E")!;

/**
 * The language model of the quick-scale search's best-separated setting (E, results/quick-search/):
 * PTB word level, GRU 1×128, T = 64, batch 32, lr 3e-3, 400 updates (~70 s a run here). Its
 * modes came apart in both seeds, in the order DSF < FT-BPTT < BPTT: the reverse of the
 * paper's end-of-training order. At other scales: the preset `ptb-gru-1L256` as it is.
 */
export const QUICK_LM: NotebookPreset = {
  preset: searchBest.preset,
  description: `PTB ${searchBest.label} (quick-scale search, setting E)`,
  quick: searchBest.patch,
};

/**
 * The delayed-recall try-its of the §5 notebooks: the section's variable (width, depth, cell, the
 * delay the gradient must cross) on a task where BPTT, DSF and FT-BPTT separate within a minute.
 * Every point trains notebook 06's setting (GRU 2 × 32, lag 4, T = 32, 300 updates at lr 3e-3)
 * with one thing changed; its committed twin at `quick`, seeds 0 and 1, is the point of the same
 * name in `results/recall-sweeps/` (the command of each run is in its summary.md).
 */
export interface RecallSweep {
  /** The varied quantity, as the tables name it. */
  variable: string;
  points: readonly { setting: string | number; name: string; patch: ConfigPatch }[];
}

/** The base the recall sweeps vary, one key at a time. */
export const RECALL_BASE: ConfigPatch = {
  hidden: 32,
  context: 32,
  lag: 4,
  layers: 2,
  cell: "gru",
  steps: 300,
  lr: 0.003,
  evalEvery: 50,
  evalBatches: 4,
};

const base = { setting: "", name: "recall-base", patch: {} };
/** Width, depth, cell and delay, each around {@link RECALL_BASE}. */
export const RECALL_SWEEPS: Readonly<Record<"width" | "depth" | "cells" | "delay", RecallSweep>> = {
  width: {
    variable: "hidden size",
    points: [
      { setting: 16, name: "recall-D16", patch: { hidden: 16 } },
      { ...base, setting: 32 },
      { setting: 64, name: "recall-D64", patch: { hidden: 64 } },
    ],
  },
  depth: {
    variable: "layers",
    points: [
      { setting: 1, name: "recall-L1", patch: { layers: 1 } },
      { ...base, setting: 2 },
      { setting: 4, name: "recall-L4", patch: { layers: 4 } },
    ],
  },
  cells: {
    variable: "cell",
    points: [
      { setting: "rnn", name: "recall-rnn", patch: { cell: "rnn" } },
      { ...base, setting: "gru" },
      { setting: "lstm", name: "recall-lstm", patch: { cell: "lstm" } },
    ],
  },
  delay: {
    variable: "delay (lag)",
    points: [
      { setting: 2, name: "recall-lag2", patch: { lag: 2 } },
      { ...base, setting: 4 },
      { setting: 8, name: "recall-lag8", patch: { lag: 8 } },
      { setting: 16, name: "recall-lag16", patch: { lag: 16 } },
    ],
  },
};

/**
 * One recall point as a notebook preset: its change and the base's context at every scale, the
 * base at `quick` (where it is its committed twin's command at seed 0).
 */
export function recallPreset(sweep: RecallSweep, name: string): NotebookPreset {
  const p = sweep.points.find((x) => x.name === name);
  if (!p) throw new Error(`${name} is not a point of the ${sweep.variable} recall sweep`);
  return {
    preset: "synthetic-recall",
    description: `delayed recall, ${sweep.variable} ${p.setting}`,
    // The base's context at every scale: the delays must fit in it (smoke's own is 16).
    always: { context: RECALL_BASE.context, ...p.patch, name: p.name },
    quick: { ...RECALL_BASE, ...p.patch, name: p.name },
  };
}
