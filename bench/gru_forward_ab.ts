/**
 * The GRU forward kernel (`DsfGruForward`, lib/native/wasm_gru.ts) against the tf-ops forward,
 * interleaved in one process (the kernel on, then off, each repetition), for the GRU layer
 * B=32, D=256: the forward alone and the DSF training step, median of the timed repetitions.
 * Needs the native BLAS (the kernel's condition); `setSimdKernels(false)` selects the tf-ops path.
 *
 *     DSF_THREADS=1 DSF_BLAS=require deno run -A bench/gru_forward_ab.ts [--T 64,256] [--reps 11]
 *       [--out results/bench-gru-forward]
 */
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { LayerUnit } from "../lib/bench/layer.ts";
import { median } from "../lib/bench/timing.ts";
import { setSimdKernels } from "../lib/ops/wasm_simd.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    T: { type: "string", default: "64,256" },
    reps: { type: "string", default: "11" },
    out: { type: "string" },
  },
});
const lengths = values.T.split(",").map(Number);
const reps = Number(values.reps);
if ([...lengths, reps].some((n) => !Number.isInteger(n) || n < 1)) {
  console.error("gru_forward_ab: --T and --reps take positive integers, e.g. --T 64,256 --reps 11");
  Deno.exit(2);
}
const info = await initBackend({ backend: "wasm" });
const lines: string[] = [];
for (const T of lengths) {
  const unit = new LayerUnit({ cell: "gru", mode: "dsf", B: 32, T, D: 256 });
  for (const what of ["forward", "dsf step"] as const) {
    const ms: Record<"kernel" | "tfops", number[]> = { kernel: [], tfops: [] };
    for (let rep = 0; rep <= reps; rep++) {
      for (const kernel of [true, false]) {
        setSimdKernels(kernel);
        const t0 = performance.now();
        const out = what === "forward" ? unit.forward() : unit.step();
        await out.data();
        out.dispose();
        if (rep > 0) ms[kernel ? "kernel" : "tfops"].push(performance.now() - t0); // rep 0 warms
      }
    }
    setSimdKernels(true);
    const [k, o] = [median(ms.kernel), median(ms.tfops)];
    lines.push(
      `| ${T} | ${what} | ${k.toFixed(1)} | ${o.toFixed(1)} | ${(o / k).toFixed(2)}× |`,
    );
    console.log(lines.at(-1));
  }
  unit.dispose();
}
const command = `DSF_THREADS=${Deno.env.get("DSF_THREADS") ?? ""} DSF_BLAS=${
  Deno.env.get("DSF_BLAS") ?? ""
} deno run -A bench/gru_forward_ab.ts ${Deno.args.join(" ")}`.trim();
const text = `# The GRU forward kernel against the tf-ops forward\n\n` +
  `${new Date().toISOString().slice(0, 10)}; ${info.line}. GRU layer B=32, D=256; ms, median of ` +
  `${reps} interleaved repetitions (kernel on, off) after one warm-up each.\n\n` +
  `Command: \`${command}\`\n\n| T | what | kernel | tf-ops | tf-ops / kernel |\n` +
  `| --- | --- | --- | --- | --- |\n${lines.join("\n")}\n`;
if (values.out) {
  await Deno.mkdir(values.out, { recursive: true });
  await Deno.writeTextFile(`${values.out}/README.md`, text);
}
