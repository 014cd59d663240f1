/**
 * The committed results of longer runs, as `results/<group>/` holds them: each run's summary
 * (with the exact command that made it) and its curves.
 *
 * @module
 */
import { join } from "node:path";
import type { MetricRow, TrainSummary } from "../train/trainer.ts";
import { projectRoot } from "./dirs.ts";
import {
  cannotRead,
  MAX_JSON_BYTES,
  MAX_JSONL_BYTES,
  parseJsonFile,
  readInputText,
} from "./bounded_file.ts";

/**
 * The rows of a `metrics.jsonl` text (one JSON object a line; blank lines skipped).
 * @param path the file's name, for the error
 * @throws Error (one line) naming the file and the line that is not JSON
 */
export function parseMetricRows(text: string, path = "metrics.jsonl"): MetricRow[] {
  return text.trim().split("\n").map((l, i) => [l, i] as const).filter(([l]) => l).map(
    ([l, i]) => {
      try {
        return JSON.parse(l);
      } catch (err) {
        throw new Error(
          `${path}: line ${i + 1} is not JSON (${(err as Error).message}): restore the file ` +
            `(e.g. git checkout -- ${path}) or remove that line`,
        );
      }
    },
  );
}

/** Reads a committed JSON file (bounded); errors name the file and what to do. */
export async function readCommittedJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readInputText(path, { what: "a JSON results file", maxBytes: MAX_JSON_BYTES });
  } catch (err) {
    throw cannotRead(path, err);
  }
  return parseJsonFile(path, text, `restore it (e.g. git checkout -- ${path}) or remove it`);
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
 * A run snapshotted while it trained whose command stopped it at `stopAfter` and which got
 * there: paused by design, not still training (snapshots written before `snapshot` said so
 * read "in progress").
 */
function pausedAtStopAfter(s: CommittedRun["summary"]): CommittedRun["summary"] {
  const at = /--set stopAfter=(\d+)\b/.exec(String(s.command ?? ""));
  const progress = s.inProgress;
  if (!at || typeof progress !== "string" || Number(at[1]) !== Number(s.steps)) return s;
  if (progress.includes("paused at stopAfter")) return s;
  return { ...s, inProgress: progress.replace("in progress", "paused at stopAfter") };
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
    const path = join(root, e.name);
    const summary = await readCommittedJson(path) as CommittedRun["summary"];
    if (summary === null || typeof summary !== "object" || Array.isArray(summary)) {
      throw new Error(`${path} is not a JSON object: restore it or remove it`);
    }
    let rows: MetricRow[] = [];
    const curves = join(root, `${name}.metrics.jsonl`);
    try {
      const text = await readInputText(curves, {
        what: "a curves file (.metrics.jsonl)",
        maxBytes: MAX_JSONL_BYTES,
      });
      rows = parseMetricRows(text, curves);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw cannotRead(curves, err);
    }
    out.push({
      name,
      summary: pausedAtStopAfter(summary),
      command: String(summary.command ?? ""),
      rows,
    });
  }
  return out;
}
