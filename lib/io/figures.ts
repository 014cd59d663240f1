/**
 * Saving figures (`lib/plot/`) as `.svg` files. Notebooks save every figure next to
 * the executed notebook: relative paths resolve against `DSF_NOTEBOOK_OUT` (set by
 * `notebooks/run.ts`) or else the current directory (the notebook's folder in a kernel).
 *
 * @module
 */

import { dirname, isAbsolute, resolve } from "node:path";
import { writeFileAtomic } from "./atomic_write.ts";

/** Anything with an SVG document: a `Figure`, or `{svg}`. */
export interface SvgSource {
  /** The standalone SVG document. */
  readonly svg: string;
}

/** Options of {@link saveFigure}. */
export interface SaveFigureOptions {
  /** Folder a relative path resolves against (default: {@link figureDir}). */
  dir?: string;
}

/** Where notebook figures go: env `DSF_NOTEBOOK_OUT`, else the current directory. */
export function figureDir(): string {
  let out: string | undefined;
  try {
    out = Deno.env.get("DSF_NOTEBOOK_OUT");
  } catch {
    out = undefined; // no env permission
  }
  return resolve(out && out.trim() ? out : Deno.cwd());
}

/**
 * Writes a figure's SVG to `path` (".svg" appended when missing), atomically: a temporary file
 * in the same folder is renamed over the target, so readers never see half a file. Missing
 * folders are created. Returns the absolute path written.
 */
export async function saveFigure(
  figure: SvgSource | string,
  path: string,
  options: SaveFigureOptions = {},
): Promise<string> {
  const svg = typeof figure === "string" ? figure : figure.svg;
  if (typeof svg !== "string" || !/<svg[\s>]/.test(svg)) {
    throw new Error(`saveFigure: not an SVG document (for ${path})`);
  }
  const named = path.toLowerCase().endsWith(".svg") ? path : `${path}.svg`;
  const target = isAbsolute(named) ? named : resolve(options.dir ?? figureDir(), named);
  await Deno.mkdir(dirname(target), { recursive: true });
  await writeFileAtomic(target, svg.endsWith("\n") ? svg : `${svg}\n`);
  return target;
}
