/**
 * How measured times and depths scale (§4, Table 1): log-log slopes per method, reference
 * power laws for a chart, Table 1's model of the temporal depth next to the measured one, time
 * ratios between methods, and a table of slopes per sweep.
 *
 * @module
 */
import type { TimingRow } from "./complexity.ts";
import { temporalDepthModel } from "./dispatch.ts";

/**
 * The least-squares slope of log y against log x (the exponent of a power law y ∝ x^p).
 * NaN with fewer than two usable (positive) points.
 */
export function loglogSlope(points: readonly { x: number; y: number }[]): number {
  const p = points.filter((q) => q.x > 0 && q.y > 0 && Number.isFinite(q.x + q.y));
  if (p.length < 2) return NaN;
  const lx = p.map((q) => Math.log(q.x));
  const ly = p.map((q) => Math.log(q.y));
  const mx = lx.reduce((a, b) => a + b, 0) / p.length;
  const my = ly.reduce((a, b) => a + b, 0) / p.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < p.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den > 0 ? num / den : NaN;
}

/**
 * Log-log slope of `y` against `x` per value of `series`, over the rows that `where` keeps.
 * @returns `{series, slope, points}` per series, in first-appearance order
 */
export function slopesBy<R extends Record<string, unknown>>(
  rows: readonly R[],
  fields: { x: keyof R; y: keyof R; series: keyof R },
  where: (r: R) => boolean = () => true,
): { series: string; slope: number; points: number }[] {
  const groups = new Map<string, { x: number; y: number }[]>();
  for (const r of rows.filter(where)) {
    const k = String(r[fields.series]);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push({ x: Number(r[fields.x]), y: Number(r[fields.y]) });
  }
  return [...groups].map(([series, pts]) => ({
    series,
    slope: loglogSlope(pts),
    points: pts.length,
  }));
}

/**
 * Rows of reference power laws y = c·x^p over [x0, x1] for a log-log chart, anchored so that
 * each line passes through (x0, y0): `{[x], [y], [series]: label, [style]: "reference"}`.
 */
export function slopeLines(
  fields: { x: string; y: string; series: string; style?: string },
  anchor: { x0: number; x1: number; y0: number },
  laws: readonly { label: string; slope: number }[],
): Record<string, string | number>[] {
  const out: Record<string, string | number>[] = [];
  for (const law of laws) {
    for (const x of [anchor.x0, anchor.x1]) {
      const row: Record<string, string | number> = {
        [fields.x]: x,
        [fields.y]: anchor.y0 * (x / anchor.x0) ** law.slope,
        [fields.series]: law.label,
      };
      if (fields.style) row[fields.style] = "reference";
      out.push(row);
    }
  }
  return out;
}

/**
 * Table 1's dependent steps of the temporal backward for a method label ("bptt", "ft-bptt",
 * "dsf-scan", or a bare scan implementation "scan"), from lib/bench's `temporalDepthModel`.
 */
export function modelDepth(method: string, t: number): number {
  if (method === "bptt" || method === "ft-bptt") return temporalDepthModel(method, "-", t);
  const impl = method.startsWith("dsf-") ? method.slice(4) : method;
  return temporalDepthModel("dsf", impl, t);
}

/**
 * Per method: the measured dependency depth at each T, Table 1's model of the temporal depth
 * at each T ({@link modelDepth}), and the measured kernels per model step (the slope of depth
 * against the model between the smallest and largest T; NaN when the model does not grow).
 */
export function depthTable(
  rows: readonly TimingRow[],
  where: (r: TimingRow) => boolean = () => true,
): Record<string, string | number>[] {
  const kept = rows.filter(where).filter((r) => r.seqDispatches !== undefined);
  const methods = [...new Set(kept.map((r) => r.method))];
  const Ts = [...new Set(kept.map((r) => r.T))].sort((a, b) => a - b);
  return methods.map((m) => {
    const out: Record<string, string | number> = { method: m };
    const byT = new Map(kept.filter((r) => r.method === m).map((r) => [r.T, r.seqDispatches!]));
    for (const t of Ts) out[`T=${t}`] = byT.get(t) ?? NaN;
    for (const t of Ts) out[`model T=${t}`] = modelDepth(m, t);
    const [a, b] = [Ts[0], Ts[Ts.length - 1]];
    const dm = modelDepth(m, b) - modelDepth(m, a);
    out["kernels / model step"] = dm > 0 ? ((byT.get(b) ?? NaN) - (byT.get(a) ?? NaN)) / dm : NaN;
    return out;
  });
}

/**
 * Time ratios `num / den` per x (e.g. BPTT's backward over DSF's at each T): one row per x
 * value, one column per denominator method, named `${num} / ${den}`.
 */
export function ratioRows(
  rows: readonly TimingRow[],
  options: { num: string; den: readonly string[]; x: "T" | "D"; where?: (r: TimingRow) => boolean },
): Record<string, number>[] {
  const kept = rows.filter(options.where ?? (() => true));
  const xs = [...new Set(kept.map((r) => r[options.x]))].sort((a, b) => a - b);
  const at = (m: string, x: number) =>
    kept.find((r) => r.method === m && r[options.x] === x)?.ms ?? NaN;
  return xs.map((x) => {
    const row: Record<string, number> = { [options.x]: x };
    for (const d of options.den) row[`${options.num} / ${d}`] = at(options.num, x) / at(d, x);
    return row;
  });
}

/** One sweep for {@link slopeTable}: its rows, the swept size, and which rows to keep. */
export interface SlopeSet {
  /** Column name, e.g. "scan vs T". */
  name: string;
  /** The timing rows. */
  rows: readonly TimingRow[];
  /** The swept size. */
  x: "T" | "D";
  /** Which rows (e.g. `r.D === 32`). */
  where?: (r: TimingRow) => boolean;
}

/**
 * Log-log slopes of time against the swept size, one row per method and one column per sweep
 * (the measured exponent p of time ∝ size^p; compare with Table 1's).
 */
export function slopeTable(sets: readonly SlopeSet[]): Record<string, string | number>[] {
  const methods: string[] = [];
  const cols = sets.map((set) => {
    const slopes = slopesBy(set.rows, { x: set.x, y: "ms", series: "method" }, set.where);
    for (const s of slopes) if (!methods.includes(s.series)) methods.push(s.series);
    return new Map(slopes.map((s) => [s.series, s.slope]));
  });
  return methods.map((m) => {
    const row: Record<string, string | number> = { method: m };
    sets.forEach((set, i) => (row[set.name] = cols[i].get(m) ?? NaN));
    return row;
  });
}
