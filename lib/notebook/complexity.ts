/**
 * What the complexity notebook (§4) shows: log-log charts of timing rows with reference power
 * laws, the step-time figures of a committed benchmark file (one per backend variant) and the
 * sweeps whose slopes are read against Table 1. The measurements are lib/bench's
 * (`complexity.ts`, `scaling.ts`, `slope_fit.ts`, `bench_file.ts`).
 *
 * @module
 */
import { type BenchFile, stepTimingRows } from "../bench/bench_file.ts";
import type { ComplexitySizes, TimingRow } from "../bench/complexity.ts";
import { slopeLines, type SlopeSet } from "../bench/scaling.ts";
import { type Figure, type FigureText, lineChart, type ReferenceLine } from "../plot/mod.ts";

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
  /** Height of the plot area in px (default 360). */
  height?: number;
}

/**
 * A log-log chart of timing rows against T or D, one solid line per method (the colour legend),
 * with grey dashed reference power laws (e.g. slope 1 for O(T), 2 for O(D²)) anchored at the
 * geometric mean of the methods' values at the smallest x, each with its own dashed legend swatch.
 */
export function scalingChart(rows: readonly TimingRow[], options: ScalingChartOptions): Figure {
  const y = options.y ?? "ms";
  const kept = rows.filter((r) => (options.where ?? (() => true))(r)).filter((r) =>
    typeof r[y] === "number" && (r[y] as number) > 0
  );
  const data = kept.map((r) => ({ x: r[options.x], y: r[y] as number, series: r.method }));
  const xs = data.map((d) => d.x);
  const references: ReferenceLine[] = [];
  if (options.laws?.length && xs.length) {
    const x0 = Math.min(...xs);
    const first = data.filter((d) => d.x === x0).map((d) => Math.log(d.y));
    const y0 = Math.exp(first.reduce((a, b) => a + b, 0) / first.length);
    const pts = slopeLines({ x: "x", y: "y", series: "label" }, { x0, x1: Math.max(...xs), y0 }, [
      ...options.laws,
    ]);
    for (const law of options.laws) {
      references.push({
        label: law.label,
        points: pts.filter((p) => p.label === law.label).map((p) => ({
          x: Number(p.x),
          y: Number(p.y),
        })),
      });
    }
  }
  return lineChart(data, {
    x: "x",
    y: "y",
    stroke: "series",
    references,
    logX: true,
    logY: true,
    marker: true,
    height: options.height,
    xLabel: options.x === "T" ? "sequence length T" : "hidden width D",
    yLabel: options.yLabel ?? (y === "seqDispatches" ? "dependent kernels (critical path)" : "ms"),
    title: options.title,
    subtitle: options.subtitle,
    caption: options.caption,
    meta: options.meta,
  });
}

/** One figure of {@link benchFileFigures}: the backend variant it shows, and the figure. */
export interface BenchFileFigure {
  /** The backend variant of its rows (e.g. "wasm+blas2", "torch-cpu"). */
  backend: string;
  /** The figure (its title names the variant, its subtitle the file). */
  figure: Figure;
  /** A file-name stem for it: the file's path under results/bench and the variant. */
  slug: string;
}

/**
 * The step-time figures of a committed benchmark file (`deno task bench`'s `bench.json`): its
 * layer rows of one cell (default gru) at the hidden width with the most sequence lengths,
 * log-log against T, one figure per backend variant (XNNPACK, BLAS threads, PyTorch threads:
 * one colour per method within each), each naming the file it comes from and captioned with
 * the file's machine and date. Empty when the file has no such rows at two T or more.
 */
export function benchFileFigures(
  file: BenchFile,
  options: { name: string; cell?: string; height?: number },
): BenchFileFigure[] {
  const cell = options.cell ?? "gru";
  const layer = file.rows.filter((r) => (r.unit ?? "layer") === "layer" && r.cell === cell);
  const ts = new Map<number, Set<number>>();
  for (const r of layer) ts.set(r.D, (ts.get(r.D) ?? new Set()).add(r.T));
  const best = [...ts].sort((a, b) => b[1].size - a[1].size || b[0] - a[0])[0];
  if (!best || best[1].size < 2) return [];
  const D = best[0];
  const atD = layer.filter((r) => r.D === D);
  const backends = [...new Set(atD.map((r) => r.backend))];
  return backends.flatMap((backend) => {
    const mine = atD.filter((r) => r.backend === backend);
    if (new Set(mine.map((r) => r.T)).size < 2) return [];
    const notes = [...new Set(mine.map((r) => r.note).filter((n) => n))];
    const figure = scalingChart(stepTimingRows(mine), {
      x: "T",
      laws: [{ label: "∝ T", slope: 1 }],
      height: options.height,
      title: `Training step vs T: ${backend}, one ${cell.toUpperCase()} layer, D = ${D}`,
      subtitle: `committed sweep, from ${options.name}; B = ` +
        `${[...new Set(mine.map((r) => r.B))].join(", ")}; fastest of the timed runs`,
      caption: `${options.name}: measured ${file.meta.date ?? "(no date)"}, Deno ` +
        `${file.meta.deno ?? "?"}, ${file.meta.backend ?? "backend not recorded"}; args: ` +
        `${(file.meta.args ?? []).join(" ") || "(none)"}` +
        (notes.length ? `; rows' notes: ${notes.join("; ")}` : ""),
    });
    const stem = options.name.replace(/^results\/bench\//, "").replace(/\.json$/, "");
    return [{ backend, figure, slug: `${stem}_${backend}`.replace(/[^\w-]+/g, "_") }];
  });
}

/** The notebook's three timing sweeps, as {@link complexitySlopeSets} reads them. */
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

/**
 * The six sweeps of the notebook with Table 1's exponents: the scan alone, the layer backward
 * and the training step, each vs T (work ∝ T: 1) and vs D (the scan alone ∝ D: 1; the layer ∝ D²
 * through BPTT's Jacobian products and every method's local terms: 2).
 */
export function complexitySlopeSets(r: ComplexityResults): SlopeSet[] {
  const atD = (x: TimingRow) => x.D === r.z.D;
  const atT = (x: TimingRow) => x.T === r.z.T;
  return [
    { name: "scan vs T", rows: r.scan, x: "T", where: atD, expected: 1 },
    { name: "scan vs D", rows: r.scan, x: "D", where: atT, expected: 1 },
    { name: "backward vs T", rows: r.backward, x: "T", where: atD, expected: 1 },
    { name: "backward vs D", rows: r.backward, x: "D", where: atT, expected: 2 },
    { name: "step vs T", rows: r.step, x: "T", where: atD, expected: 1 },
    { name: "step vs D", rows: r.step, x: "D", where: atT, expected: 2 },
  ];
}
