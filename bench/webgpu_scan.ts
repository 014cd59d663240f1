/**
 * Times DSF's reverse scan alone on the webgpu backend, every implementation side by side in
 * one run: the tf-ops `sequential` loop (T kernels) and `scan` (Hillis–Steele, ⌈log₂ T⌉ levels),
 * and the custom kernel's two shaders, `loop` (one dispatch, depth T) and `blelloch` (one
 * dispatch, depth ⌈T/256⌉·2·log₂ 256). Kernels per call are counted with `tf.profile`.
 *
 *     deno run -A --unstable-webgpu bench/webgpu_scan.ts [--T 16,64,256,1024,4096] [--B 32]
 *       [--S 64] [--runs 5] [--out results/bench-webgpu-scan]
 *
 * On a software adapter (llvmpipe renders on the CPU) the times show dispatch counts and the
 * shaders' depth on CPU threads, not a GPU's speed; the results file names the adapter.
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { reverseScan } from "../lib/ops/reverse_scan.ts";
import { WEBGPU_SCAN_KERNELS, webgpuReverseScan } from "../lib/ops/webgpu_scan.ts";
import { timeRuns } from "../lib/bench/timing.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    T: { type: "string", default: "16,64,256,1024,4096" },
    B: { type: "string", default: "32" },
    S: { type: "string", default: "64" },
    runs: { type: "string", default: "5" },
    "max-sequential": { type: "string", default: "256" },
    out: { type: "string" },
  },
});
const lengths = values.T.split(",").map(Number);
const [b, s, runs, maxSequential] = [values.B, values.S, values.runs, values["max-sequential"]]
  .map(Number);
if ([...lengths, b, s, runs, maxSequential].some((n) => !Number.isInteger(n) || n < 1)) {
  console.error("webgpu_scan: --T, --B, --S, --runs, --max-sequential take positive integers");
  Deno.exit(2);
}
const info = await initBackend({ backend: "webgpu" });

type Variant = { name: string; run: (e: tf.Tensor3D, l: tf.Tensor1D) => tf.Tensor3D };
const variants: Variant[] = [
  { name: "tf ops: sequential", run: (e, l) => reverseScan(e, l, { impl: "sequential" }) },
  { name: "tf ops: scan", run: (e, l) => reverseScan(e, l, { impl: "scan" }) },
  ...WEBGPU_SCAN_KERNELS.map((kernel) => ({
    name: `kernel: ${kernel}`,
    run: (e: tf.Tensor3D, l: tf.Tensor1D) => webgpuReverseScan(e, l, { kernel }),
  })),
];

const rows: { T: number; variant: string; kernels: number; medianMs: number; minMs: number }[] = [];
for (const t of lengths) {
  const e = tf.randomNormal([t, b, s], 0, 1, "float32", 1) as tf.Tensor3D;
  const l = tf.randomUniform([s], -0.9, 0.9, "float32", 2) as tf.Tensor1D;
  for (const v of variants) {
    if (v.name.endsWith("sequential") && t > maxSequential) continue;
    const profile = await tf.profile(() => v.run(e, l));
    (profile.result as tf.Tensor).dispose();
    const timing = await timeRuns(() => v.run(e, l), { warmup: 1, runs });
    rows.push({
      T: t,
      variant: v.name,
      kernels: profile.kernels.length,
      medianMs: timing.medianMs,
      minMs: timing.minMs,
    });
    console.log(
      `T=${t} ${v.name}: ${timing.medianMs.toFixed(2)} ms (${profile.kernels.length} kernels)`,
    );
  }
  tf.dispose([e, l]);
}

const command = `deno run -A --unstable-webgpu bench/webgpu_scan.ts ${Deno.args.join(" ")}`.trim();
const header = `| T | ${variants.map((v) => v.name).join(" | ")} |`;
const table = [
  header,
  `|${" --- |".repeat(variants.length + 1)}`,
  ...lengths.map((t) =>
    `| ${t} | ${
      variants.map((v) => {
        const r = rows.find((x) => x.T === t && x.variant === v.name);
        return r ? `${r.medianMs.toFixed(2)} ms (${r.kernels})` : `– (T > ${maxSequential})`;
      }).join(" | ")
    } |`
  ),
].join("\n");
console.log(`\n${info.line}\n${table}`);
if (values.out) {
  await Deno.mkdir(values.out, { recursive: true });
  const result = {
    date: new Date().toISOString(),
    command,
    backend: info.line,
    adapter: info.adapter ?? null,
    software: info.software ?? null,
    shape: { B: b, S: s },
    runs,
    rows,
  };
  await Deno.writeTextFile(`${values.out}/results.json`, JSON.stringify(result, null, 2) + "\n");
  await Deno.writeTextFile(
    `${values.out}/README.md`,
    `# The reverse scan alone on WebGPU\n\n${
      result.date.slice(0, 10)
    }, ${info.line}; e [T, ${b}, ${s}], ` +
      `median of ${runs} runs after one warm-up, kernels per call in brackets.\n` +
      (info.software
        ? "The adapter is a software renderer (CPU threads): times show dispatch counts and " +
          "shader depth, not GPU speed.\n"
        : "") +
      `\n${table}\n\nCommand: \`${command}\`\n`,
  );
}
