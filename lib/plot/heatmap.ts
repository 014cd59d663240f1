/**
 * Heatmaps of matrices (Jacobians, weights, gradients), block-averaged when large, with a
 * colour ramp legend.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import type { Figure, FigureText } from "./figure.ts";
import { DEFAULT_WIDTH } from "./layout.ts";
import { renderPlot } from "./render.ts";

/** A matrix: rows of numbers (arrays, typed arrays, or the output of `tensor.arraySync()`). */
export type Matrix = ArrayLike<ArrayLike<number>>;

/** Options of {@link heatmap}. */
export interface HeatmapOptions extends FigureText {
  /** X axis (columns) label. */
  xLabel?: string;
  /** Y axis (rows) label. */
  yLabel?: string;
  /** Label of the colour legend. */
  colorLabel?: string;
  /** Plot colour scheme (default "viridis"; "rdbu" when `diverging`). */
  scheme?: Plot.ColorScheme;
  /** Symmetric colour domain around 0 with a diverging scheme (weights, gradients). */
  diverging?: boolean;
  /** Fixed colour domain. */
  domain?: [number, number];
  /** Cells per axis above which the matrix is block-averaged (default 64). */
  maxCells?: number;
  /** Width in px (default 640). */
  width?: number;
  /** Height of the plot area in px (default: square cells, at most 640). */
  height?: number;
}

/** Block-averages a matrix down to at most `maxRows` x `maxCols`. */
function downsample(m: Matrix, maxRows: number, maxCols: number) {
  const rows = m.length;
  const cols = rows > 0 ? m[0].length : 0;
  const fr = Math.max(1, Math.ceil(rows / maxRows));
  const fc = Math.max(1, Math.ceil(cols / maxCols));
  const out: { i: number; j: number; v: number }[] = [];
  for (let i = 0; i < rows; i += fr) {
    for (let j = 0; j < cols; j += fc) {
      let sum = 0;
      let n = 0;
      for (let a = i; a < Math.min(rows, i + fr); a++) {
        for (let b = j; b < Math.min(cols, j + fc); b++) {
          const v = m[a][b];
          if (Number.isFinite(v)) {
            sum += v;
            n++;
          }
        }
      }
      out.push({ i, j, v: n > 0 ? sum / n : NaN });
    }
  }
  return { cells: out, rows, cols, fr, fc };
}

function tickSubset(count: number, step: number): number[] {
  const every = Math.max(1, Math.ceil(count / 12));
  const ticks: number[] = [];
  for (let k = 0; k < count; k += every) ticks.push(k * step);
  return ticks;
}

/**
 * A heatmap of a matrix (row i at the top, column j to the right): one cell per entry (block
 * averages above `maxCells` per axis, said in the caption), with a colour ramp legend.
 */
export function heatmap(matrix: Matrix, options: HeatmapOptions = {}): Figure {
  const maxCells = options.maxCells ?? 64;
  const { cells, rows, cols, fr, fc } = downsample(matrix, maxCells, maxCells);
  if (rows === 0 || cols === 0) throw new Error("heatmap: empty matrix");
  const marginLeft = 50;
  const marginRight = 10;
  const marginTop = 10;
  const marginBottom = 40;
  const nRows = Math.ceil(rows / fr);
  const nCols = Math.ceil(cols / fc);
  const inner = (options.width ?? DEFAULT_WIDTH) - marginLeft - marginRight;
  const cell = options.width ? inner / nCols : Math.min(48, inner / nCols);
  const width = options.width ??
    Math.max(320, Math.round(marginLeft + marginRight + nCols * cell));
  const height = options.height ??
    Math.round(Math.min(640, Math.max(120, nRows * cell + marginTop + marginBottom)));
  const finite = cells.map((c) => c.v).filter(Number.isFinite);
  let domain = options.domain;
  if (!domain && options.diverging) {
    const m = Math.max(1e-12, ...finite.map(Math.abs));
    domain = [-m, m];
  }
  const note = fr > 1 || fc > 1 ? `${rows}x${cols} matrix shown as ${fr}x${fc} block means.` : "";
  return renderPlot({
    title: options.title,
    subtitle: options.subtitle,
    caption: [options.caption, note].filter((s) => s).join(" "),
    meta: options.meta,
    width,
    height,
    marginLeft,
    marginRight,
    marginTop,
    marginBottom,
    padding: 0,
    x: {
      type: "band",
      label: options.xLabel ?? "column",
      ticks: tickSubset(nCols, fc),
      tickFormat: (d: number) => String(d),
    },
    y: {
      type: "band",
      label: options.yLabel ?? "row",
      ticks: tickSubset(nRows, fr),
      tickFormat: (d: number) => String(d),
    },
    color: {
      type: options.diverging ? "diverging" : "linear",
      scheme: options.scheme ?? (options.diverging ? "rdbu" : "viridis"),
      domain,
      label: options.colorLabel ?? "value",
      legend: true,
    },
    marks: [
      Plot.cell(cells, { x: "j", y: "i", fill: "v", inset: 0, shapeRendering: "crispEdges" }),
    ],
  });
}
