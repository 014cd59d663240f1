/**
 * The §5 table of the README and of notebook 00: per paper table or figure, the paper's DSF
 * closure and ours along the axis, how often the paper's ordering holds, the trend — read from the
 * committed §5 groups (`results/<group>/`, {@link PAPER_AXES}).
 *
 * @module
 */
import { join } from "node:path";
import { axisSummary } from "../analysis/axis_summary.ts";
import { PAPER_AXES, paperVerdict } from "../analysis/paper_axes.ts";
import { METHOD_ORDER, reproRunOf } from "../analysis/reproduction.ts";
import { readAxisRuns } from "../io/axis_runs.ts";
import { projectRoot } from "../io/dirs.ts";

/**
 * The README's §5 table: per paper table or figure, the paper's DSF closure and ours along the
 * axis, how often the paper's ordering holds, and the trend — from every group of
 * {@link PAPER_AXES} committed under `results/`; a group with no runs says so with the command
 * that makes it (`results/GROUP/PLAN.md`, when it exists).
 * @param root the project folder whose `results/` is read (default: this checkout's)
 */
export async function paperAxesTable(root: string = projectRoot()): Promise<string> {
  const rows: string[] = [];
  for (const [group, paper] of Object.entries(PAPER_AXES)) {
    const dir = join(root, "results", group);
    const shown = `results/${group}`;
    const { committed: done, stepTimes } = await readAxisRuns(group, { root, base: paper.base });
    const what = `${paper.ref} (${paper.question})`;
    if (!done.length) {
      const plan = await Deno.stat(join(dir, "PLAN.md")).then(() => true, () => false);
      const why = plan ? `no runs committed: commands and cost in \`${shown}/PLAN.md\`` : "no runs";
      const paperClosure = paper.table
        ? paperVerdict({ keys: [], methods: [], points: [] }, paper)
          .paperClosure
        : "–";
      rows.push(`| ${what} | \`${group}\` | ${paperClosure} | ${why} | – | – |`);
      continue;
    }
    const runs = done.map(reproRunOf);
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
