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

/**
 * The results stem of a run: `results/<group>/<config>-<method>-seed<seed>`.
 * @throws Error when `group` is not a plain name (it would leave `results/`)
 */
export function resultsStem(group: string, config: Config, root = "results"): string {
  fileName("--results", group);
  const method = methodOf({
    mode: config.mode,
    feedback: config.feedback.kind,
    variant: feedbackVariant(config),
  });
  return join(root, group, `${config.name}-${method}-seed${config.seed}`);
}

/**
 * Refuses to let a run overwrite the committed result of another run (another command or other
 * hyperparameters under the same file name); the same run (its folder) may update its own.
 * @throws Error (one line) saying what holds the file and what to do
 */
export async function checkResultsTarget(stem: string, runDir: string): Promise<void> {
  let held: { run?: string };
  try {
    held = JSON.parse(await Deno.readTextFile(`${stem}.json`));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw new Error(`${stem}.json cannot be read: ${(err as Error).message}`);
  }
  if (held.run !== runDir) {
    throw new Error(
      `${stem}.json holds another run (${held.run ?? "unknown"}): choose another --results ` +
        `group, or remove that file if it is to be replaced`,
    );
  }
}
