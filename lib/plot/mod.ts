/**
 * Figures rendered to standalone SVG strings without a browser: {@link Figure} and its caption
 * (`figure.ts`), Observable Plot options rendered ({@link renderPlot}), line charts
 * ({@link lineChart}, one colour per method: {@link METHOD_COLORS}) and heatmaps ({@link heatmap}).
 * A low utility: it imports nothing of the
 * rest of lib but the Jupyter display protocol. Saving figures is in `lib/io/figures.ts`.
 *
 * @module
 */

export * from "./figure.ts";
export * from "./render.ts";
export * from "./line_chart.ts";
export * from "./heatmap.ts";
export * from "./method_colors.ts";
