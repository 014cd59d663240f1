/**
 * A figure as a standalone SVG document ({@link Figure}), and how it is assembled around a plot
 * ({@link composeFigure}): title, subtitle, legends and a caption stating the run facts. Deno's
 * Jupyter kernel displays a figure inline as `image/svg+xml`; its `.svg` can be saved to a file
 * (see `lib/io/figures.ts`).
 *
 * Plot's own legends, titles and captions are HTML (a `<figure>`), which is not a valid
 * `image/svg+xml` payload, so they are drawn here, into one SVG around the plot.
 *
 * @module
 */

import { DISPLAY_SYMBOL, type MediaBundle } from "../util/jupyter_display.ts";
import { fmtTick, FONT, PAD, SVG_NS, textWidth, wrap } from "./layout.ts";

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

  /**
   * The MIME bundle Deno's kernel sends when the figure is a cell's value or is displayed: the
   * SVG as `image/svg+xml`, and the same SVG inline in `text/html`, which frontends prefer and
   * which `jupyter nbconvert --to html` keeps as it is (nbconvert 6.5's lab template passes an
   * `image/svg+xml` output through lxml's `clean_html`, which strips every drawing element).
   */
  [DISPLAY_SYMBOL](): MediaBundle {
    return {
      "text/html": `<div class="dsf-figure">${this.svg}</div>`,
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
