/**
 * `deno task train --config NAME [--scale S] [--set key=value …] [--resume DIR]`
 *
 * Trains one configuration and writes `runs/<config>-<mode>-<time>/`: `config.json` (the
 * resolved config), `metrics.jsonl` (step, split, loss, ppl, seconds), `last.ckpt` and
 * `best.ckpt` (atomic). A progress bar on a terminal, plain lines otherwise. The last stdout
 * line is the run's JSON summary. Exit codes: 0 done (or paused at `stopAfter`), 3 stopped on a
 * NaN/Inf loss, 130 interrupted (Ctrl-C, SIGTERM, SIGHUP: a checkpoint is saved within a step;
 * a second signal quits at once), 2 bad arguments, config, data or run folder (one line on
 * stderr, nothing written), 1 a failure during training (the last checkpoint is named).
 * `--resume DIR` continues a run from its last checkpoint to the same result (checked first:
 * see `train_resume.ts`); `run.lock` keeps a second process off a run. `--results GROUP`
 * also copies the summary (with the exact command) and the curves to `results/GROUP/` when the
 * run is done, for the notebooks and the README to quote (`<config>-<mode>[-<feedback kind>]-
 * seed<seed>`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileCalibrationCache } from "../io/calibration_cache.ts";
import type { Calibration } from "../backend_calibration.ts";
import { resolveCacheDir } from "../io/dirs.ts";
import { listConfigs } from "../config/presets.ts";
import { resolveConfig } from "../config/resolve.ts";
import { type Config, fileName, type Scale } from "../config/schema.ts";
import { methodOf } from "../analysis/reproduction.ts";
import { feedbackVariant } from "../feedback/kinds.ts";
import { runCommand, taskCommand } from "./command_line.ts";
import { failureLine } from "./train_failure.ts";
import { type NamedTensor, readSafetensors } from "../io/safetensors.ts";
import type { MetricRow, StepInfo, TrainSummary } from "../train/trainer.ts";
import { type PreparedRun, prepareRun, trainRun } from "../run.ts";
import { writeCheckpointFile } from "../io/checkpoint_file.ts";
import { lockRun, removeStaleTemporaries, type RunLock } from "../io/run_lock.ts";
import {
  checkResumeFits,
  prepareResume,
  type Resume,
  RESUME_KEYS,
  summaryDone,
} from "./train_resume.ts";
import { checkResultsTarget, resultsStem } from "../io/results_files.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { runConfigText, runEnvironment } from "../io/run_files.ts";
import { checkOutputDir } from "../io/bounded_file.ts";
import { portablePath } from "../io/portable_path.ts";

const USAGE =
  `usage: deno task train --config NAME [--scale smoke|quick|small|paper] [--set key=value …]
       deno task train --resume runs/DIR [--set steps=N|evalEvery=K|stopAfter=N|checkpointMinutes=M]
         [--allow-commit-change]
       deno task train --config NAME --init FILE.safetensors …   (start from exported weights)
configs: ${listConfigs().join(", ")}`;

/** The run's method label: the mode, plus the feedback kind when it is not the paper's. */
const methodLabel = (c: Config) =>
  methodOf({ mode: c.mode, feedback: c.feedback.kind, variant: feedbackVariant(c) });

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** A fresh run directory whose name never collides (mkdir without `recursive` is atomic). */
async function newRunDir(root: string, config: Config): Promise<string> {
  await Deno.mkdir(root, { recursive: true });
  for (let i = 0;; i++) {
    const dir = join(root, `${config.name}-${methodLabel(config)}-${stamp()}${i ? `-${i}` : ""}`);
    try {
      await Deno.mkdir(dir);
      return dir;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`
    : `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
}

function progressPrinter(): (i: StepInfo) => void {
  const tty = Deno.stderr.isTerminal();
  let lastLine = 0;
  return (i) => {
    const line = `step ${i.step}/${i.totalSteps} loss ${i.loss.toFixed(4)} ` +
      `${Math.round(i.tokensPerSec)} tok/s lr ${i.lr.toExponential(2)} ETA ${
        fmtTime(i.etaSeconds)
      }`;
    if (tty) {
      const w = 24;
      const done = Math.round((w * i.step) / i.totalSteps);
      const bar = "█".repeat(done) + "░".repeat(w - done);
      Deno.stderr.writeSync(new TextEncoder().encode(`\r${bar} ${line}\x1b[K`));
      if (i.step === i.totalSteps) console.error();
    } else if (performance.now() - lastLine > 10_000 || i.step === 1 || i.step === i.totalSteps) {
      lastLine = performance.now();
      console.error(line);
    }
  };
}

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: Deno.args,
      strict: true,
      options: {
        config: { type: "string" },
        scale: { type: "string" },
        set: { type: "string", multiple: true, default: [] },
        resume: { type: "string" },
        "runs-dir": { type: "string", default: "runs" },
        results: { type: "string" },
        "allow-commit-change": { type: "boolean" },
        init: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    console.error(`train: ${(err as Error).message.split("\n")[0]} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let config: Config;
  let dir = "";
  let resume: Resume | undefined;
  let init: Record<string, NamedTensor> | undefined;
  try {
    if (values.results !== undefined) fileName("--results", values.results);
    if (!values.resume) await checkOutputDir(values["runs-dir"], "the runs (--runs-dir)");
    if (values.init !== undefined) {
      if (values.resume) throw new Error("--init starts a new run: it does not go with --resume");
      init = (await readSafetensors(values.init)).tensors;
    }
    if (values.resume) {
      if (values.config !== undefined || values.scale !== undefined) {
        throw new Error(
          "--resume continues a run with its own config: drop --config and --scale " +
            `(the keys --set may change: ${RESUME_KEYS.join(", ")})`,
        );
      }
      resume = await prepareResume(values.resume, values.set, {
        allowCommitChange: values["allow-commit-change"],
      });
      dir = resume.dir;
      config = resume.config;
    } else {
      if (!values.config) {
        throw new Error(`--config is required (see --help; configs: ${listConfigs().join(", ")})`);
      }
      config = resolveConfig(values.config, {
        scale: (values.scale ?? "quick") as Scale,
        set: values.set,
      });
    }
    if (values.results !== undefined) {
      // Before hours of training: a new run may not take a file another run holds.
      await checkResultsTarget(resultsStem(values.results, config), dir || "(a new run)");
    }
  } catch (e) {
    console.error(`train: ${(e as Error).message}`);
    return 2;
  }
  let run: PreparedRun;
  let environment;
  try {
    run = await prepareRun(config, {
      log: (l) => console.error(l),
      init: init && { tensors: init, from: values.init! },
      calibrationCache: fileCalibrationCache<Calibration>(
        join(resolveCacheDir(), "calibration.json"),
      ),
    });
  } catch (e) {
    console.error(`train: ${(e as Error).message.split("\n")[0]}`);
    return 2;
  }
  const { backend, data, model } = run;
  try {
    environment = await runEnvironment(backend);
    if (resume) {
      checkResumeFits(resume, { ...run, summaryDone: await summaryDone(dir, resume.last.step) });
    }
  } catch (e) {
    model.dispose();
    console.error(`train: ${(e as Error).message.split("\n")[0]}`);
    return 2;
  }
  // Checks are done: from here on the run's files change.
  let lock: RunLock;
  try {
    if (!dir) dir = await newRunDir(values["runs-dir"], config);
    lock = lockRun(dir);
  } catch (e) {
    model.dispose();
    console.error(`train: ${(e as Error).message}`);
    return 2;
  }
  console.error(`data: ${data.description}`);
  try {
    if (resume) {
      for (const name of removeStaleTemporaries(dir)) console.error(`removed stale ${name}`);
      if (resume.changed) {
        await writeFileAtomic(join(dir, "config.json"), runConfigText(config, resume.environment));
      }
      // The curves up to the checkpoint, from the checkpoint: rows written after it (a kill
      // between the metrics and the checkpoint write) are made again by the resumed steps.
      const rows = (resume.last.metrics as { rows?: MetricRow[] }).rows ?? [];
      await writeFileAtomic(
        join(dir, "metrics.jsonl"),
        rows.map((r) => JSON.stringify(r) + "\n").join(""),
      );
      console.error(`resuming ${dir} at step ${resume.last.step}`);
    } else {
      await writeFileAtomic(join(dir, "config.json"), runConfigText(config, environment));
      await writeFileAtomic(join(dir, "command.txt"), `${taskCommand("train")}\n`);
    }
  } catch (e) {
    lock.release();
    model.dispose();
    console.error(
      `train: cannot write the run's files in ${dir}: ${(e as Error).message.split("\n")[0]} ` +
        `(free space or fix the folder's permissions, then ${
          resume ? `resume with --resume ${dir}` : "start the run again"
        }: nothing was trained)`,
    );
    return 1;
  }
  console.error(`run: ${dir} (${backend.line})`);

  let stop = false;
  let stepNow = resume?.last.step ?? 0;
  const onSignal = () => {
    if (stop) {
      lock.release();
      Deno.exit(130);
    }
    stop = true;
    console.error(
      `\ninterrupt at step ${stepNow}: saving a checkpoint, then stopping (again to quit at once)`,
    );
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    Deno.addSignalListener(signal, onSignal);
  }
  const metrics = await Deno.open(join(dir, "metrics.jsonl"), { append: true, create: true });
  const enc = new TextEncoder();
  const progress = progressPrinter();
  let summary: TrainSummary;
  try {
    summary = await trainRun(run, {
      resume: resume ? { last: resume.last, best: resume.best } : undefined,
      callbacks: {
        onStep: (info) => {
          stepNow = info.step;
          progress(info);
        },
        onMetric: async (row) => {
          await metrics.write(enc.encode(JSON.stringify(row) + "\n"));
          if (row.split !== "train") {
            console.error(`${row.split} step ${row.step}: ppl ${row.ppl.toFixed(2)}`);
          }
        },
        onCheckpoint: (ckpt, kind) => writeCheckpointFile(join(dir, `${kind}.ckpt`), ckpt),
        shouldStop: () => stop,
      },
    });
  } catch (e) {
    lock.release();
    console.error(`train: ${failureLine(e, run.config, { vocabulary: model.vocabSize })}`);
    const last = join(dir, "last.ckpt");
    const saved = await Deno.stat(last).then(() => true, () => false);
    console.error(
      saved
        ? `train: the last checkpoint written is ${last} (resume with --resume ${dir})`
        : `train: no checkpoint was written yet (${dir} holds the config only)`,
    );
    return 1;
  } finally {
    metrics.close();
    model.dispose();
  }
  const thisCommand = taskCommand("train");
  const first = (await Deno.readTextFile(join(dir, "command.txt")).catch(() => "")).trim();
  const command = values.resume && first ? `${first}; then ${thisCommand}` : thisCommand;
  const result = {
    ...summary,
    run: portablePath(dir),
    seed: config.seed,
    scale: config.scale,
    variant: feedbackVariant(config),
    command,
    environment,
    settings: config,
  };
  try {
    await writeFileAtomic(join(dir, "summary.json"), JSON.stringify(result, null, 2) + "\n");
    if (values.results && summary.stopped === "done") {
      // Committed results: results/<group>/<config>-<mode>-seed<seed>.{json,metrics.jsonl}.
      const stem = resultsStem(values.results, config);
      await checkResultsTarget(stem, dir);
      await writeFileAtomic(`${stem}.json`, JSON.stringify(result, null, 2) + "\n");
      await writeFileAtomic(
        `${stem}.metrics.jsonl`,
        await Deno.readFile(join(dir, "metrics.jsonl")),
      );
      console.error(`results: ${stem}.json`);
    }
  } catch (e) {
    lock.release();
    console.error(
      `train: the run stopped (${summary.stopped}) but its summary could not be written: ${
        (e as Error).message.split("\n")[0]
      } (free space, then deno task train --resume ${dir} writes it)`,
    );
    return 1;
  }
  if (summary.stopped === "nan") {
    const last = join(dir, "last.ckpt");
    const saved = await Deno.stat(last).then(() => true, () => false);
    console.error(
      `train: loss is NaN/Inf at step ${summary.steps + 1}; ${
        saved
          ? `last good checkpoint: ${last}`
          : "no checkpoint was written before it: lower the learning rate or check the data, " +
            "and start again"
      }`,
    );
  }
  if (summary.stopped === "paused") {
    console.error(
      `paused at step ${summary.steps} of ${summary.totalSteps} (stopAfter): continue with ` +
        `deno task train --resume ${dir} --set stopAfter=N`,
    );
  }
  lock.release();
  console.log(JSON.stringify(result));
  return summary.stopped === "done" || summary.stopped === "paused"
    ? 0
    : summary.stopped === "nan"
    ? 3
    : 130;
}

await runCommand("train", main);
