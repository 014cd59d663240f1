import assert from "node:assert/strict";
import type { SpeedTableInput } from "../lib/bench/speed_table.ts";
import { speedTargets, speedTargetsMarkdown } from "../lib/bench/speed_targets.ts";

type Row = SpeedTableInput["rows"][number];
const row = (
  unit: Row["unit"],
  mode: Row["mode"],
  backend: string,
  T: number,
  stepMs: number,
  extra = {},
): Row => ({
  unit,
  mode,
  impl: mode === "dsf" ? "wasm" : "-",
  backend,
  B: 32,
  T,
  D: 256,
  stepMs,
  forwardMs: 20,
  ...extra,
});

const bench: SpeedTableInput = {
  meta: { date: "2026-12-03T01:00:00Z", backend: "wasm", args: [] },
  matmul: [
    { variant: "wasm", form: "a·b", M: 2048, K: 256, N: 768, ms: 24 },
    { variant: "wasm+blas1", form: "a·b", M: 2048, K: 256, N: 768, ms: 8 }, // 3.0×: missed
    { variant: "wasm", form: "aᵀ·b", M: 2048, K: 256, N: 768, ms: 400 },
    { variant: "wasm+blas1", form: "aᵀ·b", M: 2048, K: 256, N: 768, ms: 5 }, // 80×
    { variant: "wasm", form: "a·bᵀ", M: 2048, K: 256, N: 768, ms: 300 },
    { variant: "wasm+blas1", form: "a·bᵀ", M: 2048, K: 256, N: 768, ms: 5 }, // 60×
  ],
  rows: [
    row("layer", "dsf", "wasm+blas1", 64, 50), // 2.5 forwards; 1.25× PyTorch
    row("layer", "dsf", "wasm+blas1", 256, 60), // 3.0 forwards; 1.5× PyTorch
    // Another DSF implementation's row is not read.
    row("layer", "dsf", "wasm+blas1", 64, 900, { impl: "scan" }),
    row("layer", "bptt", "wasm+blas1", 64, 75),
    row("layer", "pytorch", "torch-cpu", 64, 40),
    row("layer", "pytorch", "torch-cpu", 256, 40),
    row("layer", "pytorch", "torch-cpu-2t", 256, 90),
    row("layer", "dsf", "wasm+blas2", 256, 30), // faster than PyTorch's best (40)
  ],
};

Deno.test("speedTargets: each target met or missed from the run's ratios", () => {
  const t = Object.fromEntries(speedTargets(bench).map((x) => [x.target.slice(0, 24), x]));
  const get = (prefix: string) => {
    const hit = Object.entries(t).find(([k]) => k.startsWith(prefix.slice(0, 24)));
    assert.ok(hit, `target starting "${prefix}"`);
    return hit[1];
  };
  assert.equal(get("matMul [2048,256]").met, false);
  assert.deepEqual(get("matMul [2048,256]").measured, ["3.00× (a·b)"]);
  assert.equal(get("its transposed forms").met, true);
  assert.deepEqual(get("its transposed forms").measured, ["80× (aᵀ·b)", "60× (a·bᵀ)"]);
  const layer = get("GRU layer DSF step (B=32");
  assert.deepEqual(layer.measured, ["1.25× (T = 64)", "1.50× (T = 256)"]);
  assert.equal(layer.met, false);
  const forward = get("DSF step ≤ 2.6× the forwa");
  assert.deepEqual(forward.measured, ["2.50× (T = 64)", "3.00× (T = 256)"]);
  assert.equal(forward.met, false);
  assert.deepEqual(get("BPTT / DSF, reported").measured, ["1.50× (T = 64)"]);
  assert.equal(get("Stretch: our DSF step on").met, true);
  // No PTB LM cases in this run: those targets say so rather than pass.
  assert.equal(get("PTB LM step ≥ 3× faster").met, null);
  assert.match(
    speedTargetsMarkdown(bench, "results/x"),
    /≥ 3× faster than XNNPACK, one thread: not in this run\n/,
  );
});
