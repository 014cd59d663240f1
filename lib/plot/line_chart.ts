/**
 * Line charts of records (training curves, timings against a size), with series colours, line
 * styles, optional log axes and a caption stating the run facts.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { type Figure, type FigureText, type LegendItem, PALETTE } from "./figure.ts";
import { DEFAULT_WIDTH } from "./layout.ts";
import { renderPlot } from "./render.ts";
import { seriesColors } from "./method_colors.ts";

/** A row of a line chart: any record with numeric x/y fields. */
export type Row = Record<string, unknown>;

/** Options of {@link lineChart}. */
export interface LineChartOptions extends FigureText {
  /** Field of the x value (e.g. "step"). */
  x: string;
  /** Field of the y value (e.g. "perplexity"). */
  y: string;
  /** Field naming the series (e.g. "mode"); one coloured line per value, with a legend. */
  stroke?: string;
  /** Field choosing the line style (e.g. "split": train dashed, valid solid). */
  strokeDasharray?: string;
  /** Dash pattern per value of the `strokeDasharray` field ("" = solid). */
  dashes?: Record<string, string>;
  /** Order (and subset) of series values; default: order of first appearance. */
  series?: string[];
  /** X axis label (default: the x field). */
  xLabel?: string;
  /** Y axis label (default: the y field). */
  yLabel?: string;
  /** Log-scaled x axis. */
  logX?: boolean;
  /** Log-scaled y axis. */
  logY?: boolean;
  /** Fixed y domain, e.g. to clip early huge perplexities. */
  yDomain?: [number, number];
  /** Fixed x domain. */
  xDomain?: [number, number];
  /** Also draw a dot at every point. */
  marker?: boolean;
  /** Width in px (default 640). */
  width?: number;
  /** Height of the plot area in px (default 360). */
  height?: number;
}

const DEFAULT_DASHES: Record<string, string> = {
  train: "6,4",
  training: "6,4",
  valid: "",
  validation: "",
  val: "",
  test: "2,3",
};
const DASH_CYCLE = ["", "6,4", "2,3", "10,3,2,3"];

function unique(values: Iterable<unknown>): string[] {
  return [...new Set([...values].map(String))];
}

/**
 * A line chart of `rows`: one line per value of `stroke` (coloured, with a legend), styled by
 * `strokeDasharray` (e.g. train dashed, valid solid), with axis labels, optional log axes, and a
 * caption stating the run facts. Rows whose x or y is not a finite number (or not positive on a
 * log axis) are left out.
 */
export function lineChart(rows: readonly Row[], options: LineChartOptions): Figure {
  const { x, y, stroke, strokeDasharray: dashKey } = options;
  const ok = (v: unknown, log?: boolean) =>
    typeof v === "number" && Number.isFinite(v) && (!log || v > 0);
  const data = rows
    .filter((r) => ok(r[x], options.logX) && ok(r[y], options.logY))
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r[x] as number) - (b.r[x] as number) || a.i - b.i)
    .map(({ r }) => r);
  const seriesDomain = stroke ? options.series ?? unique(data.map((r) => r[stroke])) : [];
  const colors = seriesColors(seriesDomain, PALETTE);
  const colorOf = (i: number) => colors[i] ?? PALETTE[0];
  const styleValues = dashKey ? unique(data.map((r) => r[dashKey])) : [""];
  const dashOf = (v: string, i: number) =>
    options.dashes?.[v] ?? DEFAULT_DASHES[v.toLowerCase()] ?? DASH_CYCLE[i % DASH_CYCLE.length];
  const marks: Plot.Markish[] = [];
  styleValues.forEach((styleValue, i) => {
    const group = dashKey ? data.filter((r) => String(r[dashKey]) === styleValue) : data;
    const dash = dashKey ? dashOf(styleValue, i) : "";
    const strokeChannel = stroke ? (r: Row) => String(r[stroke]) : colorOf(0);
    const visible = stroke ? group.filter((r) => seriesDomain.includes(String(r[stroke]))) : group;
    marks.push(
      Plot.line(visible, {
        x,
        y,
        stroke: strokeChannel,
        z: stroke ? strokeChannel : undefined,
        strokeWidth: 1.8,
        strokeDasharray: dash || undefined,
      }),
    );
    if (options.marker) {
      marks.push(Plot.dot(visible, { x, y, fill: strokeChannel, r: 2 }));
    }
  });
  const legendItems: LegendItem[] = [];
  if (dashKey && styleValues.length > 0) {
    styleValues.forEach((v, i) =>
      legendItems.push({ label: v, color: "#555", swatch: "line", dash: dashOf(v, i) })
    );
  }
  return renderPlot({
    title: options.title,
    subtitle: options.subtitle,
    caption: options.caption,
    meta: options.meta,
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? 360,
    marginLeft: 60,
    marginRight: 20,
    grid: true,
    x: {
      type: options.logX ? "log" : "linear",
      label: options.xLabel ?? x,
      domain: options.xDomain,
    },
    y: {
      type: options.logY ? "log" : "linear",
      label: options.yLabel ?? y,
      domain: options.yDomain,
      clamp: options.yDomain !== undefined,
    },
    color: stroke
      ? {
        type: "ordinal",
        domain: seriesDomain,
        range: seriesDomain.map((_, i) => colorOf(i)),
        legend: seriesDomain.length > 0,
      }
      : undefined,
    legendSwatch: "line",
    legendItems,
    marks,
  });
}
