/**
 * `deno task results GROUP` for a group whose runs vary one setting across configs (a T sweep,
 * widths, depths, cells): `results/GROUP/summary.md` with the per-point table of
 * {@link axisTable}, every run's command, and `results/GROUP/closure.svg` (each method's share of
 * the FT-BPTT → BPTT gap along the axis) when the axis is numeric.
 *
 * @module
 */
import { join } from "node:path";
import { axisSummary, axisTable, closureRows, type StepTimes } from "../analysis/axis_summary.ts";
import { PAPER_AXES, paperBesideLines, paperVerdict } from "../analysis/paper_axes.ts";
import { readFeedbackFiles } from "./results_feedbacks.ts";
import { METHOD_ORDER, type ReproRun, reproRunOf } from "../analysis/reproduction.ts";
import { type CommittedRun, readCommittedRuns } from "../io/committed_runs.ts";
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
  // Step times: `deno task feedbacks` files beside the runs (one interleaved timing per point).
  const timings = await readFeedbackFiles(join("results", group));
  const stepTimes: StepTimes = Object.fromEntries(
    timings.map((f) => [f.config, Object.fromEntries(f.rows.map((r) => [r.variant, r.ms]))]),
  );
  const paper = PAPER_AXES[group];
  const axis = axisSummary(runs, METHOD_ORDER, stepTimes, paper?.key);
  const first = committed[0].summary;
  const dataset = String(runs[0].settings?.dataset ?? first.config);
  const tokens = runs.reduce((a, r) => a + r.tokens, 0) / runs.length;
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
    "update at which the method's validation perplexity is at or below FT-BPTT's minimum" +
    (timings.length
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
      rows.push(`| ${what} | \`${group}\` | – | ${why} | – | – |`);
      continue;
    }
    const runs = done.map(reproRunOf);
    const timings = await readFeedbackFiles(dir);
    const stepTimes: StepTimes = Object.fromEntries(
      timings.map((f) => [f.config, Object.fromEntries(f.rows.map((r) => [r.variant, r.ms]))]),
    );
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
