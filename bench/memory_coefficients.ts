/**
 * The coefficients of lib/models/size.ts's memory estimate, measured: for each model, cell and
 * gradient mode, the peak bytes live in the wasm heap (`_malloc`, lib/bench/wasm_heap.ts)
 * during a training step and during an evaluation batch, per position (row × step), as
 *
 *     floats per position = L · (A · D + R) + H · V
 *
 * fitted from three tiny models (L = 2, T = 256, 8 heads, random ids): D = 32 and 64 at
 * V = 1000 give A (per layer and hidden unit), V = 1000 and 3000 give H (logits blocks), the
 * rest R (per layer: attention's heads × T scores); each at 1 and 2 rows, whose difference is
 * one row's worth. Evaluation frees each block's intermediates at its end, so its A is one
 * block's, not one per layer (it is fitted the same way, and read as such).
 *
 *     deno run -A bench/memory_coefficients.ts [--out results/bench-memory/coefficients.json]
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { trackWasmMalloc } from "../lib/bench/wasm_heap.ts";
import { type ConfigPatch, makeConfig } from "../lib/config/schema.ts";
import type { Batch } from "../lib/data/batches.ts";
import { createModel } from "../lib/models/mod.ts";
import { batchGrads, batchTensors } from "../lib/train/step.ts";
import { Rng } from "../lib/util/rng.ts";
import { GRADIENT_MODES } from "../lib/recurrent.ts";

const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
const [T, L, HEADS] = [256, 2, 8];

await initBackend({ backend: "wasm", quiet: true });
const tracker = trackWasmMalloc();

function randomBatch(b: number, v: number): Batch {
  const rng = new Rng(1);
  const ids = () => Int32Array.from({ length: b * T }, () => rng.int(v));
  const position = { epoch: 0, index: 0 };
  return {
    x: ids(),
    y: ids(),
    mask: new Float32Array(b * T).fill(1),
    B: b,
    T,
    count: b * T,
    indices: new Int32Array(b),
    position,
    next: position,
  };
}

/** Peak live heap bytes above the start of a training step and of an evaluation batch. */
function peaks(patch: ConfigPatch, d: number, v: number, rows: number) {
  const config = makeConfig({ ...patch, layers: L, hidden: d, context: T, heads: HEADS });
  const model = createModel(config, v);
  const batch = randomBatch(rows, v);
  tracker.resetPeak();
  let base = tracker.live;
  const g = batchGrads(model, batch);
  const train = tracker.peak - base;
  tf.dispose([g.value, ...Object.values(g.grads)]);
  tracker.resetPeak();
  base = tracker.live;
  tf.tidy(() => {
    const { ids, targets, rows } = batchTensors(batch);
    return model.loss(ids, targets, rows, { training: false });
  }).dispose();
  const evaluation = tracker.peak - base;
  model.dispose();
  return { train, evaluation };
}

/** Floats per position of one row: the difference between 2 rows and 1. */
function perPosition(patch: ConfigPatch, d: number, v: number) {
  const [one, two] = [peaks(patch, d, v, 1), peaks(patch, d, v, 2)];
  return {
    train: (two.train - one.train) / (4 * T),
    evaluation: (two.evaluation - one.evaluation) / (4 * T),
  };
}

interface Fit {
  A: number;
  R: number;
  H: number;
}
const fit = (p: number[]): Fit => {
  const [a, b, c] = p; // D 32 V 1000, D 64 V 1000, D 32 V 3000
  const A = (b - a) / (L * 32);
  const H = (c - a) / 2000;
  return { A, H, R: (a - L * A * 32 - H * 1000) / L };
};

const CASES: ConfigPatch[] = [];
for (const model of ["rnn-lm", "transformer-like"] as const) {
  for (const cell of ["rnn", "gru", "lstm"] as const) {
    for (const mode of GRADIENT_MODES) CASES.push({ model, cell, mode });
  }
}
CASES.push({ model: "gpt", mode: "bptt" }, { model: "ema", mode: "bptt" });

const round = (x: number) => Math.round(x * 100) / 100;
const rows: Record<string, unknown>[] = [];
console.log("| model | cell | mode | train A | train R | train H | eval A | eval R | eval H |");
console.log("| --- | --- | --- | --: | --: | --: | --: | --: | --: |");
for (const patch of CASES) {
  const points = [[32, 1000], [64, 1000], [32, 3000]].map(([d, v]) => perPosition(patch, d, v));
  const train = fit(points.map((p) => p.train));
  const evaluation = fit(points.map((p) => p.evaluation));
  const cell = patch.model === "gpt" || patch.model === "ema" ? "-" : patch.cell!;
  const row = { model: patch.model, cell, mode: patch.mode, train, evaluation };
  rows.push(JSON.parse(JSON.stringify(row, (_, x) => (typeof x === "number" ? round(x) : x))));
  const f = (x: Fit) => [x.A, x.R, x.H].map((n) => n.toFixed(1)).join(" | ");
  console.log(`| ${patch.model} | ${cell} | ${patch.mode} | ${f(train)} | ${f(evaluation)} |`);
}
tracker.stop();
if (values.out) {
  const doc = {
    command: "deno run -A bench/memory_coefficients.ts --out " + values.out,
    backend: "wasm",
    shape: { T, layers: L, heads: HEADS, hidden: [32, 64], vocab: [1000, 3000], rows: [1, 2] },
    unit: "float32 values per position (row × step): L · (A · D + R) + H · V",
    rows,
  };
  await Deno.writeTextFile(values.out, JSON.stringify(doc, null, 2) + "\n");
}
