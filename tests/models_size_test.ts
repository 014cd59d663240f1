/**
 * lib/models/size.ts: the memory estimate's coefficients stay at or above what
 * bench/memory_coefficients.ts measured (results/bench-memory/coefficients.json); the estimate
 * covers the evaluation batch (the failure at the first evaluation of wt-gru-3L128 at batch 16
 * before chunking) and the micro-batches; every paper preset either fits on wasm or is refused
 * with a `microBatches` that fits, and every committed run still fits; a WebGPU device's buffer
 * limit is checked.
 */
import assert from "node:assert/strict";
import { listConfigs } from "../lib/config/presets.ts";
import { resolveConfig } from "../lib/config/resolve.ts";
import { type ConfigPatch, makeConfig } from "../lib/config/schema.ts";
import {
  checkModelFits,
  estimateMemory,
  largestBufferBytes,
  positionFloats,
} from "../lib/models/size.ts";

interface Fit {
  A: number;
  R: number;
  H: number;
}
const measured = JSON.parse(
  Deno.readTextFileSync(new URL("../results/bench-memory/coefficients.json", import.meta.url)),
) as {
  shape: { T: number; layers: number; heads: number; hidden: number[]; vocab: number[] };
  rows: { model: string; cell: string; mode: string; train: Fit; evaluation: Fit }[];
};

Deno.test("size: the estimate per position is at least the measured peaks", () => {
  const { T, layers: L, heads, hidden, vocab } = measured.shape;
  assert.ok(measured.rows.length >= 20);
  for (const row of measured.rows) {
    const points = [[hidden[0], vocab[0]], [hidden[1], vocab[0]], [hidden[0], vocab[1]]];
    for (const [d, v] of points) {
      const cell = row.cell === "-" ? {} : { cell: row.cell };
      const config = makeConfig(
        {
          model: row.model,
          ...cell,
          mode: row.mode,
          layers: L,
          hidden: d,
          context: T,
          heads,
        } as ConfigPatch,
      );
      const floats = positionFloats(config);
      const at = (f: Fit) => L * (f.A * d + f.R) + f.H * v;
      const what = `${row.model} ${row.cell} ${row.mode} D=${d} V=${v}`;
      assert.ok(floats.train + 2 * v >= at(row.train), `${what}: train`);
      assert.ok(floats.eval + 2 * v >= at(row.evaluation), `${what}: evaluation`);
    }
  }
});

const VOCAB: Record<string, number> = {
  ptb: 10002,
  "ptb-char": 50,
  "wikitext-2": 16000,
  synthetic: 18,
};

Deno.test("size: every paper preset fits on wasm or is refused with a microBatches that fits", () => {
  for (const name of listConfigs()) {
    const config = resolveConfig(name, { scale: "paper" });
    const vocab = VOCAB[config.dataset];
    let line = "";
    try {
      checkModelFits(config, vocab, { backend: "wasm" });
    } catch (e) {
      line = (e as Error).message;
    }
    if (line === "") continue;
    const k = Number(line.match(/set microBatches=(\d+) \(it fits\)/)?.[1]);
    assert.ok(k > 1 && k <= config.batchSize, `${name}: ${line}`);
    assert.doesNotThrow(() =>
      checkModelFits({ ...config, microBatches: k }, vocab, { backend: "wasm" })
    );
    assert.throws(() =>
      checkModelFits({ ...config, microBatches: k - 1 }, vocab, { backend: "wasm" })
    );
  }
});

Deno.test("size: the evaluation batch counts, whole or in chunks, and micro-batches", () => {
  const at = (set: string[]) => resolveConfig("wt-gru-3L128", { scale: "paper", set });
  // The run: batch 16 trains in ~1.3 GiB, and its evaluation batch (256 × 256 positions,
  // the head in 128 MiB chunks) needs more than the step.
  const b16 = estimateMemory(at(["batchSize=16"]), 16000);
  assert.ok(b16.evaluation > b16.train, JSON.stringify(b16));
  assert.ok(b16.total < 4 * 2 ** 30);
  // Whole, the evaluation's logits alone would be 4 GiB: chunked, they count 2 × 128 MiB.
  assert.ok(b16.evaluation < 2 * 2 ** 30);
  // Micro-batches divide the activations (not a chunked head's chunks, nor the weights, which
  // gain an accumulator).
  const [one, four] = [at(["microBatches=1"]), at(["microBatches=4"])].map((c) =>
    estimateMemory(c, 16000)
  );
  assert.ok(four.train < one.train / 2 && four.evaluation < one.evaluation / 2);
  assert.ok(four.weights > one.weights);
  // wt-gru-3L512 at batch 16: the step fits, the evaluation of 256 rows does not, 2 slices do.
  const big = resolveConfig("wt-gru-3L512", { scale: "paper", set: ["batchSize=16"] });
  assert.throws(
    () => checkModelFits(big, 16000, { backend: "wasm" }),
    /to train and evaluate .* evaluation batch 256, microBatches 1\), more than the 4\.0 GiB the wasm backend can hold: set microBatches=2 \(it fits\), or make hidden/,
  );
});

Deno.test("size: on WebGPU, no activation larger than the device binds", () => {
  const config = resolveConfig("wt-gru-3L512", { scale: "paper", set: ["batchSize=16"] });
  // The evaluation's MLP: 256 rows × 256 steps × 4·512 floats = 512 MiB.
  assert.equal(largestBufferBytes(config), 512 * 2 ** 20);
  const device = { backend: "webgpu", memoryBytes: 2 ** 40, maxBufferBytes: 128 * 2 ** 20 };
  assert.throws(
    () => checkModelFits(config, 16000, device),
    /a buffer of the model would be 0\.5 GiB .* more than the 0\.1 GiB this WebGPU device binds: set microBatches=4 \(it fits\)/,
  );
  assert.doesNotThrow(() => checkModelFits({ ...config, microBatches: 4 }, 16000, device));
});

Deno.test("size: every committed `train --config` run still fits on wasm", async () => {
  const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
  let checked = 0;
  const walk = async (dir: URL) => {
    for await (const e of Deno.readDir(dir)) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) await walk(url);
      if (!e.name.endsWith(".json")) continue;
      const command = JSON.parse(await Deno.readTextFile(url))?.command;
      const w = words(typeof command === "string" ? command : "");
      const at = w.indexOf("--config");
      if (!command?.includes("task train") || at < 0) continue;
      const set = w.flatMap((x, i) => (x === "--set" ? [w[i + 1]] : []));
      const scale = w.includes("--scale") ? w[w.indexOf("--scale") + 1] : "quick";
      const config = resolveConfig(w[at + 1], { scale: scale as "paper", set });
      const vocab = config.dataset.startsWith("wikitext")
        ? config.vocabSize
        : VOCAB[config.dataset];
      assert.doesNotThrow(() => checkModelFits(config, vocab, { backend: "wasm" }), command);
      checked++;
    }
  };
  await walk(new URL("../results/", import.meta.url));
  assert.ok(checked >= 20, `${checked} commands`);
});
