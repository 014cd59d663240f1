/**
 * The search for a quick scale where the gradient modes come apart (`bench/quick_search.ts`
 * runs it): the settings searched, one row per finished run, and the verdict per setting —
 * the ordering of BPTT, FT-BPTT and DSF in each seed, and whether they are "apart": the same
 * ordering in every seed, each gap between neighbours larger than 2 standard deviations (over
 * the seeds) of either mode.
 *
 * @module
 */
import type { ConfigPatch } from "../config/schema.ts";
import { GRADIENT_MODES } from "../recurrent.ts";

/** One setting: a preset at `quick` and the overrides that make it. */
export interface SearchSetting {
  /** Short id (A, B, …). */
  id: string;
  /** The preset it starts from. */
  preset: "ptb-char-gru-1L256" | "ptb-gru-1L256";
  /** One line for the table. */
  label: string;
  /** Overrides of the preset at `quick`. */
  patch: ConfigPatch;
}

const common: ConfigPatch = { evalBatchSize: 64, evalBatches: 20 };

const SETTINGS: SearchSetting[] = [
  {
    id: "A",
    preset: "ptb-char-gru-1L256",
    label: "char, D 256, T 256, B 32, lr 2e-3, 300 updates",
    patch: { hidden: 256, context: 256, batchSize: 32, lr: 2e-3, steps: 300, evalEvery: 100 },
  },
  {
    id: "B",
    preset: "ptb-char-gru-1L256",
    label: "char, D 128, T 256, B 32, lr 3e-3, 500 updates",
    patch: { hidden: 128, context: 256, batchSize: 32, lr: 3e-3, steps: 500, evalEvery: 100 },
  },
  {
    id: "C",
    preset: "ptb-char-gru-1L256",
    label: "char, D 256, T 64, B 64, lr 2e-3, 300 updates",
    patch: { hidden: 256, context: 64, batchSize: 64, lr: 2e-3, steps: 300, evalEvery: 100 },
  },
  {
    id: "D",
    preset: "ptb-char-gru-1L256",
    label: "char, D 128, T 128, B 32, lr 5e-3, 500 updates",
    patch: { hidden: 128, context: 128, batchSize: 32, lr: 5e-3, steps: 500, evalEvery: 100 },
  },
  {
    id: "E",
    preset: "ptb-gru-1L256",
    label: "word, D 128, T 64, B 32, lr 3e-3, 400 updates",
    patch: { hidden: 128, context: 64, batchSize: 32, lr: 3e-3, steps: 400, evalEvery: 100 },
  },
  {
    id: "F",
    preset: "ptb-gru-1L256",
    label: "word, D 256, T 64, B 32, lr 2e-3, 250 updates",
    patch: { hidden: 256, context: 64, batchSize: 32, lr: 2e-3, steps: 250, evalEvery: 50 },
  },
];

/** The settings searched: character and word level, widths, contexts, learning rates. */
export const QUICK_SEARCH_SETTINGS: readonly SearchSetting[] = SETTINGS.map((s) => ({
  ...s,
  patch: { ...common, ...s.patch },
}));

/** One finished run. */
export interface SearchRow {
  /** The setting's id. */
  setting: string;
  /** The gradient mode. */
  mode: "bptt" | "ft-bptt" | "dsf";
  /** Seed of initialisation and data order. */
  seed: number;
  /** Updates trained. */
  steps: number;
  /** Validation perplexity at the end. */
  valPpl: number;
  /** Best validation perplexity of the run. */
  minValPpl: number;
  /** Wall seconds of the run (training and its evaluations). */
  seconds: number;
  /** The backend line. */
  backend: string;
  /** The command that made it. */
  command: string;
}

/** A setting's verdict. */
export interface SearchVerdict {
  /** The setting's id. */
  setting: string;
  /** Seeds with all three modes. */
  seeds: number[];
  /** Per mode: mean and sample sd of the final validation perplexity over the seeds. */
  stats: Record<string, { mean: number; sd: number; seconds: number }>;
  /** The ordering (best first) in each seed. */
  orderings: string[];
  /** Same ordering in every seed (≥ 2) and every neighbouring gap > 2 sd of either mode. */
  apart: boolean;
  /** The smallest neighbouring gap over the larger of the two modes' sd (∞ with sd 0). */
  separation: number;
}

const MODES = GRADIENT_MODES;

/** The verdict of every setting that has rows. */
export function searchVerdicts(rows: readonly SearchRow[]): SearchVerdict[] {
  const out: SearchVerdict[] = [];
  for (const s of QUICK_SEARCH_SETTINGS) {
    const mine = rows.filter((r) => r.setting === s.id);
    const seeds = [...new Set(mine.map((r) => r.seed))].filter((seed) =>
      MODES.every((m) => mine.some((r) => r.seed === seed && r.mode === m))
    ).sort((a, b) => a - b);
    if (seeds.length === 0) continue;
    const at = (m: string, seed: number) => mine.find((r) => r.mode === m && r.seed === seed)!;
    const stats: SearchVerdict["stats"] = {};
    for (const m of MODES) {
      const v = seeds.map((seed) => at(m, seed).valPpl ?? NaN);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = v.length > 1
        ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1))
        : NaN;
      const seconds = seeds.reduce((a, seed) => a + at(m, seed).seconds, 0) / seeds.length;
      stats[m] = { mean, sd, seconds };
    }
    const orderings = seeds.map((seed) =>
      [...MODES].sort((a, b) => at(a, seed).valPpl - at(b, seed).valPpl).join(" < ")
    );
    const order = [...MODES].sort((a, b) => stats[a].mean - stats[b].mean);
    let separation = Infinity;
    for (let i = 0; i + 1 < order.length; i++) {
      const [a, b] = [stats[order[i]], stats[order[i + 1]]];
      const sd = Math.max(a.sd, b.sd);
      const gap = b.mean - a.mean;
      separation = Math.min(separation, !(gap > 0) ? 0 : sd > 0 ? gap / sd : Infinity);
    }
    // A diverged run (NaN/∞, written to JSON as null) or a tie is never "apart".
    const finite = seeds.every((seed) => MODES.every((m) => Number.isFinite(at(m, seed).valPpl)));
    const same = orderings.every((o) => o === orderings[0]);
    out.push({
      setting: s.id,
      seeds,
      stats,
      orderings,
      apart: finite && seeds.length >= 2 && same && separation > 2,
      separation: seeds.length >= 2 ? separation : NaN,
    });
  }
  return out;
}

/** The README of the search's results folder. */
export function searchReport(rows: readonly SearchRow[]): string {
  const verdicts = searchVerdicts(rows);
  const f = (v: number) => Number.isFinite(v) ? v.toFixed(2) : "–";
  const lines = [
    "# A quick scale where the modes come apart",
    "",
    "Each setting is a preset at `quick` with the overrides listed (`lib/analysis/quick_search.ts`),",
    "trained for a fixed number of updates in each mode and seed; the number is the validation",
    "perplexity at the end (the first 20 batches of 64 sentences of the validation split). Apart:",
    "the same ordering in both seeds and every gap between neighbours larger than 2 sd (over the",
    "seeds) of either mode; separation = the smallest such gap in units of that sd.",
    "",
    `Command: \`${rows[0]?.command ?? "(no runs yet)"}\``,
    "",
    `Backend: ${(rows[0]?.backend ?? "–").replace(/^backend: /, "")}; the runs shared the ` +
    "machine's 2 cores with other work (a training run, at the end CI), so their seconds are a " +
    "guide only.",
    "",
    "| setting | BPTT | FT-BPTT | DSF | ordering per seed | separation | apart | s a run (BPTT / FT / DSF) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const v of verdicts) {
    const s = QUICK_SEARCH_SETTINGS.find((x) => x.id === v.setting)!;
    const cell = (m: string) => `${f(v.stats[m].mean)} ± ${f(v.stats[m].sd)}`;
    lines.push(
      `| ${s.id}: ${s.label} | ${cell("bptt")} | ${cell("ft-bptt")} | ${cell("dsf")} | ` +
        `${v.orderings.join("; ")} | ${f(v.separation)} | ${v.apart ? "yes" : "no"} | ` +
        `${MODES.map((m) => v.stats[m].seconds.toFixed(0)).join(" / ")} |`,
    );
  }
  const missing = QUICK_SEARCH_SETTINGS.filter((s) => !verdicts.some((v) => v.setting === s.id));
  if (missing.length) {
    lines.push("", `Not run yet: ${missing.map((s) => `${s.id} (${s.label})`).join("; ")}.`);
  }
  const best = verdicts.filter((v) => v.apart).sort((a, b) => b.separation - a.separation)[0];
  lines.push(
    "",
    best
      ? `Best separated: setting ${best.setting} (${best.orderings[0]}, separation ${
        f(best.separation)
      }).`
      : "No setting searched so far is apart by this test.",
  );
  return lines.join("\n") + "\n";
}
