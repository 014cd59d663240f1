/**
 * Per-kernel profiles of the training step, in one run (issue "The training step at the
 * machine's limit"): the GRU layer (B=32, D=256) forward, BPTT and DSF steps at each T, and the
 * PTB language-model step (B=32, T=64 and the recipe's B=128, T=24; V=10k) for BPTT and DSF.
 * Each case is warmed up twice, timed unprofiled (median of --runs), then profiled once.
 *
 *     DSF_THREADS=1 deno run -A bench/profile_step.ts [--T 64,256,1024] [--runs 3]
 *       [--out results/bench-profile]
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { LayerUnit } from "../lib/bench/layer.ts";
import { PtbUnit } from "../lib/bench/ptb_lm.ts";
import { formatProfile, profileStep, type StepProfile } from "../lib/bench/profile.ts";
import { timeRuns } from "../lib/bench/timing.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    T: { type: "string", default: "64,256,1024" },
    runs: { type: "string", default: "3" },
    out: { type: "string" },
  },
});
const lengths = values.T.split(",").map(Number);
const runs = Number(values.runs);
if ([...lengths, runs].some((n) => !Number.isInteger(n) || n < 1)) {
  console.error("profile_step: --T and --runs take positive integers, e.g. --T 64,256 --runs 3");
  Deno.exit(2);
}
const info = await initBackend({ backend: "wasm" });

interface Case {
  name: string;
  build: () => { step: () => tf.Tensor; dispose: () => void };
}
const cases: Case[] = [];
for (const T of lengths) {
  for (const what of ["forward", "bptt", "dsf"] as const) {
    cases.push({
      name: `GRU layer B=32 D=256 T=${T}: ${what === "forward" ? "forward" : `${what} step`}`,
      build: () => {
        const unit = new LayerUnit({
          cell: "gru",
          mode: what === "bptt" ? "bptt" : "dsf",
          B: 32,
          T,
          D: 256,
        });
        return {
          step: () => what === "forward" ? unit.forward() : unit.step(),
          dispose: () => unit.dispose(),
        };
      },
    });
  }
}
for (const [B, T] of [[32, 64], [128, 24]]) {
  for (const mode of ["bptt", "dsf"] as const) {
    cases.push({
      name: `PTB LM B=${B} T=${T} D=256 V=10000: ${mode} step`,
      build: () => {
        const unit = new PtbUnit({ mode, B, T, D: 256, V: 10000 });
        return { step: () => unit.step(), dispose: () => unit.dispose() };
      },
    });
  }
}

const results: { name: string; medianMs: number; profile: StepProfile }[] = [];
for (const c of cases) {
  const unit = c.build();
  for (let i = 0; i < 2; i++) {
    const out = unit.step();
    await out.data();
    out.dispose();
  }
  const timing = await timeRuns(unit.step, { warmup: 0, runs });
  const profile = await profileStep(unit.step);
  unit.dispose();
  results.push({ name: c.name, medianMs: timing.medianMs, profile });
  console.log(
    `${c.name}: ${timing.medianMs.toFixed(1)} ms (profiled ${profile.wallMs.toFixed(1)})`,
  );
}

const command = `deno run -A bench/profile_step.ts ${Deno.args.join(" ")}`.trim();
const threads = Deno.env.get("DSF_THREADS") ?? "all cores";
const sections = results.map((r) =>
  `## ${r.name}\n\nUnprofiled median ${r.medianMs.toFixed(1)} ms (${runs} runs).\n\n` +
  formatProfile(r.profile, { top: 12 })
);
console.log(`\n${info.line}\n\n${sections.join("\n\n")}`);
if (values.out) {
  await Deno.mkdir(values.out, { recursive: true });
  const date = new Date().toISOString();
  const record = { date, command, threads, backend: info.line, runs, results };
  await Deno.writeTextFile(`${values.out}/results.json`, JSON.stringify(record, null, 2) + "\n");
  await Deno.writeTextFile(
    `${values.out}/README.md`,
    `# Where the training step's time goes\n\n${date.slice(0, 10)}; ${info.line}; ` +
      `DSF_THREADS=${threads}. One profiled step per case after two warm-ups; ` +
      `on wasm each kernel's time is its wall time.\n\nCommand: \`DSF_THREADS=${threads} ` +
      `${command}\`\n\n${sections.join("\n\n")}\n`,
  );
}
