/**
 * The display protocol of Deno's Jupyter kernel: an object with a
 * `[Symbol.for("Jupyter.display")]()` method returning a MIME bundle is shown rich. Figures
 * (`lib/plot/`) and notebook output (`lib/notebook/display.ts`) both speak it.
 *
 * @module
 */

/** MIME bundle a Jupyter frontend renders (`"text/plain"`, `"text/html"`, ...). */
export type MediaBundle = Record<string, string>;

/** The symbol Deno's kernel looks up to display an object (`Deno.jupyter.$display`). */
export const DISPLAY_SYMBOL: unique symbol = Symbol.for("Jupyter.display");

/** Anything Deno's kernel can display rich: it has a `[Symbol.for("Jupyter.display")]` method. */
export interface Displayable {
  /** Returns the MIME bundle to show. */
  [DISPLAY_SYMBOL](): MediaBundle | Promise<MediaBundle>;
}
