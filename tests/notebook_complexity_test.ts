/**
 * The complexity notebook's (§4) reading of its sweeps: robust slopes that call a flat sweep
 * flat, a slope table without empty cells, the depth table's reasons for its dashes, legends
 * only for what is drawn, and the committed benchmark files read and drawn.
 */
import assert from "node:assert/strict";
import type { TimingRow } from "../lib/bench/complexity.ts";
import { committedSpeedLines, parseBenchFile } from "../lib/bench/bench_file.ts";
import {
  depthReadings,
  depthTable,
  depthTableMissing,
  fitSweep,
  SLOPE_TABLE_MISSING,
  slopeReading,
  slopeTable,
} from "../lib/bench/scaling.ts";
import { readCommittedBenchFiles } from "../lib/bench/bench_file.ts";
import { complexitySlopeSets, scalingChart } from "../lib/notebook/complexity.ts";
import { benchFileFigures } from "../lib/notebook/bench_figures.ts";
import { table, toBundle } from "../lib/notebook/display.ts";
import { lineChart } from "../lib/plot/mod.ts";

/** The legend entries of a figure: label and the swatch's attributes. */
function legend(svg: string): { label: string; swatch: string }[] {
  return [
    ...svg.matchAll(/<g class="legend-item">(<(?:line|rect)[^>]*>)<text[^>]*>([^<]*)<\/text>/g),
  ]
    .map((m) => ({ swatch: m[1], label: m[2] }));
}

const row = (method: string, T: number, D: number, ms: number, extra = {}): TimingRow => ({
  method,
  T,
  D,
  B: 4,
  ms,
  medianMs: ms * 1.05,
  ...extra,
});

/** A sweep like the committed notebook's: the scan alone flat with a slow first run. */
function sweep(): { scan: TimingRow[]; backward: TimingRow[]; step: TimingRow[] } {
  const Ts = [16, 32, 64, 128];
  const scan = [
    ...Ts.map((T, i) => row("sequential", T, 32, [1.9, 1.2, 1.3, 1.4][i])),
    ...Ts.map((T) => row("scan", T, 32, 0.02 * T)),
    ...[16, 64, 128].map((D) => row("scan", 32, D, 0.02 * D)),
    ...[16, 64, 128].map((D) => row("sequential", 32, D, 1.2)),
  ];
  const depth = (m: string, T: number) =>
    m === "bptt" ? 3 + 8 * (T - 1) : m === "ft-bptt" ? 4 : 20 + 4 * (Math.log2(T) - 4);
  const backward = ["bptt", "ft-bptt", "dsf-scan"].flatMap((m) => [
    ...Ts.map((T) => row(m, T, 32, (m === "bptt" ? 0.3 : 0.1) * T, { seqDispatches: depth(m, T) })),
    ...[16, 64, 128].map((D) => row(m, 32, D, 0.003 * D * D, { seqDispatches: depth(m, 32) })),
  ]);
  const step = backward.map((r) => ({ ...r, ms: r.ms * 2 + 1, medianMs: r.ms * 2.2 + 1 }));
  return { scan, backward, step };
}

Deno.test("fitSweep: a slow first run does not make a slope, flat times are called flat", () => {
  // 1.9 ms at T = 16, then 1.2–1.4 ms: the all-points fit is near 0, nothing grows.
  const flat = fitSweep([16, 32, 64, 128].map((x, i) => ({ x, y: [1.9, 1.2, 1.3, 1.4][i] })));
  assert.equal(flat.points, 4);
  assert.equal(flat.upperPoints, 2);
  assert.ok(flat.flat);
  const reading = slopeReading(flat, 1);
  assert.equal(reading, "flat (< 15% per doubling): fixed overhead dominates, no exponent read");
  assert.doesNotMatch(reading, /0\.\d\d/);
  // Linear in T but the smallest size 5× slow: the upper half still reads 1.
  const linear = fitSweep([16, 32, 64, 128].map((x) => ({ x, y: x === 16 ? 5 * x : x })));
  assert.ok(!linear.flat && Math.abs(linear.upperSlope - 1) < 1e-9 && linear.slope < 0.6);
  assert.match(
    slopeReading(linear, 1),
    /^≈ Table 1 \(1, within 0\.8–1\.25×\); the all-points fit differs/,
  );
  // Within the measured noise (medians 25–100% above the fastest runs): flat, whatever the slope.
  const noisy = fitSweep([8, 16, 32].map((x, i) => ({ x, y: [1, 1.3, 1.6][i], median: 2 })));
  assert.ok(noisy.flat && noisy.upperSlope > 0.2 && noisy.flatWhy === "within noise");
  // Slower at the small sizes (a cold first run): neither flat nor an exponent.
  const cold = fitSweep([8, 16, 32].map((x, i) => ({ x, y: [17, 1.2, 0.6][i] })));
  assert.ok(cold.falls && !cold.flat);
  assert.match(slopeReading(cold, 1), /^falls with size: the smaller sizes ran slower/);
  assert.match(slopeReading(fitSweep([{ x: 8, y: 1 }]), 1), /^not fitted: one size/);
  assert.match(slopeReading(fitSweep([8, 16].map((x) => ({ x, y: x * x }))), 1), /^above Table 1/);
});

Deno.test("slopeTable: one row per sweep and method, no NaN, the points and a reading", () => {
  const r = sweep();
  const z = { Ts: [16, 32, 64, 128], D: 32, Ds: [16, 32, 64, 128], T: 32, B: 4 };
  const rows = slopeTable(complexitySlopeSets({ z: z as never, ...r }));
  // scan: 2 methods × 2 sweeps; backward and step: 3 methods × 2 sweeps
  assert.equal(rows.length, 4 + 6 + 6);
  for (const x of rows) {
    for (const v of Object.values(x)) {
      assert.ok(typeof v === "string" || Number.isFinite(v), JSON.stringify(x));
    }
  }
  const seqT = rows.find((x) => x.sweep === "scan vs T" && x.method === "sequential")!;
  assert.equal(seqT.points, 4);
  assert.equal(seqT["ms range"], "1.2–1.9");
  assert.match(String(seqT.reading), /^flat/);
  const bwD = rows.find((x) => x.sweep === "backward vs D" && x.method === "bptt")!;
  assert.equal(bwD["Table 1"], 2);
  assert.match(String(bwD.reading), /^≈ Table 1 \(2, within 0\.8–1\.25×\)/);
});

Deno.test("slope table display: a dash and the reason, never NaN", async () => {
  const one = slopeTable([{ name: "x", rows: [row("a", 8, 8, 1)], x: "T", expected: 1 }]);
  const plain = (await toBundle(table(one, { missing: SLOPE_TABLE_MISSING })))["text/plain"];
  assert.doesNotMatch(plain, /NaN/);
  assert.match(plain, /– in slope \(all\): fewer than 2 sizes measured/);
});

Deno.test("depthTable: FT-BPTT's kernels per model step is a dash with the reason", async () => {
  const { backward } = sweep();
  const at = (r: TimingRow) => r.D === 32;
  const depth = depthTable(backward, at);
  const missing = depthTableMissing(depth);
  assert.match(
    missing["kernels / model step"],
    /^ft-bptt: FT-BPTT has no chain through time \(Table 1: O\(1\)\), its depth does not grow with T \(measured 4 → 4 kernels from T=16 to T=128\)$/,
  );
  const plain = (await toBundle(table(depth, { missing })))["text/plain"];
  assert.doesNotMatch(plain, /NaN/);
  assert.match(plain, /no chain through time/);
  const readings = depthReadings(backward, at);
  assert.deepEqual(
    readings.map((d) => [d.method, d.model, d.follows, d.perStep]),
    [["bptt", "T", true, 8], ["ft-bptt", "constant", true, NaN], ["dsf-scan", "log T", true, 4]],
  );
});

Deno.test("scalingChart: the legend is the drawn methods and the dashed reference laws", () => {
  const { backward } = sweep();
  const fig = scalingChart(backward, {
    x: "D",
    where: (r) => r.T === 32,
    laws: [{ label: "∝ D", slope: 1 }, { label: "∝ D²", slope: 2 }],
  });
  const items = legend(fig.svg);
  assert.deepEqual(items.map((i) => i.label), ["bptt", "ft-bptt", "dsf-scan", "∝ D", "∝ D²"]);
  for (const i of items.slice(0, 3)) assert.doesNotMatch(i.swatch, /dasharray/);
  const dashes = items.slice(3).map((i) => i.swatch.match(/stroke-dasharray="([^"]+)"/)?.[1]);
  assert.equal(new Set(dashes).size, 2);
  for (const d of dashes) {
    // Each dashed swatch has a drawn line in the same grey and dashes.
    const drawn = new RegExp(
      `<g stroke-dasharray="${d}"[^>]* stroke-width="1\\.4" stroke="#666666"[^>]* aria-label="line"`,
    );
    assert.match(fig.svg, drawn);
  }
  assert.doesNotMatch(fig.svg, />(measured|reference)<\/text>/);
});

Deno.test("lineChart references: drawn, in the legend, and inside the y ticks", () => {
  const fig = lineChart([{ x: 1, y: 1, s: "a" }, { x: 10, y: 2, s: "a" }], {
    x: "x",
    y: "y",
    stroke: "s",
    logX: true,
    logY: true,
    references: [{ label: "∝ x", points: [{ x: 1, y: 1 }, { x: 10, y: 10 }] }],
  });
  assert.deepEqual(legend(fig.svg).map((i) => i.label), ["a", "∝ x"]);
  assert.match(fig.svg, />10<\/text>/); // the y ticks reach the reference's end
});

Deno.test("committed bench files: read from results/bench, one figure per backend variant", async () => {
  const files = await readCommittedBenchFiles();
  const names = files.map((f) => f.name);
  assert.ok(names.includes("results/bench/bench.json"), names.join(", "));
  const main = files.find((f) => f.name === "results/bench/bench.json")!;
  const figs = benchFileFigures(main.file, { name: main.name });
  const backends = [
    ...new Set(main.file.rows.filter((r) => r.unit === "layer").map((r) => r.backend)),
  ];
  assert.deepEqual(figs.map((f) => f.backend), backends);
  assert.ok(figs.length >= 2);
  for (const f of figs) {
    assert.ok(f.figure.svg.includes("from results/bench/bench.json"));
    assert.match(f.slug, /^bench_[\w-]+$/);
    const items = legend(f.figure.svg);
    const colours = items.filter((i) => !/dasharray/.test(i.swatch))
      .map((i) => i.swatch.match(/stroke="([^"]+)"/)?.[1]);
    assert.equal(new Set(colours).size, colours.length, `one colour per method: ${f.backend}`);
    assert.equal(items.at(-1)?.label, "∝ T");
  }
  assert.deepEqual(await readCommittedBenchFiles("/nonexistent/dir"), []);
});

Deno.test("committedSpeedLines: BPTT's step over DSF's fastest at the file's largest width, per backend", () => {
  const row = (
    unit: string,
    backend: string,
    mode: string,
    impl: string,
    T: number,
    ms: number,
  ) => ({
    unit,
    cell: "gru",
    mode,
    impl,
    backend,
    B: 32,
    T,
    D: unit === "small" ? 64 : 256,
    stepMs: ms,
  });
  const text = JSON.stringify({
    meta: { date: "2026-12-04T19:18:07Z" },
    rows: [
      row("layer", "wasm+blas1", "bptt", "-", 64, 90),
      row("layer", "wasm+blas1", "dsf", "scan", 64, 60),
      row("layer", "wasm+blas1", "dsf", "wasm", 64, 45), // the fastest DSF counts: 2.00×
      row("layer", "wasm+blas1", "bptt", "-", 256, 300),
      row("layer", "wasm+blas1", "dsf", "wasm", 256, 200),
      row("small", "wasm+blas1", "bptt", "-", 64, 1), // another width: left out
    ],
  });
  const lines = committedSpeedLines({ name: "results/bench/x.json", file: parseBenchFile(text) });
  assert.deepEqual(lines, [
    "GRU layer, D = 256, wasm+blas1: BPTT's step over DSF's 2.00× at B = 32, T = 64; 1.50× at " +
    "B = 32, T = 256. (`results/bench/x.json`, 2026-12-04)",
  ]);
});
