/**
 * `deno task results GROUP` for a group whose runs vary one setting across configs (a T sweep,
 * widths, depths, cells): `results/GROUP/summary.md` with the per-point table of
 * `axisTable`, every run's command, and `results/GROUP/closure.svg` (each method's share of
 * the FT-BPTT → BPTT gap along the axis) when the axis is numeric. A §5 axis that shares its
 * base point with another group reads the base's runs from there (`readAxisRuns`).
 *
 * @module
 */
import { join } from "node:path";
import { axisReport } from "../analysis/axis_report.ts";
import { PAPER_AXES } from "../analysis/paper_axes.ts";
import { reproRunOf } from "../analysis/reproduction.ts";
import { readAxisRuns } from "../io/axis_runs.ts";
import { saveFigure } from "../io/figures.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { groupMarkdown } from "./results_table.ts";

/** The group's summary text and README block (see the module doc). */
export async function summarizeAxis(group: string): Promise<{ md: string; block: string }> {
  // Step times: `deno task feedbacks` files beside the runs (one interleaved timing per point).
  const { committed, stepTimes, base } = await readAxisRuns(group, {
    root: ".",
    base: PAPER_AXES[group]?.base,
  });
  const runs = committed.map(reproRunOf);
  const { block, closureFigure } = axisReport(group, committed, runs, stepTimes, base);
  const md = groupMarkdown(group, block, committed);
  if (closureFigure) {
    await saveFigure(closureFigure, join("results", group, "closure.svg"), { dir: Deno.cwd() });
  }
  await writeFileAtomic(join("results", group, "summary.md"), md);
  return { md, block };
}
