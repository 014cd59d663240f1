/**
 * Notebook helpers: figures rendered to SVG without a browser (`plot.ts`) and notebook output
 * (`display.ts`: Markdown, tables, live progress). Saving figures is in `lib/io/figures.ts`.
 *
 * @module
 */

export * from "./plot.ts";
export * from "./display.ts";
export * from "./sections.ts";
export * from "./paper.ts";
