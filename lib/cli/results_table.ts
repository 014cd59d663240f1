/**
 * The Markdown table of a results group's methods (min validation and test perplexity over seeds,
 * time per update, tokens, the gap closed), and the group as it stood at one update
 * (`deno task results GROUP --at N`).
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { type CommittedRun, readCommittedRuns } from "../io/committed_runs.ts";
import {
  METHOD_ORDER,
  type MethodSummary,
  reproRunOf,
  runsAt,
  summarizeMethods,
} from "../analysis/reproduction.ts";

const ORDER = [...METHOD_ORDER];

/** Two decimals, or – for a missing number. */
export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");
const pm = (s: { mean: number; sd: number; values: number[] }, digits = 2) =>
  !Number.isFinite(s.mean)
    ? "–"
    : s.values.length > 1
    ? `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`
    : s.mean.toFixed(digits);

/**
 * The methods' table (see the module doc); `gaps: false` for runs of unequal length, `times:
 * false` for runs timed on different machines or commits (their step times are not compared).
 */
export function table(
  rows: MethodSummary[],
  options: { gaps?: boolean; times?: boolean } = {},
): string {
  const head =
    "| method | seeds | min valid ppl | test ppl | ms / update | × DSF time | tokens / run | " +
    "gap closed (FT→BPTT) |\n|---|---|---|---|---|---|---|---|";
  const dsfTime = rows.find((r) => r.method === "dsf")?.secondsPerStep.mean ?? NaN;
  const bothEnds = ["bptt", "ft-bptt"].every((m) => rows.some((r) => r.method === m));
  const ms = (x: { mean: number; sd: number; values: number[] }) => ({
    ...x,
    mean: 1000 * x.mean,
    sd: 1000 * x.sd,
  });
  const lines = rows.map((r) =>
    `| ${r.method} | ${r.seeds.join(", ")} | ${pm(r.minValPpl)} | ${pm(r.testPpl)} | ` +
    (options.times === false
      ? "– | – | "
      : `${pm(ms(r.secondsPerStep), 0)} | ${f2(r.secondsPerStep.mean / dsfTime)} | `) +
    `${(r.tokens / 1e6).toFixed(2)}M | ` +
    `${
      r.method === "bptt" || r.method === "ft-bptt"
        ? "–"
        : options.gaps === false
        ? "– (runs of unequal length: see below)"
        : !bothEnds
        ? "– (needs BPTT and FT-BPTT runs)"
        : Number.isFinite(r.gapClosed.mean)
        ? `${(100 * r.gapClosed.mean).toFixed(0)}%${
          r.gapClosed.values.length > 1
            ? ` (${r.gapClosed.values.map((g) => `${(100 * g).toFixed(0)}%`).join(", ")})`
            : ""
        }`
        : "no gap: BPTT not ahead of FT-BPTT"
    } |`
  );
  return [head, ...lines].join("\n");
}

/**
 * A group's methods as they stood at update `at` (each run's minimum validation perplexity over
 * its evaluations up to there, the gap closed): printed only, no file written. For the question
 * "does the order at epoch 2 predict the end?".
 */
export async function summarizeAt(group: string, at: number): Promise<string> {
  const committed = (await readCommittedRuns(group, join("results", group))).filter((r) =>
    typeof r.summary.mode === "string" && typeof r.summary.minValPpl === "number"
  );
  if (!committed.length) throw new Error(`results/${group}/ holds no committed runs`);
  const runs = runsAt(committed.map(reproRunOf), at);
  const missing = runs.filter((r) => !Number.isFinite(r.minValPpl));
  if (missing.length) {
    throw new Error(
      `results/${group}: ${missing.length} run(s) have no evaluation at or before update ${at}`,
    );
  }
  return [
    `Group \`results/${group}/\` at update ${at} (minimum validation perplexity up to there; ` +
    "made by `deno task results " + group + ` --at ${at}\`):`,
    "",
    table(summarizeMethods(runs, ORDER)),
  ].join("\n");
}

/** A group's `summary.md`: its title, the block, and every run's command (with its progress). */
export function groupMarkdown(
  group: string,
  block: string,
  committed: readonly CommittedRun[],
): string {
  return [
    `# ${group}`,
    "",
    "Made by `deno task results " + group + "` from the committed runs beside this file.",
    "",
    block,
    "",
    "Commands:",
    "",
    ...committed.map((r) =>
      `- \`${r.name}\`: \`${r.command}\`` +
      (r.summary.inProgress ? ` (**${r.summary.inProgress}**)` : "")
    ),
    "",
  ].join("\n");
}

/**
 * The `summary.md` of a group of a tool's result files (`deno task feedbacks`, `deno task lags`):
 * its title, the block and each file's command; written into the group's folder.
 */
export async function writeToolSummary(
  group: string,
  tool: string,
  block: string,
  commands: readonly string[],
): Promise<string> {
  const md = [
    `# ${group}`,
    "",
    "Made by `deno task results " + group +
    `\` from the \`deno task ${tool}\` files beside this file.`,
    "",
    block,
    "",
    "Commands:",
    "",
    ...commands.map((c) => `- \`${c}\``),
    "",
  ].join("\n");
  await writeFileAtomic(join("results", group, "summary.md"), md);
  return md;
}
