import assert from "node:assert/strict";
import { type SpeedTableInput, speedTables } from "../lib/bench/speed_table.ts";
import { stepTimeFigure } from "../lib/bench/plot.ts";
import { type BenchRow, type BenchUnit, seriesLabeller } from "../lib/bench/results.ts";

Deno.test("speedTables: the ratios of one run, a dash for what it lacks", () => {
  type Row = SpeedTableInput["rows"][number];
  const row = (
    unit: BenchUnit,
    mode: BenchRow["mode"],
    backend: string,
    stepMs: number,
    extra = {},
  ): Row => ({
    unit,
    mode,
    impl: mode === "dsf" ? "scan" : "-",
    backend,
    B: 32,
    T: 64,
    D: 256,
    stepMs,
    forwardMs: 40,
    ...extra,
  });
  const bench: SpeedTableInput = {
    meta: { date: "2026-12-02T01:00:00Z", backend: "wasm", args: ["--T", "64"] },
    matmul: [
      { variant: "wasm", form: "a·b", M: 2048, K: 256, N: 768, ms: 30 },
      { variant: "wasm+blas1", form: "a·b", M: 2048, K: 256, N: 768, ms: 6 },
    ],
    rows: [
      row("layer", "bptt", "wasm+blas1", 120),
      // A DSF row of another implementation first: the tables take the scan's.
      row("layer", "dsf", "wasm+blas1", 500, { impl: "sequential" }),
      row("layer", "dsf", "wasm+blas1", 80),
      row("layer", "pytorch", "torch-cpu", 64, {
        note: "nn.GRU autograd; torch 9.9.1a0, 1 thread(s)",
      }),
      row("layer", "pytorch-dsf-ref", "torch-cpu", 70),
      row("ptb-lm", "dsf", "wasm+blas1", 800, { V: 10000 }),
      row("ptb-lm", "pytorch-dsf-ref", "torch-cpu", 1000, { V: 10000 }),
      row("ptb-lm", "dsf", "wasm", 2400, { V: 10000 }),
      row("ptb-lm", "pytorch", "torch-cpu", 500, { V: 10000 }),
    ],
  };
  const md = speedTables(bench, "results/x");
  assert.match(md, /\| a·b \| 30\.0 \| 6\.0 \| – \| 5\.00× \|/);
  // BPTT / DSF 1.50×, DSF / forward 2.00×, DSF / PyTorch 1.25×.
  assert.match(
    md,
    /\| 32, 64, 256 \| 40\.0 \| 120 \| – \| 80\.0 \| – \| – \| 64\.0 \/ – \| 70\.0 \/ – \| 1\.50× \| 2\.00× \| 1\.25× \|/,
  );
  // The LM step's DSF row, beside the reference code's DSF: 3.00× XNNPACK, 0.80× PyTorch's.
  assert.match(
    md,
    /\| 32, 64, 256, 10000 \| DSF \| 2400 \| 800 \| – \| 1000 \/ – \| 3\.00× \| 0\.80× \| – \|/,
  );
  assert.match(md, /results\/x\/bench\.json/);
  assert.match(md, /PyTorch 9\.9\.1a0 on 1 and 2 threads/);
});

Deno.test("stepTimeFigure and seriesLabeller: one line per method and backend variant", () => {
  const row = (mode: string, backend: string, T: number, stepMs: number) =>
    ({
      cell: "gru",
      mode,
      impl: mode === "dsf" ? "scan" : "-",
      backend,
      unit: "layer",
      B: 32,
      T,
      D: 256,
      stepMs,
    }) as unknown as BenchRow;
  const one = [row("dsf", "wasm+blas1", 64, 80), row("dsf", "wasm+blas1", 256, 300)];
  assert.equal(seriesLabeller(one)(one[0]), "dsf-scan");
  const rows = [
    ...one,
    row("dsf", "wasm", 64, 200),
    row("dsf", "wasm", 256, 900),
    row("pytorch", "torch-cpu", 64, 60),
  ];
  const label = seriesLabeller(rows);
  assert.deepEqual(
    [...new Set(rows.map(label))],
    ["dsf-scan · wasm+blas1", "dsf-scan · wasm", "pytorch · torch-cpu"],
  );
  // The figure: a colour per method, a dash per backend, so one line per (method, backend).
  const svg = stepTimeFigure(rows).svg;
  for (const name of ["dsf-scan", "pytorch", "wasm+blas1", "torch-cpu"]) {
    assert.ok(svg.includes(`>${name}</text>`), name);
  }
  const lines = [...svg.matchAll(/<path d="M[^"]*" stroke="[^"]*"/g)].length;
  assert.equal(lines, 3);
});
