/**
 * `deno task results GROUP` for a group whose runs vary one setting across configs (a T sweep,
 * widths, depths, cells): `results/GROUP/summary.md` with the per-point table of
 * {@link axisTable}, every run's command, and `results/GROUP/closure.svg` (each method's share of
 * the FT-BPTT → BPTT gap along the axis) when the axis is numeric.
 *
 * @module
 */
import { join } from "node:path";
import { axisSummary, axisTable, closureRows } from "../analysis/axis_summary.ts";
import { METHOD_ORDER, type ReproRun } from "../analysis/reproduction.ts";
import type { CommittedRun } from "../io/committed_runs.ts";
import { saveFigure } from "../io/figures.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { lineChart } from "../plot/mod.ts";
import { groupMarkdown } from "./results_table.ts";

/** The group's summary text and README block (see the module doc). */
export async function summarizeAxis(
  group: string,
  committed: readonly CommittedRun[],
  runs: readonly ReproRun[],
): Promise<{ md: string; block: string }> {
  const axis = axisSummary(runs, METHOD_ORDER);
  const first = committed[0].summary;
  const running = committed.filter((r) => r.summary.inProgress);
  const proxies = running.length === committed.length &&
    running.every((r) => String(r.summary.inProgress).includes("paused at stopAfter")) &&
    new Set(committed.map((r) => r.summary.steps)).size === 1;
  const block = [
    `Group \`results/${group}/\` (scale ${first.scale}, backend ${first.backend}; ` +
    `${axis.points.length} settings differing in ${axis.keys.join(", ") || "their config name"}; ` +
    "minimum validation perplexity, seed mean):",
    "",
    axisTable(axis),
    "",
    "A method's share of the gap is (FT-BPTT − it) / (FT-BPTT − BPTT) of the minimum validation " +
    "perplexity, seed by seed, then averaged; updates to FT-BPTT's best is the first evaluated " +
    "update at which the method's validation perplexity is at or below FT-BPTT's minimum.",
    ...(proxies
      ? [
        "",
        `Every run paused at update ${committed[0].summary.steps} (\`stopAfter\`: the first ` +
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
  const md = groupMarkdown(group, block, committed);
  const rows = closureRows(axis);
  if (rows.length) {
    const key = axis.keys[0];
    const fig = lineChart(rows, {
      x: "x",
      y: "closed",
      stroke: "method",
      marker: true,
      logX: rows.every((r) => r.x > 0),
      xLabel: key,
      yLabel: "share of the FT-BPTT → BPTT gap closed (%)",
      title: `${group}: gap closed against ${key}`,
      caption: `Seed mean per point; 100% = BPTT's minimum validation perplexity, 0% = ` +
        `FT-BPTT's; below 0: worse than no temporal gradient. Scale ${first.scale}, backend ` +
        `${first.backend}.`,
    });
    await saveFigure(fig, join("results", group, "closure.svg"), { dir: Deno.cwd() });
  }
  await writeFileAtomic(join("results", group, "summary.md"), md);
  return { md, block };
}
