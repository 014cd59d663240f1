/**
 * The pure half of tools/prose_numbers.ts: the README's prose units (paragraphs, list items,
 * tables outside generated blocks and code fences), the measured numbers in them, the numbers a
 * source writes, and whether one matches another. The rule is in tools/prose_numbers.ts.
 *
 * @module
 */

/** A paragraph, list item or table of hand-written prose. */
export interface Unit {
  /** 1-based line of its first line. */
  start: number;
  lines: string[];
  table: boolean;
  /** The heading it sits under ("" before the first). */
  section: string;
  /** A table's lead-in: the prose unit right before it, whose citations it shares. */
  lead?: Unit;
}

/** One measured number of the prose. */
export interface Measured {
  raw: string;
  /** 1-based line within the unit's document. */
  line: number;
  kind: "decimal" | "percent" | "ratio" | "duration" | "size" | "sci";
  /** Its value in its own unit (seconds for a compound duration). */
  value: number;
  /** Digits written after the point. */
  decimals: number;
  /** Half of its last written digit: a source value within this of `value` matches. */
  tolerance: number;
  /** Seconds per unit of a duration; 1e6 for `M`, 1e3 for `k`; 1 otherwise. */
  scale: number;
}

const closing = (lines: string[], from: number, name: string) =>
  lines.slice(from + 1).some((l) => l.trim() === `<!-- /${name} -->`);

/** The prose units of a markdown text, and the text of its generated blocks by section. */
export function proseUnits(markdown: string): { units: Unit[]; generated: Map<string, string> } {
  const lines = markdown.split("\n");
  const units: Unit[] = [];
  const generated = new Map<string, string>();
  let fence = false, block: string | null = null, section = "", cur: Unit | null = null;
  const flush = () => {
    if (cur) units.push(cur);
    cur = null;
  };
  lines.forEach((l, i) => {
    const t = l.trim();
    if (block !== null) {
      if (t === `<!-- /${block} -->`) block = null;
      else generated.set(section, (generated.get(section) ?? "") + l + "\n");
      return;
    }
    if (t.startsWith("```")) [fence, cur] = [!fence, (flush(), null)];
    if (fence || t.startsWith("```")) return;
    const open = /^<!--\s*([^\s/][^\s]*)\s*-->$/.exec(t);
    if (open && closing(lines, i, open[1])) return flush(), void (block = open[1]);
    if (/^#{1,6}\s/.test(t)) return flush(), void (section = t);
    if (t === "" || t.startsWith("<!--")) return flush();
    const table = t.startsWith("|");
    if (cur && (cur.table !== table || (!table && /^([-*+]|\d+\.)\s/.test(t)))) flush();
    if (!cur) {
      const prev = units.at(-1);
      const lead = table && prev && !prev.table && prev.section === section ? prev : undefined;
      cur = { start: i + 1, lines: [], table, section, lead };
    }
    cur.lines.push(l);
  });
  flush();
  return { units, generated };
}

const blank = (s: string, re: RegExp) => s.replace(re, (m) => " ".repeat(m.length));
type Kind = Measured["kind"];
/** The units a number can carry: the kind they make and their scale (seconds, bytes). */
const UNITS: Record<string, [Kind, number]> = {
  "%": ["percent", 1],
  "×": ["ratio", 1],
  ms: ["duration", 1e-3],
  s: ["duration", 1],
  seconds: ["duration", 1],
  min: ["duration", 60],
  minutes: ["duration", 60],
  "CPU-minutes": ["duration", 60],
  h: ["duration", 3600],
  hours: ["duration", 3600],
  KiB: ["size", 2 ** 10],
  MiB: ["size", 2 ** 20],
  GiB: ["size", 2 ** 30],
  kB: ["size", 1e3],
  MB: ["size", 1e6],
  GB: ["size", 1e9],
};
const UNIT = Object.keys(UNITS).sort((x, y) => y.length - x.length).join("|");
const NUM = new RegExp(
  String.raw`(?<![\p{L}\p{N}_.\/#:'])([−+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:e([−-]?\d+))?` +
    String.raw`(?:\s?(${UNIT})|([kM]))?(?![\p{L}\p{N}_])`,
  "gu",
);
const SOFTWARE =
  /\b(?:PyTorch|Python|Deno|OpenBLAS|LLVM|tfjs(?:-wasm)?|Node(?:\.js)?|CUDA|Mesa|format|version|v)\s*\d+(?:\.\d+)+[a-z0-9]*/gi;

const OPERAND = String.raw`\(?\s*\d+(?:\.\d+)?(?![\d.%×\p{L}])\s*\)?`;
const FORMULA = new RegExp(`${OPERAND}(?:\\s*[+/·*]\\s*${OPERAND})+`, "gu");

/**
 * Blanks (keeping offsets) what is not a measurement: backticks, link targets, URLs, arXiv ids,
 * §, versions, a multiplier or dimension after `×`, a bound after `≥` or `≤` (a target, a
 * tolerance), the value of a setting or formula (after `=`, or after `) ≈`) and a formula's bare
 * numbers (with `+` or a parenthesis).
 */
export function maskText(text: string): string {
  let t = blank(text, /`[^`]*`/g);
  t = blank(t, /\]\([^)]*\)/g);
  t = blank(t, /https?:\/\/\S+|arXiv:\S+|§\s*[\d.]+/gi);
  t = blank(t, SOFTWARE);
  t = blank(t, /\d+\.\d+\.\d+[\w.]*/g);
  t = blank(t, /(?:×|=|≥|≤|\)\s*≈)\s*[−-]?\d[\d.,]*(?:e[−-]?\d+)?/g);
  // a formula of bare numbers, `1 / (0.20 + 0.80 / 1.8)`: its inputs are stated beside it
  return t.replace(FORMULA, (m) => (/[+(]/.test(m) ? " ".repeat(m.length) : m));
}

interface Token extends Measured {
  start: number;
  end: number;
  unit?: string;
  integer: boolean;
}

function token(m: RegExpExecArray): Token {
  const [raw, sign, int, frac = "", exp, unit, suffix] = m;
  const neg = sign === "-" || sign === "−";
  const fd = frac.length > 0 ? frac.length - 1 : 0;
  const e = exp === undefined ? 0 : Number(exp.replace("−", "-"));
  const value = (neg ? -1 : 1) * Number(int.replace(/,/g, "") + frac) * 10 ** e;
  const [kind, scale]: [Kind, number] = unit
    ? UNITS[unit]
    : [exp !== undefined ? "sci" : "decimal", suffix === "M" ? 1e6 : suffix === "k" ? 1e3 : 1];
  return {
    raw: raw.trim(),
    line: 0,
    kind,
    value,
    decimals: fd,
    tolerance: 0.5 * 10 ** (e - fd) * (1 + 1e-9),
    scale,
    start: m.index,
    end: m.index + raw.length,
    unit: unit ?? suffix,
    integer: frac === "",
  };
}

/** Units that make an integer a measurement (an integer size or count is a setting). */
const isMeasured = (t: Token) => ["percent", "ratio", "duration"].includes(t.kind) || !t.integer;

/** The measured numbers of a text (lines joined by "\n"); `line` counts from `firstLine`. */
export function measuredNumbers(text: string, firstLine = 1): Measured[] {
  const masked = maskText(text.replace(/\n/g, " "));
  const toks: Token[] = [];
  for (const m of masked.matchAll(NUM)) {
    const t = token(m as RegExpExecArray);
    // a hyphen after a letter or digit joins a name (`AVX-512`, `2026-12-03`), not a sign
    if (/[\p{L}\p{N}]-$/u.test(masked.slice(0, t.start + (/^[-]/.test(m[0]) ? 1 : 0)))) continue;
    const prev = toks.at(-1);
    const between = prev ? masked.slice(prev.end, t.start) : "";
    if (prev && /^\s?–\s?$/.test(between) && prev.unit === undefined && t.unit !== undefined) {
      // a range's first number takes the unit of its end (`0.93–1.17×`)
      const raw = `${prev.raw}${/^[%×]$/.test(t.unit) ? "" : " "}${t.unit}`;
      Object.assign(prev, { kind: t.kind, unit: t.unit, scale: t.scale, raw });
    }
    if (prev?.kind === "duration" && t.kind === "duration" && /^\s$/.test(between)) {
      const s = prev.value * prev.scale + t.value * t.scale;
      Object.assign(prev, { raw: `${prev.raw} ${t.raw}`, value: s, scale: 1, end: t.end });
      prev.tolerance = t.tolerance * t.scale;
      continue;
    }
    toks.push(t);
  }
  const lineAt = (i: number) => firstLine + (text.slice(0, i).match(/\n/g)?.length ?? 0);
  return toks.filter(isMeasured).map((t) => ({
    raw: t.raw,
    line: lineAt(t.start),
    kind: t.kind,
    value: t.value,
    decimals: t.decimals,
    tolerance: t.tolerance,
    scale: t.scale,
  }));
}

/**
 * A number written in a source: in markdown or text with how it is written (`%`, `×`, a
 * duration or size unit with its scale, or "" for a bare number) and its decimals; a bare
 * number of JSON is `raw` (any reading); a `setting` (a preset's value) stands only for a
 * percentage (`warmup: 0.1`, a 10% warm-up) or a ratio (`floor: 0.1`, down to 0.1×).
 */
export interface SourceNumber {
  value: number;
  decimals: number;
  unit: "" | "%" | "×" | "duration" | "size" | "raw" | "setting";
  scale: number;
}

/** Every number written in a source text (a minus after a letter or digit is a hyphen). */
export function sourceNumbers(text: string, json = false): SourceNumber[] {
  const out: SourceNumber[] = [];
  const re = new RegExp(
    String.raw`([−-]?)(\d+(?:,\d{3})*)(\.\d+)?(?:[eE]([-+−]?\d+))?(?:\s?(${UNIT})(?![\p{L}]))?`,
    "gu",
  );
  for (const m of text.matchAll(re)) {
    const hyphen = m.index > 0 && /[\p{L}\p{N}]/u.test(text[m.index - 1]);
    const sign = m[1] !== "" && !hyphen ? -1 : 1;
    const exp = m[4] === undefined ? 0 : Number(m[4].replace("−", "-"));
    const frac = m[3] ?? "";
    const [kind, scale] = m[5] ? UNITS[m[5]] : ["", 1];
    const unit = kind === "percent" ? "%" : kind === "ratio" ? "×" : kind || (json ? "raw" : "");
    const decimals = frac.length > 0 ? frac.length - 1 : 0;
    const value = sign * Number(m[2].replace(/,/g, "") + frac) * 10 ** exp;
    out.push({ value, decimals, unit: unit as SourceNumber["unit"], scale });
    if (m[2].includes(",") && frac === "") {
      for (const p of m[2].split(",")) out.push({ value: Number(p), decimals: 0, unit: "", scale });
    }
  }
  return out;
}

/**
 * Whether a source number, read as the prose writes it, rounds to the measured one. A
 * percentage matches a `%` or a JSON fraction; a ratio a bare number, a `×` or JSON; a decimal
 * those or one written with a duration or size unit; a duration (a size) one written with a
 * unit, converted, or a bare or JSON number read as ms or s (as bytes or MiB). A markdown source
 * must carry at least the prose's decimals (`0.5` does not stand for `0.50`).
 */
export function matches(m: Measured, sources: SourceNumber[]): boolean {
  const bare = (s: SourceNumber) => s.unit === "" || s.unit === "raw";
  const reads = (s: SourceNumber): number[] => {
    const v = s.value;
    if (s.unit === "setting") {
      return m.kind === "percent" ? [100 * v] : m.kind === "ratio" ? [v] : [];
    }
    const scaled = m.kind === "duration" || m.kind === "size";
    if (s.unit !== "raw" && !scaled && m.kind !== "sci" && s.decimals < m.decimals) return [];
    if (m.kind === "percent") return s.unit === "%" ? [v] : s.unit === "raw" ? [100 * v] : [];
    if (scaled) {
      if (s.unit === m.kind) return [(v * s.scale) / m.scale];
      const as = m.kind === "duration" ? [1e-3, 1] : [1, 2 ** 20];
      return bare(s) ? as.map((u) => (v * u) / m.scale) : [];
    }
    // a decimal may drop the unit its source writes (`14.76 against 12.91 ms`); a ratio may not
    if (s.unit === "%" || (m.kind === "ratio" && !bare(s) && s.unit !== "×")) return [];
    return m.scale === 1 ? [v] : [v, v / m.scale];
  };
  return sources.some((s) => reads(s).some((r) => Math.abs(r - m.value) <= m.tolerance));
}
