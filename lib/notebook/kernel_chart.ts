/**
 * The figure of DSF's feedback kernels λ^k (notebook 03, eq. 14): each channel's kernel in a
 * sequential ramp of DSF's green (light: a short memory, λ near 0; dark: a long one, λ near 1),
 * their mean over a whole feedback vector as a thick near-black line, and the power law 1/(k+1)
 * dashed grey over it, on a y axis with a little headroom above 1.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { KernelRow } from "../analysis/feedback_checks.ts";
import { type Figure, type FigureText } from "../plot/figure.ts";
import { DEFAULT_WIDTH } from "../plot/layout.ts";
import { renderPlot } from "../plot/render.ts";
import { mixColor } from "../plot/method_colors.ts";

/** The ramp's ends: light and dark shades of DSF's green (#009E73). */
const RAMP: readonly [string, string] = ["#A3DCC6", "#00402D"];
/** The mean kernel (near-black, thick) and the power law (the reference lines' grey, dashed). */
const MEAN_COLOR = "#222222";
const POWER_COLOR = "#666666";
const POWER_DASH = "5,4";

/** Options of {@link kernelChart}. */
export interface KernelChartOptions extends FigureText {
  /** X axis label. */
  xLabel?: string;
  /** Y axis label. */
  yLabel?: string;
  /** Height of the plot area in px (default 340). */
  height?: number;
}

/**
 * {@link KernelRow}s (`kernelRows` of lib/analysis) as a line chart: the channels (style
 * "channel") coloured light to dark in their order, the mean (style "mean") and 1/(k+1) (style
 * "power law") in black and grey, each in the legend.
 */
export function kernelChart(rows: readonly KernelRow[], options: KernelChartOptions = {}): Figure {
  const channels = rows.filter((r) => r.style === "channel");
  const mean = rows.filter((r) => r.style === "mean");
  const power = rows.filter((r) => r.style === "power law");
  const names = [...new Set(channels.map((r) => r.kernel))];
  const colors = names.map((_, i) =>
    mixColor(RAMP[0], RAMP[1], names.length > 1 ? i / (names.length - 1) : 1)
  );
  const maxK = Math.max(...rows.map((r) => r.k));
  const top = Math.max(1, ...rows.map((r) => r.weight));
  const marks: Plot.Markish[] = [
    Plot.line(channels, { x: "k", y: "weight", stroke: "kernel", z: "kernel", strokeWidth: 1.8 }),
    Plot.line(mean, { x: "k", y: "weight", stroke: MEAN_COLOR, strokeWidth: 3.2 }),
    Plot.line(power, {
      x: "k",
      y: "weight",
      stroke: POWER_COLOR,
      strokeWidth: 1.6,
      strokeDasharray: POWER_DASH,
    }),
  ];
  const label = (style: string) => rows.find((r) => r.style === style)?.kernel ?? style;
  return renderPlot({
    title: options.title,
    subtitle: options.subtitle,
    caption: options.caption,
    meta: options.meta,
    width: DEFAULT_WIDTH,
    height: options.height ?? 340,
    marginLeft: 60,
    marginRight: 20,
    marginTop: 24,
    grid: true,
    x: { label: options.xLabel ?? "k", domain: [0, maxK] },
    y: { label: options.yLabel ?? "weight", domain: [0, top * 1.06], ticks: 10 },
    color: { type: "ordinal", domain: names, range: colors, legend: names.length > 0 },
    legendSwatch: "line",
    legendItems: [
      ...(mean.length
        ? [{ label: label("mean"), color: MEAN_COLOR, swatch: "line" as const }]
        : []),
      ...(power.length
        ? [{
          label: label("power law"),
          color: POWER_COLOR,
          swatch: "line" as const,
          dash: POWER_DASH,
        }]
        : []),
    ],
    marks,
  });
}
