/**
 * `deno task snapshot --run runs/DIR --results GROUP`
 *
 * Writes a run into its results group while it trains (or is paused, or was interrupted), as
 * `deno task train --results GROUP` does at the end, marked in progress ("epoch k of N done,
 * in progress"): the summary so far, computed from its curves, with the run's command and
 * environment, and the curves themselves. It only reads the run (never its lock), so it can be
 * called while the run trains. A finished run (its `summary.json` says done, or its curves end
 * with the test row the trainer writes only at the end) is written as finished, test
 * perplexity included.
 *
 * `deno task snapshot --refresh GROUP` re-derives the committed summaries of the group's runs
 * marked in progress from their committed curves: those whose curves hold the final test row
 * become finished (for runs snapshotted on their last step, whose `runs/` directory is gone).
 *
 * @module
 */
import { parseCommandArgs, runCommand } from "./command_line.ts";
import { join } from "node:path";
import { readCheckpointFile } from "../io/checkpoint_file.ts";
import { feedbackVariant } from "../feedback/kinds.ts";
import { readRunConfig } from "../io/run_files.ts";
import { checkResultsTarget, plainName, resultsStem } from "../io/results_files.ts";
import {
  cannotRead,
  MAX_JSON_BYTES,
  MAX_JSONL_BYTES,
  parseJsonFile,
  readInputText,
} from "../io/bounded_file.ts";
import { portableText, runRecordPath } from "../io/portable_path.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { parseMetricRows, readCommittedRuns } from "../io/committed_runs.ts";
import type { MetricRow } from "../train/trainer.ts";

const USAGE = "usage: deno task snapshot --run runs/DIR --results GROUP | --refresh GROUP";

/** How far a run is: "epoch k of N done, in progress (step s of S)". */
export function progressLine(step: number, total: number, perEpoch: number): string {
  const epochs = Math.round(total / perEpoch);
  const done = Math.floor(step / perEpoch);
  return `epoch ${done} of ${epochs} done, in progress (step ${step} of ${total})`;
}

/** What a snapshot knows of a run beside its curves. */
export interface SnapshotFacts {
  /** Last checkpoint's step (may be ahead of the last metric row). */
  step: number;
  /** Planned updates. */
  totalSteps: number;
  /** Updates per epoch (for the progress line of a run that has not finished). */
  perEpoch?: number;
}

/**
 * The curve-derived part of a committed summary. Finished when the curves hold a test row
 * (the trainer evaluates the test split only once the planned steps are done): then
 * `stopped: "done"`, `testPpl` from that row and no `inProgress`; otherwise in progress.
 * @throws when there is no validation row yet
 */
export function summaryFromCurves(rows: readonly MetricRow[], facts: SnapshotFacts) {
  const valid = rows.filter((r) => r.split === "valid");
  if (valid.length === 0) throw new Error(`no validation row yet: nothing to show`);
  const test = rows.find((r) => r.split === "test");
  const last = rows.filter((r) => r.split !== "test").at(-1)!;
  const step = Math.max(facts.step, last.step);
  const done = test !== undefined && step >= facts.totalSteps;
  return {
    steps: step,
    totalSteps: facts.totalSteps,
    trainPpl: rows.filter((r) => r.split === "train").at(-1)?.ppl ?? null,
    valPpl: valid.at(-1)!.ppl,
    minValPpl: Math.min(...valid.map((r) => r.ppl)),
    testPpl: done ? test.ppl : null,
    seconds: last.seconds,
    evalSeconds: rows.reduce((s, r) => s + (r.evalSeconds ?? 0), 0),
    tokens: last.tokens,
    stopped: done ? "done" : "in progress",
    ...(done || facts.perEpoch === undefined
      ? {}
      : { inProgress: progressLine(step, facts.totalSteps, facts.perEpoch) }),
  };
}

/**
 * Where a run stands at its last checkpoint: ours from `last.ckpt`, the PyTorch twin's (no
 * `last.ckpt`) from the `progress.json` it writes beside each checkpoint.
 */
async function lastCheckpoint(
  dir: string,
): Promise<{ step: number; totalSteps?: number; batchesPerEpoch?: number }> {
  const path = join(dir, "progress.json");
  const progress = await readRunFile(path, "a twin run's progress.json", MAX_JSON_BYTES);
  if (progress !== null) {
    return parseJsonFile(path, progress) as { step: number; totalSteps: number };
  }
  const ckpt = await readCheckpointFile(join(dir, "last.ckpt"));
  const state = ckpt.metrics as { totalSteps?: number; batchesPerEpoch?: number };
  return { step: ckpt.step, ...state };
}

/** "cpu" or "cuda": the first device of a twin run's environment record. */
function twinDevice(environment: unknown): string {
  const devices = (environment as { devices?: string[] }).devices ?? ["cpu"];
  return devices[0] === "cpu" ? "cpu" : "cuda";
}

async function snapshotRun(dir: string, group: string): Promise<void> {
  const { config, environment } = await readRunConfig(dir);
  const engine = (environment as { engine?: string } | undefined)?.engine;
  const stem = resultsStem(group, config, "results", engine);
  await checkResultsTarget(stem, dir);
  const curvesPath = join(dir, "metrics.jsonl");
  const text = await readRunFile(curvesPath, "a run's metrics.jsonl", MAX_JSONL_BYTES);
  if (text === null) throw new Error(`${curvesPath} does not exist: ${dir} has no curves yet`);
  const summaryPath = join(dir, "summary.json");
  const summaryText = await readRunFile(summaryPath, "a run's summary.json", MAX_JSON_BYTES);
  const finished = summaryText === null
    ? null
    : parseJsonFile(summaryPath, summaryText) as Record<string, unknown> | null;
  let summary;
  if (finished?.stopped === "done") {
    summary = finished;
  } else {
    const state = await lastCheckpoint(dir);
    const total = state.totalSteps ?? config.steps;
    const perEpoch = state.batchesPerEpoch;
    if (total == null || perEpoch == null) {
      throw new Error(`${dir}/last.ckpt predates progress records: resume it once first`);
    }
    const curves = summaryFromCurves(parseMetricRows(text, curvesPath), {
      step: state.step,
      totalSteps: total,
      perEpoch,
    });
    // A stretch that ended at stopAfter (a proxy: the first epochs of a longer schedule) says so.
    const paused = finished?.stopped === "paused" && finished.steps === state.step;
    summary = {
      config: config.name,
      mode: config.mode,
      ...curves,
      ...(paused && curves.inProgress
        ? { inProgress: curves.inProgress.replace("in progress", "paused at stopAfter") }
        : {}),
      // The twin's summary names its device type, as twin/train.py writes it.
      backend: engine ? `pytorch-${twinDevice(environment)}` : config.backend,
      feedback: config.feedback.kind,
      variant: feedbackVariant(config),
      feedbackSeconds: 0,
      run: runRecordPath(dir),
      seed: config.seed,
      scale: config.scale,
      command: portableText(
        (await readRunFile(join(dir, "command.txt"), "a run's command.txt", MAX_JSON_BYTES) ?? "")
          .trim(),
      ),
      environment,
      settings: config,
    };
  }
  await writeFileAtomic(`${stem}.json`, JSON.stringify(summary, null, 2) + "\n");
  await writeFileAtomic(`${stem}.metrics.jsonl`, text);
  const s = summary as { inProgress?: string; minValPpl: number; testPpl?: number | null };
  console.log(
    `${stem}.json: ${s.inProgress ?? "finished"}, min valid ppl ${s.minValPpl.toFixed(2)}` +
      (s.testPpl != null ? `, test ppl ${s.testPpl.toFixed(2)}` : ""),
  );
}

/** A file of a run folder (bounded), or null when it does not exist. */
async function readRunFile(path: string, what: string, maxBytes: number): Promise<string | null> {
  try {
    return await readInputText(path, { what, maxBytes });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw cannotRead(path, err);
  }
}

async function refreshGroup(group: string): Promise<void> {
  const root = join("results", plainName("--refresh", group));
  if (!(await Deno.stat(root).then((s) => s.isDirectory, () => false))) {
    throw new Error(`no results group ${root}: name one of results/*`);
  }
  const committed = await readCommittedRuns(group, root);
  if (committed.length === 0) throw new Error(`${root} holds no committed run`);
  for (const { name, summary: old, rows } of committed) {
    if (String(old.stopped) !== "in progress") continue;
    // Only a run whose curves say it finished changes; the others keep their progress line.
    const curves = summaryFromCurves(rows, {
      step: old.steps,
      totalSteps: Number(old.totalSteps),
    });
    if (curves.stopped !== "done") continue;
    const { inProgress: _, ...rest } = old;
    const path = join(root, `${name}.json`);
    await writeFileAtomic(path, JSON.stringify({ ...rest, ...curves }, null, 2) + "\n");
    console.log(`${path}: finished, test ppl ${curves.testPpl}`);
  }
}

async function main(): Promise<number> {
  let values;
  try {
    values = parseCommandArgs(Deno.args, {
      run: { type: "string" },
      results: { type: "string" },
      refresh: { type: "string" },
      help: { type: "boolean" },
    }).values;
  } catch (err) {
    console.error(`snapshot: ${(err as Error).message}`);
    return 2;
  }
  if (values.help) return console.log(USAGE), 0;
  try {
    if (values.refresh) {
      if (values.run || values.results) throw new Error(`--refresh takes no --run or --results`);
      await refreshGroup(values.refresh);
      return 0;
    }
    if (!values.run || !values.results) throw new Error(`--run and --results are required`);
    await snapshotRun(values.run, values.results);
    return 0;
  } catch (err) {
    console.error(`snapshot: ${(err as Error).message.split("\n")[0]}`);
    return 2;
  }
}

if (import.meta.main) await runCommand("snapshot", main);
