/**
 * `deno task export --run runs/DIR [--best] --out FILE.safetensors`
 *
 * Writes a run's weights (its last checkpoint, or the best-validation one) as safetensors,
 * named and laid out as PyTorch modules (see lib/models/torch_names.ts; λ included), with the
 * config, the tokenizer and the checkpoint's step as metadata. `bench/torch_lm.py` builds the
 * PyTorch model from such a file. Models: rnn-lm and transformer-like.
 *
 * @module
 */
import { join } from "node:path";
import { parseCommandArgs, runCommand } from "./command_line.ts";
import { checkOutputFile } from "../io/bounded_file.ts";
import { initBackend } from "../backend.ts";
import { readCheckpointFile } from "../io/checkpoint_file.ts";
import { loadRunData } from "../io/datasets.ts";
import { readRunConfig } from "../io/run_files.ts";
import { writeSafetensors } from "../io/safetensors.ts";
import { createModel } from "../models/mod.ts";
import { TORCH_MODELS, torchState } from "../models/torch_names.ts";
import { restoreParams } from "../train/checkpoint.ts";
import { restoreFeedbacks } from "../feedback/plugins.ts";

const USAGE = "usage: deno task export --run runs/DIR [--best] --out FILE.safetensors";

async function main(): Promise<number> {
  const { values } = parseCommandArgs(Deno.args, {
    run: { type: "string" },
    best: { type: "boolean" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return console.log(USAGE), 0;
  if (!values.run || !values.out) throw new Error(`--run and --out are required (${USAGE})`);
  if (!values.out.endsWith(".safetensors")) {
    throw new Error(`--out ${values.out}: name the file FILE.safetensors`);
  }
  await checkOutputFile(values.out, "the .safetensors file to write");
  const { config } = await readRunConfig(values.run);
  if (!(TORCH_MODELS as readonly string[]).includes(config.model)) {
    throw new Error(
      `${values.run} is a ${config.model} model: export covers ${TORCH_MODELS.join(" and ")}`,
    );
  }
  const which = values.best ? "best" : "last";
  const ckpt = await readCheckpointFile(join(values.run, `${which}.ckpt`));
  await initBackend({ backend: "cpu", quiet: true });
  const data = await loadRunData(config);
  const model = createModel(config, data.vocabSize);
  restoreParams(model.params, ckpt.params);
  // λ as trained (a checkpoint of a `fixed` or `fitted` DSF run carries it; older ones: the config's).
  restoreFeedbacks(model, (ckpt.metrics as { feedbacks?: unknown }).feedbacks);
  const tensors = await torchState(model);
  await writeSafetensors(values.out, tensors, {
    format: "dsf-notebooks",
    config: JSON.stringify(config),
    tokenizer: JSON.stringify(data.tokenizer ?? null),
    checkpoint: `${which} (step ${ckpt.step})`,
  });
  model.dispose();
  console.log(
    `${values.out}: ${Object.keys(tensors).length} tensors of ${config.name} at step ${ckpt.step}`,
  );
  return 0;
}

await runCommand("export", main);
