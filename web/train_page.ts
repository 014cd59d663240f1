/**
 * The browser page (`web/index.html` loads this file's bundle, `out/web/app.js`, made by
 * `deno task web`): the library as a browser gets it — no Deno API — trains a small GRU on the
 * delayed-recall task in the three gradient modes, on wasm, and on WebGPU where the browser offers
 * an adapter, shows each run's validation loss per evaluation, and POSTs them as JSON to
 * `/result` (where `tests/browser_page_test.ts` reads them from headless Chromium).
 *
 * @module
 */
/// <reference lib="dom" />
import {
  type Batch,
  delayedRecallBatches,
  delayedRecallVocab,
  GRADIENT_MODES,
  initBackend,
  prepareRun,
  resolveConfig,
  type RunData,
  trainRun,
} from "../lib/mod.ts";

/** One run's result, as the page reports it. */
interface PageRun {
  backend: string;
  mode: string;
  /** Validation loss per evaluation (nats). */
  valid: number[];
  steps: number;
}

/** The synthetic task's data in memory (what lib/io/datasets.ts gives from disk elsewhere). */
function recallData(config: ReturnType<typeof resolveConfig>): RunData {
  const task = {
    symbols: config.alphabet,
    lag: config.lag,
    T: config.context,
    batchSize: config.batchSize,
  };
  const valid: Batch[] = [];
  const it = delayedRecallBatches(config.seed + 1_000_003, task);
  for (let i = 0; i < 4; i++) valid.push(it.next().value as Batch);
  return {
    // Checked on resume elsewhere; a page does not resume.
    fingerprint: { files: {}, tokenizer: `delayed-recall ${JSON.stringify(task)}` },
    vocabSize: delayedRecallVocab(task),
    batchesPerEpoch: 1_000_000,
    train: (start) =>
      delayedRecallBatches(config.seed, { ...task, start: start.epoch * 1_000_000 + start.index }),
    valid: () => valid,
    description: `delayed recall, lag ${config.lag}`,
  };
}

const out = document.getElementById("out")!;
const say = (line: string) => (out.textContent += line + "\n");

async function main(): Promise<PageRun[]> {
  const runs: PageRun[] = [];
  const backends: ("wasm" | "webgpu")[] = ["wasm"];
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (gpu && await gpu.requestAdapter().catch(() => null)) backends.push("webgpu");
  for (const backend of backends) {
    const info = await initBackend({ backend, wasmPaths: "/wasm/", quiet: true });
    say(info.line);
    for (const mode of GRADIENT_MODES) {
      const config = resolveConfig("synthetic-recall", {
        scale: "smoke",
        patch: { mode, backend, steps: 30, evalEvery: 10 },
      });
      const run = await prepareRun(config, {
        data: () => Promise.resolve(recallData(config)),
        quiet: true,
      });
      const valid: number[] = [];
      const summary = await trainRun(run, {
        skipTest: true,
        callbacks: { onMetric: (r) => void (r.split === "valid" && valid.push(r.loss)) },
      });
      run.model.dispose();
      runs.push({ backend, mode, valid, steps: summary.steps });
      say(`${backend} ${mode}: valid loss ${valid.map((v) => v.toFixed(3)).join(" → ")}`);
    }
  }
  return runs;
}

try {
  const runs = await main();
  await fetch("/result", { method: "POST", body: JSON.stringify({ ok: true, runs }) });
  document.title = "done";
} catch (err) {
  say(`error: ${(err as Error).message}`);
  await fetch("/result", {
    method: "POST",
    body: JSON.stringify({ ok: false, error: String((err as Error).stack ?? err) }),
  });
}
