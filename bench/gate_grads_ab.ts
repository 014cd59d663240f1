/**
 * One of our wasm kernels on and off, in one run, interleaved: the GRU gate-gradient kernel
 * (`--kernel gate-grads`, the default: `DsfGruGateGrads`, lib/ops/wasm_gru_grads.ts) or Adam's
 * fused update (`--kernel adam`: `DsfAdamUpdate`, lib/ops/wasm_adam.ts), in the GRU layer's DSF
 * and FT-BPTT steps (B=32, D=256) on wasm with the native BLAS at each T. Prints a Markdown
 * table of medians.
 *
 *     DSF_THREADS=1 DSF_BLAS=require deno run -A bench/gate_grads_ab.ts [--kernel adam] \
 *       [--T 64,256,1024] [--runs 5]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { LayerUnit } from "../lib/bench/layer.ts";
import { setGruGateGradsKernel } from "../lib/ops/wasm_gru_grads.ts";
import { setAdamUpdateKernel } from "../lib/ops/wasm_adam.ts";
import type { GradientMode } from "../lib/recurrent.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    T: { type: "string", default: "64,256,1024" },
    runs: { type: "string", default: "5" },
    kernel: { type: "string", default: "gate-grads" },
  },
});
const KERNELS: Record<string, { set: (on: boolean) => void; name: string }> = {
  "gate-grads": { set: setGruGateGradsKernel, name: "gate grads" },
  adam: { set: setAdamUpdateKernel, name: "Adam update" },
};
const kernel = KERNELS[values.kernel];
if (!kernel) {
  console.error(`gate_grads_ab: --kernel is gate-grads or adam, got ${values.kernel}`);
  Deno.exit(2);
}
const lengths = values.T.split(",").map(Number);
const runs = Number(values.runs);
if (lengths.some((t) => !Number.isInteger(t) || t < 1) || !Number.isInteger(runs) || runs < 1) {
  console.error("gate_grads_ab: --T and --runs take positive integers, e.g. --T 64,256 --runs 5");
  Deno.exit(2);
}
const backend = await initBackend({ backend: "wasm", quiet: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeStep(unit: LayerUnit, on: boolean): Promise<number> {
  kernel.set(on);
  const t0 = performance.now();
  unit.step().dispose();
  await unit.probe.data();
  return performance.now() - t0;
}

console.log(
  `${new Date().toISOString().slice(0, 10)}; ${backend.line}; DSF_THREADS=${
    Deno.env.get("DSF_THREADS") ?? "-"
  }`,
);
console.log(`| mode | B, T, D | tf-ops ${kernel.name} | kernel | tf-ops / kernel |`);
console.log("| --- | --- | --- | --- | --- |");
for (const mode of ["dsf", "ft-bptt"] as GradientMode[]) {
  for (const T of lengths) {
    const unit = new LayerUnit({ cell: "gru", mode, impl: "wasm", B: 32, T, D: 256 });
    const times: Record<"off" | "on", number[]> = { off: [], on: [] };
    for (let i = 0; i < 2; i++) {
      await timeStep(unit, i % 2 === 0), await timeStep(unit, i % 2 !== 0);
    }
    for (let i = 0; i < runs; i++) {
      times.off.push(await timeStep(unit, false));
      times.on.push(await timeStep(unit, true));
    }
    kernel.set(true);
    unit.dispose();
    const [off, on] = [median(times.off), median(times.on)];
    console.log(
      `| ${mode} | 32, ${T}, 256 | ${off.toFixed(1)} | ${on.toFixed(1)} | ${
        (off / on).toFixed(2)
      }× |`,
    );
  }
}
console.log(`tensors left: ${tf.memory().numTensors}`);
