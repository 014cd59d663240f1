/**
 * `deno task feedbacks --run runs/DIR [--ckpt last|best|init] [--batches N] [--rounds R]
 * [--results GROUP]`
 *
 * The DSF feedbacks side by side on one run's weights ({@link compareFeedbacks}): the cosine of
 * each gradient with BPTT's over N training batches (from the start of the run's data order),
 * and the median time of one loss + gradient. Prints a table; the last stdout line is the JSON
 * (also written to `results/GROUP/<run dir>-feedbacks-<ckpt>.json` with `--results`).
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { initBackend } from "../backend.ts";
import { validateConfig } from "../config/schema.ts";
import { plainName } from "../io/results_files.ts";
import { readRunConfig } from "../io/run_files.ts";
import { createModel } from "../models/mod.ts";
import { restoreParams } from "../train/checkpoint.ts";
import { restoreFeedbacks } from "../feedback/plugins.ts";
import { readCheckpointFile } from "../io/checkpoint_file.ts";
import { loadRunData } from "../io/datasets.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { compareFeedbacks } from "../analysis/feedback_compare.ts";
import type { Batch } from "../data/batches.ts";
import { numberOption, parseCommandArgs, runCommand, taskCommand } from "./command_line.ts";
import { runRecordPath } from "../io/portable_path.ts";

const USAGE =
  "usage: deno task feedbacks --run runs/DIR [--ckpt last|best|init] [--batches N] [--rounds R] " +
  "[--results GROUP]";

async function main(): Promise<number> {
  const { values } = parseCommandArgs(Deno.args, {
    run: { type: "string" },
    ckpt: { type: "string", default: "last" },
    batches: { type: "string", default: "4" },
    rounds: { type: "string", default: "5" },
    results: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return console.log(USAGE), 0;
  if (!values.run) throw new Error(`--run DIR is required (${USAGE})`);
  if (!["last", "best", "init"].includes(values.ckpt)) {
    throw new Error(`--ckpt takes last, best or init, got "${values.ckpt}"`);
  }
  const n = numberOption("batches", values.batches, { min: 1, max: 1000, integer: true });
  const rounds = numberOption("rounds", values.rounds, { min: 1, max: 100, integer: true });
  // Both become parts of the results file's path: plain names, or it would leave results/.
  if (values.results !== undefined) {
    plainName("--results", values.results);
    plainName("--run's folder name", basename(resolve(values.run)));
  }
  let raw: Record<string, unknown>;
  try {
    raw = (await readRunConfig(values.run)).raw;
  } catch (err) {
    console.error(`feedbacks: ${(err as Error).message}`);
    return 2;
  }
  // The weights are the run's; the layers run in dsf mode with the config's fixed λ.
  const config = validateConfig({
    ...raw,
    mode: "dsf",
    feedback: { ...(raw.feedback as object), kind: "fixed" },
  });
  const ckpt = values.ckpt === "init"
    ? null
    : await readCheckpointFile(join(values.run, `${values.ckpt}.ckpt`));
  const backend = await initBackend({ backend: config.backend });
  const data = await loadRunData(config);
  const model = createModel(config, data.vocabSize);
  let step = 0;
  if (ckpt) {
    restoreParams(model.params, ckpt.params);
    restoreFeedbacks(model, (ckpt.metrics as { feedbacks?: unknown }).feedbacks);
    step = ckpt.step;
  }
  const it = data.train({ epoch: 0, index: 0 });
  const batches: Batch[] = [];
  for (let i = 0; i <= n; i++) {
    const b = it.next();
    if (b.done) break;
    batches.push(b.value);
  }
  console.error(
    `feedbacks: ${values.run} at step ${step} (${values.ckpt}), ${batches.length - 1} batches, ` +
      `${backend.line}`,
  );
  const rows = await compareFeedbacks(model, batches, { rounds });
  model.dispose();
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const sd = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
  const dsfMs = rows.find((r) => r.variant === "dsf")!.ms;
  console.error(
    "| gradient | cosine with BPTT (recurrent) | (all weights) | same sign as BPTT | " +
      "ms / gradient | × DSF |",
  );
  console.error("|---|---|---|---|---|---|");
  for (const r of rows) {
    const lam = r.lambda?.map((l) =>
      l ? `λ mean ${l.mean.toFixed(2)} [${l.min.toFixed(2)}, ${l.max.toFixed(2)}]` : ""
    )
      .join("; ");
    const refit = r.refitMs !== undefined
      ? ` (+ ${r.refitMs.toFixed(0)} ms per refit; ${lam})`
      : "";
    console.error(
      `| ${r.variant} | ${mean(r.cosine).toFixed(3)} ± ${sd(r.cosine).toFixed(3)} | ` +
        `${mean(r.cosineAll).toFixed(3)} | ${mean(r.signAgreement).toFixed(3)} | ` +
        `${r.ms.toFixed(0)}${refit} | ${(r.ms / dsfMs).toFixed(2)} |`,
    );
  }
  const names = Object.keys(rows[0].paramCosine);
  console.error(`\n| cosine with BPTT per parameter | ${names.join(" | ")} |`);
  console.error(`|---|${names.map(() => "---").join("|")}|`);
  for (const r of rows) {
    console.error(
      `| ${r.variant} | ${names.map((n) => mean(r.paramCosine[n]).toFixed(3)).join(" | ")} |`,
    );
  }
  const result = {
    run: runRecordPath(values.run),
    config: config.name,
    checkpoint: values.ckpt,
    step,
    batches: batches.length - 1,
    batchSize: config.batchSize,
    backend: backend.name,
    rows,
    command: taskCommand(
      "feedbacks",
      Deno.args.map((a, i) => (Deno.args[i - 1] === "--run" ? runRecordPath(values.run!) : a)),
    ),
  };
  if (values.results) {
    const path = join(
      "results",
      values.results,
      `${basename(resolve(values.run))}-feedbacks-${values.ckpt}.json`,
    );
    await Deno.mkdir(join("results", values.results), { recursive: true });
    await writeFileAtomic(path, JSON.stringify(result, null, 2) + "\n");
    console.error(`results: ${path}`);
  }
  console.log(JSON.stringify(result));
  return 0;
}

await runCommand("feedbacks", main);
