/**
 * The files `deno task feedbacks --results GROUP` writes: per variant of the feedback (and BPTT),
 * the cosines with BPTT's gradient and the ms of one loss + gradient, measured interleaved on
 * one run's weights. Read by the feedbacks summary and, for step times, by a §5 group's summary.
 *
 * @module
 */
import { join } from "node:path";
import { readCommittedJson } from "./committed_runs.ts";

/** A `deno task feedbacks` result file. */
export interface FeedbackFile {
  run: string;
  config: string;
  checkpoint: string;
  step: number;
  batches: number;
  backend: string;
  rows: {
    variant: string;
    cosine: number[];
    signAgreement?: number[];
    ms: number;
    refitMs?: number;
  }[];
  command: string;
}

/** The `deno task feedbacks` files of a folder, by name. */
export async function readFeedbackFiles(dir: string): Promise<FeedbackFile[]> {
  const files: FeedbackFile[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!e.name.endsWith(".json")) continue;
    const f = await readCommittedJson(join(dir, e.name)) as FeedbackFile | null;
    if (Array.isArray(f?.rows) && f.rows[0]?.variant) files.push(f);
  }
  return files;
}

/** Per point (the file's config name): per variant, ms of one loss + gradient. */
export function stepTimesOf(
  files: readonly FeedbackFile[],
): Record<string, Record<string, number>> {
  return Object.fromEntries(
    files.map((f) => [f.config, Object.fromEntries(f.rows.map((r) => [r.variant, r.ms]))]),
  );
}
