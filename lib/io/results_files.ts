/**
 * A run's committed results: `results/<group>/<config>-<method>-seed<seed>.json` (the summary,
 * with its `command` and `environment`) and `.metrics.jsonl` (its curves), written by
 * `deno task train --results GROUP` at the end and by `deno task snapshot` while it trains.
 *
 * @module
 */
import { join } from "node:path";
import { methodOf } from "../analysis/reproduction.ts";
import { feedbackVariant } from "../feedback/kinds.ts";
import { type Config, fileName } from "../config/schema.ts";
import { readCommittedJson } from "./committed_runs.ts";
import { portablePath } from "./portable_path.ts";

/**
 * `value` of command-line option `option` checked to be a plain name ({@link fileName}, the one
 * check every name that becomes part of a path goes through), so it cannot leave the folder it
 * is put in (`../../x`, `/etc`, `.hidden`).
 * @throws Error (one line) "OPTION must be a plain name (…), got VALUE"
 */
export function plainName(option: string, value: string): string {
  try {
    return fileName(option, value);
  } catch (err) {
    throw new Error((err as Error).message.replace(/^Invalid config key "([^"]*)": /, "$1 "));
  }
}

/**
 * The results stem of a run: `results/<group>/<config>-<method>-seed<seed>`, and for a run of
 * another engine than ours (the PyTorch twin: `environment.engine` of its config.json)
 * `…-seed<seed>-<engine>`, beside ours of the same config.
 * @throws Error when `group` is not a plain name (it would leave `results/`)
 */
export function resultsStem(
  group: string,
  config: Config,
  root = "results",
  engine?: string,
): string {
  fileName("--results", group);
  const method = methodOf({
    mode: config.mode,
    feedback: config.feedback.kind,
    variant: feedbackVariant(config),
  });
  return join(
    root,
    group,
    `${config.name}-${method}-seed${config.seed}${engine ? `-${engine}` : ""}`,
  );
}

/**
 * Refuses to let a run overwrite the committed result of another run (another command or other
 * hyperparameters under the same file name); the same run (its folder) may update its own.
 * @throws Error (one line) saying what holds the file and what to do
 */
export async function checkResultsTarget(stem: string, runDir: string): Promise<void> {
  let held: { run?: string };
  try {
    held = (await readCommittedJson(`${stem}.json`) ?? {}) as { run?: string };
  } catch (err) {
    if ((err as Error).cause instanceof Deno.errors.NotFound) return;
    throw err;
  }
  if (held.run !== runDir && held.run !== portablePath(runDir)) {
    throw new Error(
      `${stem}.json holds another run (${held.run ?? "unknown"}): choose another --results ` +
        `group, or remove that file if it is to be replaced`,
    );
  }
}
