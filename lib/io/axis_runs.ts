/**
 * The committed runs of one §5 axis group and their step timings, read the same way by
 * `deno task results`, the notebooks and the README's §5 table: the group's own finished or
 * training runs (`results/GROUP/*.json`) and, when the axis shares a base point trained once in
 * another group (the 3 × 128 GRU of `results/wt-model-size/` is also the depth axis's 3 layers,
 * the cell axis's GRU, the context axis's T = 256 and the baselines' RNN), that group's runs at
 * the base point. The base is added only beside runs of the group's own: an axis with none is
 * still empty (its `PLAN.md` says what to run).
 *
 * ```ts
 * const { committed, stepTimes } = await readAxisRuns("wt-depth", {
 *   base: { group: "wt-model-size", point: "wt-gru-3L128" },
 * });
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { type CommittedRun, readCommittedRuns } from "./committed_runs.ts";
import { projectRoot } from "./dirs.ts";
import { readFeedbackFiles, stepTimesOf } from "./feedback_files.ts";

/** A point of an axis whose runs live in another group. */
export interface AxisBase {
  /** The group that holds its runs, e.g. `wt-model-size`. */
  group: string;
  /** Its config name there, e.g. `wt-gru-3L128`. */
  point: string;
}

/** What {@link readAxisRuns} gives. */
export interface AxisRuns {
  /** The runs with a mode and a minimum validation perplexity: the group's, then the base's. */
  committed: CommittedRun[];
  /** Per point: per method, ms of one loss + gradient (`deno task feedbacks` files). */
  stepTimes: Record<string, Record<string, number>>;
  /** The base's point and group, when its runs were added. */
  base: AxisBase | null;
}

const isRun = (r: CommittedRun) =>
  typeof r.summary.mode === "string" && typeof r.summary.minValPpl === "number";

const feedbackTimes = (dir: string): Promise<Record<string, Record<string, number>>> =>
  readFeedbackFiles(dir).then(stepTimesOf, (e) => {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  });

/**
 * Reads an axis group (see the module doc).
 * @param options.root the project folder whose `results/` is read (default: this checkout's)
 * @param options.base the shared base point, when the axis has one
 * @param options.points only these points (config names) of a group that holds several axes
 */
export async function readAxisRuns(
  group: string,
  options: { root?: string; base?: AxisBase; points?: readonly string[] } = {},
): Promise<AxisRuns> {
  const root = options.root ?? projectRoot();
  const dir = join(root, "results", group);
  const keep = (r: CommittedRun) =>
    isRun(r) && (!options.points || options.points.includes(String(r.summary.config)));
  const own = (await readCommittedRuns(group, dir)).filter(keep);
  const stepTimes = { ...await feedbackTimes(dir) };
  const b = options.base;
  if (!own.length || !b || b.group === group || own.some((r) => r.summary.config === b.point)) {
    return { committed: own, stepTimes, base: null };
  }
  const baseDir = join(root, "results", b.group);
  const base = (await readCommittedRuns(b.group, baseDir)).filter((r) =>
    isRun(r) && r.summary.config === b.point
  );
  if (!base.length) return { committed: own, stepTimes, base: null };
  const times = (await feedbackTimes(baseDir))[b.point];
  if (times && !stepTimes[b.point]) stepTimes[b.point] = times;
  return { committed: [...own, ...base], stepTimes, base: b };
}
