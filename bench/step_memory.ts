/**
 * Peak memory of one training step (and, with `--eval`, of one evaluation batch) of a preset at
 * several batch sizes, on wasm (issue 31, "Memory that fits"). Each case runs in a fresh child
 * process, so that the wasm heap (which only grows) measures that case alone:
 *
 * - `peakBytes`: the most bytes live in the wasm heap's allocations during the step (every
 *   tensor's data once, and our kernels' scratch: lib/bench/wasm_heap.ts), counted from the
 *   start of the process, so with the weights; `bytesBefore`: those live before the step (the
 *   weights; Adam's moments are made in the first step);
 * - `heap`: the wasm heap's size after the step (it only grows, by up to 20% over a request):
 *   what must stay under 4 GiB; `heapGrowth`: its growth during the step;
 * - `estimate`: lib/models/size.ts's estimate of the same (`estimateMemory`: the weights and
 *   the step's or the evaluation's activations; `train` refuses a total over 4 GiB).
 *
 * A case that runs out of memory is a row `failed` with the error's line.
 *
 *     deno run -A bench/step_memory.ts --config wt-gru-3L512 --batch 16,32,128 \
 *       [--micro 1,1,8] [--set dataset=wikitext-2 …] [--eval] [--out results/bench-memory/F.jsonl]
 *
 * One JSON row per case on stdout (appended to `--out`), then a Markdown table (of every row
 * in `--out`, written to the same name with `.md` for `.jsonl`). `--readme --out F.jsonl`
 * measures nothing: it writes F.md's table into the README's `<!-- results:memory -->` block.
 */
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { trackWasmMalloc, wasmHeapBytes } from "../lib/bench/wasm_heap.ts";
import { resolveConfig } from "../lib/config/resolve.ts";
import { loadRunData } from "../lib/io/datasets.ts";
import { createModel } from "../lib/models/mod.ts";
import { estimateMemory } from "../lib/models/size.ts";
import { replaceBlock, writeFormattedMarkdown } from "../lib/io/readme_blocks.ts";
import { Adam } from "../lib/train/adam.ts";
import { evaluate, trainStep } from "../lib/train/step.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    config: { type: "string", default: "wt-gru-3L512" },
    scale: { type: "string", default: "paper" },
    batch: { type: "string", default: "16,32,128" },
    micro: { type: "string" },
    set: { type: "string", multiple: true, default: [] },
    eval: { type: "boolean", default: false },
    out: { type: "string" },
    readme: { type: "boolean", default: false },
    child: { type: "boolean", default: false },
  },
});

/** One measured case. */
interface Row {
  config: string;
  batchSize: number;
  microBatches: number;
  what: "train step" | "eval batch";
  rows: number;
  heap: number;
  heapGrowth: number;
  peakBytes: number;
  bytesBefore: number;
  estimate: number;
  seconds: number;
  loss: number;
}

/** The child: one case, its rows printed as JSON lines as soon as each is measured. */
async function measure(batchSize: number, microBatches: number): Promise<void> {
  await initBackend({ backend: "wasm", quiet: true });
  const tracker = trackWasmMalloc();
  const set = [...values.set!, `batchSize=${batchSize}`, `microBatches=${microBatches}`];
  const config = resolveConfig(values.config!, { scale: values.scale as "paper", set });
  const data = await loadRunData(config, { log: () => {} });
  const model = createModel(config, data.vocabSize);
  const optimizer = new Adam(model.params, { lr: config.lr, betas: config.betas, eps: config.eps });
  const estimate = estimateMemory(config, data.vocabSize);
  const base = { config: values.config!, batchSize, microBatches };
  const measured = async (
    what: Row["what"],
    rows: number,
    part: number,
    work: () => Promise<number>,
  ) => {
    const [heap0, t0, before] = [wasmHeapBytes(), performance.now(), tracker.live];
    tracker.resetPeak();
    const loss = await work();
    const row: Row = {
      ...base,
      what,
      rows,
      heap: wasmHeapBytes(),
      heapGrowth: wasmHeapBytes() - heap0,
      peakBytes: tracker.peak,
      bytesBefore: before,
      estimate: estimate.weights + part,
      seconds: (performance.now() - t0) / 1000,
      loss,
    };
    console.log(JSON.stringify(row));
  };
  const batch = data.train({ epoch: 0, index: 0 }).next().value!;
  await measured("train step", batch.B, estimate.train, async () => {
    const loss = trainStep(model, batch, { optimizer, lr: config.lr, clip: 0, microBatches });
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  });
  if (!values.eval) return;
  const first = data.valid()[Symbol.iterator]().next().value!;
  await measured("eval batch", first.B, estimate.evaluation, async () => {
    return (await evaluate(model, [first], { microBatches })).loss;
  });
}

if (values.readme) {
  if (!values.out) throw new Error("step_memory: --readme needs --out F.jsonl (its table F.md)");
  const md = values.out.replace(/\.jsonl$/, "") + ".md";
  const block = `${
    (await Deno.readTextFile(md)).trim()
  }\n\n(\`${md}\`, from \`bench/step_memory.ts\`)`;
  const readme = replaceBlock(await Deno.readTextFile("README.md"), "memory", block, "\n\n");
  await writeFormattedMarkdown("README.md", readme);
  Deno.exit(0);
}

const batches = values.batch!.split(",").map(Number);
const micro = values.micro?.split(",").map(Number) ?? batches.map(() => 1);
if (
  micro.length !== batches.length ||
  [...batches, ...micro].some((n) => !Number.isInteger(n) || n < 1)
) {
  console.error("step_memory: --batch and --micro take as many positive integers, e.g. 16,128 1,8");
  Deno.exit(2);
}

if (values.child) {
  await measure(batches[0], micro[0]);
  Deno.exit(0);
}

/** The Markdown table of measured rows (JSON lines, failed cases included). */
function tableOf(jsonLines: string[]): string {
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  const out = [
    "| config | B | microBatches | what | rows | peak MiB | before MiB | heap MiB | estimate MiB " +
    "| seconds |",
    "| --- | --: | --: | --- | --: | --: | --: | --: | --: | --: |",
  ];
  for (const line of jsonLines) {
    const r = JSON.parse(line) as Row & { failed?: string };
    const head = `| ${r.config} | ${r.batchSize} | ${r.microBatches} | ${r.what}`;
    out.push(
      r.failed !== undefined
        ? `${head}: ran out of memory (${r.failed}) | | | | | | |`
        : `${head} | ${r.rows} | ${mib(r.peakBytes)} | ${mib(r.bytesBefore)} | ${mib(r.heap)} | ` +
          `${mib(r.estimate)} | ${r.seconds.toFixed(1)} |`,
    );
  }
  return out.join("\n");
}

const lines: string[] = [];
for (let i = 0; i < batches.length; i++) {
  const args = [
    "run",
    "-A",
    new URL(import.meta.url).pathname,
    "--child",
    "--config",
    values.config!,
    "--scale",
    values.scale!,
    "--batch",
    String(batches[i]),
    "--micro",
    String(micro[i]),
    ...values.set!.flatMap((s) => ["--set", s]),
    ...(values.eval ? ["--eval"] : []),
  ];
  const out = await new Deno.Command(Deno.execPath(), { args, stderr: "piped" }).output();
  const done = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{"));
  for (const line of done) console.log(line);
  lines.push(...done);
  if (!out.success) {
    // The case died (wasm's heap out of memory: "Aborted()"): the step or evaluation it was in.
    const why = new TextDecoder().decode(out.stderr).split("\n").map((l) => l.trim())
      .find((l) => /Aborted|Error|memory/i.test(l)) ?? `exit ${out.code}`;
    const what = done.length === 0 ? "train step" : "eval batch";
    const row = { config: values.config, batchSize: batches[i], microBatches: micro[i], what };
    const failed = JSON.stringify({ ...row, failed: why.slice(0, 120) });
    console.log(failed);
    lines.push(failed);
  }
}
console.log(tableOf(lines));
if (values.out) {
  await Deno.writeTextFile(values.out, lines.join("\n") + "\n", { append: true });
  // The table of every row in the file, measured by this command and earlier ones.
  const all = (await Deno.readTextFile(values.out)).split("\n").filter((l) => l.startsWith("{"));
  await Deno.writeTextFile(values.out.replace(/\.jsonl$/, "") + ".md", tableOf(all) + "\n");
}
