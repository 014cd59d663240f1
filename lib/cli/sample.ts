/**
 * `deno task sample --run runs/DIR [--prompt "the company"] [--tokens 50] [--temperature 1]`
 *
 * Generates text from a run's best checkpoint (else its last one); a PyTorch twin run's (twin/)
 * from its best.safetensors (else last.safetensors).
 *
 * @module
 */
import { numberOption, parseCommandArgs, runCommand } from "./command_line.ts";
import { join } from "node:path";
import { initBackend } from "../backend.ts";
import type { Config } from "../config/schema.ts";
import { readRunConfig } from "../io/run_files.ts";
import { readCheckpointFile } from "../io/checkpoint_file.ts";
import { loadRunData } from "../io/datasets.ts";
import { createModel } from "../models/mod.ts";
import { sample } from "../models/sample.ts";
import { restoreParams } from "../train/checkpoint.ts";
import { readSafetensors } from "../io/safetensors.ts";
import { loadTorchState } from "../models/torch_names.ts";

async function main(): Promise<number> {
  const { values } = parseCommandArgs(Deno.args, {
    run: { type: "string" },
    prompt: { type: "string", default: "" },
    tokens: { type: "string", default: "50" },
    temperature: { type: "string", default: "1" },
    seed: { type: "string", default: "0" },
  });
  const tokens = numberOption("tokens", values.tokens, { min: 1, max: 100_000, integer: true });
  const temperature = numberOption("temperature", values.temperature, { min: 0, max: 100 });
  const seed = numberOption("seed", values.seed, { min: 0, max: 2 ** 31, integer: true });
  if (!values.run) {
    console.error("sample: --run DIR is required (a folder written by `deno task train`)");
    return 2;
  }
  let config: Config;
  try {
    config = (await readRunConfig(values.run)).config;
  } catch (err) {
    console.error(`sample: ${(err as Error).message}`);
    return 2;
  }
  // The best checkpoint, else the last; a checkpoint there but unreadable is said as it is.
  const missing = (err: Error) => {
    if (err.cause instanceof Deno.errors.NotFound) return null;
    throw err;
  };
  const ckpt = await readCheckpointFile(join(values.run, "best.ckpt")).catch(missing) ??
    await readCheckpointFile(join(values.run, "last.ckpt")).catch(missing);
  // A PyTorch twin run (twin/) keeps its weights as safetensors under our tensor names.
  const weights = ckpt ? null : await readSafetensors(join(values.run, "best.safetensors"))
    .catch(missing) ?? await readSafetensors(join(values.run, "last.safetensors")).catch(missing);
  if (!ckpt && !weights) {
    console.error(
      `sample: ${values.run} has no best.ckpt or last.ckpt, nor a twin run's ` +
        `best.safetensors or last.safetensors (did its training save one?)`,
    );
    return 2;
  }
  await initBackend({ backend: config.backend, quiet: true });
  const data = await loadRunData(config);
  if (!data.encode || !data.decode) {
    console.error(`sample: dataset ${config.dataset} has no text to sample`);
    return 2;
  }
  const model = createModel(config, data.vocabSize);
  if (ckpt) restoreParams(model.params, ckpt.params);
  else loadTorchState(model, weights!.tensors);
  // Sentence-framed data starts from <bos>, PTB's stream from its sentence boundary <eos>;
  // never sample <pad>, <bos> (nor <eos> in a text's chunks).
  const ptb = config.dataset.startsWith("ptb");
  const lines = (ptb || config.dataset === "text") && config.data.framing === "lines";
  const start = lines ? [1] : ptb ? [2] : [];
  const prompt = [...start, ...data.encode(values.prompt)];
  if (prompt.length === 0) prompt.push(0);
  const ids = await sample(model, prompt, {
    tokens,
    temperature,
    seed,
    exclude: ptb || lines ? [0, 1] : config.dataset === "text" ? [0, 1, 2] : [],
  });
  console.log(`${values.prompt}${values.prompt ? " " : ""}${data.decode(ids)}`);
  model.dispose();
  return 0;
}

await runCommand("sample", main);
