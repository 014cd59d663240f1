/**
 * Benchmarks of the DSF training step against BPTT, FT-BPTT and peers, usable from a notebook
 * (pure measurement; files and subprocesses are the CLI's, lib/cli/bench.ts).
 *
 * ```ts
 * import { initBackend } from "../lib/backend.ts";
 * import { planCases, runBenchSweep, formatTable } from "../lib/bench/mod.ts";
 * const info = await initBackend({ backend: "wasm" });
 * const cases = planCases({ cells: ["gru"], Ts: [16, 64], Ds: [64], B: 32, backend: info.name });
 * const res = await runBenchSweep(cases, { runs: 3 }, { done: new Map(), save: async () => {}, log: console.log });
 * console.log(formatTable(res.rows));
 * ```
 *
 * @module
 */
export * from "./args.ts";
export * from "./dispatch.ts";
export * from "./layer.ts";
export * from "./plot.ts";
export * from "./profile.ts";
export * from "./ptb_lm.ts";
export * from "./results.ts";
export * from "./sweep.ts";
export * from "./tfjs_layers.ts";
export * from "./timing.ts";
export * from "./bench_file.ts";
export * from "./complexity.ts";
export * from "./scaling.ts";
export * from "./speed_table.ts";
export * from "./matmul.ts";
export * from "./parity.ts";
export * from "./plan.ts";
