/**
 * `deno task results GROUP… [--readme]`
 *
 * Summarises the committed runs of each group (`results/GROUP/*.json` with their curves): writes
 * `results/GROUP/summary.md` (per method: min validation perplexity over seeds, test perplexity,
 * seconds per update, the share of the FT-BPTT → BPTT gap closed, where the validation curves
 * cross, and every run's command) and `results/GROUP/curves.svg` (the validation curves, seed
 * mean where a method has several seeds).
 * With `--readme`, the README's block between `<!-- results:GROUP -->` and
 * `<!-- /results:GROUP -->` is replaced by the table, so the README quotes the files, not a hand.
 *
 * @module
 */
import { replaceBlock, writeFormattedMarkdown } from "../io/readme_blocks.ts";
import { parseCommandArgs, runCommand } from "./command_line.ts";
import { join } from "node:path";
import { type CommittedRun, readCommittedRuns } from "../io/committed_runs.ts";
import { engineParts } from "../analysis/engines.ts";
import { plainName } from "../io/results_files.ts";
import { cannotRead, MAX_JSON_BYTES, readInputText } from "../io/bounded_file.ts";
import { saveFigure } from "../io/figures.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import {
  commonStep,
  crossingLines,
  METHOD_ORDER,
  type MethodSummary,
  type ReproRun,
  reproRunOf,
  runsAt,
  summarizeMethods,
} from "../analysis/reproduction.ts";
import { headline } from "../analysis/headline.ts";
import { gapClosure } from "../analysis/compare.ts";
import { type ModePpl, PAPER_TABLE2 } from "../analysis/paper_tables.ts";
import { PAPER_AXES } from "../analysis/paper_axes.ts";
import { groupCurves, seedsPhrase } from "../notebook/committed_group.ts";
import { summarizeAxis } from "./results_axis.ts";
import { paperAxesTable } from "../notebook/paper_axes_table.ts";
import { summarizeLags } from "./results_lags.ts";
import { summarizeFeedbacks } from "./results_feedbacks.ts";
import { summarizeConfirmation } from "./results_confirm.ts";
import { f2, groupMarkdown, summarizeAt, table } from "./results_table.ts";

/** What a group summary gives: the file text, the README block, the method rows. */
interface GroupSummary {
  md: string;
  block: string;
  rows?: MethodSummary[];
  facts?: string;
  /** Some of its runs are still training: not an answer to put beside the paper's. */
  running?: boolean;
  /** The three opening lines, for the group the README opens with ({@link HEADLINE_GROUP}). */
  headline?: string | null;
}

/** The group whose curves and three lines open the README (`<!-- results:headline -->`). */
const HEADLINE_GROUP = "ptb-word-30ep";

const ORDER = [...METHOD_ORDER];

/** The method table of some runs, and while some train, the table at their common horizon. */
function methodTables(runs: ReproRun[], committed: CommittedRun[]): string[] {
  const running = committed.filter((r) => r.summary.inProgress);
  // Proxies: every run stopped at stopAfter at one update, so their rows compare as they are.
  const proxies = running.length === committed.length &&
    running.every((r) => String(r.summary.inProgress).includes("paused at stopAfter")) &&
    new Set(committed.map((r) => r.summary.steps)).size === 1;
  // While a run trains, the finished runs' minima are over more updates than its: compare the
  // methods (and the gap closed) at the last update every run has evaluated at.
  const horizon = running.length ? commonStep(runs) : 0;
  return [
    table(summarizeMethods(runs, ORDER), { gaps: running.length === 0 || proxies }),
    "",
    ...(proxies
      ? [
        `Every run paused at the same update (\`stopAfter\`: the first epochs of a longer ` +
        `schedule, a proxy; no test perplexity): ${
          running.map((r) => `\`${r.name}\` ${r.summary.inProgress}`).join("; ")
        }.`,
        "",
      ]
      : running.length
      ? [
        `Still training: ${
          running.map((r) => `\`${r.name}\` ${r.summary.inProgress}`).join("; ")
        }. Their rows are the run so far (test perplexity comes at the end).`,
        "",
        `The same runs up to update ${horizon}, the last evaluation every run has reached ` +
        `(minimum validation perplexity over the evaluations up to there):`,
        "",
        table(summarizeMethods(runsAt(runs, horizon), ORDER)),
        "",
      ]
      : []),
  ];
}

async function summarize(group: string): Promise<GroupSummary | null> {
  const committed = (await readCommittedRuns(group, join("results", group))).filter((r) =>
    typeof r.summary.mode === "string" && typeof r.summary.minValPpl === "number"
  );
  if (!committed.length) return null;
  const runs: ReproRun[] = committed.map(reproRunOf);
  // A §5 group is an axis even while it holds one point.
  if (new Set(runs.map((r) => r.point)).size > 1 || group in PAPER_AXES) {
    return await summarizeAxis(group);
  }
  // Ours first, then another engine's runs (the PyTorch twin): each its own tables and crossings.
  const parts = engineParts(committed);
  const mixed = parts.length > 1;
  const rows = summarizeMethods(parts[0].runs, ORDER);
  const first = committed[0].summary;
  const capped = /evalBatches=(\d+)/.exec(String(first.command ?? ""));
  const facts =
    `${first.config}, scale ${first.scale}${
      mixed ? "" : `, backend ${first.backend}`
    }; validation ` + (capped ? `on ${capped[1]} batches` : "on the full split");
  const running = committed.filter((r) => r.summary.inProgress);
  const block = [
    `Group \`results/${group}/\` (${facts}):`,
    "",
    ...parts.flatMap((p) => [
      ...(mixed ? [`Trained by ${p.label}:`, ""] : []),
      ...methodTables(p.runs, p.committed),
    ]),
    "ms / update is each run's training time per update (evaluation excluded); the runs shared the " +
    "2 cores with one another, not always under the same load, so compare step costs with " +
    "`deno task bench` or `deno task feedbacks` (interleaved timing in one process) rather than " +
    "across these rows.",
    ...parts.flatMap((p) => [
      "",
      `Where ${mixed ? `${p.engine}'s` : "the"} validation curves (${seedsPhrase(p.runs)}) cross:`,
      "",
      ...crossingLines(p.runs, ORDER),
    ]),
    ...(mixed ? ["", `In the curves, ${parts[1].engine}'s are dashed.`] : []),
  ].join("\n");
  const md = groupMarkdown(group, block, committed);
  const fig = groupCurves(parts.flatMap((p) => p.curves), {
    title: `${first.config}: validation perplexity`,
    caption: `${seedsPhrase(runs).replace(/^./, (c) => c.toUpperCase())}; ${facts}.`,
  });
  await saveFigure(fig, join("results", group, "curves.svg"), { dir: Deno.cwd() });
  await writeFileAtomic(join("results", group, "summary.md"), md);
  return {
    md,
    block,
    rows,
    facts: shortFacts(parts[0].committed[0].summary, parts[0].runs),
    running: running.length > 0,
    headline: headline(
      parts[0].runs,
      parts[0].committed.map((r, i) => ({
        method: parts[0].runs[i].method,
        inProgress: r.summary.inProgress as string | undefined,
      })),
    ),
  };
}

/** One line of what a group ran: the config and the training budget. */
function shortFacts(first: Record<string, unknown>, runs: ReproRun[]): string {
  const tokens = runs.reduce((a, r) => a + r.tokens, 0) / runs.length;
  const steps = runs.reduce((a, r) => a + r.steps, 0) / runs.length;
  return `${first.config}, ${Math.round(steps)} updates, ${(tokens / 1e6).toFixed(2)}M tokens`;
}

/** Table 2's 3-layer row, beside our 3-layer WikiText-2 groups. */
const WT103_3_LAYERS = {
  label: `${PAPER_TABLE2.id}, 3 layers (WikiText-103, GRU 3×512, T = 256, ~5 epochs)`,
  ppl: PAPER_TABLE2.settings.find((s) => s.setting === 3)!.ppl,
};
/** Which paper numbers a group sits beside (the paper prints none for PTB). */
const PAPER_ROW: Record<string, { label: string; ppl: ModePpl } | undefined> = {
  wt2: WT103_3_LAYERS,
  "wt2-1ep": WT103_3_LAYERS,
};

/** Our groups beside the paper: min validation perplexity (seed mean) and gap closed. */
function versusPaper(groups: { group: string; rows: MethodSummary[]; facts: string }[]): string {
  const head =
    "| setting | BPTT | FT-BPTT | DSF | DSF closes | ordering |\n|---|---|---|---|---|---|";
  const order = (p: Record<string, number>) =>
    Object.entries(p).sort((a, b) => a[1] - b[1]).map(([m]) => m).join(" < ");
  const lines: string[] = [];
  const shown = new Set<object>(); // each paper row once, after the first group it sits beside
  for (const g of groups) {
    const by = (m: string) => g.rows.find((r) => r.method === m)?.minValPpl.mean ?? NaN;
    const ours = { bptt: by("bptt"), "ft-bptt": by("ft-bptt"), dsf: by("dsf") };
    if (Object.values(ours).some((v) => !Number.isFinite(v))) continue;
    const seeds = g.rows.find((r) => r.method === "dsf")!.seeds.length;
    const gc = gapClosure(ours);
    lines.push(
      `| ours: \`${g.group}\` (${g.facts}; ${seeds} seed${seeds > 1 ? "s" : ""}) | ` +
        `${f2(ours.bptt)} | ${f2(ours["ft-bptt"])} | ${f2(ours.dsf)} | ` +
        `${Number.isFinite(gc) ? `${(100 * gc).toFixed(0)}%` : "– (no gap)"} | ${order(ours)} |`,
    );
    const paper = PAPER_ROW[g.group];
    if (paper && !shown.has(paper)) {
      shown.add(paper);
      lines.push(
        `| paper: ${paper.label} | ${f2(paper.ppl.bptt)} | ${f2(paper.ppl["ft-bptt"])} | ` +
          `${f2(paper.ppl.dsf)} | ${(100 * gapClosure(paper.ppl)).toFixed(0)}% | ${
            order(paper.ppl)
          } |`,
      );
    }
  }
  return [head, ...lines].join("\n");
}

const USAGE = "usage: deno task results GROUP… [--readme] [--at UPDATE]";

/** The README, read with a bound (it is rewritten in place with --readme). */
async function readReadme(): Promise<string> {
  try {
    return await readInputText("README.md", { what: "the README", maxBytes: MAX_JSON_BYTES });
  } catch (err) {
    throw cannotRead("README.md", err);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseCommandArgs(Deno.args, {
    readme: { type: "boolean" },
    at: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, true);
  if (values.help) return console.log(USAGE), 0;
  if (!positionals.length) throw new Error(`name at least one group (${USAGE})`);
  if (values.at !== undefined) {
    const at = Number(values.at);
    if (!Number.isInteger(at) || at < 1 || at > 1e9) {
      throw new Error(`--at ${values.at}: give an update number in [1, 1000000000]`);
    }
    if (values.readme) throw new Error("--at prints a table only: it does not go with --readme");
    for (const group of positionals) {
      plainName("GROUP", group);
      console.log(await summarizeAt(group, at));
    }
    return 0;
  }
  let readme = values.readme ? await readReadme() : "";
  const ours: { group: string; rows: MethodSummary[]; facts: string }[] = [];
  const replace = (name: string, block: string): boolean => {
    try {
      readme = replaceBlock(readme, name, block);
      return true;
    } catch (e) {
      console.error(`results: ${(e as Error).message}`);
      return false;
    }
  };
  for (const group of positionals) {
    plainName("GROUP", group);
    const isDir = await Deno.stat(join("results", group)).then((i) => i.isDirectory, () => null);
    if (isDir === false) throw new Error(`results/${group} is not a folder: name a results group`);
    if (isDir === null) {
      const groups = [...Deno.readDirSync("results")].filter((e) => e.isDirectory).map((e) =>
        e.name
      ).sort();
      throw new Error(`results/${group}/ does not exist; the groups are ${groups.join(", ")}`);
    }
  }
  for (const group of positionals) {
    const s: GroupSummary | null = (await summarizeConfirmation(group)) ??
      (await summarizeFeedbacks(group)) ??
      (await summarizeLags(group)) ??
      (await summarize(group));
    if (!s) {
      // A §5 group not yet run says where its plan is; it still counts in the §5 table.
      const plan = join("results", group, "PLAN.md");
      if (await Deno.stat(plan).then(() => true, () => false)) {
        console.error(
          `results: no runs in results/${group}/ yet: the commands and cost are in ${plan}`,
        );
        continue;
      }
      console.error(`results: no committed runs in results/${group}/`);
      return 2;
    }
    console.log(s.md);
    // The synthetic task is ours, not the paper's: it has no place beside the paper's numbers.
    if (s.rows && s.facts && !s.facts.startsWith("synthetic") && !s.running) {
      ours.push({ group, rows: s.rows, facts: s.facts });
    }
    if (values.readme && !replace(group, s.block)) return 2;
    if (values.readme && group === HEADLINE_GROUP && s.headline) {
      const source = `(\`results/${group}/\`, made by \`deno task results ${group} --readme\`; ` +
        `every number above is from the committed runs and their commands there.)`;
      if (!replace("headline", `${s.headline}\n\n${source}`)) return 2;
    }
  }
  if (ours.length) {
    const table = versusPaper(ours);
    console.log(table);
    if (values.readme && !replace("vs-paper", table)) return 2;
  }
  // The §5 table, whenever one of its groups is summarised (it reads all of them).
  if (positionals.some((g) => g in PAPER_AXES)) {
    const table = await paperAxesTable(Deno.cwd());
    console.log(table);
    if (values.readme && !replace("paper-axes", table)) return 2;
  }
  if (values.readme) await writeFormattedMarkdown("README.md", readme);
  return 0;
}

await runCommand("results", main);
