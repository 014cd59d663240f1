/**
 * Notebook helpers: notebook output (`display.ts`: Markdown, tables, live progress), experiments
 * run from a notebook (`experiment.ts`) and the named experiments they share (`presets.ts`), the
 * figures and tables of single notebooks — the Jacobian charts of §2 (`jacobians.ts`), the
 * complexity charts of §4 (`complexity.ts`), the paper's tables and the sweep charts of §5
 * (`sweeps.ts`) — and the committed runs as the notebooks show them and as their verdict cells
 * check them (`committed_group.ts`, `paper_axes_table.ts`).
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
export * from "./jacobians.ts";
export * from "./complexity.ts";
export * from "./bench_figures.ts";
export * from "./sweeps.ts";
export * from "./committed_group.ts";
export * from "./paper_axes_table.ts";

export * from "../plot/mod.ts";
export * from "../analysis/mod.ts";
export * from "../bench/complexity.ts";
export * from "../bench/scaling.ts";
export * from "../bench/bench_file.ts";

// An earlier name, kept for the notebooks: the paper sweep's runner.
export { trainModeSweep as runSweep } from "../analysis/mode_sweep.ts";

// The library pieces the notebooks call beside these (user code imports them from `lib/mod.ts`).
export { delayedRecallChance } from "../data/synthetic.ts";
export { makeFeedback } from "../feedback/init.ts";
export { fittedFeedback } from "../feedback/fitted.ts";
export { scanImplsFor } from "../ops/reverse_scan.ts";
