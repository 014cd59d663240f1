/**
 * The benchmark figure: time per training step against T, one colour per method, one line
 * style per backend variant (when the rows hold several) and per D, log-log (a slope of 1 is linear in T). Drawn with lib/plot/.
 *
 * @module
 */
import { type Figure, lineChart } from "../plot/mod.ts";
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
 * Step time vs T (log-log) of the layer rows of one cell: colour = method, dash = backend / D.
 * @returns the figure (its `.svg` is a standalone SVG document)
 */
export function stepTimeFigure(
  rows: readonly BenchRow[],
  options: StepTimeFigureOptions = {},
): Figure {
  const layer = rows.filter((r) => r.unit === "layer");
  const cell = options.cell ?? layer[0]?.cell ?? "gru";
  const mine = layer.filter((r) => r.cell === cell);
  // Colour = method; dash = backend variant (XNNPACK, BLAS threads, PyTorch threads) when the
  // rows hold several, and D when they hold several widths: no line joins two variants.
  const backends = new Set(mine.map((r) => r.backend)).size > 1;
  const widthsHeld = new Set(mine.map((r) => r.D)).size > 1;
  const styleOf = (r: BenchRow) =>
    [backends ? r.backend : "", widthsHeld || !backends ? `D=${r.D}` : ""].filter((p) => p)
      .join(" · ");
  const data = mine.map((r) => ({
    T: r.T,
    stepMs: r.stepMs,
    method: methodLabel(r),
    style: styleOf(r),
  }));
  const present = new Set(data.map((d) => d.method));
  const series = [
    ...ORDER.filter((m) => present.has(m)),
    ...[...present].filter((m) => !ORDER.includes(m)),
  ];
  const styles = [
    ...new Set(
      [...mine].sort((a, b) => a.D - b.D || (a.backend < b.backend ? -1 : 1)).map(styleOf),
    ),
  ];
  const dashCycle = ["", "6,4", "2,3", "10,3,2,3", "1,3", "12,4"];
  return lineChart(data, {
    x: "T",
    y: "stepMs",
    stroke: "method",
    strokeDasharray: "style",
    dashes: Object.fromEntries(styles.map((w, i) => [w, dashCycle[i % dashCycle.length]])),
    series,
    logX: true,
    logY: true,
    marker: true,
    xLabel: "sequence length T",
    yLabel: "ms per training step (median)",
    title: `Training step time vs T — one ${cell.toUpperCase()} layer`,
    subtitle: `forward + backward + Adam; colour: method, dashes: ${
      backends ? (widthsHeld ? "backend and width D" : "backend") : "hidden width D"
    }`,
    meta: options.meta,
  });
}
