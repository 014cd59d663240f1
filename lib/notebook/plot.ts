/**
 * Observable Plot figures rendered to standalone SVG strings without a browser (a linkedom
 * document stands in for `window.document`). Every figure is a {@link Figure}: Deno's Jupyter
 * kernel displays it inline as `image/svg+xml`, and its `.svg` can be saved to a file
 * (see `lib/io/figures.ts`).
 *
 * Plot's own legends, titles and captions are HTML (a `<figure>`), which is not a valid
 * `image/svg+xml` payload, so this module draws them itself into one SVG around the plot.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { DISPLAY_SYMBOL, type MediaBundle } from "./display.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const DEFAULT_WIDTH = 640;
const PAD = 10;

/** Categorical palette (Observable 10, Plot's default), used for line series. */
export const PALETTE: readonly string[] = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
];

/** Run facts stated in a figure's caption, e.g. `{scale: "quick", backend: "cpu", seed: 1}`. */
export interface FigureMeta {
  /** Experiment scale (e.g. "quick", "paper"). */
  scale?: string;
  /** TensorFlow.js backend the numbers came from. */
  backend?: string;
  /** Random seed. */
  seed?: number | string;
  /** Any other fact worth stating (printed as `key: value`). */
  [key: string]: string | number | boolean | undefined;
}

/** Text around a figure. */
export interface FigureText {
  /** Bold heading above the plot. */
  title?: string;
  /** Smaller line under the title. */
  subtitle?: string;
  /** Note under the plot (wrapped). */
  caption?: string;
  /** Run facts appended to the caption (scale, backend, seed, ...). */
  meta?: FigureMeta;
}

/** One entry of a figure legend. */
export interface LegendItem {
  /** Text next to the swatch. */
  label: string;
  /** Swatch colour. */
  color: string;
  /** Swatch shape: a short line (default) or a filled square. */
  swatch?: "line" | "rect";
  /** SVG stroke-dasharray of a line swatch ("" or undefined: solid). */
  dash?: string;
}

/** A continuous colour legend (gradient bar). */
export interface RampLegend {
  /** Label over the bar. */
  label?: string;
  /** Lowest and highest value. */
  domain: [number, number];
  /** Maps a value of the domain to a CSS colour. */
  color: (value: number) => string;
  /** Sample the value axis geometrically (log scales). */
  log?: boolean;
}

/** Everything a figure is assembled from. */
export interface ComposeOptions extends FigureText {
  /** Swatch legend entries, drawn in rows above the plot. */
  legend?: LegendItem[];
  /** Gradient legend drawn above the plot. */
  ramp?: RampLegend;
}

/** A rendered figure: an SVG document that Jupyter (Deno kernel) displays inline. */
export class Figure {
  /** Standalone SVG document (with xmlns), ready for `image/svg+xml` or a `.svg` file. */
  readonly svg: string;
  /** Width in px. */
  readonly width: number;
  /** Height in px. */
  readonly height: number;
  /** Title, if any (used for the text/plain fallback). */
  readonly title?: string;

  /** Wraps an SVG string; prefer the chart helpers, which build it. */
  constructor(svg: string, size: { width: number; height: number; title?: string }) {
    this.svg = svg;
    this.width = size.width;
    this.height = size.height;
    this.title = size.title;
  }

  /** The MIME bundle Deno's kernel sends when the figure is a cell's value or is displayed. */
  [DISPLAY_SYMBOL](): MediaBundle {
    return {
      "image/svg+xml": this.svg,
      "text/plain": `[figure${this.title ? `: ${this.title}` : ""} (${this.width}x${this.height})]`,
    };
  }

  /** The SVG source. */
  toString(): string {
    return this.svg;
  }
}

/** Escapes text for use inside XML text nodes and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${XML_ENTITIES[c]};`);
}

const XML_ENTITIES: Record<string, string> = {
  "&": "amp",
  "<": "lt",
  ">": "gt",
  '"': "quot",
  "'": "apos",
};

/** The caption text: the caption followed by the run facts, e.g. "… · scale: quick · seed: 1". */
export function captionText(text: FigureText): string {
  const facts = Object.entries(text.meta ?? {})
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${v}`);
  return [text.caption?.trim(), facts.join(" · ")].filter((s) => s).join(" — ");
}

type PlotDocument = NonNullable<Plot.PlotOptions["document"]>;

let cachedDocument: PlotDocument | undefined;

/** A linkedom document for Plot to build its DOM in (shared, created on first use). */
function plotDocument(): PlotDocument {
  if (cachedDocument === undefined) {
    const { document } = parseHTML(
      "<!DOCTYPE html><html><head></head><body></body></html>",
    ) as unknown as { document: PlotDocument };
    cachedDocument = document;
  }
  return cachedDocument;
}

/** Rough text width at a font size (no layout engine here), in px. */
function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.58;
}

/** Greedy word wrap to a width in px. */
function wrap(text: string, width: number, fontSize: number): string[] {
  const perLine = Math.max(10, Math.floor(width / (fontSize * 0.56)));
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter((w) => w)) {
      if (line && line.length + 1 + word.length > perLine) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  return lines;
}

function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

/**
 * Assembles a figure: title, subtitle, legend, the plot SVG (nested), and the caption, into
 * one standalone SVG document.
 */
export function composeFigure(
  plotSvg: string,
  options: ComposeOptions & { width: number; height: number },
): Figure {
  const { width, height } = options;
  const parts: string[] = [];
  let y = PAD;
  if (options.title) {
    y += 16;
    parts.push(
      `<text x="${PAD}" y="${y}" font-size="16" font-weight="600">${
        escapeXml(options.title)
      }</text>`,
    );
    y += 6;
  }
  if (options.subtitle) {
    y += 13;
    parts.push(
      `<text x="${PAD}" y="${y}" font-size="12" fill="#444">${escapeXml(options.subtitle)}</text>`,
    );
    y += 5;
  }
  if (options.legend && options.legend.length > 0) {
    y += 6;
    let x = PAD;
    let rowY = y + 8;
    for (const item of options.legend) {
      const w = 22 + textWidth(item.label, 11) + 16;
      if (x > PAD && x + w > width - PAD) {
        x = PAD;
        rowY += 18;
      }
      const swatch = item.swatch === "rect"
        ? `<rect x="${x}" y="${rowY - 6}" width="12" height="12" fill="${escapeXml(item.color)}"/>`
        : `<line x1="${x}" x2="${x + 18}" y1="${rowY}" y2="${rowY}" stroke="${
          escapeXml(item.color)
        }" stroke-width="2.5"${item.dash ? ` stroke-dasharray="${escapeXml(item.dash)}"` : ""}/>`;
      parts.push(
        `<g class="legend-item">${swatch}<text x="${
          x + 22
        }" y="${rowY}" dy="0.35em" font-size="11">${escapeXml(item.label)}</text></g>`,
      );
      x += w;
    }
    y = rowY + 12;
  }
  if (options.ramp) {
    const { domain, color, log, label } = options.ramp;
    const [lo, hi] = domain;
    const barWidth = 240;
    const stops: string[] = [];
    const n = 24;
    for (let i = 0; i <= n; i++) {
      const t = i / n;
      const v = log && lo > 0 && hi > 0 ? lo * Math.pow(hi / lo, t) : lo + (hi - lo) * t;
      stops.push(`<stop offset="${(t * 100).toFixed(1)}%" stop-color="${escapeXml(color(v))}"/>`);
    }
    y += 4;
    if (label) {
      y += 11;
      parts.push(
        `<text x="${PAD}" y="${y}" font-size="11" font-weight="600">${escapeXml(label)}</text>`,
      );
    }
    y += 4;
    parts.push(
      `<defs><linearGradient id="ramp-gradient" x1="0" x2="1" y1="0" y2="0">${
        stops.join("")
      }</linearGradient></defs>`,
      `<rect class="ramp" x="${PAD}" y="${y}" width="${barWidth}" height="10" fill="url(#ramp-gradient)"/>`,
    );
    const ticks = [lo, log && lo > 0 ? Math.sqrt(lo * hi) : (lo + hi) / 2, hi];
    ticks.forEach((v, i) => {
      const tx = PAD + (barWidth * i) / 2;
      const anchor = i === 0 ? "start" : i === 1 ? "middle" : "end";
      parts.push(
        `<text x="${tx}" y="${y + 22}" font-size="10" text-anchor="${anchor}">${
          escapeXml(fmtTick(v))
        }</text>`,
      );
    });
    y += 28;
  }
  y += 4;
  const plotY = y;
  y += height;
  const caption = captionText(options);
  if (caption) {
    y += 4;
    for (const line of wrap(caption, width - 2 * PAD, 11)) {
      y += 14;
      parts.push(
        `<text class="caption" x="${PAD}" y="${y}" font-size="11" fill="#555">${
          escapeXml(line)
        }</text>`,
      );
    }
  }
  y += PAD;
  const total = Math.ceil(y);
  const nested = plotSvg.replace(/^<svg\b/, `<svg x="0" y="${plotY}"`);
  const svg =
    `<svg xmlns="${SVG_NS}" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" ` +
    `font-family="${FONT}" fill="currentColor" style="background:white;color:#222">` +
    `<rect width="100%" height="100%" fill="white"/>${parts.join("")}${nested}</svg>`;
  return new Figure(svg, { width, height: total, title: options.title });
}

/** Options of {@link renderPlot}: Plot.plot options, plus figure text drawn around the plot. */
export type RenderPlotOptions =
  & Omit<Plot.PlotOptions, "title" | "subtitle" | "caption" | "document" | "figure">
  & FigureText
  & {
    /** Extra legend entries drawn after the colour legend (e.g. line styles). */
    legendItems?: LegendItem[];
    /** Draw categorical colour swatches as lines (line charts) instead of squares. */
    legendSwatch?: "line" | "rect";
  };

const CONTINUOUS = new Set([
  "linear",
  "log",
  "pow",
  "sqrt",
  "symlog",
  "sequential",
  "diverging",
  "diverging-log",
  "diverging-pow",
  "diverging-sqrt",
  "diverging-symlog",
  "cyclical",
  "utc",
  "time",
]);

/**
 * Renders Plot.plot options to a {@link Figure}. A colour legend (`color: {legend: true}`) is
 * drawn as SVG swatches (categorical) or a gradient bar (continuous); `title`, `subtitle`,
 * `caption` and `meta` become text around the plot.
 */
export function renderPlot(options: RenderPlotOptions): Figure {
  const { title, subtitle, caption, meta, legendItems, legendSwatch, ...plotOptions } = options;
  const color = plotOptions.color;
  const wantLegend = color?.legend === true;
  const width = plotOptions.width ?? DEFAULT_WIDTH;
  const el = Plot.plot({
    ...plotOptions,
    width,
    color: color ? { ...color, legend: false } : color,
    document: plotDocument(),
  });
  if (el.tagName.toLowerCase() !== "svg") {
    throw new Error(
      "renderPlot: Plot produced an HTML figure (a legend other than color?); only color legends are supported",
    );
  }
  el.setAttribute("xmlns", SVG_NS);
  const plotSvg = el.outerHTML;
  const height = Number(el.getAttribute("height")) || 400;
  const legend: LegendItem[] = [];
  let ramp: RampLegend | undefined;
  if (wantLegend) {
    const scale = el.scale("color");
    if (scale && CONTINUOUS.has(String(scale.type))) {
      const domain = (scale.domain as number[]).map(Number);
      ramp = {
        label: scale.label ?? (typeof color?.label === "string" ? color.label : undefined),
        domain: [Math.min(...domain), Math.max(...domain)],
        color: (v) => String(scale.apply(v)),
        log: scale.type === "log",
      };
    } else if (scale) {
      for (const v of scale.domain ?? []) {
        legend.push({
          label: String(v),
          color: String(scale.apply(v)),
          swatch: legendSwatch ?? "rect",
        });
      }
    }
  }
  legend.push(...(legendItems ?? []));
  return composeFigure(plotSvg, { title, subtitle, caption, meta, legend, ramp, width, height });
}

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
  const colorOf = (i: number) => PALETTE[i % PALETTE.length];
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
