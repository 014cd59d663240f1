/**
 * `deno task twin-export --config NAME [--scale S] [--set key=value …] --out DIR [--estimate]`
 *
 * Writes what the PyTorch twin trainer (`twin/`, `python3 -m twin --export DIR`) needs to train
 * the same run as `deno task train` with the same arguments: the resolved config, the tokenizer,
 * the initial weights (ours, from the config's seed) and every batch of the run as our trainer
 * sees it, in our data order (format: lib/io/twin_export.ts). `--estimate` prints the sizes
 * without writing. Models: rnn-lm and transformer-like, the paper's fixed λ.
 *
 * @module
 */
import { parseCommandArgs, runCommand, taskCommand } from "./command_line.ts";
import { checkOutputDir } from "../io/bounded_file.ts";
import { initBackend } from "../backend.ts";
import { resolveConfig } from "../config/resolve.ts";
import type { Scale } from "../config/schema.ts";
import { modelPart } from "../config/parts.ts";
import { loadRunData } from "../io/datasets.ts";
import { createModel } from "../models/mod.ts";
import { TORCH_MODELS, torchState } from "../models/torch_names.ts";
import { estimateBytes, writeTwinExport } from "../io/twin_export.ts";
import { totalStepsOf } from "../train/training_config.ts";
import type { Batch } from "../data/batches.ts";

const USAGE = "usage: deno task twin-export --config NAME [--scale smoke|quick|small|paper] " +
  "[--set key=value …] --out DIR [--estimate]";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;

/** Σ B·T over the first `limit` batches, without keeping them. */
function positionsOf(batches: Iterable<Batch> | Iterator<Batch>, limit = Infinity): number {
  const it = Symbol.iterator in batches ? batches[Symbol.iterator]() : batches;
  let n = 0;
  for (let i = 0; i < limit; i++) {
    const next = it.next();
    if (next.done) break;
    n += next.value.B * next.value.T;
  }
  return n;
}

async function main(): Promise<number> {
  const { values } = parseCommandArgs(Deno.args, {
    config: { type: "string" },
    scale: { type: "string", default: "quick" },
    set: { type: "string", multiple: true, default: [] },
    out: { type: "string" },
    estimate: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return console.log(USAGE), 0;
  if (!values.config || (!values.out && !values.estimate)) {
    throw new Error(`--config and --out are required (${USAGE})`);
  }
  const config = resolveConfig(values.config, { scale: values.scale as Scale, set: values.set });
  if (!(TORCH_MODELS as readonly string[]).includes(config.model)) {
    throw new Error(`the twin trains ${TORCH_MODELS.join(" and ")} models, not ${config.model}`);
  }
  if (config.feedback.kind !== "fixed") {
    throw new Error(
      `the twin trains DSF with the paper's fixed λ, not feedback.kind=${config.feedback.kind}`,
    );
  }
  if (values.out) await checkOutputDir(values.out, "the export");
  const data = await loadRunData(config, { log: (l) => console.error(l) });
  const totalSteps = totalStepsOf(config, data.batchesPerEpoch);
  if (values.estimate) {
    const train = positionsOf(data.train({ epoch: 0, index: 0 }), totalSteps);
    const evals = positionsOf(data.valid()) + (data.test ? positionsOf(data.test()) : 0);
    console.log(
      `${config.name} at ${config.scale}: ${totalSteps} training batches, ${train} positions ` +
        `(${mb(estimateBytes(train, data.vocabSize))}); validation and test ${evals} positions ` +
        `(${mb(estimateBytes(evals, data.vocabSize))})`,
    );
    return 0;
  }
  // Initial weights are the same on every backend (tfjs's seeded initialisers run in JS):
  // the cpu backend holds any model size.
  await initBackend({ backend: "cpu", quiet: true });
  const model = createModel(modelPart(config), data.vocabSize);
  const init = await torchState(model);
  model.dispose();
  const manifest = await writeTwinExport(
    values.out!,
    config,
    data,
    init,
    taskCommand("twin-export"),
  );
  const { train, valid, test } = manifest.splits;
  const total = Object.values(manifest.files).reduce((n, f) => n + f.bytes, 0) +
    [train, valid, test].reduce((n, s) => n + (s?.bytes ?? 0), 0);
  console.log(
    `${values.out}: ${config.name} (${config.mode}, ${config.scale}), ${train.batches} training ` +
      `batches (${mb(train.bytes)}), ${valid.batches} validation (${mb(valid.bytes)}), ` +
      `${test?.batches ?? 0} test (${mb(test?.bytes ?? 0)}); ${mb(total)} in all`,
  );
  return 0;
}

await runCommand("twin-export", main);
