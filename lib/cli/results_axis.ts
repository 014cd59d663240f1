/**
 * `deno task results GROUP` for a group whose runs vary one setting across configs (a T sweep,
 * widths, depths, cells): `results/GROUP/summary.md` with the per-point table of
 * {@link axisTable}, every run's command, and `results/GROUP/closure.svg` (each method's share of
 * the FT-BPTT → BPTT gap along the axis) when the axis is numeric.
 *
 * @module
 */
import { join } from "node:path";
import { axisSummary } from "../analysis/axis_summary.ts";
import { axisReport } from "../analysis/axis_report.ts";
import { PAPER_AXES, paperVerdict } from "../analysis/paper_axes.ts";
import { METHOD_ORDER, type ReproRun, reproRunOf } from "../analysis/reproduction.ts";
import { type CommittedRun, readCommittedRuns } from "../io/committed_runs.ts";
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

/**
 * The README's §5 table: per paper table or figure, the paper's DSF closure and ours along the
 * axis, how often the paper's ordering holds, and the trend — from every group of
 * {@link PAPER_AXES} committed under `results/`; a group with no runs says so with the command
 * that makes it (`results/GROUP/PLAN.md`, when it exists).
 */
export async function paperAxesTable(): Promise<string> {
  const rows: string[] = [];
  for (const [group, paper] of Object.entries(PAPER_AXES)) {
    const dir = join("results", group);
    const committed = await readCommittedRuns(group, dir).catch(() => []);
    const done = committed.filter((r) => typeof r.summary.minValPpl === "number");
    const what = `${paper.ref} (${paper.question})`;
    if (!done.length) {
      const plan = await Deno.stat(join(dir, "PLAN.md")).then(() => true, () => false);
      const why = plan ? `no runs committed: commands and cost in \`${dir}/PLAN.md\`` : "no runs";
      const paperClosure = paper.table
        ? paperVerdict({ keys: [], methods: [], points: [] }, paper)
          .paperClosure
        : "–";
      rows.push(`| ${what} | \`${group}\` | ${paperClosure} | ${why} | – | – |`);
      continue;
    }
    const runs = done.map(reproRunOf);
    const stepTimes = stepTimesOf(await readFeedbackFiles(dir));
    const v = paperVerdict(axisSummary(runs, METHOD_ORDER, stepTimes, paper.key), paper);
    const partial = done.some((r) => r.summary.inProgress) ? " (some runs unfinished)" : "";
    rows.push(
      `| ${what} | \`${group}\`${partial} | ${v.paperClosure} | ${v.oursClosure} | ` +
        `${v.orderingHolds} | ${v.trend} |`,
    );
  }
  return [
    "| paper | our group | paper: DSF closes | ours: DSF closes | BPTT < DSF < FT-BPTT holds | " +
    "DSF's closure along the axis |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
