/**
 * Experiments in a notebook: resolve a config at the notebook's scale, train it through the
 * runner (`lib/run.ts`) with a live progress bar, and return the curves and the summary.
 *
 * ```ts
 * const s = notebookSettings();                       // DSF_SCALE, DSF_BACKEND, DSF_SEED
 * const r = await runExperiment("ptb-gru-1L256", { scale: s.scale, patch: { mode: "dsf" } });
 * r.summary.minValPpl; r.rows;                        // MetricRow[] (train / valid / test)
 * const q = await runExperiment(RECALL, { patch: { mode: "dsf" } }); // a shared notebook preset
 * ```
 *
 * @module
 */
import { type BackendInfo, backendInfo, initBackend } from "../backend.ts";
import { resolveConfig } from "../config/resolve.ts";
import {
  type Config,
  type ConfigPatch,
  mergePatches,
  type Scale,
  SCALES,
} from "../config/schema.ts";
import type { Batch } from "../data/batches.ts";
import type { LanguageModel } from "../models/mod.ts";
import { DataCache, prepareRun, trainRun } from "../run.ts";
import type { MetricRow, TrainSummary } from "../train/trainer.ts";
import { readEnv } from "../io/dirs.ts";
import { progress } from "./display.ts";
import { type NotebookPreset, presetPatch } from "./presets.ts";

/** What a notebook runs at: scale, backend and seed (from the environment). */
export interface NotebookSettings {
  /** `DSF_SCALE` (default `quick`). */
  scale: Scale;
  /** The backend started (its one-line description is `backend.line`). */
  backend: BackendInfo;
  /** `DSF_SEED` (default 0): added to every config's seed. */
  seed: number;
  /** One line stating scale, backend and seed, for the notebook's header cell. */
  line: string;
}

/** Reads `DSF_SCALE` / `DSF_SEED` and starts the backend (`DSF_BACKEND`, else the default). */
export async function notebookSettings(): Promise<NotebookSettings> {
  const scale = (readEnv("DSF_SCALE") ?? "quick") as Scale;
  if (!(SCALES as readonly string[]).includes(scale)) {
    throw new Error(`DSF_SCALE="${scale}" is unknown; use one of ${SCALES.join(", ")}`);
  }
  const seed = Number(readEnv("DSF_SEED") ?? 0);
  if (!Number.isInteger(seed)) {
    throw new Error(`DSF_SEED must be an integer, got ${readEnv("DSF_SEED")}`);
  }
  const backend = await initBackend({ quiet: true });
  return { scale, backend, seed, line: `scale: ${scale} · ${backend.line} · seed: ${seed}` };
}

/** What {@link runExperiment} returns. */
export interface ExperimentResult {
  /** A short label (e.g. the mode). */
  label: string;
  /** The resolved config. */
  config: Config;
  /** The trainer's summary. */
  summary: TrainSummary;
  /** Every measurement: train, valid and test rows. */
  rows: MetricRow[];
  /** The trained model, when `keepModel` (the caller disposes it). */
  model?: LanguageModel;
}

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  /** Scale preset (default: `DSF_SCALE`, else quick). */
  scale?: Scale;
  /** Typed overrides of the preset, e.g. `{mode: "dsf", hidden: 64}` (see `resolveConfig`). */
  patch?: ConfigPatch;
  /** Overrides, as `deno task train --set` takes them (applied after `patch`). */
  set?: string[];
  /** Label of the progress line and of the result (default: the mode). */
  label?: string;
  /**
   * What the progress line calls the model before the label, e.g. "GRU 1 × 128 on README.md"
   * (default: the preset's name with the size it trains at, {@link runName}).
   */
  title?: string;
  /** Added to the config's seed (default `DSF_SEED`, else 0). */
  seedOffset?: number;
  /** Keep the trained model in the result instead of disposing it. */
  keepModel?: boolean;
  /** Skip the final test evaluation (faster). Default false. */
  skipTest?: boolean;
  /**
   * Awaited after every training step with the batch just trained on and the model being
   * trained (the trainer's `afterStep`): measurements during training, or changes to the model
   * such as a refitted feedback. Its time is not counted in the training seconds.
   */
  afterStep?: (step: number, batch: Batch, model: LanguageModel) => void | Promise<void>;
}

/**
 * A preset's name as a progress line shows it: with the size the run has where the name states
 * another (`ptb-gru-1L256 (here 1 × 128)`, `wt-gru-3L512-T256 (here 3 × 64, T = 32)`: a scale
 * or a notebook preset shrinks the model), else the name alone.
 */
export function runName(
  name: string,
  config: Pick<Config, "layers" | "hidden" | "context">,
): string {
  const size = name.match(/(\d+)L(\d+)/);
  const length = name.match(/-T(\d+)\b/);
  const here: string[] = [];
  if (size && (Number(size[1]) !== config.layers || Number(size[2]) !== config.hidden)) {
    here.push(`${config.layers} × ${config.hidden}`);
  }
  if (length && Number(length[1]) !== config.context) here.push(`T = ${config.context}`);
  return here.length ? `${name} (here ${here.join(", ")})` : name;
}

/** Each dataset loaded once per process, across every experiment of the notebook. */
const dataCache = new DataCache();

/**
 * Trains one configuration with live progress (updated in place in Jupyter, plain lines
 * elsewhere) and returns its curves and summary.
 * @param preset a preset name (see `listConfigs()`), or a notebook preset (`presets.ts`: a
 *   preset with the overrides it runs with at this scale, under `options.patch`)
 */
export async function runExperiment(
  preset: string | NotebookPreset,
  options: RunExperimentOptions = {},
): Promise<ExperimentResult> {
  const scale = options.scale ?? ((readEnv("DSF_SCALE") ?? "quick") as Scale);
  const offset = options.seedOffset ?? Number(readEnv("DSF_SEED") ?? 0);
  const name = typeof preset === "string" ? preset : preset.preset;
  const patch = typeof preset === "string"
    ? options.patch
    : mergePatches(presetPatch(preset, scale), options.patch ?? {});
  const base = resolveConfig(name, { scale, patch, set: options.set ?? [] });
  // "auto" is the backend notebookSettings started: one backend per notebook, never calibrated
  // run by run (a calibration could put two modes of one comparison on different backends).
  const started = backendInfo()?.name;
  const config: Config = {
    ...base,
    seed: base.seed + offset,
    backend: base.backend === "auto" && started ? started : base.backend,
  };
  const run = await prepareRun(config, { data: dataCache, quiet: true });
  const { model } = run;
  const label = options.label ?? config.mode;
  const rows: MetricRow[] = [];
  let bar: ReturnType<typeof progress> | null = null;
  // The line shows the last step and the latest validation: an evaluation after step k (which
  // the trainer reports after k's onStep) updates the line at once, so it never lags the table.
  let last: Record<string, number> & { step: number } = { step: 0 };
  let summary: TrainSummary;
  try {
    summary = await trainRun(run, {
      skipTest: options.skipTest,
      callbacks: {
        onStep: (i) => {
          bar ??= progress({
            total: i.totalSteps,
            label: `${options.title ?? runName(name, config)} ${label}`,
          });
          last = { ...last, step: i.step, loss: i.loss, tokensPerSec: i.tokensPerSec };
          bar.update(last);
        },
        afterStep: options.afterStep
          ? (step, batch) => options.afterStep!(step, batch, model)
          : undefined,
        onMetric: (row) => {
          rows.push(row);
          if (row.split !== "valid") return;
          last = { ...last, "valid ppl": Number(row.ppl.toFixed(2)) };
          bar?.update(last);
        },
      },
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
  if (bar) await (bar as ReturnType<typeof progress>).done(last);
  if (!options.keepModel) model.dispose();
  return { label, config, summary, rows, model: options.keepModel ? model : undefined };
}
