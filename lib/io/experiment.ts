/**
 * Experiments for the notebooks (and any script): resolve a config at a scale, load its data,
 * build the model, train with live progress, and return the curves and the summary. Also reads
 * the committed results of longer runs from `results/`.
 *
 * ```ts
 * const s = notebookSettings();                       // DSF_SCALE, DSF_BACKEND, DSF_SEED
 * const r = await runExperiment("ptb-gru-1L256", { scale: s.scale, set: ["mode=dsf"] });
 * r.summary.minValPpl; r.rows;                        // MetricRow[] (train / valid / test)
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { type BackendInfo, initBackend } from "../backend.ts";
import { resolveConfig } from "../config/resolve.ts";
import { type Config, type Scale, SCALES } from "../config/schema.ts";
import type { Batch } from "../data/batches.ts";
import { createModel, type LanguageModel } from "../models/mod.ts";
import { progress } from "../notebook/display.ts";
import { type MetricRow, train, type TrainSummary } from "../train/trainer.ts";
import { loadRunData, type RunData } from "./datasets.ts";
import { projectRoot, readEnv } from "./dirs.ts";

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
  /** Overrides, as `deno task train --set` takes them. */
  set?: string[];
  /** Label of the progress line and of the result (default: the mode). */
  label?: string;
  /** Added to the config's seed (default `DSF_SEED`, else 0). */
  seedOffset?: number;
  /** Keep the trained model in the result instead of disposing it. */
  keepModel?: boolean;
  /** Skip the final test evaluation (faster). Default false. */
  skipTest?: boolean;
  /**
   * Awaited after every training step with the batch just trained on and the model being
   * trained (the trainer's `afterStep`): measurements during training, or changes to the model
   * such as an adaptive feedback. Its time is not counted in the training seconds.
   */
  afterStep?: (step: number, batch: Batch, model: LanguageModel) => void | Promise<void>;
}

const dataCache = new Map<string, Promise<RunData>>();

/** Loads a config's data once per process (keyed by what the data depends on). */
function cachedData(config: Config): Promise<RunData> {
  const key = JSON.stringify([
    config.dataset,
    config.context,
    config.batchSize,
    config.evalBatchSize,
    config.evalBatches,
    config.seed,
    config.vocabSize,
    config.lag,
    config.alphabet,
  ]);
  if (!dataCache.has(key)) dataCache.set(key, loadRunData(config));
  return dataCache.get(key)!;
}

/**
 * Trains one configuration with live progress (updated in place in Jupyter, plain lines
 * elsewhere) and returns its curves and summary.
 * @param name a preset name (see `listConfigs()`)
 */
export async function runExperiment(
  name: string,
  options: RunExperimentOptions = {},
): Promise<ExperimentResult> {
  const scale = options.scale ?? ((readEnv("DSF_SCALE") ?? "quick") as Scale);
  const offset = options.seedOffset ?? Number(readEnv("DSF_SEED") ?? 0);
  const base = resolveConfig(name, { scale, set: options.set ?? [] });
  const config: Config = { ...base, seed: base.seed + offset };
  await initBackend({ backend: config.backend, quiet: true });
  const data = await cachedData(config);
  const label = options.label ?? config.mode;
  const model = createModel(config, data.vocabSize);
  const rows: MetricRow[] = [];
  let bar: ReturnType<typeof progress> | null = null;
  let lastValid = NaN;
  const summary = await train(
    model,
    options.skipTest ? { ...data, test: undefined } : data,
    config,
    {
      callbacks: {
        onStep: (i) => {
          bar ??= progress({ total: i.totalSteps, label: `${name} ${label}` });
          bar.update({
            step: i.step,
            loss: i.loss,
            tokensPerSec: i.tokensPerSec,
            "valid ppl": lastValid,
          });
        },
        afterStep: options.afterStep
          ? (step, batch) => options.afterStep!(step, batch, model)
          : undefined,
        onMetric: (row) => {
          rows.push(row);
          if (row.split === "valid") lastValid = Number(row.ppl.toFixed(2));
        },
      },
    },
  );
  if (bar) await (bar as ReturnType<typeof progress>).done();
  if (!options.keepModel) model.dispose();
  return { label, config, summary, rows, model: options.keepModel ? model : undefined };
}

/** The rows of a `metrics.jsonl` text (one JSON object a line; blank lines skipped). */
export function parseMetricRows(text: string): MetricRow[] {
  return text.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l));
}

/** One committed run under `results/`: its summary, the command that made it, its curves. */
export interface CommittedRun {
  /** File stem, e.g. `ptb-gru-1L256-dsf-seed0`. */
  name: string;
  /** The training command's summary line. */
  summary: TrainSummary & Record<string, unknown>;
  /** The exact command that made it. */
  command: string;
  /** Its metric rows (from the `.metrics.jsonl` beside it, if present). */
  rows: MetricRow[];
}

/**
 * Reads the committed runs of one experiment group: `results/<group>/*.json`, each a summary
 * with a `command` field, and the `<name>.metrics.jsonl` beside it.
 * @returns [] when the group has no committed runs yet
 */
export async function readCommittedRuns(group: string, dir?: string): Promise<CommittedRun[]> {
  const root = dir ?? join(projectRoot(), "results", group);
  const out: CommittedRun[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  for (
    const e of entries.filter((e) => e.name.endsWith(".json")).sort((a, b) =>
      a.name < b.name ? -1 : 1
    )
  ) {
    const name = e.name.slice(0, -5);
    const summary = JSON.parse(await Deno.readTextFile(join(root, e.name)));
    let rows: MetricRow[] = [];
    try {
      rows = parseMetricRows(await Deno.readTextFile(join(root, `${name}.metrics.jsonl`)));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    out.push({ name, summary, command: String(summary.command ?? ""), rows });
  }
  return out;
}
