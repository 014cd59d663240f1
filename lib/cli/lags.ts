/**
 * `deno task lags --run runs/DIR [--ckpt last|best|init] [--batches N] [--rows R] [--layer L]
 * [--results GROUP]`
 *
 * Why DSF trails BPTT, measured per lag on one run's weights: for one recurrent layer (default
 * the top one) and the first R rows of each of the first N training batches (the run's data
 * order), every feedback's state gradient δ̃_t next to BPTT's δ_t (`lag_alignment.ts`,
 * `lag_summary.ts`): the cosine by t and by k = len − 1 − t, the norms, the channel quartiles'
 * shares and the Jacobians' diagonal. DSF's λ is the run's (the checkpoint's, else its config's);
 * a run without one (BPTT, FT-BPTT, the Jacobian-diagonal feedback) gets linspace(0, 1).
 *
 * Prints tables; the last stdout line is the JSON. With `--results GROUP` it is also written to
 * `results/GROUP/<run dir>-lags-<ckpt>.json`, with the figures beside it (`…-cos.svg`,
 * `…-norm.svg`, `…-cos-t.svg`, `…-groups.svg`).
 *
 * Cost: per row, T·S replicated cell steps forward and backward for the exact Jacobians (T·S²
 * floats, one row at a time). The defaults (1 batch, 8 rows) on PTB characters, GRU 1×256, wasm
 * with one OpenBLAS thread: 57 CPU-seconds and 0.86 GB for 8 rows of 142 steps, so about 100 s
 * for 8 rows of T = 256.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { basename, join, relative, resolve } from "node:path";
import { initBackend } from "../backend.ts";
import { readRunConfig } from "../io/run_files.ts";
import { createModel } from "../models/mod.ts";
import { restoreParams } from "../train/checkpoint.ts";
import { readCheckpointFile } from "../io/checkpoint_file.ts";
import { loadRunData } from "../io/datasets.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { saveFigure } from "../io/figures.ts";
import { restoreFeedbacks } from "../feedback/plugins.ts";
import { makeFeedback } from "../feedback/init.ts";
import {
  feedbackDeltas,
  LAG_FEEDBACK_LABELS,
  type LagBatch,
  lagBatch,
  type LagFeedback,
} from "../analysis/lag_alignment.ts";
import { summarizeLags } from "../analysis/lag_summary.ts";
import {
  groupShareChart,
  lagCosineChart,
  lagNormChart,
  stepCosineChart,
} from "../analysis/lag_figures.ts";
import type { Batch } from "../data/batches.ts";
import { numberOption, runCommand, taskCommand } from "./command_line.ts";
import { runRecordPath } from "../io/portable_path.ts";

const USAGE = "usage: deno task lags --run runs/DIR [--ckpt last|best|init] [--batches N] " +
  "[--rows R] [--layer L] [--results GROUP]";

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "—");
const stats = (v: ArrayLike<number>) => {
  const a = Array.from(v);
  return {
    mean: a.reduce((s, x) => s + x, 0) / a.length,
    min: Math.min(...a),
    max: Math.max(...a),
  };
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      run: { type: "string" },
      ckpt: { type: "string", default: "last" },
      batches: { type: "string", default: "1" },
      rows: { type: "string", default: "8" },
      layer: { type: "string" },
      results: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return console.log(USAGE), 0;
  if (!values.run) throw new Error(`--run is missing; ${USAGE}`);
  if (!["last", "best", "init"].includes(values.ckpt!)) {
    throw new Error(`--ckpt takes last, best or init, got "${values.ckpt}"`);
  }
  const n = numberOption("batches", values.batches!, { min: 1, max: 1e4, integer: true });
  const rows = numberOption("rows", values.rows!, { min: 1, max: 1e4, integer: true });
  const runDir = relative(Deno.cwd(), resolve(values.run));
  const { config } = await readRunConfig(runDir);
  const backend = await initBackend({ backend: config.backend });
  const data = await loadRunData(config);
  const model = createModel(config, data.vocabSize);
  const layers = model.recurrentLayers();
  if (!layers.length) throw new Error(`${runDir} has no recurrent layer (${config.model})`);
  const li = values.layer === undefined
    ? layers.length - 1
    : numberOption("layer", values.layer, { min: 0, max: layers.length - 1, integer: true });
  let step = 0;
  let ckptLambda = false;
  if (values.ckpt !== "init") {
    const ckpt = await readCheckpointFile(join(runDir, `${values.ckpt}.ckpt`));
    restoreParams(model.params, ckpt.params);
    const saved = (ckpt.metrics as { feedbacks?: unknown }).feedbacks;
    restoreFeedbacks(model, saved);
    ckptLambda = Array.isArray(saved) && Array.isArray(saved[li]) && saved[li].length > 0;
    step = ckpt.step;
  }
  const layer = layers[li];
  const s = layer.cell.stateSize;
  const own = config.mode === "dsf" && config.feedback.kind !== "jacobian-diagonal" &&
    layer.feedback !== null;
  const lambda = own ? Float32Array.from(await layer.feedback!.data()) : makeFeedback(s);
  const lambdaSource = !own
    ? "linspace(0, 1): the run has no stationary λ"
    : ckptLambda
    ? "the checkpoint's"
    : "the run's config";
  const it = data.train({ epoch: 0, index: 0 });
  const batches: Batch[] = [];
  for (let i = 0; i < n; i++) {
    const b = it.next();
    if (b.done) break;
    batches.push(b.value);
  }
  console.error(
    `lags: ${runDir} (${config.name}, ${config.mode}) at step ${step} (${values.ckpt}), layer ` +
      `${li} of ${layers.length}, ${batches.length} × ${rows} rows, λ ${lambdaSource}; ` +
      backend.line,
  );
  const t0 = performance.now();
  const measured: LagBatch[] = [];
  const deltas: Record<LagFeedback, Float32Array>[] = [];
  for (const [i, batch] of batches.entries()) {
    const t1 = performance.now();
    const m = await lagBatch(model, batch, { layer: li, rows });
    measured.push(m);
    deltas.push(feedbackDeltas(m, lambda));
    console.error(
      `batch ${i}: ${m.rows} rows of ${[...m.lengths].join(", ")} steps, ` +
        `${((performance.now() - t1) / 1000).toFixed(1)} s`,
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  const { feedbacks, diagonal } = summarizeLags(measured, deltas, lambda);
  const ks = feedbacks[0].byLag.map((q) => q.kMin === q.kMax ? `${q.kMin}` : `${q.kMin}–${q.kMax}`);
  const table = (title: string, value: (f: typeof feedbacks[number], i: number) => string) => {
    console.error(
      `\n${title}\n| feedback | ${ks.join(" | ")} |\n|---|${ks.map(() => "---|").join("")}`,
    );
    for (const f of feedbacks) {
      console.error(`| ${f.feedback} | ${f.byLag.map((_, i) => value(f, i)).join(" | ")} |`);
    }
  };
  console.error("\n| feedback | cos (mean) | cos (field) | share of ‖δ̃‖² by λ quartile |");
  console.error("|---|---|---|---|");
  for (const f of feedbacks) {
    const shares = f.groups.filter((g) => g.by === "lambda").map((g) => f3(g.share)).join(" ");
    console.error(`| ${f.feedback} | ${f3(f.cosine)} | ${f3(f.cosineField)} | ${shares} |`);
  }
  table("cos(δ̃_t, δ_t) by k = len − 1 − t:", (f, i) => f3(f.byLag[i].cosine));
  table("‖δ̃‖ / ‖δ‖ (RMS) by k:", (f, i) => f3(f.byLag[i].normRatio));
  const q = diagonal.channelQuantiles.map(f3).join(" / ");
  console.error(
    `\ndiag J_t: mean ${f3(diagonal.mean)} ± ${f3(diagonal.sd)}; per-channel mean ` +
      `min/q1/median/q3/max ${q}; ‖diag J‖/‖J‖_F ${f3(diagonal.diagonalShare)} ` +
      `(1/√S = ${f3(diagonal.randomShare)}); ${seconds.toFixed(1)} s`,
  );
  // The run as its own training command named it (a pinned checkout's run: runs/<dir>).
  const recorded = runRecordPath(runDir);
  const args = Deno.args.map((a, i) =>
    Deno.args[i - 1] === "--run" ? recorded : a.startsWith("--run=") ? `--run=${recorded}` : a
  );
  const result = {
    run: recorded,
    config: config.name,
    mode: config.mode,
    feedbackKind: config.feedback.kind,
    checkpoint: values.ckpt,
    step,
    layer: li,
    layers: layers.length,
    stateSize: s,
    batches: measured.length,
    rows: measured.map((m) => Array.from(m.lengths)),
    backend: backend.name,
    seconds,
    lambda: { source: lambdaSource, ...stats(lambda) },
    fitted: measured.map((m) => stats(m.fitted)),
    labels: LAG_FEEDBACK_LABELS,
    diagonal,
    feedbacks,
    command: taskCommand("lags", args),
  };
  if (values.results) {
    const dir = join("results", values.results);
    // A layer named on the command line other than the top one is in the file's name.
    const tag = values.layer === undefined || li === layers.length - 1 ? "" : `-layer${li}`;
    const stem = join(dir, `${basename(runDir)}${tag}-lags-${values.ckpt}`);
    await Deno.mkdir(dir, { recursive: true });
    await writeFileAtomic(`${stem}.json`, JSON.stringify(result, null, 2) + "\n");
    const meta = {
      run: basename(runDir),
      step,
      layer: li,
      rows: measured.reduce((a, m) => a + m.rows, 0),
      backend: backend.name,
    };
    const figures = [
      ["cos", lagCosineChart(feedbacks, meta)],
      ["norm", lagNormChart(feedbacks, meta)],
      ["cos-t", stepCosineChart(feedbacks, meta)],
      ["groups", groupShareChart(feedbacks, meta)],
    ] as const;
    for (const [name, fig] of figures) await saveFigure(fig, `${stem}-${name}.svg`, { dir: "." });
    console.error(`results: ${stem}.json and ${figures.length} figures`);
  }
  console.log(JSON.stringify(result));
  return 0;
}

await runCommand("lags", main);
