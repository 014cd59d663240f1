/**
 * `deno task train --resume DIR`: everything checked before anything is written. A resume that
 * fails leaves every file of the run as it was.
 *
 * Checked: `config.json` and `last.ckpt` read and valid (the checkpoint's header and data are
 * CRC-protected); `config.json` equal to the checkpoint's config except for the keys a resume
 * may change ({@link RESUME_KEYS}); `--set` only on those keys; a finished run only extended;
 * the code's commit the one the run was trained from (unless allowed).
 *
 * @module
 */
import { join } from "node:path";
import { applyOverrides, parseSet } from "../config/overrides.ts";
import { type Config, validateConfig, withLaterKeys } from "../config/schema.ts";
import { readCheckpointFile } from "../io/checkpoint_file.ts";
import { gitState, readRunConfig, type RunEnvironment } from "../io/run_files.ts";
import type { Checkpoint } from "../train/checkpoint.ts";

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
  /** The record of the run's first command, if it has one. */
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
  const edited = configDiff(onDisk, saved).filter((k) => !isResumeKey(k));
  if (edited.length > 0) {
    throw new Error(
      `${join(dir, "config.json")} differs from its checkpoint's config in ${edited.join(", ")}: ` +
        `a resume may change only ${RESUME_KEYS.join(", ")} (with --set); restore the file`,
    );
  }
  const overrides = parseSet(set);
  const bad = overrides.filter((o) => !isResumeKey(o.path.join(".")));
  if (bad.length) {
    throw new Error(
      `--resume takes --set ${RESUME_KEYS.join(", ")} only (got ${
        bad.map((o) => o.path.join(".")).join(", ")
      })`,
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
  return {
    dir,
    config,
    changed: configDiff(config, onDisk).length > 0,
    last,
    best,
    environment,
  };
}

function isResumeKey(key: string): boolean {
  return (RESUME_KEYS as readonly string[]).includes(key);
}
