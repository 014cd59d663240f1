/**
 * The GPU check's logic (lib/bench/gpu_check.ts): the gradient comparison against closed forms,
 * every backend of the test run against the cpu backend in every mode, and the table of ratios
 * from benchmark rows. The pack itself is built and run from a clean checkout in CI
 * (`.ci/run`, "GPU check" stage), where it takes minutes.
 */
import assert from "node:assert/strict";
import {
  adapterName,
  type CheckBenchRow,
  checkTable,
  GRADIENT_CASES,
  gradientCheck,
  relativeError,
} from "../lib/bench/gpu_check.ts";
import { BACKENDS } from "./_util.ts";

Deno.test("relativeError: max |a − b| / max |b|, the worst parameter named, NaN and shape caught", () => {
  const b = { w: new Float32Array([1, -2]), u: new Float32Array([4, 0]) };
  assert.deepEqual(relativeError(b, b), { relError: 0, worst: "" });
  // w: 0.5 / 2 = 0.25; u: 0.4 / 4 = 0.1
  const a = { w: new Float32Array([1.5, -2]), u: new Float32Array([4, 0.4]) };
  const r = relativeError(a, b);
  assert.ok(Math.abs(r.relError - 0.25) < 1e-7);
  assert.equal(r.worst, "w");
  const nan = relativeError({ ...b, u: new Float32Array([NaN, 0]) }, b);
  assert.ok(Number.isNaN(nan.relError));
  assert.equal(nan.worst, "u");
  assert.deepEqual(relativeError({ w: b.w }, b), { relError: Infinity, worst: "u" });
});

for (const backend of BACKENDS.filter((b) => b !== "cpu")) {
  Deno.test(`gradientCheck: ${backend} against cpu in every mode, within the tolerance`, async () => {
    let rows;
    try {
      rows = await gradientCheck(GRADIENT_CASES.smoke, backend);
    } catch (err) {
      if (backend === "webgpu") {
        console.log(`gpu_check_test: webgpu skipped (${(err as Error).message.split("\n")[0]})`);
        return;
      }
      throw err;
    }
    assert.deepEqual(rows.map((r) => r.mode), ["bptt", "ft-bptt", "dsf"]);
    for (const r of rows) {
      assert.ok(r.ok, `${r.mode}: ${r.relError} at ${r.worst}`);
    }
  });
}

Deno.test("checkTable: per shape the ratios within one run (WebGPU, wasm, PyTorch CUDA)", () => {
  const row = (backend: string, mode: string, stepMs: number, impl = "-"): CheckBenchRow => ({
    cell: "gru",
    mode,
    impl,
    backend,
    B: 32,
    T: 256,
    D: 1024,
    stepMs,
  });
  const table = checkTable([
    row("webgpu", "bptt", 300),
    row("webgpu", "dsf", 120, "scan"),
    row("webgpu", "dsf", 100, "webgpu"), // the fastest DSF row counts
    row("wasm", "dsf", 800, "wasm"),
    row("torch-cuda", "pytorch", 40),
    { ...row("webgpu", "ft-bptt", 1), error: "skipped" },
  ]);
  assert.match(
    table,
    /\| layer gru \| 32 \| 256 \| 1024 \| 300\.0 ms \| 100\.0 ms \| 3\.00× \| 8\.00× \| 2\.50× \|/,
  );
  // Without PyTorch's rows its column is a dash, not NaN.
  assert.match(
    checkTable([row("webgpu", "bptt", 3), row("webgpu", "dsf", 1)]),
    /3\.00× \| – \| – \|$/,
  );
});

Deno.test("adapterName: the description where there is one, else vendor, architecture, device", () => {
  assert.equal(
    adapterName({ vendor: "65541", description: "llvmpipe (LLVM 15)" }),
    "llvmpipe (LLVM 15)",
  );
  assert.equal(adapterName({ vendor: "nvidia", architecture: "hopper" }), "nvidia hopper");
  assert.equal(adapterName({}), "unnamed adapter");
});
