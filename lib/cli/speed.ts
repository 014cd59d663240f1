/**
 * Prints the speed tables of one benchmark run and, with `--readme`, writes them into the
 * README's `<!-- results:speed -->` block, and the WebGPU scan table of
 * `results/bench-webgpu-scan/README.md` (from `bench/webgpu_scan.ts`) into its
 * `<!-- results:webgpu-scan -->` block, and the layer on webgpu (`DIR/webgpu_llvmpipe/`) into
 * `<!-- results:webgpu-layer -->`.
 *
 *     deno task speed [DIR] [--readme]      (DIR default results/bench)
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { runCommand } from "./command_line.ts";
import { type BenchFile, speedTables, webgpuLayerTable } from "../bench/speed_table.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";

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
  const block = speedTables(JSON.parse(text) as BenchFile, dir);
  console.log(block);
  if (!values.readme) return 0;
  let readme = await Deno.readTextFile("README.md");
  const blocks: [string, string][] = [["speed", block]];
  const scan = await Deno.readTextFile("results/bench-webgpu-scan/README.md").catch(() => null);
  if (scan !== null) {
    const table = scan.split("\n").filter((l) => l.startsWith("|")).join("\n");
    blocks.push(["webgpu-scan", `${table}\n\n(\`results/bench-webgpu-scan/README.md\`)`]);
  }
  const gpuDir = join(dir, "webgpu_llvmpipe");
  const gpu = await Deno.readTextFile(join(gpuDir, "bench.json")).catch(() => null);
  if (gpu !== null) blocks.push(["webgpu-layer", webgpuLayerTable(JSON.parse(gpu), gpuDir)]);
  for (const [name, text] of blocks) {
    const open = `<!-- results:${name} -->`;
    const close = `<!-- /results:${name} -->`;
    const i = readme.indexOf(open);
    const j = readme.indexOf(close);
    if (i < 0 || j < i) {
      console.error(`speed: README.md has no ${open} … ${close} block; add one`);
      return 2;
    }
    readme = `${readme.slice(0, i + open.length)}\n\n${text}\n\n${readme.slice(j)}`;
  }
  await writeFileAtomic("README.md", readme);
  return 0;
}

await runCommand("speed", () => main(Deno.args));
