/**
 * Observable Plot options rendered to a {@link Figure} without a browser (a linkedom document
 * stands in for `window.document`), with Plot's colour legend redrawn as SVG.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import {
  composeFigure,
  type Figure,
  type FigureText,
  type LegendItem,
  type RampLegend,
} from "./figure.ts";
import { DEFAULT_WIDTH, SVG_NS } from "./layout.ts";

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
