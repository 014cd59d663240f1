/**
 * Dispatches of one training step (whole, and its backward), per gradient mode, as T grows: the
 * PTB LM unit (embedding → GRU with skip → head, Adam; lib/bench/ptb_lm.ts) at a small width
 * (the counts depend on T and the mode, not on B, D or V), on each backend given. Each kernel
 * the tfjs engine runs is one dispatch on WebGPU; the critical path is the longest chain of
 * dependent ones (lib/bench/dispatch.ts). BPTT's grow as T; DSF's only by its scan (one
 * dispatch with the WebGPU kernel, ⌈log₂ T⌉ levels in tf ops); FT-BPTT's not at all.
 *
 * Usage: `deno run -A --unstable-webgpu bench/dispatch_counts.ts [--backends cpu,webgpu]
 * [--out results/bench-dispatch] [--readme]` (`--readme`: the README block
 * `<!-- results:dispatch-counts -->`).
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BackendName, initBackend } from "../lib/backend.ts";
import * as tf from "@tensorflow/tfjs";
import { PtbUnit } from "../lib/bench/ptb_lm.ts";
import { DispatchTracker } from "../lib/bench/dispatch.ts";
import { defaultScanImpl } from "../lib/ops/reverse_scan.ts";
import { GRADIENT_MODES } from "../lib/recurrent.ts";
import { replaceBlock, writeFormattedMarkdown } from "../lib/io/readme_blocks.ts";

const TS = [16, 64, 256];

interface Row {
  backend: string;
  mode: string;
  impl: string;
  T: number;
  /** Kernels of a whole step: forward, backward, Adam. */
  step: number;
  /** Kernels of the backward, and their longest dependent chain. */
  kernels: number;
  criticalPath: number;
}

const { values } = parseArgs({
  args: Deno.args,
  options: { backends: { type: "string" }, out: { type: "string" }, readme: { type: "boolean" } },
});
const backends = (values.backends ?? "cpu,webgpu").split(",") as BackendName[];
const out = values.out ?? "results/bench-dispatch";
const rows: Row[] = [];
let adapter = "";
for (const backend of backends) {
  const info = await initBackend({ backend, quiet: true });
  if (backend === "webgpu") adapter = info.adapter ?? info.line;
  for (const mode of GRADIENT_MODES) {
    const impls = mode === "dsf"
      ? [...new Set([defaultScanImpl(backend), "scan" as const])]
      : ["-" as const];
    for (const impl of impls) {
      for (const T of TS) {
        const unit = new PtbUnit({
          mode,
          ...(impl === "-" ? {} : { impl }),
          B: 2,
          T,
          D: 16,
          V: 50,
        });
        const d = unit.backwardDispatches();
        const whole = new DispatchTracker();
        whole.start();
        tf.dispose(unit.step());
        whole.stop();
        unit.dispose();
        rows.push({
          backend,
          mode,
          impl,
          T,
          step: whole.kernels,
          kernels: d.kernels,
          criticalPath: d.criticalPath,
        });
        console.error(
          `${backend} ${mode} ${impl} T ${T}: ${d.kernels} kernels, path ${d.criticalPath}`,
        );
      }
    }
  }
}

const label = (r: Row) => `${r.mode}${r.impl === "-" ? "" : ` (${r.impl})`}`;
const table = [
  `| backend | mode | ${TS.map((T) => `T = ${T}`).join(" | ")} |`,
  `|---|---|${TS.map(() => "---").join("|")}|`,
  ...[...new Set(rows.map((r) => `${r.backend}|${label(r)}`))].map((key) => {
    const [backend, mode] = key.split("|");
    const cells = TS.map((T) => {
      const r = rows.find((x) => x.backend === backend && label(x) === mode && x.T === T)!;
      return `${r.step} · ${r.kernels} (${r.criticalPath})`;
    });
    return `| ${backend} | ${mode} | ${cells.join(" | ")} |`;
  }),
].join("\n");
const block = [
  "Dispatches of one PTB LM training step (GRU 1 layer with skip; the counts depend on T and " +
  "the mode only): the whole step (forward, backward, Adam) · its backward, and in brackets the " +
  "backward's longest chain of dependent ones. On WebGPU the GRU forward is one dispatch per " +
  "step (lib/ops/webgpu_gru.ts), ten or so in tf ops elsewhere" +
  (adapter ? ` (webgpu on ${adapter})` : "") + "; `deno run -A --unstable-webgpu " +
  "bench/dispatch_counts.ts --readme`, `results/bench-dispatch/`:",
  "",
  table,
].join("\n");
await Deno.mkdir(out, { recursive: true });
await Deno.writeTextFile(
  join(out, "dispatch.json"),
  JSON.stringify({ adapter, rows }, null, 1) + "\n",
);
await Deno.writeTextFile(join(out, "README.md"), `# bench-dispatch\n\n${block}\n`);
console.log(block);
if (values.readme) {
  const readme = await Deno.readTextFile("README.md");
  await writeFormattedMarkdown("README.md", replaceBlock(readme, "dispatch-counts", block));
}
