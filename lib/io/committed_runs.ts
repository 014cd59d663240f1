/**
 * The committed results of longer runs, as `results/<group>/` holds them: each run's summary
 * (with the exact command that made it) and its curves.
 *
 * @module
 */
import { join } from "node:path";
import type { MetricRow, TrainSummary } from "../train/trainer.ts";
import { projectRoot } from "./dirs.ts";

/** The rows of a `metrics.jsonl` text (one JSON object a line; blank lines skipped). */
export function parseMetricRows(text: string): MetricRow[] {
  return text.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l));
}

/** One committed run under `results/`: its summary, the command that made it, its curves. */
export interface CommittedRun {
  /** File stem, e.g. `ptb-gru-1L256-dsf-seed0`. */
  name: string;
  /** The training command's summary line. */
  summary: TrainSummary & Record<string, unknown>;
  /** The exact command that made it. */
  command: string;
  /** Its metric rows (from the `.metrics.jsonl` beside it, if present). */
  rows: MetricRow[];
}

/**
 * Reads the committed runs of one experiment group: `results/<group>/*.json`, each a summary
 * with a `command` field, and the `<name>.metrics.jsonl` beside it.
 * @returns [] when the group has no committed runs yet
 */
export async function readCommittedRuns(group: string, dir?: string): Promise<CommittedRun[]> {
  const root = dir ?? join(projectRoot(), "results", group);
  const out: CommittedRun[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  for (
    const e of entries.filter((e) => e.name.endsWith(".json")).sort((a, b) =>
      a.name < b.name ? -1 : 1
    )
  ) {
    const name = e.name.slice(0, -5);
    const summary = JSON.parse(await Deno.readTextFile(join(root, e.name)));
    let rows: MetricRow[] = [];
    try {
      rows = parseMetricRows(await Deno.readTextFile(join(root, `${name}.metrics.jsonl`)));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    out.push({ name, summary, command: String(summary.command ?? ""), rows });
  }
  return out;
}
