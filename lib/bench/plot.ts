/**
 * The benchmark figure: time per training step against T, one line per method, one line
 * style per D, log-log (a slope of 1 is linear in T). Drawn with lib/notebook/plot.ts.
 *
 * @module
 */
import { type Figure, lineChart } from "../notebook/plot.ts";
import { type BenchRow, methodLabel } from "./results.ts";

/** Options of {@link stepTimeFigure}. */
export interface StepTimeFigureOptions {
  /** Which cell's rows (default: the first row's cell). */
  cell?: string;
  /** Subtitle / caption facts. */
  meta?: Record<string, string | number | boolean | undefined>;
}

/** Method order for the legend. */
const ORDER = [
  "bptt",
  "ft-bptt",
  "dsf-sequential",
  "dsf-scan",
  "dsf-fft",
  "dsf-webgpu",
  "tfjs-layers",
  "pytorch",
  "pytorch-dsf-ref",
];

/**
 * Step time vs T (log-log) of the layer rows of one cell: series = method, dash = D.
 * @returns the figure (its `.svg` is a standalone SVG document)
 */
export function stepTimeFigure(
  rows: readonly BenchRow[],
  options: StepTimeFigureOptions = {},
): Figure {
  const layer = rows.filter((r) => r.unit === "layer");
  const cell = options.cell ?? layer[0]?.cell ?? "gru";
  const data = layer.filter((r) => r.cell === cell).map((r) => ({
    T: r.T,
    stepMs: r.stepMs,
    method: methodLabel(r),
    width: `D=${r.D}`,
  }));
  const present = new Set(data.map((d) => d.method));
  const series = [
    ...ORDER.filter((m) => present.has(m)),
    ...[...present].filter((m) => !ORDER.includes(m)),
  ];
  const widths = [...new Set(data.map((d) => d.width))].sort((a, b) =>
    Number(a.slice(2)) - Number(b.slice(2))
  );
  const dashCycle = ["", "6,4", "2,3", "10,3,2,3"];
  return lineChart(data, {
    x: "T",
    y: "stepMs",
    stroke: "method",
    strokeDasharray: "width",
    dashes: Object.fromEntries(widths.map((w, i) => [w, dashCycle[i % dashCycle.length]])),
    series,
    logX: true,
    logY: true,
    marker: true,
    xLabel: "sequence length T",
    yLabel: "ms per training step (median)",
    title: `Training step time vs T — one ${cell.toUpperCase()} layer`,
    subtitle: "forward + backward + Adam; lines: method, dashes: hidden width D",
    meta: options.meta,
  });
}
