/**
 * What the complexity notebook (§4) shows: log-log charts of timing rows with reference power
 * laws, and the sweeps whose slopes are read against Table 1 (the committed benchmark files:
 * `bench_figures.ts`). The measurements are lib/bench's (`complexity.ts`, `scaling.ts`,
 * `slope_fit.ts`, `bench_file.ts`).
 *
 * @module
 */
import type { ComplexitySizes, TimingRow } from "../bench/complexity.ts";
import {
  fitSlopeSets,
  loglogSlope,
  slopeLines,
  type SlopeSet,
  type SlopeSetFit,
} from "../bench/scaling.ts";
import { type Figure, type FigureText, lineChart, type ReferenceLine } from "../plot/mod.ts";

/** Options of {@link scalingChart}. */
export interface ScalingChartOptions extends FigureText {
  /** The swept size on the x axis. */
  x: "T" | "D";
  /** What to plot (default `ms`). */
  y?: "ms" | "medianMs" | "seqDispatches";
  /** Which rows (e.g. the sweep vs T at one D). */
  where?: (r: TimingRow) => boolean;
  /** Reference power laws x^slope, drawn dashed through the mean of the first points. */
  laws?: readonly { label: string; slope: number }[];
  /** Y axis label. */
  yLabel?: string;
  /** Height of the plot area in px (default 360). */
  height?: number;
}

/**
 * A log-log chart of timing rows against T or D, one solid line per method (the colour legend),
 * with grey dashed reference power laws (e.g. slope 1 for O(T), 2 for O(D²)) anchored at the
 * geometric mean of the methods' values at the smallest x, each with its own dashed legend swatch.
 */
export function scalingChart(rows: readonly TimingRow[], options: ScalingChartOptions): Figure {
  const y = options.y ?? "ms";
  const kept = rows.filter((r) => (options.where ?? (() => true))(r)).filter((r) =>
    typeof r[y] === "number" && (r[y] as number) > 0
  );
  const data = kept.map((r) => ({ x: r[options.x], y: r[y] as number, series: r.method }));
  const xs = data.map((d) => d.x);
  const references: ReferenceLine[] = [];
  if (options.laws?.length && xs.length) {
    const x0 = Math.min(...xs);
    const first = data.filter((d) => d.x === x0).map((d) => Math.log(d.y));
    const y0 = Math.exp(first.reduce((a, b) => a + b, 0) / first.length);
    const pts = slopeLines({ x: "x", y: "y", series: "label" }, { x0, x1: Math.max(...xs), y0 }, [
      ...options.laws,
    ]);
    for (const law of options.laws) {
      references.push({
        label: law.label,
        points: pts.filter((p) => p.label === law.label).map((p) => ({
          x: Number(p.x),
          y: Number(p.y),
        })),
      });
    }
  }
  return lineChart(data, {
    x: "x",
    y: "y",
    stroke: "series",
    references,
    logX: true,
    logY: true,
    marker: true,
    height: options.height,
    xLabel: options.x === "T" ? "sequence length T" : "hidden width D",
    yLabel: options.yLabel ?? (y === "seqDispatches" ? "dependent kernels (critical path)" : "ms"),
    title: options.title,
    subtitle: options.subtitle,
    caption: options.caption,
    meta: options.meta,
  });
}

/** The notebook's three timing sweeps, as {@link complexitySlopeSets} reads them. */
export interface ComplexityResults {
  /** The sweep sizes. */
  z: ComplexitySizes;
  /** `timeReverseScan` rows (lib/bench/complexity.ts). */
  scan: readonly TimingRow[];
  /** `timeLayerBackward` rows. */
  backward: readonly TimingRow[];
  /** {@link stepTimingRows} of `timeTrainingStep`. */
  step: readonly TimingRow[];
}

/** The scans whose work is T·log T (Table 1): the Hillis–Steele scan and the FFT. */
export const T_LOG_T_METHODS: readonly string[] = ["dsf-scan", "dsf-fft"];

/**
 * The exponent a log-log fit reads off T·log T over the sizes a sweep fits (its upper half,
 * as lib/bench's `fitSweep` takes it), to two decimals: slightly above 1 (1.22 over T = 64 to 128),
 * falling slowly towards 1 as T grows — what Table 1's O(T log T) work looks like at these T.
 */
export function tLogTExponent(Ts: readonly number[]): number {
  const sorted = [...Ts].filter((t) => t > 1).sort((a, b) => a - b);
  const k = Math.min(sorted.length, Math.max(2, Math.ceil(sorted.length / 2)));
  const upper = sorted.slice(sorted.length - k);
  return Number(loglogSlope(upper.map((t) => ({ x: t, y: t * Math.log(t) }))).toFixed(2));
}

/**
 * The six sweeps of the notebook with Table 1's exponents: the scan alone, the layer backward
 * and the training step, each vs T (work ∝ T: 1; for the Hillis–Steele scan and the FFT alone
 * ∝ T log T: {@link tLogTExponent}) and vs D (the scan alone ∝ D: 1; the layer ∝ D² through
 * BPTT's Jacobian products and every method's local terms: 2).
 */
export function complexitySlopeSets(r: ComplexityResults): SlopeSet[] {
  const atD = (x: TimingRow) => x.D === r.z.D;
  const atT = (x: TimingRow) => x.T === r.z.T;
  const logT = (x: TimingRow) => T_LOG_T_METHODS.includes(x.method);
  return [
    { name: "scan vs T", rows: r.scan, x: "T", where: (x) => atD(x) && !logT(x), expected: 1 },
    {
      name: "scan vs T",
      rows: r.scan,
      x: "T",
      where: (x) => atD(x) && logT(x),
      expected: tLogTExponent(r.z.Ts),
    },
    { name: "scan vs D", rows: r.scan, x: "D", where: atT, expected: 1 },
    { name: "backward vs T", rows: r.backward, x: "T", where: atD, expected: 1 },
    { name: "backward vs D", rows: r.backward, x: "D", where: atT, expected: 2 },
    { name: "step vs T", rows: r.step, x: "T", where: atD, expected: 1 },
    { name: "step vs D", rows: r.step, x: "D", where: atT, expected: 2 },
  ];
}

/**
 * The band around Table 1's exponent inside which a measured exponent is read as agreeing
 * with it (0.8× to 1.25×, as lib/bench's `slopeReading`): outside it a cell of
 * {@link slopeGrid} is marked ↓ (below) or ↑ (above).
 */
export const SLOPE_BAND: readonly [number, number] = [0.8, 1.25];

/** Why {@link slopeGrid} shows a dash, by column. */
export const SLOPE_GRID_MISSING: Readonly<Record<string, string>> = {
  "scan vs T": "BPTT and FT-BPTT have no reverse scan: (a) times DSF's scan alone",
  "scan vs D": "BPTT and FT-BPTT have no reverse scan: (a) times DSF's scan alone",
};

/** One cell of {@link slopeGrid}: the exponent and Table 1's, or why none is read. */
function gridCell(f: SlopeSetFit): string {
  if (f.points < 2) return f.points === 1 ? "one size" : "no size";
  if (f.flat) return "flat";
  if (f.falls) return "falls";
  const p = f.upperSlope;
  if (f.expected === undefined) return p.toFixed(2);
  const mark = p < SLOPE_BAND[0] * f.expected ? " ↓" : p > SLOPE_BAND[1] * f.expected ? " ↑" : "";
  return `${p.toFixed(2)} (${f.expected})${mark}`;
}

/**
 * The sweeps' exponents as one grid, a row per method and a column per sweep: the least-squares
 * log-log slope over the upper half of the sizes with Table 1's exponent in brackets, marked ↓ /
 * ↑ outside {@link SLOPE_BAND}; "flat" where the time grows < 15% per doubling or stays within
 * its noise, "falls" where the small sizes ran slower (no exponent read); "–" where the method is
 * not in the sweep ({@link SLOPE_GRID_MISSING}). Methods in the order of the sweep that has most.
 */
export function slopeGrid(sets: readonly SlopeSet[]): Record<string, string>[] {
  const fits = fitSlopeSets(sets);
  const sweeps = [...new Set(fits.map((f) => f.sweep))];
  const methodsOf = (s: string) => [
    ...new Set(fits.filter((f) => f.sweep === s).map((f) => f.method)),
  ];
  const widest = sweeps.map(methodsOf).reduce((a, b) => (b.length > a.length ? b : a), []);
  const methods = [...new Set([...widest, ...fits.map((f) => f.method)])];
  return methods.map((method) => {
    const row: Record<string, string> = { method };
    for (const s of sweeps) {
      const f = fits.find((x) => x.sweep === s && x.method === method);
      row[s] = f ? gridCell(f) : "–";
    }
    return row;
  });
}
