/**
 * The computed data lines of the overview and DSF notebooks (§1, §3), for the statements under
 * their figures (`claimThenData`): runs compared by a loss, with ties within a stated tolerance,
 * the differences along a claimed ordering, the share of the FT-BPTT→BPTT gap closed — of
 * perplexity, as everywhere (`gapClosed` of lib/analysis; a loss in nats is exponentiated)
 * —, the distance to a chance level and the time per step; the
 * committed quick-scale search (`searchLines`) and a committed results group (`groupLines`).
 *
 * @module
 */
import { fix, signed } from "./format.ts";
import { gapClosed } from "../analysis/compare.ts";
import type { SearchVerdict } from "../analysis/quick_search.ts";
import { crossingLines, type ReproRun, summarizeMethods } from "../analysis/reproduction.ts";
import type { RunLike, RunStats } from "../analysis/run_stats.ts";
import { seedsPhrase } from "./committed_group.ts";
import { GRADIENT_MODES } from "../recurrent.ts";

/** One compared run: its label, the value compared (lower is better) and its time per step. */
export interface Compared {
  /** The run's label. */
  label: string;
  /** The compared value, e.g. a loss in nats. */
  value: number;
  /** Training milliseconds per update (omit or NaN: no time line). */
  msPerStep?: number;
}

/** Options of {@link compareLines}. */
export interface CompareOptions {
  /** What the value is, for the ordering line (default "value"). */
  what?: string;
  /** Its unit (default "nats"). */
  unit?: string;
  /** Decimals shown (default 3). */
  digits?: number;
  /** Differences below this (in the unit) count as a tie; default 0.01. */
  tolerance?: number;
  /** A chance level to compare each run with. */
  chance?: number;
  /** Name of the chance level in the text (default "chance"). */
  chanceLabel?: string;
  /** Labels of the runs that span the gap (default `{ft: "ft-bptt", bptt: "bptt"}`; null: none). */
  refs?: { ft: string; bptt: string } | null;
  /** A claimed ordering (labels, best first): a line with the differences between neighbours. */
  claimed?: readonly string[];
}

/** Options of {@link describeRunLines}: {@link CompareOptions} and which loss to compare. */
export interface DescribeOptions extends CompareOptions {
  /** Which loss to compare (default `minValidLoss`). */
  key?: "minValidLoss" | "finalValidLoss" | "finalTrainLoss";
}

/** A share as a whole percentage, "−" for a negative one ("75%", "−33%"). */
function signedPercent(x: number): string {
  const p = Math.round(100 * x) + 0;
  return `${p < 0 ? "−" : ""}${Math.abs(p)}%`;
}

/**
 * Data lines (no leading "- ") comparing runs by one value: the ordering with ties within the
 * tolerance, a note when all are within it, the differences along a claimed ordering, the share
 * of the FT→BPTT perplexity gap each other run closes (when both references are present), each run's
 * distance to the chance level, and the time per step relative to the BPTT reference.
 */
export function compareLines(items: readonly Compared[], options: CompareOptions = {}): string[] {
  const tol = options.tolerance ?? 0.01;
  const unit = options.unit ?? "nats";
  const d = options.digits ?? 3;
  const f = (v: number) => fix(v, d);
  const sorted = [...items].sort((a, b) => a.value - b.value);
  const lines: string[] = [];
  let order = `${sorted[0]?.label} ${f(sorted[0]?.value)}`;
  for (let i = 1; i < sorted.length; i++) {
    const tie = sorted[i].value - sorted[i - 1].value < tol;
    order += ` ${tie ? "≈" : "<"} ${sorted[i].label} ${f(sorted[i].value)}`;
  }
  lines.push(
    `Ordering by ${options.what ?? "value"} (${unit}; "≈" = within ${tol}): ${order}.`,
  );
  const spread = sorted.length ? sorted[sorted.length - 1].value - sorted[0].value : 0;
  if (sorted.length > 1 && spread < tol) {
    lines.push(`All runs within ${f(spread)} ${unit} of each other: a tie at tolerance ${tol}.`);
  }
  const by = new Map(items.map((s) => [s.label, s]));
  const claimed = (options.claimed ?? []).filter((l) => by.has(l));
  if (claimed.length > 1) {
    const diffs = claimed.slice(1).map((l, i) => by.get(l)!.value - by.get(claimed[i])!.value);
    const count = (p: (x: number) => boolean) => diffs.filter(p).length;
    lines.push(
      `Along the claimed order ${claimed.join(" < ")}: ` +
        diffs.map((x, i) => `${claimed[i + 1]} − ${claimed[i]} = ${signed(x, d)}`).join(", ") +
        ` ${unit}; ${count((x) => x >= tol)} of ${diffs.length} in the claimed direction by at ` +
        `least ${tol}, ${count((x) => Math.abs(x) < tol)} within ±${tol}, ` +
        `${count((x) => x <= -tol)} reversed.`,
    );
  }
  const refs = options.refs === undefined ? { ft: "ft-bptt", bptt: "bptt" } : options.refs;
  const ft = refs ? by.get(refs.ft) : undefined;
  const bptt = refs ? by.get(refs.bptt) : undefined;
  const others = items.filter((s) => s !== ft && s !== bptt);
  if (refs && ft && bptt && others.length) {
    if (ft.value - bptt.value >= tol) {
      // The share is always of perplexity, as the paper's and `deno task results`' are: a loss
      // in nats is its log.
      const ppl = unit === "nats" ? Math.exp : (v: number) => v;
      const closed = others.map((s) =>
        `${s.label} **${signedPercent(gapClosed(ppl(ft.value), ppl(s.value), ppl(bptt.value)))}**`
      );
      lines.push(
        `Share of the ${refs.ft}→${refs.bptt} gap closed (perplexity ${fix(ppl(ft.value), 2)} → ` +
          `${fix(ppl(bptt.value), 2)}): ${closed.join(", ")}.`,
      );
    } else {
      lines.push(
        `No ${refs.ft}→${refs.bptt} gap to close: ${refs.bptt} is not ${tol} ${unit} below ` +
          `${refs.ft} (${f(bptt.value)} vs ${f(ft.value)}).`,
      );
    }
  }
  if (options.chance !== undefined) {
    const chance = options.chance;
    const name = options.chanceLabel ?? "chance";
    const each = items.map((s) => {
      const below = chance - s.value;
      const where = below >= tol
        ? `${f(below)} below`
        : below <= -tol
        ? `${f(-below)} above`
        : `at ${name}`;
      return `${s.label} ${where}`;
    });
    lines.push(
      `Against ${name} (${f(chance)} ${unit}; "at" = within ${tol}): ${each.join("; ")}.`,
    );
  }
  const timed = (s?: Compared) => s?.msPerStep !== undefined && Number.isFinite(s.msPerStep);
  if (bptt && timed(bptt)) {
    const rel = items.filter((s) => s !== bptt && timed(s)).map((s) => {
      const r = bptt.msPerStep! / s.msPerStep!;
      const how = r >= 1 ? `${fix(r, 2)}× faster` : `${fix(1 / r, 2)}× slower`;
      return `${s.label} ${fix(s.msPerStep, 0)} ms (${how})`;
    });
    if (rel.length) {
      lines.push(
        `Time per training step (training only): ${bptt.label} ${fix(bptt.msPerStep, 0)} ms; ` +
          `${rel.join("; ")}.`,
      );
    }
  }
  return lines;
}

/** {@link compareLines} on runs' statistics, comparing the loss `key` (default lowest valid). */
export function describeRunLines(
  stats: readonly RunStats[],
  options: DescribeOptions = {},
): string[] {
  const key = options.key ?? "minValidLoss";
  const what = {
    minValidLoss: "lowest validation loss",
    finalValidLoss: "final validation loss",
    finalTrainLoss: "final training loss",
  }[key];
  return compareLines(
    stats.map((s) => ({ label: s.label, value: s[key], msPerStep: s.msPerStep })),
    { what, ...options },
  );
}

/** {@link describeRunLines} as one Markdown list ("- " before each line). */
export function describeRuns(stats: readonly RunStats[], options: DescribeOptions = {}): string {
  return describeRunLines(stats, options).map((l) => `- ${l}`).join("\n");
}

/** The mean of the last `window` values (all of them when fewer; NaN when none). */
export function tailMean(values: readonly number[], window: number): number {
  const tail = values.slice(-Math.max(1, Math.floor(window)));
  return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN;
}

/**
 * Per series (in order of first appearance), the mean loss of its last `window` rows, for
 * {@link compareLines}: e.g. a plain loop's `{series: mode, loss}` rows, one per update.
 */
export function tailLosses(
  rows: readonly { series: string; loss: number }[],
  window: number,
): Compared[] {
  const series = [...new Set(rows.map((r) => r.series))];
  return series.map((label) => ({
    label,
    value: tailMean(rows.filter((r) => r.series === label).map((r) => r.loss), window),
  }));
}

/**
 * How far the runs' validation loss still moved at the end: its change over the last
 * evaluation interval of each run and the targets trained on (one line).
 */
export function lastIntervalLine(runs: readonly RunLike[]): string {
  const each = runs.map((r) => {
    const v = r.rows.filter((x) => x.split === "valid");
    if (v.length < 2) return `${r.label} n/a (fewer than 2 evaluations)`;
    const [a, b] = [v[v.length - 2], v[v.length - 1]];
    return `${r.label} ${signed(b.loss - a.loss, 3)} (updates ${a.step} → ${b.step})`;
  });
  const tokens = [...new Set(runs.map((r) => r.summary.tokens))];
  return `Change of the validation loss over the last evaluation interval (nats; negative: still ` +
    `falling): ${each.join("; ")}. Trained on ${
      tokens.map((t) => t.toLocaleString("en-US")).join(", ")
    } targets per run.`;
}

/**
 * The committed quick-scale search, as data lines: how many settings are apart and which, the
 * best separated, and in how many every seed has BPTT < FT-BPTT, DSF < FT-BPTT and the paper's
 * order BPTT < DSF < FT-BPTT.
 */
export function searchLines(verdicts: readonly SearchVerdict[]): string[] {
  if (verdicts.length === 0) return ["No committed search rows."];
  const ids = (xs: readonly SearchVerdict[]) => xs.map((v) => v.setting).join(", ") || "none";
  const everySeed = (p: (order: string[]) => boolean) =>
    verdicts.filter((v) => v.orderings.length > 0 && v.orderings.every((o) => p(o.split(" < "))));
  const before = (a: string, b: string) => (o: string[]) => o.indexOf(a) < o.indexOf(b);
  const apart = verdicts.filter((v) => v.apart);
  const best = [...apart].sort((a, b) => b.separation - a.separation)[0];
  const seeds = [...new Set(verdicts.map((v) => v.seeds.join(", ")))].join("; ");
  const n = verdicts.length;
  return [
    `${apart.length} of ${n} settings apart (the same ordering in every seed, each ` +
    `neighbouring gap > 2 sd): ${ids(apart)}; seeds ${seeds}.`,
    best
      ? `Best separated: ${best.setting}, ${best.orderings[0]}, smallest neighbouring gap ` +
        `${best.separation.toFixed(2)} sd.`
      : "No setting is apart.",
    `In every seed: BPTT < FT-BPTT in ${everySeed(before("bptt", "ft-bptt")).length} of ${n} ` +
    `(${ids(everySeed(before("bptt", "ft-bptt")))}); DSF < FT-BPTT in ` +
    `${everySeed(before("dsf", "ft-bptt")).length} of ${n} ` +
    `(${ids(everySeed(before("dsf", "ft-bptt")))}); the paper's BPTT < DSF < FT-BPTT in ` +
    `${everySeed((o) => o.join(" < ") === "bptt < dsf < ft-bptt").length} of ${n} ` +
    `(${ids(everySeed((o) => o.join(" < ") === "bptt < dsf < ft-bptt"))}).`,
  ];
}

/**
 * A committed results group (`committedGroup(...).runs`), as data lines: the seeds of each
 * method, the ordering (of one seed's or the seed mean's minimum; {@link compareLines},
 * perplexity), the claimed order per seed, the gap closed per seed, and where the three modes'
 * curves cross.
 */
export function groupLines(
  runs: readonly ReproRun[],
  options: { claimed?: readonly string[]; tolerance?: number } = {},
): string[] {
  if (runs.length === 0) return ["No committed runs."];
  const methods = summarizeMethods([...runs], [...GRADIENT_MODES]);
  const bySeeds = new Map<string, string[]>();
  for (const m of methods) {
    const k = m.seeds.join(", ");
    bySeeds.set(k, [...(bySeeds.get(k) ?? []), m.method]);
  }
  const lines = [
    `Seeds: ${[...bySeeds].map(([s, ms]) => `${s} for ${ms.join(", ")}`).join("; ")}.`,
    ...compareLines(
      methods.map((m) => ({ label: m.method, value: m.minValPpl.mean })),
      {
        what: `lowest validation perplexity, ${
          bySeeds.size > 1 ? "mean over each method's seeds" : seedsPhrase(runs)
        }`,
        unit: "perplexity",
        digits: 2,
        tolerance: options.tolerance ?? 0.01,
        claimed: options.claimed,
        refs: null, // the gap closed per seed follows
      },
    ),
  ];
  const claimed = options.claimed ?? [];
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b)
    .filter((s) => claimed.every((m) => runs.some((r) => r.method === m && r.seed === s)));
  if (claimed.length > 1 && seeds.length) {
    const orders = seeds.map((s) =>
      claimed.map((m) => runs.find((r) => r.method === m && r.seed === s)!)
        .sort((a, b) => a.minValPpl - b.minValPpl).map((r) => r.method).join(" < ")
    );
    const held = orders.filter((o) => o === claimed.join(" < ")).length;
    lines.push(
      `The claimed order ${claimed.join(" < ")} in ${held} of ${seeds.length} seeds (` +
        seeds.map((s, i) => `seed ${s}: ${orders[i]}`).join("; ") + ").",
    );
  }
  const gaps = methods.filter((m) => m.method !== "bptt" && m.method !== "ft-bptt")
    .map((m) =>
      `${m.method} ${
        m.gapClosed.values.map((g) => Number.isFinite(g) ? `${signedPercent(g)}` : "n/a")
          .join(", ")
      }`
    );
  if (gaps.length) {
    lines.push(
      `Share of the ft-bptt→bptt gap closed, per seed (as in the table): ${gaps.join("; ")}.`,
    );
  }
  return [...lines, ...crossingLines([...runs], [...GRADIENT_MODES])];
}
