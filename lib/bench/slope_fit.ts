/**
 * Reading an exponent off a timing sweep (§4, Table 1) without over-reading it: the log-log
 * least-squares slope over all measured sizes and over the upper half of them (where fixed
 * per-call costs weigh least, and one slow run at the smallest size does not tip the fit), the
 * run-to-run noise of the times, and a plain reading — "flat: fixed overhead dominates" when
 * the times barely move, "falls with size" when the small sizes ran slower, else how the
 * exponent compares with Table 1's.
 *
 * @module
 */
import type { TimingRow } from "./complexity.ts";

/**
 * Below this exponent a time is called flat: it grows by less than 2^0.2 − 1 ≈ 15% per doubling
 * of the size, which fixed per-call costs and run-to-run noise explain as well as any power law.
 */
export const FLAT_SLOPE = 0.2;

/** Times whose largest is within this fraction of their smallest are flat whatever the fit. */
export const NOISE_FLOOR = 0.25;

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

/** A point of a sweep: size, fastest time, and median time when known (for the noise). */
export interface SlopePoint {
  /** The swept size (T or D). */
  x: number;
  /** The time fitted (the fastest run). */
  y: number;
  /** The median run, for the noise estimate. */
  median?: number;
}

/** What {@link fitSweep} reads off one method's sweep. */
export interface SweepFit {
  /** Sizes with a positive time. */
  points: number;
  /** Least-squares slope over all of them (NaN below 2). */
  slope: number;
  /** Least-squares slope over the upper half of the sizes: the ⌈n/2⌉ largest, at least 2. */
  upperSlope: number;
  /** How many sizes {@link upperSlope} uses. */
  upperPoints: number;
  /** Smallest size. */
  x0: number;
  /** Largest size. */
  x1: number;
  /** Smallest time. */
  minMs: number;
  /** Largest time. */
  maxMs: number;
  /** Run-to-run noise: the median over sizes of median / fastest − 1 (0 when not known). */
  noise: number;
  /**
   * Flat: the times stay within their noise (at least {@link NOISE_FLOOR}) of each other, or the
   * upper-half slope is within ±{@link FLAT_SLOPE}. Fixed per-call costs then dominate, and the
   * fit says nothing about the work's exponent.
   */
  flat: boolean;
  /**
   * Falls: not flat, and the upper-half slope is below −{@link FLAT_SLOPE} — the smaller sizes
   * ran slower (warm-up, another process); no exponent of the work either.
   */
  falls: boolean;
  /** Why {@link flat}: "within noise" or "< 15% per doubling" ("" when not flat). */
  flatWhy: string;
}

/** Fits one sweep's points ({@link SweepFit}). */
export function fitSweep(points: readonly SlopePoint[]): SweepFit {
  const p = points.filter((q) => q.x > 0 && q.y > 0 && Number.isFinite(q.x + q.y))
    .sort((a, b) => a.x - b.x);
  const n = p.length;
  const k = Math.min(n, Math.max(2, Math.ceil(n / 2)));
  const upper = p.slice(n - k);
  const ys = p.map((q) => q.y);
  const spread = p.filter((q) => q.median !== undefined && q.median >= q.y)
    .map((q) => q.median! / q.y - 1).sort((a, b) => a - b);
  const noise = spread.length ? spread[Math.floor((spread.length - 1) / 2)] : 0;
  const slope = loglogSlope(p);
  const upperSlope = loglogSlope(upper);
  const minMs = n ? Math.min(...ys) : NaN;
  const maxMs = n ? Math.max(...ys) : NaN;
  const withinNoise = maxMs / minMs - 1 <= Math.max(NOISE_FLOOR, 2 * noise);
  return {
    points: n,
    slope,
    upperSlope,
    upperPoints: n >= 2 ? k : 0,
    x0: n ? p[0].x : NaN,
    x1: n ? p[n - 1].x : NaN,
    minMs,
    maxMs,
    noise,
    flat: n >= 2 && (withinNoise || Math.abs(upperSlope) < FLAT_SLOPE),
    falls: n >= 2 && !withinNoise && upperSlope <= -FLAT_SLOPE,
    flatWhy: n < 2
      ? ""
      : withinNoise
      ? "within noise"
      : Math.abs(upperSlope) < FLAT_SLOPE
      ? `< ${Math.round((2 ** FLAT_SLOPE - 1) * 100)}% per doubling`
      : "",
  };
}

/**
 * A fit in words, against Table 1's exponent `expected` when given: "flat (within noise): fixed
 * overhead dominates, no exponent read", "falls with size: …", "≈ Table 1 (1)", "below Table 1
 * (2): fixed costs still show", "above Table 1 (1)", or "not fitted: one size measured" — and, for
 * an exponent read, a note when the all-points fit strays from the upper half's.
 */
export function slopeReading(f: SweepFit, expected?: number): string {
  if (f.points < 2) return `not fitted: ${f.points === 1 ? "one size" : "no sizes"} measured`;
  const p = f.upperSlope;
  let text: string;
  if (f.flat) text = `flat (${f.flatWhy}): fixed overhead dominates, no exponent read`;
  else if (f.falls) {
    text = "falls with size: the smaller sizes ran slower (warm-up or noise), no exponent read";
  } else if (expected === undefined) text = `grows ∝ size^${p.toFixed(2)}`;
  else {
    text = p < 0.8 * expected
      ? `below Table 1 (${expected}): fixed costs still show`
      : p <= 1.25 * expected
      ? `≈ Table 1 (${expected}, within 0.8–1.25×)`
      : `above Table 1 (${expected})`;
  }
  const read = !f.flat && !f.falls;
  if (read && f.points > f.upperPoints && Math.abs(f.slope - f.upperSlope) > 0.4) {
    text += "; the all-points fit differs (overhead or an outlier at small sizes)";
  }
  return text;
}

function ms(v: number): string {
  return String(Number(v.toPrecision(v >= 10 ? 3 : 2)));
}

/** One sweep for {@link slopeTable}: its rows, the swept size, and which rows to keep. */
export interface SlopeSet {
  /** Name of the sweep, e.g. "scan vs T". */
  name: string;
  /** The timing rows. */
  rows: readonly TimingRow[];
  /** The swept size. */
  x: "T" | "D";
  /** Which rows (e.g. `r.D === 32`). */
  where?: (r: TimingRow) => boolean;
  /** Table 1's exponent of the work in this size (e.g. 1 in T, 2 in D for BPTT). */
  expected?: number;
}

/** One method's fit in one sweep. */
export interface SlopeSetFit extends SweepFit {
  /** The sweep's name. */
  sweep: string;
  /** The method. */
  method: string;
  /** The sweep's swept size. */
  x: "T" | "D";
  /** Table 1's exponent, when the sweep gives one. */
  expected?: number;
}

/** Every method's {@link SweepFit} in each sweep, in order (methods in first-appearance order). */
export function fitSlopeSets(sets: readonly SlopeSet[]): SlopeSetFit[] {
  return sets.flatMap((set) => {
    const kept = set.rows.filter(set.where ?? (() => true));
    const methods = [...new Set(kept.map((r) => r.method))];
    return methods.map((method) => ({
      sweep: set.name,
      method,
      x: set.x,
      expected: set.expected,
      ...fitSweep(
        kept.filter((r) => r.method === method).map((r) => ({
          x: r[set.x],
          y: r.ms,
          median: r.medianMs,
        })),
      ),
    }));
  });
}

/** Why {@link slopeTable} shows a dash, by column (for `table(rows, {missing})`). */
export const SLOPE_TABLE_MISSING: Readonly<Record<string, string>> = {
  "slope (all)": "fewer than 2 sizes measured",
  "slope (upper half)": "fewer than 2 sizes measured",
  "Table 1": "the sweep states no exponent",
};

/**
 * One row per sweep and method (no empty cells between sweeps of different methods): sizes
 * fitted, the time range, the least-squares slope over all sizes and over the upper half, Table
 * 1's exponent, and the reading ({@link slopeReading}). A dash (see {@link SLOPE_TABLE_MISSING})
 * only where fewer than two sizes were measured.
 */
export function slopeTable(sets: readonly SlopeSet[]): Record<string, string | number>[] {
  return fitSlopeSets(sets).map((f) => ({
    sweep: f.sweep,
    method: f.method,
    points: f.points,
    "ms range": f.points ? `${ms(f.minMs)}–${ms(f.maxMs)}` : "",
    "slope (all)": f.slope,
    "slope (upper half)": f.upperSlope,
    "upper-half points": f.upperPoints,
    "Table 1": f.expected ?? NaN,
    reading: slopeReading(f, f.expected),
  }));
}
