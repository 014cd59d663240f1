/**
 * The benchmark's bookkeeping without measuring: options, plan order, result files, resume,
 * budget and the time/memory estimates that skip cases.
 */
import assert from "node:assert/strict";
import { parseBenchArgs } from "../lib/bench/args.ts";
import { torchThreads } from "../lib/bench/results.ts";
import {
  type BenchRow,
  caseKey,
  formatTable,
  parseResults,
  type SkipRecord,
} from "../lib/bench/results.ts";
import { estimateCase, planCases, runBenchSweep } from "../lib/bench/sweep.ts";
import { median } from "../lib/bench/timing.ts";

function row(over: Partial<BenchRow>): BenchRow {
  return {
    unit: "layer",
    cell: "gru",
    mode: "bptt",
    impl: "-",
    backend: "wasm",
    B: 32,
    T: 16,
    D: 128,
    forwardMs: 1,
    matmulFloorMs: 0.5,
    stepMs: 10,
    stepMinMs: 9,
    stepMaxMs: 11,
    peakBytes: 1e6,
    seqDispatches: 100,
    runs: 3,
    ...over,
  };
}

Deno.test("parseBenchArgs: defaults, --quick, overrides, errors", () => {
  const d = parseBenchArgs([]);
  assert.deepEqual(d.Ts, [16, 64, 256, 1024]);
  assert.deepEqual(d.Ds, [128, 256, 512]);
  assert.equal(d.B, 32);
  assert.deepEqual(d.cells, ["gru"]);
  assert.deepEqual(d.ptb, [{ B: 32, T: 64, D: 256, V: 10000 }]);
  assert.deepEqual(d.threads, [1]);
  const q = parseBenchArgs(["--quick", "--cells", "rnn,lstm", "--budget-min=5", "--ptb", "off"]);
  assert.deepEqual([q.Ts, q.Ds, q.runs, q.cells, q.budgetMin, q.ptb], [
    [16, 64],
    [64],
    1,
    ["rnn", "lstm"],
    5,
    [],
  ]);
  assert.deepEqual(parseBenchArgs(["--ptb", "32,64,256,10000;128,24,256,10000"]).ptb, [
    { B: 32, T: 64, D: 256, V: 10000 },
    { B: 128, T: 24, D: 256, V: 10000 },
  ]);
  assert.throws(() => parseBenchArgs(["--ptb", "32,64,256"]), /B,T,D,V/);
  assert.deepEqual(parseBenchArgs(["--threads", "1,2"]).threads, [1, 2]);
  // A repeated value is one case, not two.
  assert.deepEqual(parseBenchArgs(["--threads", "1,1,2"]).threads, [1, 2]);
  assert.deepEqual(parseBenchArgs(["--T", "64,64,256"]).Ts, [64, 256]);
  assert.deepEqual(parseBenchArgs(["--peers", "none"]).peers, []);
  assert.throws(() => parseBenchArgs(["--cells", "tcn"]), /--cells: "tcn"/);
  assert.throws(() => parseBenchArgs(["--T", "0"]), /--T/);
  assert.throws(() => parseBenchArgs(["--frobnicate"]), /unknown option/);
  assert.throws(() => parseBenchArgs(["--B"]), /needs a value/);
});

Deno.test("planCases: cheapest shapes first, webgpu impl only where offered", () => {
  const cases = planCases({
    cells: ["gru"],
    Ts: [64, 16],
    Ds: [256, 128],
    B: 32,
    backend: "wasm",
    peers: ["tfjs-layers", "pytorch"],
    ptb: [{ B: 32, T: 64, D: 256, V: 10000 }],
  });
  const per = 2 + 4 + 2; // bptt, ft-bptt, 4 dsf impls (sequential, scan, fft, wasm), 2 peers
  assert.equal(cases.length, 4 * per + 7); // PTB: 6 methods + the PyTorch peer (no tfjs-layers)
  const ptbPeer = cases.find((c) => c.unit === "ptb-lm" && c.mode === "pytorch");
  assert.equal(ptbPeer?.backend, "torch-cpu");
  // Two PyTorch thread counts: two peer backends per PyTorch case; two PTB shapes, two sets.
  const wide = planCases({
    cells: ["gru"],
    Ts: [64],
    Ds: [256],
    B: 32,
    backend: "wasm",
    modes: ["dsf"],
    impls: ["scan"],
    peers: ["pytorch"],
    ptb: [{ B: 32, T: 64, D: 256, V: 10000 }, { B: 128, T: 24, D: 256, V: 10000 }],
    torchThreads: [1, 2],
  });
  assert.deepEqual(
    wide.filter((c) => c.mode === "pytorch").map((c) => `${c.unit} B=${c.B} ${c.backend}`).sort(),
    [
      "layer B=32 torch-cpu",
      "layer B=32 torch-cpu-2t",
      "ptb-lm B=128 torch-cpu",
      "ptb-lm B=128 torch-cpu-2t",
      "ptb-lm B=32 torch-cpu",
      "ptb-lm B=32 torch-cpu-2t",
    ],
  );
  assert.deepEqual([torchThreads("torch-cpu"), torchThreads("torch-cpu-2t")], [1, 2]);
  assert.ok(!cases.some((c) => c.unit === "ptb-lm" && c.mode === "tfjs-layers"));
  assert.deepEqual(cases.slice(0, per).map((c) => [c.T, c.D]), Array(per).fill([16, 128]));
  assert.deepEqual([cases[per].T, cases[per].D], [16, 256]);
  // The PTB cases sit with their shape, after that shape's layer cases.
  const ptbAt = cases.findIndex((c) => c.unit === "ptb-lm");
  assert.deepEqual([cases[ptbAt - 1].T, cases[ptbAt - 1].D], [64, 256]);
  assert.ok(cases.every((c) => c.impl !== "webgpu"));
  assert.ok(cases.some((c) => c.impl === "wasm"), "the wasm scan kernel on wasm");
  assert.equal(cases.find((c) => c.mode === "pytorch")!.backend, "torch-cpu");
  const gpu = planCases({
    cells: ["gru"],
    Ts: [16],
    Ds: [64],
    B: 4,
    backend: "webgpu",
    available: ["sequential", "scan", "fft", "webgpu"],
  });
  assert.ok(gpu.some((c) => c.impl === "webgpu"));
  assert.ok(!gpu.some((c) => c.impl === "wasm"), "the wasm kernel only on wasm");
  const gpuOld = planCases({
    cells: ["gru"],
    Ts: [16],
    Ds: [64],
    B: 4,
    backend: "webgpu",
    available: ["sequential", "scan", "fft"],
  });
  assert.ok(!gpuOld.some((c) => c.impl === "webgpu"));
});

Deno.test("parseResults: rows and skips by key, bad lines counted, later wins", () => {
  const a = row({ stepMs: 10 });
  const b = row({ stepMs: 20 });
  const s: SkipRecord = { ...row({ T: 1024 }), skipped: "beyond time" };
  const text = [JSON.stringify(a), "{broken", "", JSON.stringify(b), JSON.stringify(s), "{}"]
    .join("\n");
  const { records, bad } = parseResults(text);
  assert.equal(bad, 2);
  assert.equal(records.size, 2);
  assert.equal((records.get(caseKey(a)) as BenchRow).stepMs, 20);
  assert.equal((records.get(caseKey(s)) as SkipRecord).skipped, "beyond time");
  const table = formatTable([a, s]);
  assert.match(table, /skipped: beyond time/);
  assert.equal(table.split("\n").length, 3);
});

Deno.test("estimateCase: linear in T, quadratic in D", () => {
  const rows = [
    row({ T: 16, stepMs: 10, peakBytes: 100 }),
    row({ T: 64, stepMs: 50, peakBytes: 400 }),
  ];
  const e = estimateCase(row({ T: 256 }), rows)!;
  assert.deepEqual([e.stepMs, e.peakBytes, e.from], [200, 1600, "T=64"]);
  const f = estimateCase(row({ T: 16, D: 256 }), rows)!;
  assert.deepEqual([f.stepMs, f.from], [40, "D=128"]);
  assert.equal(estimateCase(row({ mode: "ft-bptt" }), rows), null);
});

Deno.test("runBenchSweep: reuses recorded cases, skips beyond time, stops at the budget", async () => {
  const cases = planCases({ cells: ["gru"], Ts: [16, 1024], Ds: [128], B: 32, backend: "wasm" });
  const done = new Map<string, BenchRow | SkipRecord>();
  // Every T=16 case recorded, very slow: each T=1024 case is estimated far beyond 1 min.
  for (const c of cases.filter((c) => c.T === 16)) {
    done.set(caseKey(c), row({ ...c, stepMs: 5000 }));
  }
  const saved: (BenchRow | SkipRecord)[] = [];
  const logs: string[] = [];
  const res = await runBenchSweep(cases, { maxCaseMs: 60_000 }, {
    done,
    save: (r) => Promise.resolve(void saved.push(r)),
    log: (l) => void logs.push(l),
  });
  assert.equal(res.reused, 6); // bptt, ft-bptt, 4 dsf impls on wasm
  assert.equal(res.measuredNow, 6);
  assert.equal(saved.length, 6);
  assert.ok(
    saved.every((r) => "skipped" in r && /beyond time: est\. 320\.0 s\/step/.test(r.skipped)),
  );
  assert.equal(res.rows.length, 6);
  assert.equal(res.skipped.length, 6);
  // A rerun over the saved records measures nothing.
  for (const r of saved) done.set(caseKey(r), r);
  const again = await runBenchSweep(cases, {}, {
    done,
    save: () => Promise.reject(new Error("no")),
    log: () => {},
  });
  assert.equal(again.measuredNow, 0);
  assert.equal(again.reused, 12);
  // Budget: a clock already past it starts nothing.
  let t = 0;
  const budget = await runBenchSweep(cases, { budgetMs: 1 }, {
    done: new Map(),
    save: () => Promise.reject(new Error("no")),
    log: () => {},
    now: () => (t += 10),
  });
  assert.equal(budget.notRun.length, 12);
  assert.ok(budget.notRun.every((n) => n.why === "budget"));
  // PyTorch cases without a runner are left out with a note, not recorded.
  const torch = planCases({
    cells: ["gru"],
    Ts: [8],
    Ds: [8],
    B: 2,
    backend: "cpu",
    modes: [],
    peers: ["pytorch"],
  });
  const notes: string[] = [];
  const r = await runBenchSweep(torch, {}, {
    done: new Map(),
    save: () => Promise.reject(new Error("no")),
    log: (l) => void notes.push(l),
    pytorchMissing: "python3-torch is not installed",
  });
  assert.equal(r.measuredNow, 0);
  assert.match(notes[0], /PyTorch peers left out \(python3-torch is not installed\)/);
});

Deno.test("median", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.throws(() => median([]));
});
