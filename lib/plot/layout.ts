/**
 * Layout constants and text measures shared by the figure builders of `lib/plot/` (not part of
 * the folder's public surface).
 *
 * @module
 */

/** The SVG namespace. */
export const SVG_NS = "http://www.w3.org/2000/svg";
/** Font stack of figure text. */
export const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
/** Figure width in px when none is given. */
export const DEFAULT_WIDTH = 640;
/** Padding around the figure, in px. */
export const PAD = 10;

/** Rough text width at a font size (no layout engine here), in px. */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.58;
}

/** Greedy word wrap to a width in px. */
export function wrap(text: string, width: number, fontSize: number): string[] {
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

/** A tick label: 3 significant digits, exponent form for very large or small values. */
export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}
