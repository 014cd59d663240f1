/**
 * What the complexity notebook (§4) shows: log-log charts of timing rows with reference power
 * laws, the step-time figures of a committed benchmark file (one per backend variant), the
 * sweeps whose slopes are read against Table 1, and the computed "What we saw" bullets. The
 * measurements are lib/bench's (`complexity.ts`, `scaling.ts`, `slope_fit.ts`, `bench_file.ts`).
 *
 * @module
 */
import { fix } from "./format.ts";
import { type BenchFile, stepTimingRows } from "../bench/bench_file.ts";
import type { ComplexitySizes, TimingRow } from "../bench/complexity.ts";
import {
  depthReadings,
  fitSlopeSets,
  FLAT_SLOPE,
  slopeLines,
  slopeReading,
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

/** One figure of {@link benchFileFigures}: the backend variant it shows, and the figure. */
export interface BenchFileFigure {
  /** The backend variant of its rows (e.g. "wasm+blas2", "torch-cpu"). */
  backend: string;
  /** The figure (its title names the variant, its subtitle the file). */
  figure: Figure;
  /** A file-name stem for it: the file's path under results/bench and the variant. */
  slug: string;
}

/**
 * The step-time figures of a committed benchmark file (`deno task bench`'s `bench.json`): its
 * layer rows of one cell (default gru) at the hidden width with the most sequence lengths,
 * log-log against T, one figure per backend variant (XNNPACK, BLAS threads, PyTorch threads:
 * one colour per method within each), each naming the file it comes from and captioned with
 * the file's machine and date. Empty when the file has no such rows at two T or more.
 */
export function benchFileFigures(
  file: BenchFile,
  options: { name: string; cell?: string; height?: number },
): BenchFileFigure[] {
  const cell = options.cell ?? "gru";
  const layer = file.rows.filter((r) => (r.unit ?? "layer") === "layer" && r.cell === cell);
  const ts = new Map<number, Set<number>>();
  for (const r of layer) ts.set(r.D, (ts.get(r.D) ?? new Set()).add(r.T));
  const best = [...ts].sort((a, b) => b[1].size - a[1].size || b[0] - a[0])[0];
  if (!best || best[1].size < 2) return [];
  const D = best[0];
  const atD = layer.filter((r) => r.D === D);
  const backends = [...new Set(atD.map((r) => r.backend))];
  return backends.flatMap((backend) => {
    const mine = atD.filter((r) => r.backend === backend);
    if (new Set(mine.map((r) => r.T)).size < 2) return [];
    const notes = [...new Set(mine.map((r) => r.note).filter((n) => n))];
    const figure = scalingChart(stepTimingRows(mine), {
      x: "T",
      laws: [{ label: "∝ T", slope: 1 }],
      height: options.height,
      title: `Training step vs T: ${backend}, one ${cell.toUpperCase()} layer, D = ${D}`,
      subtitle: `committed sweep, from ${options.name}; B = ` +
        `${[...new Set(mine.map((r) => r.B))].join(", ")}; fastest of the timed runs`,
      caption: `${options.name}: measured ${file.meta.date ?? "(no date)"}, Deno ` +
        `${file.meta.deno ?? "?"}, ${file.meta.backend ?? "backend not recorded"}; args: ` +
        `${(file.meta.args ?? []).join(" ") || "(none)"}` +
        (notes.length ? `; rows' notes: ${notes.join("; ")}` : ""),
    });
    const stem = options.name.replace(/^results\/bench\//, "").replace(/\.json$/, "");
    return [{ backend, figure, slug: `${stem}_${backend}`.replace(/[^\w-]+/g, "_") }];
  });
}

/** What {@link complexityFindings} reads. */
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

/**
 * The six sweeps of the notebook with Table 1's exponents: the scan alone, the layer backward
 * and the training step, each vs T (work ∝ T: 1) and vs D (the scan alone ∝ D: 1; the layer ∝ D²
 * through BPTT's Jacobian products and every method's local terms: 2).
 */
export function complexitySlopeSets(r: ComplexityResults): SlopeSet[] {
  const atD = (x: TimingRow) => x.D === r.z.D;
  const atT = (x: TimingRow) => x.T === r.z.T;
  return [
    { name: "scan vs T", rows: r.scan, x: "T", where: atD, expected: 1 },
    { name: "scan vs D", rows: r.scan, x: "D", where: atT, expected: 1 },
    { name: "backward vs T", rows: r.backward, x: "T", where: atD, expected: 1 },
    { name: "backward vs D", rows: r.backward, x: "D", where: atT, expected: 2 },
    { name: "step vs T", rows: r.step, x: "T", where: atD, expected: 1 },
    { name: "step vs D", rows: r.step, x: "D", where: atT, expected: 2 },
  ];
}

/** The fits of one sweep in words, grouped by reading: "≈ Table 1 (1): scan 0.99, …; flat: …". */
function sweepText(fits: readonly SlopeSetFit[]): string {
  const groups = new Map<string, string[]>();
  for (const f of fits) {
    const reading = slopeReading(f, f.expected);
    const range = `${f.method} (${fix(f.minMs, 2)}–${fix(f.maxMs, 2)} ms)`;
    const [key, item] = f.points < 2 ? ["not fitted (one size)", f.method] : f.flat
      ? [
        `flat (times within their noise or < ${
          Math.round((2 ** FLAT_SLOPE - 1) * 100)
        }% per doubling: fixed overhead dominates, no exponent read)`,
        range,
      ]
      : f.falls
      ? ["falls with size (the smaller sizes ran slower: warm-up or noise)", range]
      : [
        reading.split(/[:;]/)[0],
        `${f.method} ${fix(f.upperSlope, 2)}${reading.includes("all-points") ? "†" : ""}`,
      ];
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups].map(([k, v]) => `${k}: ${v.join(", ")}`).join("; ");
}

/**
 * The "What we saw" bullets of the complexity notebook, computed from its sweeps: Table 1's
 * claim first (depth ∝ T for BPTT, ∝ log T for the scan, constant for FT-BPTT; work ∝ T, and
 * ∝ D² for the layer), then what the measurements say — the dependency depths against the
 * model, BPTT's time over the others', and the upper-half log-log slopes of every sweep, where
 * a flat sweep (fixed overhead dominating) is called flat, not given an exponent.
 */
export function complexityFindings(r: ComplexityResults): string {
  const { z } = r;
  const t0 = Math.min(...z.Ts);
  const t1 = Math.max(...z.Ts);
  const atD = (x: TimingRow) => x.D === z.D;
  const ms = (rows: readonly TimingRow[], m: string, t: number) =>
    rows.find((x) => x.method === m && x.T === t && x.D === z.D)?.ms ?? NaN;
  const ratio = (rows: readonly TimingRow[], m: string, t: number) =>
    ms(rows, "bptt", t) / ms(rows, m, t);
  const lines: string[] = [
    "- **Table 1 claims** for the temporal part of the backward: BPTT runs T − 1 dependent " +
    "steps of O(D²) work (depth ∝ T); DSF's prefix scan ⌈log₂ T⌉ levels (depth ∝ log T) with " +
    "work ∝ T·D (T·D·log T for Hillis–Steele and the FFT); FT-BPTT has no chain through time " +
    "(constant depth). The local terms cost ∝ T·D² in every method, parallel over t. So time " +
    "should grow ∝ T (slope 1) in every sweep vs T, ∝ D for the scan alone and ∝ D² for a layer.",
  ];
  const depth = depthReadings(r.backward, atD);
  const unit = (m: string) =>
    m.endsWith("fft") ? "FFT stage" : m.endsWith("scan") ? "scan level" : "step of the recurrence";
  const depthText = depth.map((d) => {
    const head = `${d.method} ${d.first} → ${d.last}`;
    if (d.model === "constant") {
      return d.follows
        ? `${head}: constant, as claimed (${
          d.method === "ft-bptt" ? "no chain through time" : "the scan is one kernel"
        })`
        : `${head}: Table 1 says constant, the measured depth changes`;
    }
    const per = `${fix(d.perStep, 2)} kernels per ${unit(d.method)}`;
    return d.follows
      ? `${head}, ${per} (the same within 15% at every T): ∝ ${d.model}, as claimed`
      : `${head}, ${per} on average: not ∝ ${d.model} (the count per model step varies)`;
  });
  const dep = (m: string) => depth.find((d) => d.method === m);
  lines.push(
    `- **Dependent kernels, measured** in the layer backward (machine-independent), T = ${t0} → ` +
      `${t1}: ${depthText.join("; ")}.` +
      (dep("bptt") && dep("dsf-scan")
        ? ` At T = ${t1} BPTT's chain is ${fix(dep("bptt")!.last / dep("dsf-scan")!.last, 1)}× ` +
          "DSF-scan's."
        : ""),
  );
  const others = [...new Set(r.backward.map((x) => x.method))].filter((m) => m !== "bptt");
  lines.push(
    `- **Layer backward time, BPTT over the others** (D = ${z.D}): ` +
      others.map((m) => `${fix(ratio(r.backward, m, t1), 2)}× ${m}`).join(", ") +
      ` at T = ${t1} (at T = ${t0}: ` +
      others.map((m) => `${fix(ratio(r.backward, m, t0), 2)}×`).join(", ") + ").",
  );
  const stepOthers = [...new Set(r.step.map((x) => x.method))].filter((m) => m !== "bptt");
  lines.push(
    `- **Training step time** (forward + backward + Adam), BPTT over the others at T = ${t1}: ` +
      stepOthers.map((m) => `${fix(ratio(r.step, m, t1), 2)}× ${m}`).join(", ") + ".",
  );
  const fits = fitSlopeSets(complexitySlopeSets(r));
  const of = (sweep: string) => sweepText(fits.filter((f) => f.sweep === sweep));
  const star = fits.some((f) => !f.flat && slopeReading(f, f.expected).includes("all-points"))
    ? " († the fit over all sizes differs by more than 0.4: overhead or an outlier at small sizes)"
    : "";
  lines.push(
    `- **Time vs T**, log-log slope over the upper half of T ∈ {${z.Ts.join(", ")}} (Table 1: ` +
      `1): reverse scan alone — ${of("scan vs T")}. Layer backward — ${of("backward vs T")}. ` +
      `Training step — ${of("step vs T")}.`,
  );
  lines.push(
    `- **Time vs D**, over the upper half of D ∈ {${z.Ds.join(", ")}} (Table 1: 1 for the scan ` +
      `alone, 2 for a layer): reverse scan alone — ${of("scan vs D")}. Layer backward — ` +
      `${of("backward vs D")}. Training step — ${of("step vs D")}.${star}`,
  );
  const flat = fits.filter((f) => f.flat).length;
  const falls = fits.filter((f) => f.falls).length;
  const fell = falls
    ? ` ${falls} fall with size: their smaller sizes ran slower (warm-up or another process), ` +
      "so they say nothing about the work either."
    : "";
  lines.push(
    flat > 0
      ? `- ${flat} of ${fits.length} method sweeps are flat: at these sizes fixed per-kernel ` +
        "costs dominate them, so time follows the number of kernels dispatched more than the " +
        `flops (the depth above is the size-independent measure).${fell} The full sweep ` +
        "(`deno task bench`, section (e)) reaches sizes where the work shows."
      : `- None of the ${fits.length} method sweeps is flat: at these sizes the work shows ` +
        `through the per-kernel costs.${fell}`,
  );
  return lines.join("\n");
}
