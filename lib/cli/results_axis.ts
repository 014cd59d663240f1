/**
 * `deno task results GROUP` for a group whose runs vary one setting across configs (a T sweep,
 * widths, depths, cells): `results/GROUP/summary.md` with the per-point table of
 * `axisTable`, every run's command, and `results/GROUP/closure.svg` (each method's share of
 * the FT-BPTT → BPTT gap along the axis) when the axis is numeric.
 *
 * @module
 */
import { join } from "node:path";
import { axisReport } from "../analysis/axis_report.ts";
import type { ReproRun } from "../analysis/reproduction.ts";
import type { CommittedRun } from "../io/committed_runs.ts";
import { readFeedbackFiles, stepTimesOf } from "../io/feedback_files.ts";
import { saveFigure } from "../io/figures.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { groupMarkdown } from "./results_table.ts";

/** The group's summary text and README block (see the module doc). */
export async function summarizeAxis(
  group: string,
  committed: readonly CommittedRun[],
  runs: readonly ReproRun[],
): Promise<{ md: string; block: string }> {
  // Step times: `deno task feedbacks` files beside the runs (one interleaved timing per point).
  const stepTimes = stepTimesOf(await readFeedbackFiles(join("results", group)));
  const { block, closureFigure } = axisReport(group, committed, runs, stepTimes);
  const md = groupMarkdown(group, block, committed);
  if (closureFigure) {
    await saveFigure(closureFigure, join("results", group, "closure.svg"), { dir: Deno.cwd() });
  }
  await writeFileAtomic(join("results", group, "summary.md"), md);
  return { md, block };
}
