/**
 * `deno run -A --unstable-webgpu lib/cli/gpu_check.ts adapter|grads|summary [--smoke] --out DIR`
 *
 * The steps of the GPU check that `deno task gpu-pack` packs (its `run.sh` calls them in order,
 * the benchmark between `grads` and `summary`):
 *
 * - `adapter`: the WebGPU adapter (name, limits, features) to `DIR/adapter.json`; exit 1 with one
 *   line when there is none, 3 when it is a software one (unless `--smoke`);
 * - `grads`: the layer's gradients on WebGPU against the cpu backend, every mode (`--smoke`: GRU,
 *   B 2, T 8, D 8; else RNN, GRU and LSTM at B 4, T 64, D 64) to `DIR/grads.json`; exit 1 when
 *   one is off by more than {@link GRADIENT_TOLERANCE};
 * - `summary`: the benchmark rows of `DIR/*.jsonl` and PyTorch's of `DIR/torch.json`, with the
 *   adapter and the gradients, as one table of ratios within the run in `DIR/check.md` (and
 *   printed).
 *
 * @module
 */
import { join } from "node:path";
import { runCommand } from "./command_line.ts";
import {
  adapterName,
  adapterReport,
  type CheckBenchRow,
  checkTable,
  GRADIENT_CASES,
  GRADIENT_TOLERANCE,
  gradientCheck,
  type GradientRow,
} from "../bench/gpu_check.ts";
import { parseArgs } from "node:util";
import { classifyAdapter } from "../backend_webgpu.ts";

const USAGE = "usage: gpu_check.ts adapter|grads|summary [--smoke] --out DIR";

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string" }, smoke: { type: "boolean" } },
    allowPositionals: true,
  });
  const step = positionals[0];
  if (!values.out || !["adapter", "grads", "summary"].includes(step ?? "")) {
    console.error(USAGE);
    return 2;
  }
  const out = values.out;
  await Deno.mkdir(out, { recursive: true });
  if (step === "adapter") {
    const report = await adapterReport();
    await Deno.writeTextFile(join(out, "adapter.json"), JSON.stringify(report, null, 1));
    if (!report) {
      console.error(
        "gpu_check: no WebGPU adapter here (navigator.gpu offers none): " +
          "is a Vulkan driver installed, and the loader (libvulkan.so.1) found?",
      );
      return 1;
    }
    const kind = classifyAdapter({ ...report.info, isFallbackAdapter: report.isFallbackAdapter });
    console.log(
      `adapter: ${adapterName(report.info)}` +
        `${kind.software ? ` (software: ${kind.softwareWhy})` : ""}; ` +
        `maxStorageBufferBindingSize ${report.limits.maxStorageBufferBindingSize}, ` +
        `maxBufferSize ${report.limits.maxBufferSize}; ${report.features.length} features`,
    );
    // The full check is for a GPU: a software adapter is said, and marked by exit status 3.
    return kind.software && !values.smoke ? 3 : 0;
  }
  if (step === "grads") {
    const rows = await gradientCheck(GRADIENT_CASES[values.smoke ? "smoke" : "full"], "webgpu");
    await Deno.writeTextFile(join(out, "grads.json"), JSON.stringify(rows, null, 1));
    for (const r of rows) {
      console.log(
        `grads ${r.cell} ${r.mode} B ${r.B} T ${r.T} D ${r.D}: max rel. error ` +
          `${r.relError.toExponential(2)} (${r.worst}) ${r.ok ? "ok" : "FAILED"}`,
      );
    }
    return rows.every((r) => r.ok) ? 0 : 1;
  }
  const adapter = await readJson<{ info: Record<string, string> }>(join(out, "adapter.json"));
  const grads = (await readJson<GradientRow[]>(join(out, "grads.json"))) ?? [];
  const rows: CheckBenchRow[] = [];
  let skipped = 0;
  let unreadable = 0;
  for (const e of Deno.readDirSync(out)) {
    if (!e.name.endsWith(".jsonl")) continue;
    for (const line of (await Deno.readTextFile(join(out, e.name))).split("\n")) {
      if (!line.trim()) continue;
      let r;
      try {
        r = JSON.parse(line);
      } catch {
        unreadable++; // a line cut short by a killed bench
        continue;
      }
      if (r.skipped) skipped++;
      else if (typeof r.stepMs === "number" || r.error) rows.push(r);
    }
  }
  const torch = (await readJson<CheckBenchRow[]>(join(out, "torch.json"))) ?? [];
  rows.push(...torch.filter((r) => r && typeof r === "object"));
  const text = [
    `# GPU check`,
    "",
    `Adapter: ${adapter ? adapterName(adapter.info) : "none"}.`,
    "",
    `Gradients on WebGPU against the cpu backend (tolerance ${GRADIENT_TOLERANCE}): ` +
    `${grads.filter((g) => g.ok).length} of ${grads.length} within it` +
    (grads.some((g) => !g.ok)
      ? ` (off: ${
        grads.filter((g) => !g.ok).map((g) => `${g.cell} ${g.mode} ${g.relError.toExponential(1)}`)
          .join(", ")
      })`
      : "") +
    ".",
    "",
    "Training steps, the fastest row per backend and mode (every figure a ratio within this run):",
    "",
    checkTable(rows),
    "",
    `${rows.length} rows (${torch.length} PyTorch's); ${rows.filter((r) => r.error).length} ` +
    `cases failed, ${skipped} were skipped (their reasons are in the .jsonl files and the ` +
    `bench logs)${unreadable ? `, ${unreadable} lines could not be read` : ""}.`,
  ].join("\n");
  await Deno.writeTextFile(join(out, "check.md"), text + "\n");
  console.log(text);
  return 0;
}

await runCommand("gpu_check", main);
