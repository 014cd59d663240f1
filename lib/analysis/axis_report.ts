/**
 * A §5 group (runs that vary one setting across configs) as a reader sees it, in
 * `results/GROUP/summary.md`, the README and the notebooks alike: the per-point table of
 * {@link axisTable} (with minutes to FT-BPTT's best where a step timing is committed), the
 * paper's table or claim beside it ({@link paperBesideLines}), and the gap closure along the axis
 * as a figure.
 *
 * @module
 */
import {
  axisSeeds,
  type AxisSummary,
  axisSummary,
  axisTable,
  closureRows,
  type StepTimes,
} from "./axis_summary.ts";
import { PAPER_AXES, paperBesideLines } from "./paper_axes.ts";
import { METHOD_ORDER, type ReproRun } from "./reproduction.ts";
import { type Figure, lineChart } from "../plot/mod.ts";

/** A committed run as the report reads it: its summary record and its method view. */
export interface AxisRun {
  summary: Record<string, unknown>;
  name: string;
}

/** What {@link axisReport} gives. */
export interface AxisReport {
  axis: AxisSummary;
  /** The Markdown: the table, how to read it, the paper beside, what is still training. */
  block: string;
  /** Each method's share of the gap along the axis (numeric axes only). */
  closureFigure: Figure | null;
}

/** An axis key as a title says it. */
const KEY_WORDS: Readonly<Record<string, string>> = {
  hidden: "hidden size",
  layers: "layers",
  context: "context length T",
  lag: "recall lag",
  cell: "cell",
};

/**
 * The report of one group (see the module doc).
 * @param base the point whose runs were read from another group (`readAxisRuns`), to say so
 */
export function axisReport(
  group: string,
  committed: readonly AxisRun[],
  runs: readonly ReproRun[],
  stepTimes: StepTimes,
  base: { group: string; point: string } | null = null,
): AxisReport {
  const paper = PAPER_AXES[group];
  const axis = axisSummary(runs, METHOD_ORDER, stepTimes, paper?.key);
  const first = committed[0].summary;
  const dataset = String(runs[0].settings?.dataset ?? first.config);
  const tokens = runs.reduce((a, r) => a + r.tokens, 0) / runs.length;
  const running = committed.filter((r) => r.summary.inProgress);
  const proxies = running.length === committed.length &&
    running.every((r) => String(r.summary.inProgress).includes("paused at stopAfter")) &&
    new Set(committed.map((r) => r.summary.steps)).size === 1;
  const timed = Object.keys(stepTimes).length > 0;
  const tested = axis.points.some((p) => Object.values(p.methods).some((m) => m.test !== null));
  const block = [
    `Group \`results/${group}/\` (preset \`--scale ${first.scale}\`, backend ` +
    `${first.backend}; ` +
    `${axis.points.length} settings differing in ${axis.keys.join(", ") || "their config name"}; ` +
    `${axisSeeds(axis)}):`,
    "",
    axisTable(axis),
    "",
    ...(base
      ? [
        `The base point \`${base.point}\` is trained once, in \`results/${base.group}/\`: ` +
        "its runs are read from there.",
        "",
      ]
      : []),
    (tested
      ? "Perplexities: the minimum validation perplexity, and in brackets the test perplexity " +
        "at that checkpoint. "
      : "") +
    "A method's share of the gap is (FT-BPTT − it) / (FT-BPTT − BPTT) of the minimum validation " +
    "perplexity, seed by seed, then averaged; updates to FT-BPTT's best is the first evaluated " +
    "update at which the method's validation perplexity (the mean over its seeds) is at or below " +
    "FT-BPTT's best (the minimum of its seed-mean curve)" +
    (timed
      ? "; the minutes are those updates times the method's ms per loss + gradient on the " +
        "point's model, measured in one interleaved run (`deno task feedbacks`; the optimizer " +
        "step, the same for every method, is not in it)."
      : "."),
    ...(paper
      ? [
        "",
        ...paperBesideLines(axis, paper, `${dataset}, ${(tokens / 1e6).toFixed(2)}M tokens a run`),
      ]
      : []),
    ...(proxies
      ? [
        "",
        `Every run paused at update ${first.steps} (\`stopAfter\`: the first ` +
        "epochs of a longer schedule, a proxy; no test perplexity).",
      ]
      : running.length
      ? [
        "",
        `Still training: ${
          running.map((r) => `\`${r.name}\` ${r.summary.inProgress}`).join("; ")
        }; their rows are the run so far.`,
      ]
      : []),
  ].join("\n");
  const rows = closureRows(axis);
  const key = axis.keys[0];
  const closureFigure = rows.length
    ? lineChart(rows, {
      x: "x",
      y: "closed",
      stroke: "method",
      marker: true,
      logX: rows.every((r) => r.x > 0),
      xLabel: key,
      yLabel: "share of the FT-BPTT → BPTT gap closed (%)",
      title: `${group}: share of the gap closed, by ${KEY_WORDS[key] ?? key}`,
      caption: `${
        axisSeeds(axis).replace(/^./, (c) => c.toUpperCase())
      }; 100% = BPTT's minimum validation perplexity, 0% = ` +
        `FT-BPTT's; below 0: worse than no temporal gradient. Preset --scale ${first.scale}, backend ` +
        `${first.backend}.`,
    })
    : null;
  return { axis, block, closureFigure };
}
