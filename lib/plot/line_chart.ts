/**
 * Line charts of records (training curves, timings against a size), with series colours, line
 * styles, optional log axes and a caption stating the run facts.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { type Figure, type FigureText, type LegendItem, PALETTE } from "./figure.ts";
import { DEFAULT_WIDTH, fmtTick } from "./layout.ts";
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
  /**
   * Ticks of the x axis. Default: at the data when it has at most 10 distinct x values (the
   * measured T, D or layer counts, not ticks between them), else Plot's.
   */
  xTicks?: number[];
  /** Also draw a dot at every point. */
  marker?: boolean;
  /** Width in px (default 640). */
  width?: number;
  /** Height of the plot area in px (default 360). */
  height?: number;
  /**
   * Reference lines (e.g. power laws y ∝ x^p), drawn dashed in grey over the data, each with a
   * legend entry of the same colour and dashes; not a series (no colour of the series legend).
   */
  references?: readonly ReferenceLine[];
}

/** A reference line of {@link LineChartOptions.references}. */
export interface ReferenceLine {
  /** Legend label, e.g. "∝ T". */
  label: string;
  /** Its points, in x order. */
  points: readonly { x: number; y: number }[];
  /** Dash pattern (default: one of a cycle, so that two references differ). */
  dash?: string;
  /** Colour (default grey). */
  color?: string;
}

/** Dashes of reference lines, in order; their default colour. */
const REFERENCE_DASHES = ["5,4", "1.5,3", "10,3,2,3"];
const REFERENCE_COLOR = "#666666";

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

/** A tick label: integers exactly (T = 1024, not 1.02k), others to 3 significant digits. */
function dataTick(v: number): string {
  return Number.isInteger(v) ? String(v) : fmtTick(v);
}

/**
 * Ticks of a log axis over [min, max], labelled in plain numbers: 1, 2 and 5 × 10^k over more
 * than a decade, else 3–7 evenly stepped values (steps of 1, 2 or 5 × 10^k), as a reader of a
 * perplexity axis from 4 to 7 wants them.
 */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  const clean = (v: number) => Number(v.toPrecision(12));
  if (max / min > 10) {
    const out: number[] = [];
    for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++) {
      for (const m of [1, 2, 5]) {
        const v = clean(m * 10 ** k);
        if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
      }
    }
    return out;
  }
  const span = max - min || max;
  let step = 10 ** Math.floor(Math.log10(span / 5));
  for (const m of [1, 2, 5, 10]) {
    if (span / (m * step) <= 7) {
      step *= m;
      break;
    }
  }
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max * (1 + 1e-9); v += step) out.push(clean(v));
  return out.length >= 2 ? out : [...new Set([clean(min), clean(max)])];
}

/** The largest 1, 2 or 5 × 10^k at or below `v` (> 0). */
function step125Below(v: number): number {
  const k = Math.floor(Math.log10(v));
  const m = [5, 2, 1].find((m) => m * 10 ** k <= v * (1 + 1e-9)) ?? 1;
  return Number((m * 10 ** k).toPrecision(12));
}

/** The smallest 1, 2 or 5 × 10^k at or above `v` (> 0). */
function step125Above(v: number): number {
  const k = Math.floor(Math.log10(v));
  const m = [1, 2, 5, 10].find((m) => m * 10 ** k >= v * (1 - 1e-9)) ?? 10;
  return Number((m * 10 ** k).toPrecision(12));
}

/**
 * A log axis over data in [min, max] whose domain ends at ticks: the domain widened to the
 * nearest tick below `min` and above `max`, so that no value lies beyond the outermost labels
 * (the lowest perplexity of a run is read against a labelled tick below it), and its ticks
 * ({@link logTicks}' spacing).
 */
export function logAxis(min: number, max: number): { domain: [number, number]; ticks: number[] } {
  if (!(min > 0) || !(max >= min)) return { domain: [min, max], ticks: [] };
  const clean = (v: number) => Number(v.toPrecision(12));
  if (max / min > 10) {
    const [lo, hi] = [step125Below(min), step125Above(max)];
    return { domain: [lo, hi], ticks: logTicks(lo, hi) };
  }
  const inner = logTicks(min, max);
  const step = inner.length >= 2 ? clean(inner[1] - inner[0]) : 0;
  if (!(step > 0)) return { domain: [min, max], ticks: inner };
  let lo = clean(Math.floor(min / step + 1e-9) * step);
  const hi = clean(Math.ceil(max / step - 1e-9) * step);
  const ticks: number[] = [];
  if (lo <= 0) {
    lo = step125Below(min);
    ticks.push(lo);
  }
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi * (1 + 1e-9); v += step) {
    if (v > 0 && !ticks.includes(clean(v))) ticks.push(clean(v));
  }
  return { domain: [lo, hi], ticks };
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
  // Ticks come from the rows drawn (the series shown) and stay inside a given domain.
  const drawn = stroke ? data.filter((r) => seriesDomain.includes(String(r[stroke]))) : data;
  const xValues = [...new Set(drawn.map((r) => r[x] as number))].sort((a, b) => a - b);
  const extent = (vs: number[]) => [Math.min(...vs), Math.max(...vs)] as const;
  const [x0, x1] = options.xDomain ?? extent(xValues);
  const inside = (v: number) => v >= x0 && v <= x1;
  const xTicks = (options.xTicks ??
    (xValues.length <= 10 ? xValues : options.logX ? logTicks(x0, x1) : undefined))
    ?.filter(inside);
  const refs = (options.references ?? []).map((ref, i) => ({
    ...ref,
    points: ref.points.filter((p) => ok(p.x, options.logX) && ok(p.y, options.logY)),
    dash: ref.dash ?? REFERENCE_DASHES[i % REFERENCE_DASHES.length],
    color: ref.color ?? REFERENCE_COLOR,
  })).filter((ref) => ref.points.length >= 2);
  const refYs = refs.flatMap((ref) => ref.points.map((p) => p.y));
  const [y0, y1] = options.yDomain ?? extent([...drawn.map((r) => r[y] as number), ...refYs]);
  // A log y axis without a given domain ends at ticks (no value below the lowest label).
  const yAxis = options.logY
    ? options.yDomain ? { domain: options.yDomain, ticks: logTicks(y0, y1) } : logAxis(y0, y1)
    : undefined;
  const yTicks = yAxis?.ticks;
  const colors = seriesColors(seriesDomain);
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
      marks.push(Plot.dot(visible, { x, y, fill: strokeChannel, r: 3 }));
    }
  });
  for (const ref of refs) {
    marks.push(Plot.line(ref.points, {
      x: "x",
      y: "y",
      stroke: ref.color,
      strokeWidth: 1.4,
      strokeDasharray: ref.dash,
    }));
  }
  // A log axis's tick labels, drawn where Plot draws its own (9 px beyond the ticks).
  if (options.logX && xTicks) {
    marks.push(Plot.text(xTicks, {
      x: (d: number) => d,
      text: (d: number) => dataTick(d),
      frameAnchor: "bottom",
      lineAnchor: "top",
      dy: 9,
    }));
  }
  if (yTicks) {
    marks.push(Plot.text(yTicks, {
      y: (d: number) => d,
      text: (d: number) => dataTick(d),
      frameAnchor: "left",
      textAnchor: "end",
      dx: -9,
    }));
  }
  const legendItems: LegendItem[] = [];
  if (dashKey && styleValues.length > 0) {
    styleValues.forEach((v, i) =>
      legendItems.push({ label: v, color: "#555", swatch: "line", dash: dashOf(v, i) })
    );
  }
  for (const ref of refs) {
    legendItems.push({ label: ref.label, color: ref.color, swatch: "line", dash: ref.dash });
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
      ticks: xTicks,
      // On a log axis Plot filters any tick format to 1, 2, 5 × 10^k: its labels are text marks.
      tickFormat: options.logX ? () => "" : dataTick,
    },
    y: {
      type: options.logY ? "log" : "linear",
      label: options.yLabel ?? y,
      domain: yAxis && yTicks?.length ? yAxis.domain : options.yDomain,
      // A linear y axis without a given domain is widened to ticks, as the log one is.
      nice: !options.logY && options.yDomain === undefined,
      clamp: options.yDomain !== undefined,
      ticks: yTicks,
      tickFormat: options.logY ? () => "" : dataTick,
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
