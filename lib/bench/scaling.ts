/**
 * How measured times and depths scale (§4, Table 1): log-log slopes per method, reference
 * power laws for a chart, Table 1's model of the temporal depth next to the measured one, and
 * time ratios between methods; the fits and the table of slopes per sweep are `slope_fit.ts`'s
 * (re-exported here).
 *
 * @module
 */
import type { TimingRow } from "./complexity.ts";
import { temporalDepthModel } from "./dispatch.ts";
import { loglogSlope } from "./slope_fit.ts";

export * from "./slope_fit.ts";

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

/** Why Table 1's depth of a method stays constant in T ("" when it grows). */
export function constantDepthReason(method: string): string {
  if (modelDepth(method, 2) !== modelDepth(method, 4)) return "";
  return method === "ft-bptt"
    ? "FT-BPTT has no chain through time (Table 1: O(1))"
    : "the scan runs inside one kernel (its loop is not a chain of kernels)";
}

/**
 * The `missing` reasons of a {@link depthTable} (for `table(rows, {missing})`): which methods
 * have no kernels per model step, and why — Table 1's depth does not grow with T for them, so
 * there is no model step to divide by — with their measured depths at the smallest and largest T.
 */
export function depthTableMissing(
  depth: readonly Record<string, string | number>[],
): Record<string, string> {
  const col = "kernels / model step";
  const Ts = Object.keys(depth[0] ?? {}).filter((k) => /^T=\d+$/.test(k));
  const [a, b] = [Ts[0], Ts[Ts.length - 1]];
  const why = depth.filter((d) => !Number.isFinite(Number(d[col]))).map((d) => {
    const m = String(d.method);
    const reason = constantDepthReason(m);
    const measured = `measured ${d[a] ?? "?"} → ${d[b] ?? "?"} kernels from ${a} to ${b}`;
    return reason
      ? `${m}: ${reason}, its depth does not grow with T (${measured})`
      : `${m}: depth not measured at both ends of the sweep`;
  });
  return why.length ? { [col]: why.join("; ") } : {};
}

/** How one method's measured depth follows Table 1's model ({@link depthReadings}). */
export interface DepthReading {
  /** The method. */
  method: string;
  /** Table 1's depth in T: "T" (T − 1 steps), "log T" (levels or stages), "constant". */
  model: "T" | "log T" | "constant";
  /** Measured depth at the smallest and the largest T. */
  first: number;
  /** Measured depth at the largest T. */
  last: number;
  /** Measured kernels per model step from the smallest to the largest T (NaN if constant). */
  perStep: number;
  /**
   * Whether the measurement follows the model: the same kernels per model step (within 15%)
   * between every pair of neighbouring T, or, for a constant model, the same depth at every T.
   */
  follows: boolean;
}

/** Per method, how the measured dependency depth follows Table 1's model over the T sweep. */
export function depthReadings(
  rows: readonly TimingRow[],
  where: (r: TimingRow) => boolean = () => true,
): DepthReading[] {
  const kept = rows.filter(where).filter((r) => r.seqDispatches !== undefined);
  return [...new Set(kept.map((r) => r.method))].map((method) => {
    const pts = kept.filter((r) => r.method === method).sort((p, q) => p.T - q.T)
      .map((r) => ({ t: r.T, d: r.seqDispatches!, m: modelDepth(method, r.T) }));
    const [p0, p1] = [pts[0], pts[pts.length - 1]];
    const model = p1.m === p0.m ? "constant" : p1.m - p0.m === p1.t - p0.t ? "T" : "log T";
    const perStep = model === "constant" ? NaN : (p1.d - p0.d) / (p1.m - p0.m);
    const steps: number[] = [];
    for (let i = 1; i < pts.length; i++) {
      const dm = pts[i].m - pts[i - 1].m;
      if (dm !== 0) steps.push((pts[i].d - pts[i - 1].d) / dm);
    }
    const follows = model === "constant"
      ? pts.every((p) => p.d === p0.d)
      : pts.length >= 2 && steps.every((s) => Math.abs(s - perStep) <= 0.15 * Math.abs(perStep));
    return { method, model, first: p0.d, last: p1.d, perStep, follows };
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
