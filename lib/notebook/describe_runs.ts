/**
 * The computed "What we saw" sentences of the overview and DSF notebooks (§1, §3): runs
 * compared by validation loss, with ties, the share of the FT-BPTT→BPTT gap closed
 * (`gapClosed` of lib/analysis), the distance to a chance level and the time per step.
 *
 * @module
 */
import { gapClosed } from "../analysis/compare.ts";
import type { RunStats } from "../analysis/run_stats.ts";

/** Options of {@link describeRuns}. */
export interface DescribeOptions {
  /** Differences below this (nats) count as a tie; default 0.01. */
  tolerance?: number;
  /** A chance-level loss to compare each run with. */
  chance?: number;
  /** Name of the chance level in the text (default "chance"). */
  chanceLabel?: string;
  /** Which loss to compare (default `minValidLoss`). */
  key?: "minValidLoss" | "finalValidLoss";
  /** Labels of the runs that span the gap (default `{ft: "ft-bptt", bptt: "bptt"}`). */
  refs?: { ft: string; bptt: string };
}

/** Formats a number to `digits` decimals ("n/a" when not finite). */
function fix(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : "n/a";
}

/**
 * Sentences (Markdown) comparing runs, computed from their numbers: the ordering by validation
 * loss with ties named, the share of the FT-BPTT→BPTT gap each other run closes (when the two
 * reference runs are present and the gap exceeds the tolerance), each run's distance to the
 * chance level, and the time per step relative to BPTT.
 */
export function describeRuns(stats: readonly RunStats[], options: DescribeOptions = {}): string {
  const tol = options.tolerance ?? 0.01;
  const key = options.key ?? "minValidLoss";
  const what = key === "minValidLoss" ? "lowest validation loss" : "final validation loss";
  const sorted = [...stats].sort((a, b) => a[key] - b[key]);
  const parts: string[] = [];
  let order = `${sorted[0]?.label} ${fix(sorted[0]?.[key])}`;
  for (let i = 1; i < sorted.length; i++) {
    const tie = sorted[i][key] - sorted[i - 1][key] < tol;
    order += ` ${tie ? "≈" : "<"} ${sorted[i].label} ${fix(sorted[i][key])}`;
  }
  parts.push(`- Ordering by ${what} (nats; "≈" = within ${tol}): ${order}.`);
  const spread = sorted.length ? sorted[sorted.length - 1][key] - sorted[0][key] : 0;
  if (sorted.length > 1 && spread < tol) {
    parts.push(
      `- The runs are **not apart** at this scale: all within ${fix(spread)} nats of each other.`,
    );
  }
  const by = new Map(stats.map((s) => [s.label, s]));
  const refs = options.refs ?? { ft: "ft-bptt", bptt: "bptt" };
  const ft = by.get(refs.ft);
  const bptt = by.get(refs.bptt);
  const others = stats.filter((s) => s !== ft && s !== bptt);
  if (ft && bptt && others.length) {
    if (ft[key] - bptt[key] >= tol) {
      const closed = others.map((s) =>
        `${s.label} **${Math.round(100 * gapClosed(ft[key], s[key], bptt[key])) + 0}%**`
      );
      parts.push(
        `- Share of the ${refs.ft}→${refs.bptt} gap closed (${fix(ft[key])} → ${fix(bptt[key])}): ${
          closed.join(", ")
        }.`,
      );
    } else {
      parts.push(
        `- No ${refs.ft}→${refs.bptt} gap to close: ${refs.bptt} is not ${tol} nats better ` +
          `than ${refs.ft} (${fix(ft[key])} vs ${fix(bptt[key])}).`,
      );
    }
  }
  if (options.chance !== undefined) {
    const name = options.chanceLabel ?? "chance";
    const lines = stats.map((s) => {
      const below = options.chance! - s[key];
      const where = below >= tol
        ? `is ${fix(below)} nats below`
        : below <= -tol
        ? `is ${fix(-below)} nats above`
        : "stays at";
      return `${s.label} ${where} ${name} (${fix(options.chance!)})`;
    });
    parts.push(`- Against ${name}: ${lines.join("; ")}.`);
  }
  if (bptt && Number.isFinite(bptt.msPerStep)) {
    const rel = stats.filter((s) => s !== bptt && Number.isFinite(s.msPerStep)).map((s) => {
      const r = bptt.msPerStep / s.msPerStep;
      const how = r >= 1 ? `${fix(r, 2)}× faster` : `${fix(1 / r, 2)}× slower`;
      return `${s.label} ${fix(s.msPerStep, 0)} ms (${how})`;
    });
    if (rel.length) {
      parts.push(
        `- Time per training step (training only): ${bptt.label} ${fix(bptt.msPerStep, 0)} ms; ${
          rel.join("; ")
        }.`,
      );
    }
  }
  return parts.join("\n");
}
