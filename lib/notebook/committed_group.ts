/**
 * A committed results group shown in a notebook: the validation curves per method (seed mean where
 * a method has several seeds; log scale, one colour per method) and the table of minima, test perplexities and gap closure, read
 * from `results/<group>/` — the runs `deno task results <group>` tabulates for the README — or,
 * when the group has no runs yet, the commands that make them.
 *
 * And what the notebooks' verdict cells check their facts with: a group's share of the gap
 * ({@link committedClosure}, {@link committedConfirmation}), a point's seed mean
 * ({@link meanMinPpl}), the facts listed or refused ({@link checkVerdict}) and the tolerance of
 * float32 rounding ({@link ROUNDING_TOLERANCE}).
 *
 * @module
 */
import { readCommittedRuns } from "../io/committed_runs.ts";
import { readAxisRuns } from "../io/axis_runs.ts";
import { PAPER_AXES } from "../analysis/paper_axes.ts";
import { projectRoot } from "../io/dirs.ts";
import { axisReport } from "../analysis/axis_report.ts";
import { join } from "node:path";
import {
  meanCurves,
  METHOD_ORDER,
  type MethodSummary,
  type ReproRun,
  reproRunOf,
  runsAt,
  type Spread,
  summarizeMethods,
} from "../analysis/reproduction.ts";
import { runsEvaluatedAt } from "../analysis/confirmation.ts";
import { readConfirmation } from "../io/confirmation_files.ts";
import { engineOfLabel, engineParts, OUR_ENGINE } from "../analysis/engines.ts";
import { type Figure, lineChart } from "../plot/mod.ts";
import { type Displayable, markdown, table } from "./display.ts";

/** What {@link committedGroup} found. */
export interface CommittedGroup {
  /** The group's runs (empty when none is committed). */
  runs: ReproRun[];
  /** The validation curves (seed mean where a method has several seeds), or null without runs. */
  figure: Figure | null;
  /** The table per method, or the commands that make the group. */
  table: Displayable;
  /** The runs still training, as "name: epoch k of N done, in progress". */
  inProgress: string[];
}

const spread = (s: Spread, digits = 2) => {
  const n = s.values.filter((v) => Number.isFinite(v)).length;
  if (n === 0 || !Number.isFinite(s.mean)) return "–";
  return n > 1 ? `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}` : s.mean.toFixed(digits);
};

/**
 * How a group's runs are averaged over seeds, as a figure or a statement says it: "seed 0" (one
 * seed), "mean over seeds 0, 1" (every method the same seeds), or per method where they differ
 * ("mean over seeds 0, 1 for bptt, dsf; seed 0 for dsf-fitted").
 */
export function seedsPhrase(runs: readonly ReproRun[]): string {
  const seedsOf = (m: string) =>
    [...new Set(runs.filter((r) => r.method === m).map((r) => r.seed))].sort((a, b) => a - b);
  const phrase = (seeds: number[]) =>
    seeds.length === 1 ? `seed ${seeds[0]}` : `mean over seeds ${seeds.join(", ")}`;
  const methods = [...new Set(runs.map((r) => r.method))];
  const groups = new Map<string, string[]>();
  for (const m of methods) {
    const p = phrase(seedsOf(m));
    groups.set(p, [...(groups.get(p) ?? []), m]);
  }
  if (groups.size <= 1) return [...groups.keys()][0] ?? "no runs";
  return [...groups].map(([p, ms]) => `${p} for ${ms.join(", ")}`).join("; ");
}

/**
 * A group's validation curves per method (the mean over its seeds where a method has several),
 * log scale, against the epoch when every run was set to whole epochs and against the update
 * otherwise (the unit the notebooks' text counts training in) — the figure of `deno task results`
 * and of {@link committedGroup}. The caption should say the seeds ({@link seedsPhrase}).
 */
export function groupCurves(
  runs: readonly ReproRun[],
  text: { title: string; caption: string },
): Figure {
  const perEpoch = new Map(runs.map((r) => [r.method, r.stepsPerEpoch]));
  const byEpoch = runs.every((r) => r.stepsPerEpoch !== undefined);
  const averaged = runs.some((r) => runs.some((o) => o.method === r.method && o.seed !== r.seed));
  const points = meanCurves([...runs]).map((p) => ({
    ...p,
    x: byEpoch ? p.step / perEpoch.get(p.method)! : p.step,
    engine: engineOfLabel(p.method),
  }));
  const labels = [...new Set(points.map((p) => p.method))];
  // Ours in METHOD_ORDER, then another engine's methods (`dsf · pytorch-twin`) in the same order.
  const rank = (l: string) => METHOD_ORDER.indexOf(l.split(" · ")[0]);
  const series = [
    ...METHOD_ORDER.filter((m) => labels.includes(m)),
    ...labels.filter((l) => engineOfLabel(l) !== OUR_ENGINE).sort((a, b) => rank(a) - rank(b)),
  ];
  const engines = new Set(points.map((p) => p.engine));
  return lineChart(points, {
    x: "x",
    y: "ppl",
    stroke: "method",
    series,
    ...(engines.size > 1
      ? { strokeDasharray: "engine", dashes: { [OUR_ENGINE]: "", "pytorch-twin": "6,3" } }
      : {}),
    marker: true,
    logY: true,
    xLabel: byEpoch ? "epoch" : "update",
    yLabel: `validation perplexity (${averaged ? "seed mean, " : ""}log)`,
    title: text.title,
    caption: text.caption,
  });
}

/**
 * Reads and shows one committed group.
 * @param group e.g. `ptb-word-30ep`
 * @param options.commands what to print when the group is empty
 */
export async function committedGroup(
  group: string,
  options: { commands?: readonly string[]; title?: string } = {},
): Promise<CommittedGroup> {
  const committed = (await readCommittedRuns(group)).filter((r) =>
    typeof r.summary.mode === "string" && typeof r.summary.minValPpl === "number"
  );
  if (committed.length === 0) {
    const how = options.commands?.length
      ? ` It is made by:\n\n\`\`\`sh\n${options.commands.join("\n")}\n\`\`\``
      : "";
    return {
      runs: [],
      figure: null,
      table: markdown(`No committed runs under \`results/${group}/\` yet.${how}`),
      inProgress: [],
    };
  }
  // One table block per engine (ours, then the PyTorch twin's), never a mean across engines:
  // another engine's methods are named `<method> · <engine>`.
  const parts = engineParts(committed);
  const mixed = parts.length > 1;
  const runs = parts.flatMap((p) => p.curves);
  const inProgress = committed.filter((r) => r.summary.inProgress).map((r) =>
    `${r.name}: ${r.summary.inProgress}`
  );
  const first = committed[0].summary;
  const rows = parts.flatMap((p) =>
    summarizeMethods(p.runs, [...METHOD_ORDER]).map((m) => ({
      ...(mixed ? { "trained by": p.label } : {}),
      method: m.method,
      seeds: m.seeds.join(", "),
      updates: Math.round(m.steps),
      "min valid ppl": spread(m.minValPpl),
      "test ppl": spread(m.testPpl),
      // BPTT and FT-BPTT define the gap (100% and 0%); the others close a share of it.
      "gap closed (FT→BPTT)": m.method !== "bptt" && m.method !== "ft-bptt" &&
          Number.isFinite(m.gapClosed.mean)
        ? `${(100 * m.gapClosed.mean).toFixed(0)}%`
        : "–",
    }))
  );
  const figure = groupCurves(runs, {
    title: options.title ?? `${first.config}: validation perplexity (results/${group}/)`,
    caption: `Committed runs of results/${group}/, ${seedsPhrase(runs)}; ` +
      `${first.config}, scale ${first.scale}, ` +
      (mixed
        ? `trained by ${parts.map((p) => p.label).join(" and ")} (${parts[1].engine}'s dashed)`
        : `backend ${first.backend}`) +
      (inProgress.length
        ? `; ${
          inProgress.every((l) => l.includes("paused at stopAfter"))
            ? "stopped early by design"
            : "still training"
        }: ${inProgress.join("; ")}`
        : "") +
      ".",
  });
  return {
    runs,
    figure,
    table: table(rows, {
      caption: `results/${group}/: per method (the commands are in its summary.md)`,
      missing: {
        "test ppl": "measured at the end of a run (still training or stopped early by " +
          "`stopAfter`), or the run has no test split",
        "gap closed (FT→BPTT)": "BPTT and FT-BPTT define the gap; it needs BPTT ahead of FT-BPTT " +
          "on a seed that has all three",
      },
    }),
    inProgress,
  };
}

/** What {@link committedAxis} found. */
export interface CommittedAxis {
  /** The group's runs (empty when none is committed). */
  runs: ReproRun[];
  /** Each method's share of the gap along the axis, or null (no runs, or a non-numeric axis). */
  figure: Figure | null;
  /** The per-point table with the paper beside it, or the commands that make the group. */
  table: Displayable;
}

/**
 * What a notebook shows of a §5 group with no runs yet: its `PLAN.md` (the points, their
 * commands and measured cost), its title line dropped and its headings moved under the cell's.
 */
export function planNote(group: string, plan: string): string {
  const body = plan.replace(/^# [^\n]*\n+/, "").replace(/^(#+) /gm, "###$1 ").trim();
  return `No committed runs under \`results/${group}/\` yet. Its plan, with the commands and ` +
    `their cost (\`results/${group}/PLAN.md\`):\n\n${body}`;
}

/**
 * Reads and shows one committed §5 group whose runs vary one setting (`results/wt-depth/`, …):
 * the same table, paper comparison and closure figure as its `summary.md`
 * ({@link axisReport}).
 * @param options.commands what to print when the group is empty and has no `PLAN.md`
 * @param options.points only these points (config names) of a group that holds several axes,
 *   e.g. `["recall-D16", "recall-base", "recall-D64"]` of `results/recall-sweeps/`
 */
export async function committedAxis(
  group: string,
  options: { commands?: readonly string[]; points?: readonly string[] } = {},
): Promise<CommittedAxis> {
  const { committed, stepTimes, base } = await readAxisRuns(group, {
    base: PAPER_AXES[group]?.base,
    points: options.points,
  });
  const dir = join(projectRoot(), "results", group);
  if (committed.length === 0) {
    const plan = await Deno.readTextFile(join(dir, "PLAN.md")).catch(() => null);
    if (plan !== null) return { runs: [], figure: null, table: markdown(planNote(group, plan)) };
    const empty = await committedGroup(group, options);
    return { runs: [], figure: null, table: empty.table };
  }
  const runs = committed.map(reproRunOf);
  const { block, closureFigure } = axisReport(group, committed, runs, stepTimes, base);
  return { runs, figure: closureFigure, table: markdown(block) };
}

/**
 * The share of the FT-BPTT → BPTT gap one method closes in a committed group (the seed mean of
 * the minimum validation perplexity), at one point (config) of a group that varies a setting:
 * what a notebook's verdict cell checks its sentences against. Throws when the group lacks the
 * method at that point, so a verdict never checks against nothing.
 */
export async function committedClosure(
  group: string,
  method: string,
  point?: string,
): Promise<number> {
  const runs = (await readCommittedRuns(group)).filter((r) =>
    typeof r.summary.mode === "string" && typeof r.summary.minValPpl === "number"
  ).map(reproRunOf).filter((r) => point === undefined || r.point === point);
  const row = summarizeMethods(runs, [...METHOD_ORDER]).find((m) => m.method === method);
  if (!row) {
    throw new Error(`results/${group}/ has no ${method} run${point ? ` at ${point}` : ""}`);
  }
  return row.gapClosed.mean;
}

/**
 * The seed mean of one method's minimum validation perplexity at one point of some committed
 * runs ({@link CommittedAxis.runs}): what a verdict's orderings compare. Throws when there is no
 * such run, so a verdict never compares against nothing.
 */
export function meanMinPpl(runs: readonly ReproRun[], point: string, method: string): number {
  const xs = runs.filter((r) => r.point === point && r.method === method).map((r) => r.minValPpl);
  if (xs.length === 0) throw new Error(`no committed ${method} run at ${point}`);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Relative error up to which a verdict counts a difference as float32 rounding (1e-5, about 170
 * times float32's unit roundoff 2^−24): the notebooks' checks of a computation against the same
 * written out (eqs. 11–14).
 */
export const ROUNDING_TOLERANCE = 1e-5;

/** One statement of a notebook's verdict, the number it rests on, and whether it holds. */
export interface VerdictFact {
  /** The statement, as the verdict makes it. */
  fact: string;
  /** What was measured, e.g. "DSF closes 61%". */
  measured: string;
  /** Whether the committed runs bear it out. */
  holds: boolean;
}

/**
 * A verdict cell's output: the facts as a Markdown list, each with its measured number and a ✓,
 * then `notes` (what is shown but not judged yet, e.g. a group still being run). Throws, naming
 * every fact that fails, when one does: the prose above it no longer holds.
 */
export function checkVerdict(
  facts: readonly VerdictFact[],
  notes: readonly string[] = [],
): Displayable {
  const failed = facts.filter((f) => !f.holds);
  if (failed.length) {
    throw new Error(
      `the verdict above no longer holds: ${
        failed.map((f) => `${f.fact} (${f.measured})`).join("; ")
      }`,
    );
  }
  return markdown(
    [...facts.map((f) => `- ${f.fact}: ${f.measured} ✓`), ...notes.map((n) => `- ${n}`)]
      .join("\n"),
  );
}

/**
 * A confirmation group's methods at its update (`results/GROUP/compare.json`: the group's runs
 * beside the reference groups' runs there), as the verdict cells check them: each method's
 * minimum validation perplexity up to that update and its share of the FT-BPTT → BPTT gap.
 * @throws Error when the group has no `compare.json` or no run reaches the update
 */
export async function committedConfirmation(group: string): Promise<MethodSummary[]> {
  const found = await readConfirmation(group);
  if (!found) throw new Error(`results/${group}/ has no compare.json: not a confirmation group`);
  const compared = runsEvaluatedAt(found.here, found.refs, found.spec.at);
  if (!compared.length) {
    throw new Error(`results/${group}/: no run reaches update ${found.spec.at}`);
  }
  return summarizeMethods(runsAt(compared.map((s) => s.run), found.spec.at), [...METHOD_ORDER]);
}
