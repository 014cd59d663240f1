/**
 * Notebook helpers: notebook output (`display.ts`: Markdown, tables, live progress), experiments
 * run from a notebook (`experiment.ts`) and the named experiments they share (`presets.ts`), and what the notebooks show: run comparisons in words
 * (`describe_runs.ts`), the complexity notebook's charts and findings (`complexity.ts`) and the
 * paper sweeps' tables, charts and findings (`sweeps.ts`).
 *
 * The notebooks import this module (and `lib/mod.ts` for the library itself): it also re-exports
 * what they use from below: figures (`lib/plot/`), the measurements and comparisons of
 * `lib/analysis/`, and the complexity measurements (`lib/bench/`). Saving figures is in
 * `lib/io/figures.ts`.
 *
 * @module
 */

export * from "./display.ts";
export * from "./experiment.ts";
export * from "./presets.ts";
export * from "./describe_runs.ts";
export * from "./complexity.ts";
export * from "./sweeps.ts";
export * from "./committed_group.ts";
export * from "./paper_axes_table.ts";

export * from "../plot/mod.ts";
export * from "../analysis/mod.ts";
export * from "../bench/complexity.ts";
export * from "../bench/scaling.ts";
export * from "../bench/bench_file.ts";

// Earlier names, kept for the notebooks: the paper sweep's runner, and the time-boxed timing
// that `timeRuns` now does (`warmupMs` / `measureMs`).
export { trainModeSweep as runSweep } from "../analysis/mode_sweep.ts";
export {
  timeRuns as timeBoxed,
  type TimeRunsOptions,
  type Timing as BoxedTiming,
} from "../bench/timing.ts";

// The library pieces the notebooks call beside these (user code imports them from `lib/mod.ts`).
export { resolveConfig } from "../config/resolve.ts";
export { delayedRecallChance } from "../data/synthetic.ts";
export { makeFeedback } from "../feedback/init.ts";
export { fittedFeedback } from "../feedback/fitted.ts";
export { scanImplsFor } from "../ops/reverse_scan.ts";
export * from "./jacobians.ts";
export * from "./dsf_findings.ts";
export * from "./beyond_findings.ts";
