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
import { parseArgs } from "node:util";
import { join } from "node:path";
import { runCommand } from "./command_line.ts";
import { type SpeedTableInput, speedTables, webgpuLayerTable } from "../bench/speed_table.ts";
import { speedTargetsMarkdown } from "../bench/speed_targets.ts";
import { stepTimeFigure } from "../bench/plot.ts";
import type { BenchRow } from "../bench/results.ts";
import { saveFigure } from "../io/figures.ts";
import { replaceBlock, writeFormattedMarkdown } from "../io/readme_blocks.ts";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { readme: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (values.help) {
    console.error("usage: deno task speed [DIR] [--readme]");
    return 0;
  }
  const dir = positionals[0] ?? "results/bench";
  const path = join(dir, "bench.json");
  const text = await Deno.readTextFile(path).catch(() => null);
  if (text === null) {
    console.error(`speed: no ${path}; make it with deno task bench --out ${dir}`);
    return 2;
  }
  const bench = JSON.parse(text) as SpeedTableInput;
  const block = speedTables(bench, dir);
  const targets = speedTargetsMarkdown(bench, dir);
  console.log(`${block}\n\n${targets}`);
  if (!values.readme) return 0;
  // The figures of the same run, redrawn (one line per method and backend variant).
  const layers = (bench.rows as unknown as BenchRow[]).filter((r) => r.unit === "layer");
  for (const cell of new Set(layers.map((r) => r.cell))) {
    const rows = layers.filter((r) => r.cell === cell);
    const meta = { backend: bench.meta.backend.replace(/^backend: /, ""), B: rows[0].B };
    console.error(
      `wrote ${await saveFigure(
        stepTimeFigure(rows, { cell, meta }),
        join(dir, `bench_${cell}.svg`),
      )}`,
    );
  }
  let readme = await Deno.readTextFile("README.md");
  const blocks: [string, string][] = [["speed", block], ["speed-targets", targets]];
  const scan = await Deno.readTextFile("results/bench-webgpu-scan/README.md").catch(() => null);
  if (scan !== null) {
    const table = scan.split("\n").filter((l) => l.startsWith("|")).join("\n");
    blocks.push(["webgpu-scan", `${table}\n\n(\`results/bench-webgpu-scan/README.md\`)`]);
  }
  const gpuDir = join(dir, "webgpu_llvmpipe");
  const gpu = await Deno.readTextFile(join(gpuDir, "bench.json")).catch(() => null);
  if (gpu !== null) blocks.push(["webgpu-layer", webgpuLayerTable(JSON.parse(gpu), gpuDir)]);
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

await runCommand("speed", () => main(Deno.args));
