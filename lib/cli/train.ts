/**
 * `deno task train --config NAME [--scale S] [--set key=value …] [--resume DIR]`
 *
 * Trains one configuration and writes `runs/<config>-<mode>-<time>/`: `config.json` (the
 * resolved config), `metrics.jsonl` (step, split, loss, ppl, seconds), `last.ckpt` and
 * `best.ckpt` (atomic). A progress bar on a terminal, plain lines otherwise. The last stdout
 * line is the run's JSON summary. Exit codes: 0 done, 3 stopped on a NaN/Inf loss, 130
 * interrupted (Ctrl-C / SIGTERM; a checkpoint is saved first), 2 bad arguments or config.
 * `--resume DIR` continues a run from its last checkpoint to the same result. `--results GROUP`
 * also copies the summary (with the exact command) and the curves to `results/GROUP/` when the
 * run is done, for the notebooks and the README to quote (`<config>-<mode>[-<feedback kind>]-
 * seed<seed>`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { initBackend } from "../backend.ts";
import { listConfigs } from "../config/presets.ts";
import { resolveConfig } from "../config/resolve.ts";
import { type Config, type Scale, validateConfig } from "../config/schema.ts";
import { applyOverrides, parseSet } from "../config/overrides.ts";
import { methodOf } from "../analysis/reproduction.ts";
import { taskCommand } from "./command_line.ts";
import { createModel } from "../models/mod.ts";
import type { Checkpoint } from "../train/checkpoint.ts";
import { type StepInfo, train } from "../train/trainer.ts";
import { readCheckpointFile, writeCheckpointFile } from "../io/checkpoint_file.ts";
import { loadRunData } from "../io/datasets.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";

/** What `--set` may change on `--resume`: the budget and the evaluation cadence. */
const RESUME_KEYS = ["steps", "evalEvery"];

const USAGE =
  `usage: deno task train --config NAME [--scale smoke|quick|small|paper] [--set key=value …]
       deno task train --resume runs/DIR [--set steps=N] [--set evalEvery=K]
configs: ${listConfigs().join(", ")}`;

/** The run's method label: the mode, plus the feedback kind when it is not the paper's. */
const methodLabel = (c: Config) => methodOf({ mode: c.mode, feedback: c.feedback.kind });

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
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      config: { type: "string" },
      scale: { type: "string", default: "quick" },
      set: { type: "string", multiple: true, default: [] },
      resume: { type: "string" },
      "runs-dir": { type: "string", default: "runs" },
      results: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let config: Config;
  let dir: string;
  let resume: { last: Checkpoint; best?: Checkpoint } | undefined;
  try {
    if (values.resume) {
      dir = values.resume;
      config = validateConfig(JSON.parse(await Deno.readTextFile(join(dir, "config.json"))));
      if (values.set.length) {
        // Extending a run: only the budget and the evaluation cadence may change. With a
        // schedule that depends on the total (step, cosine), the continued run is not the one a
        // longer budget from the start would have made: say so.
        const overrides = parseSet(values.set);
        const bad = overrides.filter((o) => !RESUME_KEYS.includes(o.path.join(".")));
        if (bad.length) {
          throw new Error(
            `--resume takes --set ${RESUME_KEYS.join(", ")} only (got ${
              bad.map((o) => o.path.join(".")).join(", ")
            })`,
          );
        }
        const before = config.steps;
        config = validateConfig(applyOverrides(config, overrides));
        if (config.steps !== before && config.schedule.kind !== "constant") {
          console.error(
            `warning: steps ${before} → ${config.steps} with a ${config.schedule.kind} schedule: ` +
              "the learning rate of the continued steps follows the new total",
          );
        }
        await writeFileAtomic(join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
      }
      const last = await readCheckpointFile(join(dir, "last.ckpt"));
      if (config.steps !== null && values.set.length && last.step >= config.steps) {
        throw new Error(
          `${dir} is at step ${last.step}: pass --set steps=N with N > ${last.step} to continue it`,
        );
      }
      const best = await readCheckpointFile(join(dir, "best.ckpt")).catch(() => undefined);
      resume = { last, best };
      console.error(`resuming ${dir} at step ${last.step}`);
    } else {
      if (!values.config) throw new Error(`--config is required\n${USAGE}`);
      config = resolveConfig(values.config, { scale: values.scale as Scale, set: values.set });
      dir = "";
    }
  } catch (e) {
    console.error(`train: ${(e as Error).message}`);
    return 2;
  }
  const backend = await initBackend({ backend: config.backend });
  const data = await loadRunData(config, { log: (l) => console.error(l) });
  console.error(`data: ${data.description}`);
  const model = createModel(config, data.vocabSize);
  if (!dir) {
    dir = await newRunDir(values["runs-dir"], config);
    await writeFileAtomic(join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
    await writeFileAtomic(join(dir, "command.txt"), `${taskCommand("train")}\n`);
  }
  console.error(`run: ${dir} (${backend.line})`);

  let stop = false;
  const onSignal = () => {
    if (stop) Deno.exit(130);
    stop = true;
    console.error("\ninterrupt: saving a checkpoint, then stopping (again to quit at once)");
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const metrics = await Deno.open(join(dir, "metrics.jsonl"), { append: true, create: true });
  const enc = new TextEncoder();
  const summary = await train(model, data, config, {
    resume,
    callbacks: {
      onStep: progressPrinter(),
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
  metrics.close();
  model.dispose();
  const thisCommand = taskCommand("train");
  const first = (await Deno.readTextFile(join(dir, "command.txt")).catch(() => "")).trim();
  const command = values.resume && first ? `${first}; then ${thisCommand}` : thisCommand;
  const result = { ...summary, run: dir, seed: config.seed, scale: config.scale, command };
  await writeFileAtomic(join(dir, "summary.json"), JSON.stringify(result, null, 2) + "\n");
  if (values.results && summary.stopped === "done") {
    // Committed results: results/<group>/<config>-<mode>-seed<seed>.{json,metrics.jsonl}.
    const stem = join(
      "results",
      values.results,
      `${config.name}-${methodLabel(config)}-seed${config.seed}`,
    );
    await Deno.mkdir(join("results", values.results), { recursive: true });
    await writeFileAtomic(`${stem}.json`, JSON.stringify(result, null, 2) + "\n");
    await Deno.copyFile(join(dir, "metrics.jsonl"), `${stem}.metrics.jsonl`);
    console.error(`results: ${stem}.json`);
  }
  if (summary.stopped === "nan") {
    console.error(
      `train: loss is NaN/Inf at step ${summary.steps + 1}; last good checkpoint: ${
        join(dir, "last.ckpt")
      }`,
    );
  }
  console.log(JSON.stringify(result));
  return summary.stopped === "done" ? 0 : summary.stopped === "nan" ? 3 : 130;
}

Deno.exit(await main());
