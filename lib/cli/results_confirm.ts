/**
 * `deno task results GROUP` for a confirmation group (one with a `compare.json`,
 * `lib/analysis/confirmation.ts`): its runs beside the reference groups' runs at one update (the
 * method table with the gap closed, the validation curves up to there), and its reproduction
 * points against the committed runs they repeat.
 *
 * @module
 */
import { join } from "node:path";
import { readConfirmation } from "../io/confirmation_files.ts";
import { METHOD_ORDER, runsAt, summarizeMethods } from "../analysis/reproduction.ts";
import { REPRODUCED_BELOW, reproductions, runsEvaluatedAt } from "../analysis/confirmation.ts";
import { groupCurves, seedsPhrase } from "../notebook/committed_group.ts";
import { saveFigure } from "../io/figures.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { groupMarkdown, table } from "./results_table.ts";

/**
 * The summary of a confirmation group; null when the group has no `compare.json`. Writes
 * `results/GROUP/summary.md` and `curves.svg`.
 */
export async function summarizeConfirmation(
  group: string,
): Promise<{ md: string; block: string } | null> {
  const found = await readConfirmation(group, Deno.cwd());
  if (!found) return null;
  const { spec, here, refs } = found;
  const specPath = join("results", group, "compare.json");
  const compared = runsEvaluatedAt(here, refs, spec.at);
  if (!compared.length) {
    throw new Error(`${specPath}: no run has a validation row at update ${spec.at}`);
  }
  const runs = runsAt(compared.map((s) => s.run), spec.at);
  const from = [...new Set(compared.map((s) => `\`results/${s.group}/\` (commit ${s.commit})`))];
  const repro = reproductions(here, refs);
  const f = (x: number) => x.toExponential(1);
  const reproLines = repro.length
    ? [
      "Reproduction points (the same config, method and seed at two commits; validation loss " +
      "compared at every update both evaluated at):",
      "",
      "| run | commit | against | commit | updates compared | max relative difference | verdict |",
      "|---|---|---|---|---|---|---|",
      ...repro.map((r) =>
        `| ${r.point} ${r.method} seed ${r.seed} | ${r.here.commit} | \`results/${r.reference.group}/\` ` +
        `| ${r.reference.commit} | ${r.steps.join(", ") || "none"} | ${f(r.maxRelDiff)} | ${
          r.steps.length && r.maxRelDiff < REPRODUCED_BELOW
            ? `reproduced (< ${f(REPRODUCED_BELOW)}: float32 rounding)`
            : "**not reproduced**"
        } |`
      ),
    ]
    : ["No reproduction point: no run here repeats a reference run's config, method and seed."];
  const block = [
    `Group \`results/${group}/\` beside ${spec.with.map((g) => `\`results/${g}/\``).join(", ")} ` +
    `at update ${spec.at} (minimum validation perplexity up to there; runs from ${
      from.join(", ")
    }):`,
    "",
    table(summarizeMethods(runs, [...METHOD_ORDER]), { times: false }),
    "",
    "No step times: the runs trained at different commits, on different machines or under " +
    "different load; the methods' step costs compare in one interleaved run (`deno task " +
    "feedbacks`).",
    "",
    ...reproLines,
  ].join("\n");
  const committed = found.committed;
  const md = groupMarkdown(group, block, committed);
  const curves = runs.map((r) => ({ ...r, rows: r.rows.filter((x) => x.step <= spec.at) }));
  const fig = groupCurves(curves, {
    title: `${runs[0].point}: validation perplexity to update ${spec.at}`,
    caption: `${seedsPhrase(runs).replace(/^./, (c) => c.toUpperCase())}; runs from ${
      from.join(", ").replaceAll("`", "")
    }.`,
  });
  await saveFigure(fig, join("results", group, "curves.svg"), { dir: Deno.cwd() });
  await writeFileAtomic(join("results", group, "summary.md"), md);
  return { md, block };
}
