/**
 * A committed benchmark file (`deno task bench` writes `<out>/bench.json`) as the complexity
 * notebook reads it: parsed from its text (reading the file is the caller's, so this stays
 * browser-safe), its rows as a table and as {@link TimingRow}s.
 *
 * @module
 */
import type { TimingRow } from "./complexity.ts";
import { type BenchRow, outputRow, seriesLabeller } from "./results.ts";

/** A benchmark result file as `deno task bench` writes it (`<out>/bench.json`). */
export interface BenchFile {
  /** Machine facts: backend line, date, Deno version, arguments. */
  meta: { backend?: string; date?: string; deno?: string; args?: string[] };
  /** Measured rows. */
  rows: BenchRow[];
}

/** Parses a benchmark JSON file's text; throws when it is not one. */
export function parseBenchFile(text: string): BenchFile {
  const raw = JSON.parse(text);
  if (!raw || typeof raw !== "object" || !Array.isArray(raw.rows)) {
    throw new Error("parseBenchFile: not a benchmark result (no rows array)");
  }
  const rows = (raw.rows as Record<string, unknown>[]).filter((r) =>
    typeof r.mode === "string" && typeof r.stepMs === "number" && typeof r.T === "number"
  ).map((r) => ({ unit: "layer", impl: "-", ...r }) as unknown as BenchRow);
  return { meta: raw.meta ?? {}, rows };
}

/** The JSON form of bench rows, as the CLI writes them (for tables). */
export function benchRowsForTable(rows: readonly BenchRow[]): Record<string, unknown>[] {
  const label = seriesLabeller(rows);
  return rows.map((r) => {
    const o = outputRow(r);
    return {
      method: label(r),
      T: o.T,
      D: o.D,
      B: o.B,
      "step ms": o.stepMs,
      "fwd ms": o.forwardMs,
      "seq dispatches": o.seqDispatches,
    };
  });
}

/** Bench rows (lib/bench) as {@link TimingRow}s: `ms` = fastest step, `medianMs` = median. */
export function stepTimingRows(rows: readonly BenchRow[]): TimingRow[] {
  const label = seriesLabeller(rows);
  return rows.map((r) => ({
    method: label(r),
    T: r.T,
    D: r.D,
    B: r.B,
    ms: r.stepMinMs,
    medianMs: r.stepMs,
    ...(r.seqDispatches === null ? {} : { seqDispatches: r.seqDispatches }),
    ...(r.backwardKernels == null ? {} : { kernels: r.backwardKernels }),
  }));
}
