/**
 * Sweeps over settings × gradient modes, as the paper's §5 notebooks run them: every point at
 * every scale (a smaller scale makes each point smaller, never drops one), training each point
 * in each mode through a caller's function ({@link trainModeSweep}), the curves and per-setting summaries of the runs, and the
 * `deno task train` commands that reproduce them. Pure: training is the caller's.
 *
 * @module
 */
import type { Config } from "../config/schema.ts";
import type { MetricRow } from "../train/trainer.ts";
import { modeLabel } from "./paper_tables.ts";

/** What the helpers need of one finished run (an `ExperimentResult` fits). */
export interface FinishedRun {
  /** Label (e.g. the mode). */
  label: string;
  /** Every measurement. */
  rows: readonly MetricRow[];
  /** The trainer's summary (only these fields are read). */
  summary: { minValPpl: number; seconds: number; tokens: number; mode?: string };
  /** The resolved config (its mode is read). */
  config: Pick<Config, "mode">;
}

/** A run of a sweep: which setting it belongs to, its mode, and the run. */
export interface SweepRun<R extends FinishedRun = FinishedRun> {
  /** The setting (e.g. number of layers) as shown. */
  setting: string | number;
  /** The preset it ran. */
  configName: string;
  /** Its gradient mode (or model, for baselines). */
  mode: string;
  /** The run. */
  run: R;
}

/** One point of a sweep: the setting shown and the preset run for it. */
export interface SweepPoint {
  /** The setting (e.g. 3 layers) as shown. */
  setting: string | number;
  /** Preset name. */
  config: string;
}

/**
 * Trains every point of a sweep in every mode, in order (settings outer, modes inner).
 * @param run trains one preset in one mode (e.g. a call of `runExperiment`)
 */
export async function trainModeSweep<R extends FinishedRun, M extends string = string>(
  points: readonly SweepPoint[],
  modes: readonly M[],
  run: (config: string, mode: M) => Promise<R>,
): Promise<SweepRun<R>[]> {
  const out: SweepRun<R>[] = [];
  for (const p of points) {
    for (const mode of modes) {
      out.push({ setting: p.setting, configName: p.config, mode, run: await run(p.config, mode) });
    }
  }
  return out;
}

/** One point of a perplexity curve, for `lineChart` (lib/plot). */
export type ModeCurveRow = {
  /** Optimisation step. */
  step: number;
  /** Perplexity. */
  ppl: number;
  /** "train" or "valid". */
  split: string;
  /** Mode label (BPTT, FT-BPTT, DSF) or model. */
  mode: string;
  /** The sweep's setting. */
  setting: string;
};

/** The train and valid curves of sweep runs as chart rows. */
export function sweepCurveRows(runs: readonly SweepRun[]): ModeCurveRow[] {
  return runs.flatMap((r) =>
    r.run.rows.filter((m) => m.split === "train" || m.split === "valid").map((m) => ({
      step: m.step,
      ppl: m.ppl,
      split: m.split,
      mode: modeLabel(r.mode),
      setting: String(r.setting),
    }))
  );
}

/** Our minimum validation perplexity per setting and mode. */
export interface OurSetting {
  /** The setting as shown. */
  setting: string | number;
  /** Minimum validation perplexity per mode label (e.g. "bptt", "gpt"). */
  ppl: Record<string, number>;
  /** Training tokens per second per mode (training time only). */
  tokensPerSec: Record<string, number>;
}

/** Groups sweep runs by setting: min validation perplexity and training speed per mode. */
export function summarizeSweep(runs: readonly SweepRun[]): OurSetting[] {
  const out: OurSetting[] = [];
  for (const r of runs) {
    let s = out.find((o) => o.setting === r.setting);
    if (!s) out.push(s = { setting: r.setting, ppl: {}, tokensPerSec: {} });
    s.ppl[r.mode] = r.run.summary.minValPpl;
    s.tokensPerSec[r.mode] = r.run.summary.tokens / Math.max(r.run.summary.seconds, 1e-9);
  }
  return out;
}

/** The `deno task train` commands of a sweep at a scale, one per preset and mode. */
export function sweepCommands(
  configs: readonly string[],
  modes: readonly string[],
  scale: string,
  group: string,
): string[] {
  return configs.flatMap((c) =>
    modes.map((m) =>
      `deno task train --config ${c} --scale ${scale} --set mode=${m} --results ${group}`
    )
  );
}
