/**
 * This project's sweep results next to the paper's tables: the rows of a paper table with the
 * gap closed, how the DSF − BPTT gap moves across a table, "ours next to the paper's" rows, and
 * Table 4 beside our baselines. The gap formula is {@link gapClosure} (lib/analysis/compare.ts).
 *
 * @module
 */
import { gapClosure } from "./compare.ts";
import type { OurSetting, SweepRun } from "./mode_sweep.ts";
import {
  MODE_LABELS,
  type ModePpl,
  PAPER_MODES,
  PAPER_TABLE2,
  PAPER_TABLE4,
  type PaperTable,
} from "./paper_tables.ts";

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

/** Whether a per-mode record has a number for each of the paper's three modes. */
export function hasPaperModes(p: Record<string, number>): p is ModePpl {
  return PAPER_MODES.every((m) => typeof p[m] === "number");
}

/** Options of {@link comparisonRows}. */
export interface ComparisonRowsOptions {
  /** The paper's table for the same settings (matched by `setting`), if it gives numbers. */
  paper?: PaperTable;
  /** Header of the setting column (default: the paper's variable, else "setting"). */
  variable?: string;
  /**
   * FT-BPTT must be worse than BPTT by more than this relative difference for our gap closed to
   * be shown (default 0.02): below it the ratio divides noise by noise.
   */
  tolerance?: number;
}

/** Our "gap closed" cell: a percentage only when FT-BPTT is worse than BPTT by more than `tol`. */
function closedCell(ppl: Record<string, number>, tol: number): string {
  if (!hasPaperModes(ppl)) return "n/a";
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
  options: ComparisonRowsOptions = {},
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

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
