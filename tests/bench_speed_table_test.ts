import assert from "node:assert/strict";
import { type BenchFile, speedTables } from "../lib/bench/speed_table.ts";

Deno.test("speedTables: the ratios of one run, a dash for what it lacks", () => {
  const row = (unit: string, mode: string, backend: string, stepMs: number, extra = {}) => ({
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
  const bench: BenchFile = {
    meta: { date: "2026-12-02T01:00:00Z", backend: "wasm", args: ["--T", "64"] },
    matmul: [
      { variant: "wasm", form: "a·b", M: 2048, K: 256, N: 768, ms: 30 },
      { variant: "wasm+blas1", form: "a·b", M: 2048, K: 256, N: 768, ms: 6 },
    ],
    rows: [
      row("layer", "bptt", "wasm+blas1", 120),
      row("layer", "dsf", "wasm+blas1", 80),
      row("layer", "pytorch", "torch-cpu", 64),
      row("ptb-lm", "dsf", "wasm+blas1", 800, { V: 10000 }),
      row("ptb-lm", "dsf", "wasm", 2400, { V: 10000 }),
      row("ptb-lm", "pytorch", "torch-cpu", 500, { V: 10000 }),
    ],
  };
  const md = speedTables(bench, "results/x");
  assert.match(md, /\| a·b \| 30\.0 \| 6\.0 \| – \| 5\.00× \|/);
  // BPTT / DSF 1.50×, DSF / forward 2.00×, DSF / PyTorch 1.25×.
  assert.match(
    md,
    /\| 32, 64, 256 \| 40\.0 \| 120 \| – \| 80\.0 \| – \| – \| 64\.0 \/ – \| 1\.50× \| 2\.00× \| 1\.25× \|/,
  );
  // The LM step's DSF row: 3.00× XNNPACK, 1.60× PyTorch.
  assert.match(
    md,
    /\| 32, 64, 256, 10000 \| DSF \| 2400 \| 800 \| – \| {2}\| 3\.00× \| 1\.60× \| – \|/,
  );
  assert.match(md, /results\/x\/bench\.json/);
});
