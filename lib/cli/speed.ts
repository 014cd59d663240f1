/**
 * Prints the speed tables of one benchmark run and, with `--readme`, redraws its step-time
 * figures (`DIR/bench_<cell>.svg`) and writes the tables into the README's
 * `<!-- results:speed -->` block and the targets' verdicts into `<!-- results:speed-targets -->`,
 * and the WebGPU scan table of
 * `results/bench-webgpu-scan/README.md` (from `bench/webgpu_scan.ts`) into its
 * `<!-- results:webgpu-scan -->` block, and the layer on webgpu (`DIR/webgpu_llvmpipe/`) into
 * `<!-- results:webgpu-layer -->`.
 *
 *     deno task speed [DIR] [--readme]      (DIR default results/bench)
 */
import { join } from "node:path";
import { parseCommandArgs, runCommand } from "./command_line.ts";
import {
  cannotRead,
  checkInputDir,
  MAX_JSONL_BYTES,
  parseJsonFile,
  readInputText,
} from "../io/bounded_file.ts";
import { type SpeedTableInput, speedTables, webgpuLayerTable } from "../bench/speed_table.ts";
import { speedTargetsMarkdown } from "../bench/speed_targets.ts";
import { stepTimeFigure } from "../bench/plot.ts";
import type { BenchRow } from "../bench/results.ts";
import { saveFigure } from "../io/figures.ts";
import { replaceBlock, writeFormattedMarkdown } from "../io/readme_blocks.ts";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    readme: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  }, true);
  if (positionals.length > 1) throw new Error(`one DIR at most, got ${positionals.join(" ")}`);
  if (values.help) {
    console.error("usage: deno task speed [DIR] [--readme]");
    return 0;
  }
  const dir = positionals[0] ?? "results/bench";
  try {
    await checkInputDir(dir, "a folder written by deno task bench --out DIR");
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const path = join(dir, "bench.json");
  const text = await readOptional(path, "a bench.json written by deno task bench");
  if (text === null) {
    console.error(`speed: no ${path}; make it with deno task bench --out ${dir}`);
    return 2;
  }
  const bench = parseJsonFile(path, text, `make it again with deno task bench --out ${dir}`);
  if (
    bench === null || typeof bench !== "object" || !Array.isArray((bench as SpeedTableInput).rows)
  ) {
    throw new Error(`${path} holds no rows: it is not a bench.json written by deno task bench`);
  }
  const input = bench as SpeedTableInput;
  const block = speedTables(input, dir);
  const targets = speedTargetsMarkdown(input, dir);
  console.log(`${block}\n\n${targets}`);
  if (!values.readme) return 0;
  // The figures of the same run, redrawn (one line per method and backend variant).
  const layers = (input.rows as unknown as BenchRow[]).filter((r) => r.unit === "layer");
  for (const cell of new Set(layers.map((r) => r.cell))) {
    const rows = layers.filter((r) => r.cell === cell);
    const meta = { backend: input.meta.backend.replace(/^backend: /, ""), B: rows[0].B };
    console.error(
      `wrote ${await saveFigure(
        stepTimeFigure(rows, { cell, meta }),
        join(dir, `bench_${cell}.svg`),
      )}`,
    );
  }
  let readme = await readOptional("README.md", "the README");
  if (readme === null) throw new Error("no README.md here: run it in the project's root");
  const blocks: [string, string][] = [["speed", block], ["speed-targets", targets]];
  const scan = await readOptional("results/bench-webgpu-scan/README.md", "a README");
  if (scan !== null) {
    const table = scan.split("\n").filter((l) => l.startsWith("|")).join("\n");
    blocks.push(["webgpu-scan", `${table}\n\n(\`results/bench-webgpu-scan/README.md\`)`]);
  }
  const gpuDir = join(dir, "webgpu_llvmpipe");
  const gpuPath = join(gpuDir, "bench.json");
  const gpu = await readOptional(gpuPath, "a bench.json written by deno task bench");
  if (gpu !== null) {
    blocks.push([
      "webgpu-layer",
      webgpuLayerTable(parseJsonFile(gpuPath, gpu) as SpeedTableInput, gpuDir),
    ]);
  }
  for (const [name, text] of blocks) {
    try {
      readme = replaceBlock(readme, name, text, "\n\n");
    } catch (e) {
      console.error(`speed: ${(e as Error).message}`);
      return 2;
    }
  }
  await writeFormattedMarkdown("README.md", readme);
  return 0;
}

/** A file's text (bounded), or null when it does not exist. */
async function readOptional(path: string, what: string): Promise<string | null> {
  try {
    return await readInputText(path, { what, maxBytes: MAX_JSONL_BYTES });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw cannotRead(path, err);
  }
}

await runCommand("speed", () => main(Deno.args));
