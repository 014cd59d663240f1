/**
 * `deno task train --resume DIR`: everything checked before anything is written. A resume that
 * fails leaves every file of the run as it was.
 *
 * Checked: `config.json` and `last.ckpt` read and valid (the checkpoint's header and data are
 * CRC-protected); `config.json` equal to the checkpoint's config except for the keys a resume
 * may change ({@link RESUME_KEYS}); `--set` only on those keys; the code's commit the one the
 * run was trained from (unless allowed). Once the data is loaded and the model built
 * ({@link checkResumeFits}): the data the one the run was trained on (its files' and tokenizer's
 * hashes), the model's parameters the checkpoint's, and a finished run (its test done) only
 * extended.
 *
 * @module
 */
import { join } from "node:path";
import { applyOverrides, parseSet } from "../config/overrides.ts";
import { type Config, validateConfig, withLaterKeys } from "../config/schema.ts";
import { readCheckpointFile } from "../io/checkpoint_file.ts";
import { gitState, readRunConfig, type RunEnvironment } from "../io/run_files.ts";
import type { Checkpoint } from "../train/checkpoint.ts";
import { type DataFingerprint, fingerprintChange } from "../io/data_fingerprint.ts";
import { type MetricRow, testDone } from "../train/trainer.ts";

/** What `--set` may change on `--resume`: the budget, the evaluation and checkpoint cadence. */
export const RESUME_KEYS = ["steps", "evalEvery", "stopAfter", "checkpointMinutes"] as const;

/** A resume, checked: the config to train with and the checkpoints to start from. */
export interface Resume {
  dir: string;
  config: Config;
  /** Whether `config.json` must be rewritten (a `--set` changed it). */
  changed: boolean;
  last: Checkpoint;
  best?: Checkpoint;
  /**
   * The record of the run's first command, if it has one; when `changed`, with the keys this
   * resume changes from the checkpoint's config (`resumeSet`), to be written to `config.json`.
   */
  environment?: RunEnvironment;
}

/** The dotted keys whose values differ between two configs. */
export function configDiff(a: unknown, b: unknown, prefix = ""): string[] {
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    if (Array.isArray(a) !== Array.isArray(b)) return [prefix || "(root)"];
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      configDiff(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        prefix ? `${prefix}.${k}` : k,
      )
    );
  }
  return Object.is(a, b) ? [] : [prefix || "(root)"];
}

/**
 * Checks a resume of `dir` with `--set` items `set`.
 * @param options.allowCommitChange accept code of another commit than the run's
 * @throws Error (one line) saying what is wrong and what to do; nothing has been written
 */
export async function prepareResume(
  dir: string,
  set: readonly string[],
  options: { allowCommitChange?: boolean } = {},
): Promise<Resume> {
  // The command line first: a bad --set is refused before the run's files are read.
  const overrides = parseSet(set);
  const bad = overrides.filter((o) => !isResumeKey(o.path.join(".")));
  if (bad.length) {
    throw new Error(
      `--resume takes --set ${RESUME_KEYS.join(", ")} only (got ${
        bad.map((o) => o.path.join(".")).join(", ")
      })`,
    );
  }
  const { config: onDisk, environment } = await readRunConfig(dir);
  const last = await readCheckpointFile(join(dir, "last.ckpt")).catch((err: Error) => {
    if (!(err.cause instanceof Deno.errors.NotFound)) throw err;
    throw new Error(
      `${dir} has no last.ckpt to resume from: it stopped before its first checkpoint; start ` +
        `the run again with the command in ${join(dir, "command.txt")} (a new folder)`,
    );
  });
  let saved: Config;
  try {
    saved = validateConfig(withLaterKeys(last.config as Record<string, unknown>));
  } catch (err) {
    throw new Error(`${join(dir, "last.ckpt")}: its config is invalid: ${(err as Error).message}`);
  }
  // config.json is the checkpoint's config, but for what an earlier resume recorded it set.
  const recorded = environment?.resumeSet ?? {};
  const onDiskValues = onDisk as unknown as Record<string, unknown>;
  const edited = configDiff(onDisk, saved).filter((k) =>
    !(isResumeKey(k) && k in recorded && Object.is(recorded[k], onDiskValues[k]))
  );
  if (edited.length > 0) {
    throw new Error(
      `${join(dir, "config.json")} differs from its checkpoint's config in ${edited.join(", ")}: ` +
        `the file is not edited by hand (a resume changes ${RESUME_KEYS.join(", ")} with --set); ` +
        `restore ${edited.map((k) => `${k} = ${JSON.stringify(valueAt(saved, k))}`).join(", ")}`,
    );
  }
  let config = validateConfig(applyOverrides(onDisk, overrides));
  if (
    config.stopAfter !== null && config.stopAfter <= last.step &&
    !overrides.some((o) => o.key === "stopAfter")
  ) {
    config = { ...config, stopAfter: null }; // that stretch is over: go on to the end
  }
  const stepsGiven = overrides.some((o) => o.key === "steps");
  if (stepsGiven && config.steps !== null && last.step >= config.steps) {
    throw new Error(
      `${dir} is at step ${last.step}: pass --set steps=N with N > ${last.step} to continue it`,
    );
  }
  if (stepsGiven && config.steps !== onDisk.steps && config.schedule.kind !== "constant") {
    console.error(
      `warning: steps ${onDisk.steps} → ${config.steps} with a ${config.schedule.kind} schedule: ` +
        "the learning rate of the continued steps follows the new total",
    );
  }
  if (environment?.commit && !options.allowCommitChange) {
    const now = await gitState();
    if (now.commit !== null && now.commit !== environment.commit) {
      throw new Error(
        `${dir} was trained from commit ${environment.commit.slice(0, 12)}, this code is ` +
          `${now.commit.slice(0, 12)}: resume it from a worktree at its commit ` +
          `(git worktree add ../dsf-run ${environment.commit.slice(0, 12)}), or pass ` +
          `--allow-commit-change to accept different numerics`,
      );
    }
  }
  let best: Checkpoint | undefined;
  try {
    best = await readCheckpointFile(join(dir, "best.ckpt"));
  } catch (err) {
    const missing = (err as Error).cause instanceof Deno.errors.NotFound;
    if (!missing) throw err;
  }
  const changed = configDiff(config, onDisk).length > 0;
  const resumeSet = Object.fromEntries(
    configDiff(config, saved).map((k) => [k, (config as unknown as Record<string, unknown>)[k]]),
  );
  return {
    dir,
    config,
    changed,
    last,
    best,
    environment: changed ? { ...(environment ?? unknownEnvironment()), resumeSet } : environment,
  };
}

/** The environment record of a run that has none (written before the record existed). */
function unknownEnvironment(): RunEnvironment {
  return { backend: "unknown", blas: null, commit: null, dirty: false, deno: "", tfjs: "" };
}

/** The value at a dotted key of a config. */
function valueAt(config: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>(
    (v, k) => v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined,
    config,
  );
}

function isResumeKey(key: string): boolean {
  return (RESUME_KEYS as readonly string[]).includes(key);
}

/** What {@link checkResumeFits} reads of a prepared run. */
export interface ResumeTarget {
  /** The data loaded now: its fingerprint, and whether it has a test split. */
  data: { fingerprint: DataFingerprint; test?: unknown };
  /** The model built now: its parameters' shapes by name. */
  model: { params: Readonly<Record<string, { shape: readonly number[] }>> };
  /** The run's planned length in updates. */
  totalSteps: number;
  /** Whether the run's `summary.json` says it is done at the checkpoint's step. */
  summaryDone: boolean;
}

/** Whether `dir/summary.json` says the run is done at `step` (false when absent or unreadable). */
export async function summaryDone(dir: string, step: number): Promise<boolean> {
  try {
    const s = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
    return s?.stopped === "done" && s?.steps === step;
  } catch {
    return false;
  }
}

/**
 * Checks that a resume's checkpoint fits the run prepared now: the same data (an edited or
 * replaced file, another tokenizer is refused), the same parameters (names and shapes: a
 * checkpoint older than data fingerprints with a changed vocabulary), and work left to do (a
 * run stopped during its final test evaluation has the test left, one stopped before its
 * `summary.json` was written the summary).
 * @throws Error (one line) saying what is wrong and what to do; nothing has been written
 */
export function checkResumeFits(resume: Resume, target: ResumeTarget): void {
  const { dir, last } = resume;
  const change = fingerprintChange(last.data, target.data.fingerprint);
  if (change !== null) {
    throw new Error(
      `${dir} was trained on other data: ${change}: restore the data it was trained on, or ` +
        "start a new run",
    );
  }
  const params = target.model.params;
  for (const name of new Set([...Object.keys(params), ...Object.keys(last.params)])) {
    const now = params[name]?.shape;
    const then = last.params[name]?.shape;
    if (now === undefined || then === undefined || now.join() !== then.join()) {
      throw new Error(
        `${dir}: its checkpoint's parameter ${name} is ${then ? `[${then}]` : "absent"}, the ` +
          `model built from this data and config needs ${now ? `[${now}]` : "none"}: the data ` +
          "or the code differs from the run's; restore them, or start a new run",
      );
    }
  }
  const rows = (last.metrics as { rows?: MetricRow[] } | null)?.rows ?? [];
  const testLeft = target.data.test !== undefined && testDone(rows) === null;
  // A finished run is resumed only for what is left: its test, or its summary (a failed write).
  if (last.step >= target.totalSteps && !testLeft && target.summaryDone) {
    throw new Error(
      `${dir} is finished (step ${last.step} of ${target.totalSteps}): pass ` +
        `--set steps=N with N > ${last.step} to extend it`,
    );
  }
}
