/**
 * A committed benchmark file (`deno task bench` writes `<out>/bench.json`) as the complexity
 * notebook reads it: parsed from its text ({@link parseBenchFile}, no file access), its rows as
 * a table and as {@link TimingRow}s; and the committed files under `results/bench/` read from
 * disk ({@link readCommittedBenchFiles}).
 *
 * @module
 */
import { join } from "node:path";
import { projectRoot } from "../io/dirs.ts";
import type { TimingRow } from "./complexity.ts";
import { type BenchRow, outputRow, seriesLabeller } from "./results.ts";

/** A benchmark result file as `deno task bench` writes it (`<out>/bench.json`). */
export interface BenchFile {
  /** Machine facts: backend line, date, Deno version, CPU, arguments. */
  meta: { backend?: string; date?: string; deno?: string; cpu?: string; args?: string[] };
  /** Measured rows. */
  rows: BenchRow[];
  /**
   * A note on the file as a whole, where one was written by hand in place of `meta` (e.g.
   * `results/bench/earlier_run_rows.json`: when and how its rows were measured).
   */
  note?: string;
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
  return {
    meta: raw.meta ?? {},
    rows,
    ...(typeof raw.note === "string" ? { note: raw.note } : {}),
  };
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

/** One committed benchmark file: its path from the project root, and its parsed contents. */
export interface CommittedBenchFile {
  /** E.g. `results/bench/bench.json`, `results/bench/webgpu_llvmpipe/bench.json`. */
  name: string;
  /** The parsed file. */
  file: BenchFile;
}

/**
 * Reads the committed benchmark files: every `*.json` directly under `results/bench/` (or
 * `dir`) and the `bench.json` of each folder in it (`deno task bench --out results/bench/<x>`),
 * sorted by path; files that are no benchmark result (no rows array) are skipped.
 * @returns [] when the folder does not exist
 */
export async function readCommittedBenchFiles(dir?: string): Promise<CommittedBenchFile[]> {
  const root = dir ?? join(projectRoot(), "results", "bench");
  const shown = dir ?? "results/bench";
  const paths: string[] = [];
  try {
    for (const e of Deno.readDirSync(root)) {
      if (e.isFile && e.name.endsWith(".json")) paths.push(e.name);
      if (e.isDirectory) paths.push(`${e.name}/bench.json`);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const out: CommittedBenchFile[] = [];
  for (const p of paths.sort()) {
    let text: string;
    try {
      text = await Deno.readTextFile(join(root, p));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    try {
      out.push({ name: `${shown}/${p}`, file: parseBenchFile(text) });
    } catch (e) {
      if (!/not a benchmark result/.test((e as Error).message)) throw e;
    }
  }
  return out;
}

/**
 * What a committed benchmark file says about speed at its largest width: per backend variant,
 * BPTT's step over DSF's fastest implementation at each T, for the GRU layer and for the PTB LM
 * step — the real-size statement beside the notebook's own small timings.
 */
export function committedSpeedLines(c: CommittedBenchFile): string[] {
  const rows = c.file.rows.filter((r) => r.cell === "gru" || r.cell === undefined);
  if (!rows.length) return [];
  const D = Math.max(...rows.map((r) => r.D));
  const lines: string[] = [];
  for (const unit of ["layer", "ptb-lm"]) {
    const mine = rows.filter((r) => (r.unit ?? "layer") === unit && r.D === D);
    for (const backend of [...new Set(mine.map((r) => r.backend))]) {
      const at = mine.filter((r) => r.backend === backend);
      const shapes = [...new Set(at.map((r) => `${r.B}|${r.T}`))];
      const ratios = shapes.flatMap((s) => {
        const [B, T] = s.split("|").map(Number);
        const pick = (m: string) =>
          Math.min(
            ...at.filter((r) => r.B === B && r.T === T && r.mode === m).map((r) => r.stepMs),
          );
        const [bptt, dsf] = [pick("bptt"), pick("dsf")];
        return Number.isFinite(bptt) && Number.isFinite(dsf)
          ? [`${(bptt / dsf).toFixed(2)}× at B = ${B}, T = ${T}`]
          : [];
      });
      if (ratios.length) {
        lines.push(
          `${unit === "layer" ? "GRU layer" : "PTB LM step"}, D = ${D}, ${backend}: BPTT's step ` +
            `over DSF's ${ratios.join("; ")}.`,
        );
      }
    }
  }
  const when = c.file.meta.date ? `, ${c.file.meta.date.slice(0, 10)}` : "";
  return lines.map((l) => `${l} (\`${c.name}\`${when})`);
}
