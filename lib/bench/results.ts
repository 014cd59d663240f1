/**
 * Benchmark rows and cases: their fields, the key that makes a sweep resumable, the JSONL
 * records the CLI appends, and the text table.
 *
 * A results file holds one JSON object per line: a measured {@link BenchRow}, or a
 * {@link SkipRecord} (a case left out as beyond the time or memory limit, or one that failed),
 * both carrying the case's fields, so that a rerun knows what is done.
 *
 * @module
 */

import type { CellKind } from "../cells/mod.ts";
import type { ReverseScanImpl } from "../ops/reverse_scan.ts";
import type { GradientMode } from "../recurrent.ts";

/** What is measured: one recurrent layer with a small readout, or a full PTB LM step. */
export type BenchUnit = "layer" | "ptb-lm";

/** The peers measured beside the project's modes. */
export type PeerMode = "tfjs-layers" | "pytorch" | "pytorch-dsf-ref";

/** The peer modes, in table order. */
export const PEER_MODES: readonly PeerMode[] = ["tfjs-layers", "pytorch", "pytorch-dsf-ref"];

/** One case of a sweep: what to measure, where. */
export interface BenchCase {
  /** Layer unit or PTB LM step. */
  unit: BenchUnit;
  /** Cell kind: rnn, gru or lstm. */
  cell: CellKind;
  /** bptt / ft-bptt / dsf, or a peer mode. */
  mode: GradientMode | PeerMode;
  /** The DSF reverse-scan algorithm; "-" where it does not apply. */
  impl: ReverseScanImpl | "-";
  /** tfjs backend (or "torch-cpu" for the PyTorch peers). */
  backend: string;
  /** Batch. */
  B: number;
  /** Sequence length. */
  T: number;
  /** Hidden width. */
  D: number;
  /** Vocabulary (ptb-lm only). */
  V?: number;
}

/** One measured case. Times in milliseconds; null where a peer cannot measure it. */
export interface BenchRow extends BenchCase {
  /** Median plain forward, no gradient recording. */
  forwardMs: number | null;
  /** Median of the forward's matMuls timed alone (the floor). */
  matmulFloorMs: number | null;
  /** Median training step (forward + backward + Adam). */
  stepMs: number;
  /** Fastest step. */
  stepMinMs: number;
  /** Slowest step. */
  stepMaxMs: number;
  /** High-water mark of tensor bytes during one step, over what was live before the case. */
  peakBytes: number | null;
  /** Longest chain of dependent kernels in the backward (measured). */
  seqDispatches: number | null;
  /** Kernels run in the backward (measured). */
  backwardKernels?: number | null;
  /** Timed runs behind the median. */
  runs: number;
  /** Anything worth knowing (adapter, library version, reduced runs). */
  note?: string;
}

/** A case left out, with why. */
export interface SkipRecord extends BenchCase {
  /** Why, e.g. "beyond time: est. 12.3 min > 10 min limit". */
  skipped: string;
}

/** Field order of the final JSON rows (the CLI's last stdout line). */
export const ROW_FIELDS = [
  "cell",
  "mode",
  "impl",
  "backend",
  "B",
  "T",
  "D",
  "forwardMs",
  "matmulFloorMs",
  "stepMs",
  "stepMinMs",
  "stepMaxMs",
  "peakBytes",
  "seqDispatches",
] as const;

/** The resume key of a case: every field that tells two cases apart. */
export function caseKey(c: BenchCase): string {
  return [c.unit, c.cell, c.mode, c.impl, c.backend, c.B, c.T, c.D, c.V ?? ""].join("|");
}

/** The backend label of a PyTorch peer on `threads` threads: "torch-cpu" (1), "torch-cpu-2t". */
export function torchBackend(threads: number): string {
  return threads === 1 ? "torch-cpu" : `torch-cpu-${threads}t`;
}

/** The thread count a PyTorch peer's backend label names (inverse of {@link torchBackend}). */
export function torchThreads(backend: string): number {
  const m = /^torch-cpu(?:-(\d+)t)?$/.exec(backend);
  if (!m) throw new Error(`not a PyTorch backend label: "${backend}"`);
  return m[1] ? Number(m[1]) : 1;
}

/** A short name of the method: "bptt", "dsf-scan", "tfjs-layers", ... */
export function methodLabel(c: { mode: string; impl: string }): string {
  return c.mode === "dsf" ? `dsf-${c.impl}` : c.mode;
}

/**
 * The series labeller of a set of rows: the method ({@link methodLabel}), followed by the
 * backend ("dsf-scan · wasm+blas1") when the rows span more than one backend, so that a line
 * never joins the points of two variants (XNNPACK and BLAS, one thread and two).
 */
export function seriesLabeller(
  rows: readonly { backend: string }[],
): (r: { mode: string; impl: string; backend: string }) => string {
  const several = new Set(rows.map((r) => r.backend)).size > 1;
  return (r) => several ? `${methodLabel(r)} · ${r.backend}` : methodLabel(r);
}

/** Whether a parsed record is a skip record. */
export function isSkip(rec: BenchRow | SkipRecord): rec is SkipRecord {
  return typeof (rec as SkipRecord).skipped === "string";
}

/**
 * Parses a results file: one JSON record per line; blank lines are ignored, and a line that
 * is not a record (e.g. cut short by a kill) is counted in `bad` and ignored. A later record of
 * the same case replaces an earlier one.
 */
export function parseResults(
  text: string,
): { records: Map<string, BenchRow | SkipRecord>; bad: number } {
  const records = new Map<string, BenchRow | SkipRecord>();
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const rec = JSON.parse(line);
      if (!isCaseLike(rec) || (!isSkip(rec) && typeof rec.stepMs !== "number")) {
        bad++;
        continue;
      }
      records.set(caseKey(rec), rec);
    } catch {
      bad++;
    }
  }
  return { records, bad };
}

function isCaseLike(rec: unknown): rec is BenchRow | SkipRecord {
  const r = rec as Record<string, unknown>;
  return r !== null && typeof r === "object" &&
    ["unit", "cell", "mode", "impl", "backend"].every((k) => typeof r[k] === "string") &&
    ["B", "T", "D"].every((k) => typeof r[k] === "number");
}

/** The JSON row of the CLI's last line: {@link ROW_FIELDS} first, then unit/V/extra fields. */
export function outputRow(row: BenchRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ROW_FIELDS) out[k] = row[k] ?? null;
  out.unit = row.unit;
  if (row.V !== undefined) out.V = row.V;
  out.runs = row.runs;
  if (row.backwardKernels !== undefined) out.backwardKernels = row.backwardKernels;
  if (row.note) out.note = row.note;
  return out;
}

function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function mb(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return (v / 2 ** 20).toFixed(1);
}

/** A fixed-width text table of rows (and skip records, shown with their reason). */
export function formatTable(records: readonly (BenchRow | SkipRecord)[]): string {
  const head = [
    "unit",
    "cell",
    "method",
    "backend",
    "B",
    "T",
    "D",
    "fwd ms",
    "floor ms",
    "step ms",
    "min–max ms",
    "peak MiB",
    "seq disp",
  ];
  const lines: string[][] = [head];
  for (const r of records) {
    const id = [
      r.unit + (r.V ? `/V${r.V}` : ""),
      r.cell,
      methodLabel(r),
      r.backend,
      String(r.B),
      String(r.T),
      String(r.D),
    ];
    if (isSkip(r)) {
      lines.push([...id, `skipped: ${r.skipped}`]);
      continue;
    }
    lines.push([
      ...id,
      ms(r.forwardMs),
      ms(r.matmulFloorMs),
      ms(r.stepMs),
      `${ms(r.stepMinMs)}–${ms(r.stepMaxMs)}`,
      mb(r.peakBytes),
      r.seqDispatches === null ? "—" : String(r.seqDispatches),
    ]);
  }
  const widths = head.map((_, i) =>
    Math.max(...lines.filter((l) => l.length === head.length).map((l) => l[i].length))
  );
  const numeric = new Set([4, 5, 6, 7, 8, 9, 10, 11, 12]);
  return lines.map((l) =>
    l.length === head.length
      ? l.map((c, i) => numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])).join("  ")
        .trimEnd()
      : [
        ...l.slice(0, 7).map((c, i) =>
          numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])
        ),
        l[7],
      ]
        .join("  ")
  ).join("\n");
}
