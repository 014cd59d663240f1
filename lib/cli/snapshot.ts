/**
 * `deno task snapshot --run runs/DIR --results GROUP`
 *
 * Writes a run that is still training (or paused, or interrupted) into its results group, as
 * `deno task train --results GROUP` does at the end, marked in progress ("epoch k of N done,
 * in progress"): the summary so far, computed from its curves, with the run's command and
 * environment, and the curves themselves. It only reads the run (never its lock), so it can be
 * called while the run trains; the finished run's own `--results` write replaces it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runCommand } from "./command_line.ts";
import { join } from "node:path";
import { readCheckpointFile } from "../io/checkpoint_file.ts";
import { readRunConfig } from "../io/run_files.ts";
import { checkResultsTarget, resultsStem } from "../io/results_files.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import type { MetricRow } from "../train/trainer.ts";

const USAGE = "usage: deno task snapshot --run runs/DIR --results GROUP";

/** How far a run is: "epoch k of N done, in progress (step s of S)". */
export function progressLine(step: number, total: number, perEpoch: number): string {
  const epochs = Math.round(total / perEpoch);
  const done = Math.floor(step / perEpoch);
  return `epoch ${done} of ${epochs} done, in progress (step ${step} of ${total})`;
}

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: Deno.args,
      strict: true,
      options: { run: { type: "string" }, results: { type: "string" }, help: { type: "boolean" } },
    }).values;
  } catch (err) {
    console.error(`snapshot: ${(err as Error).message.split("\n")[0]}\n${USAGE}`);
    return 2;
  }
  if (values.help) return console.log(USAGE), 0;
  try {
    if (!values.run || !values.results) throw new Error(`--run and --results are required`);
    const dir = values.run;
    const { config, environment } = await readRunConfig(dir);
    const stem = resultsStem(values.results, config);
    await checkResultsTarget(stem, dir);
    const ckpt = await readCheckpointFile(join(dir, "last.ckpt"));
    const state = ckpt.metrics as { totalSteps?: number; batchesPerEpoch?: number };
    const total = state.totalSteps ?? config.steps;
    const perEpoch = state.batchesPerEpoch;
    if (total == null || perEpoch == null) {
      throw new Error(`${dir}/last.ckpt predates progress records: resume it once first`);
    }
    const text = await Deno.readTextFile(join(dir, "metrics.jsonl"));
    const rows: MetricRow[] = text.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l));
    const valid = rows.filter((r) => r.split === "valid");
    if (valid.length === 0) throw new Error(`${dir} has no validation row yet: nothing to show`);
    const last = rows.at(-1)!;
    const step = Math.max(ckpt.step, last.step);
    const summary = {
      config: config.name,
      mode: config.mode,
      steps: step,
      totalSteps: total,
      trainPpl: rows.filter((r) => r.split === "train").at(-1)?.ppl ?? null,
      valPpl: valid.at(-1)!.ppl,
      minValPpl: Math.min(...valid.map((r) => r.ppl)),
      testPpl: null,
      seconds: last.seconds,
      evalSeconds: rows.reduce((s, r) => s + (r.evalSeconds ?? 0), 0),
      tokens: last.tokens,
      backend: config.backend,
      stopped: "in progress",
      inProgress: progressLine(step, total, perEpoch),
      feedback: config.feedback.kind,
      feedbackSeconds: 0,
      run: dir,
      seed: config.seed,
      scale: config.scale,
      command: (await Deno.readTextFile(join(dir, "command.txt")).catch(() => "")).trim(),
      environment,
    };
    await writeFileAtomic(`${stem}.json`, JSON.stringify(summary, null, 2) + "\n");
    await writeFileAtomic(`${stem}.metrics.jsonl`, text);
    console.log(
      `${stem}.json: ${summary.inProgress}, min valid ppl ${summary.minValPpl.toFixed(2)}`,
    );
    return 0;
  } catch (err) {
    console.error(`snapshot: ${(err as Error).message.split("\n")[0]}`);
    return 2;
  }
}

if (import.meta.main) await runCommand("snapshot", main);
