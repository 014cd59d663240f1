/**
 * What the complexity notebook (§4) shows: log-log charts of timing rows with reference power
 * laws, the step-time figure of a committed benchmark file, and the computed "What we saw"
 * bullets. The measurements are lib/bench's (`complexity.ts`, `scaling.ts`, `bench_file.ts`).
 *
 * @module
 */
import { type BenchFile, stepTimingRows } from "../bench/bench_file.ts";
import type { ComplexitySizes, TimingRow } from "../bench/complexity.ts";
import { depthTable, slopeLines, slopesBy } from "../bench/scaling.ts";
import { type Figure, type FigureText, lineChart } from "../plot/mod.ts";

/** Options of {@link scalingChart}. */
export interface ScalingChartOptions extends FigureText {
  /** The swept size on the x axis. */
  x: "T" | "D";
  /** What to plot (default `ms`). */
  y?: "ms" | "medianMs" | "seqDispatches";
  /** Which rows (e.g. the sweep vs T at one D). */
  where?: (r: TimingRow) => boolean;
  /** Reference power laws x^slope, drawn dashed through the mean of the first points. */
  laws?: readonly { label: string; slope: number }[];
  /** Y axis label. */
  yLabel?: string;
}

/**
 * A log-log chart of timing rows against T or D, one solid line per method, with dashed
 * reference power laws (e.g. slope 1 for O(T), 2 for O(D²)) anchored at the geometric mean of
 * the methods' values at the smallest x.
 */
export function scalingChart(rows: readonly TimingRow[], options: ScalingChartOptions): Figure {
  const y = options.y ?? "ms";
  const kept = rows.filter((r) => (options.where ?? (() => true))(r)).filter((r) =>
    typeof r[y] === "number" && (r[y] as number) > 0
  );
  const data: Record<string, string | number>[] = kept.map((r) => ({
    x: r[options.x],
    y: r[y] as number,
    series: r.method,
    kind: "measured",
  }));
  const xs = data.map((d) => d.x as number);
  if (options.laws?.length && xs.length) {
    const x0 = Math.min(...xs);
    const first = data.filter((d) => d.x === x0).map((d) => Math.log(d.y as number));
    const y0 = Math.exp(first.reduce((a, b) => a + b, 0) / first.length);
    data.push(...slopeLines(
      { x: "x", y: "y", series: "series", style: "kind" },
      { x0, x1: Math.max(...xs), y0 },
      options.laws,
    ));
  }
  return lineChart(data, {
    x: "x",
    y: "y",
    stroke: "series",
    strokeDasharray: "kind",
    dashes: { measured: "", reference: "5,4" },
    logX: true,
    logY: true,
    marker: true,
    xLabel: options.x === "T" ? "sequence length T" : "hidden width D",
    yLabel: options.yLabel ?? (y === "seqDispatches" ? "dependent kernels (critical path)" : "ms"),
    title: options.title,
    subtitle: options.subtitle,
    caption: options.caption,
    meta: options.meta,
  });
}

/**
 * The step-time figure of a committed benchmark file: its layer rows of one cell (default gru)
 * at the hidden width with the most sequence lengths, log-log against T, captioned with the
 * file's machine and date. Null when the file has no such rows.
 */
export function benchFileFigure(
  file: BenchFile,
  options: { name: string; cell?: string },
): Figure | null {
  const cell = options.cell ?? "gru";
  const layer = file.rows.filter((r) => (r.unit ?? "layer") === "layer" && r.cell === cell);
  const ts = new Map<number, Set<number>>();
  for (const r of layer) ts.set(r.D, (ts.get(r.D) ?? new Set()).add(r.T));
  const best = [...ts].sort((a, b) => b[1].size - a[1].size || b[0] - a[0])[0];
  if (!best || best[1].size < 2) return null;
  const D = best[0];
  return scalingChart(stepTimingRows(layer), {
    x: "T",
    where: (r) => r.D === D,
    laws: [{ label: "∝ T", slope: 1 }],
    title: `Committed sweep: training step vs T, one ${cell.toUpperCase()} layer, D = ${D}`,
    subtitle: `${options.name}: ${file.meta.backend ?? "backend not recorded"}`,
    caption: `measured ${file.meta.date ?? "(no date)"}, Deno ${file.meta.deno ?? "?"}; ` +
      `args: ${(file.meta.args ?? []).join(" ") || "(none)"}; fastest of the timed runs`,
  });
}

/** What {@link complexityFindings} reads. */
export interface ComplexityResults {
  /** The sweep sizes. */
  z: ComplexitySizes;
  /** `timeReverseScan` rows (lib/bench/complexity.ts). */
  scan: readonly TimingRow[];
  /** `timeLayerBackward` rows. */
  backward: readonly TimingRow[];
  /** {@link stepTimingRows} of `timeTrainingStep`. */
  step: readonly TimingRow[];
}

function slopeWord(p: number, expected: number): string {
  if (!Number.isFinite(p)) return "n/a";
  const how = p < 0.5 * expected
    ? "far below"
    : p < 0.8 * expected
    ? "below"
    : p <= 1.25 * expected
    ? "close to"
    : "above";
  return `${p.toFixed(2)} (${how} ${expected})`;
}

/**
 * The "What we saw" bullets of the complexity notebook, computed from its sweeps: BPTT's layer
 * backward against the others at the largest T (and how that ratio grows with T), the measured
 * dependency depths against Table 1's model, and the log-log slopes against Table 1's exponents.
 */
export function complexityFindings(r: ComplexityResults): string {
  const { z } = r;
  const t0 = Math.min(...z.Ts);
  const t1 = Math.max(...z.Ts);
  const atD = (x: TimingRow) => x.D === z.D;
  const atT = (x: TimingRow) => x.T === z.T;
  const ms = (rows: readonly TimingRow[], m: string, t: number) =>
    rows.find((x) => x.method === m && x.T === t && x.D === z.D)?.ms ?? NaN;
  const others = [...new Set(r.backward.map((x) => x.method))].filter((m) => m !== "bptt");
  const lines: string[] = [];
  const ratio = (rows: readonly TimingRow[], m: string, t: number) =>
    ms(rows, "bptt", t) / ms(rows, m, t);
  lines.push(
    `- **Layer backward, BPTT vs the others** (D = ${z.D}): BPTT takes ` +
      others.map((m) => `${fix(ratio(r.backward, m, t1), 2)}× ${m}`).join(", ") +
      ` at T = ${t1} (at T = ${t0}: ` +
      others.map((m) => `${fix(ratio(r.backward, m, t0), 2)}×`).join(", ") + ").",
  );
  const stepOthers = [...new Set(r.step.map((x) => x.method))].filter((m) => m !== "bptt");
  lines.push(
    `- **Training step** (forward + backward + Adam) at T = ${t1}: BPTT takes ` +
      stepOthers.map((m) => `${fix(ratio(r.step, m, t1), 2)}× ${m}`).join(", ") + ".",
  );
  const depth = depthTable(r.backward, atD);
  const dep = (m: string) => depth.find((d) => d.method === m);
  const depthText = depth.map((d) => {
    const per = Number(d["kernels / model step"]);
    return `${d.method} ${d[`T=${t0}`]} → ${d[`T=${t1}`]}` +
      (Number.isFinite(per) ? ` (${fix(per, 2)} kernels per model step)` : "");
  });
  lines.push(
    `- **Dependent kernels** in the layer backward, T = ${t0} → ${t1}: ${depthText.join("; ")}.` +
      (dep("bptt") && dep("dsf-scan")
        ? ` At T = ${t1} BPTT's chain is ${
          fix(Number(dep("bptt")![`T=${t1}`]) / Number(dep("dsf-scan")![`T=${t1}`]), 1)
        }× DSF-scan's.`
        : ""),
  );
  const slopes = (rows: readonly TimingRow[], x: "T" | "D", where: (r: TimingRow) => boolean) =>
    new Map(slopesBy(rows, { x, y: "ms", series: "method" }, where).map((s) => [s.series, s]));
  const bwT = slopes(r.backward, "T", atD);
  const bwD = slopes(r.backward, "D", atT);
  const scT = slopes(r.scan, "T", atD);
  const scD = slopes(r.scan, "D", atT);
  const list = (m: Map<string, { slope: number }>, expected: (k: string) => number) =>
    [...m].map(([k, v]) => `${k} ${slopeWord(v.slope, expected(k))}`).join(", ");
  lines.push(
    `- **Slopes vs T** (Table 1: 1): reverse scan alone ${list(scT, () => 1)}; ` +
      `layer backward ${list(bwT, () => 1)}.`,
  );
  lines.push(
    `- **Slopes vs D** (Table 1: 1 for the scan; 2 for BPTT and for every local term): ` +
      `reverse scan alone ${list(scD, () => 1)}; layer backward ${list(bwD, () => 2)}.`,
  );
  const all = [...bwT.values(), ...bwD.values(), ...scT.values(), ...scD.values()].map((s) =>
    s.slope
  );
  const low = all.filter((p) => p < 0.5).length;
  lines.push(
    low > all.length / 2
      ? `- ${low} of ${all.length} slopes are below 0.5: at these sizes fixed per-kernel costs ` +
        "dominate, so time follows the number of kernels dispatched more than the flops; the " +
        "full sweep (`deno task bench`) reaches sizes where the flops count."
      : `- ${all.length - low} of ${all.length} slopes are at least 0.5: at these sizes the work ` +
        "begins to show through the per-kernel costs.",
  );
  return lines.join("\n");
}

/** Formats a number to `digits` decimals ("n/a" when not finite). */
function fix(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : "n/a";
}
