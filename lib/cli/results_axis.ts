/**
 * `deno task results GROUP` for a group whose runs vary one setting across configs (a T sweep,
 * widths, depths, cells): `results/GROUP/summary.md` with the per-point table of
 * `axisTable`, every run's command, and `results/GROUP/closure.svg` (each method's share of
 * the FT-BPTT → BPTT gap along the axis) when the axis is numeric. A §5 axis that shares its
 * base point with another group reads the base's runs from there (`readAxisRuns`); each of a §5
 * group's own points gets its validation curves per method, `results/GROUP/curves-POINT.svg`
 * (log scale, against the epoch when the runs trained whole epochs).
 *
 * @module
 */
import { join } from "node:path";
import { axisReport } from "../analysis/axis_report.ts";
import { PAPER_AXES } from "../analysis/paper_axes.ts";
import { reproRunOf } from "../analysis/reproduction.ts";
import { groupCurves, seedsPhrase } from "../notebook/committed_group.ts";
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
  const { axis, block, closureFigure } = axisReport(group, committed, runs, stepTimes, base);
  const own = group in PAPER_AXES
    ? axis.points.map((p) => p.point).filter((p) => p !== base?.point)
    : [];
  const first = committed[0].summary;
  const curves: string[] = [];
  for (const point of own) {
    const mine = runs.filter((r) => r.point === point);
    const file = `curves-${point}.svg`;
    const figure = groupCurves(mine, {
      title: `${point}: validation perplexity per method`,
      caption:
        `Committed runs of results/${group}/, ${
          seedsPhrase(mine)
        }; preset --scale ${first.scale}, backend ` +
        `${first.backend}.`,
    });
    await saveFigure(figure, join("results", group, file), { dir: Deno.cwd() });
    curves.push(`[\`${point}\`](${file})`);
  }
  const text = curves.length
    ? `${block}\n\nValidation curves per method, one figure per point: ${curves.join(", ")}.`
    : block;
  const md = groupMarkdown(group, text, committed);
  if (closureFigure) {
    await saveFigure(closureFigure, join("results", group, "closure.svg"), { dir: Deno.cwd() });
  }
  await writeFileAtomic(join("results", group, "summary.md"), md);
  return { md, block };
}
