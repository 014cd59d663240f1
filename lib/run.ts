/**
 * The one runner: config → backend → data → model → trainer. The CLI (`deno task train`), the
 * notebooks (`runExperiment`) and the sweeps all call it.
 *
 * ```ts
 * const config = resolveConfig("ptb-gru-1L256", { scale: "quick", set: ["mode=dsf"] });
 * const run = await prepareRun(config);                  // backend, data, model; checks
 * const summary = await trainRun(run, { callbacks: { onMetric: (row) => console.log(row) } });
 * run.model.dispose();
 * ```
 *
 * Two phases, so that a caller can tell bad input from a failure while training:
 * {@link prepareRun} does everything that can be refused before a file changes (the backend, the
 * data, the model's size, weights to start from), {@link trainRun} trains, with the plug-ins the
 * config asks for (the fitted feedback's refit) installed.
 *
 * @module
 */
import { type BackendInfo, initBackend } from "./backend.ts";
import { type CalibrationCache, initCalibratedBackend } from "./backend_calibration.ts";
import type { Config } from "./config/schema.ts";
import { DATA_KEYS, type DataConfig, dataPart, modelPart, trainingPart } from "./config/parts.ts";
import type { LoadRunDataOptions, RunData } from "./io/datasets.ts";
import type { NamedTensor } from "./models/torch_names.ts";
import { feedbackPlugins } from "./feedback/mod.ts";
import { createModel, type LanguageModel } from "./models/mod.ts";
import { checkModelFits } from "./models/size.ts";
import { deviceBufferBytes } from "./models/head_loss.ts";
import { loadTorchState } from "./models/torch_names.ts";
import { totalStepsOf, train, type TrainOptions, type TrainSummary } from "./train/trainer.ts";

/** Loads a config's data (default: `loadRunData` of `lib/io/datasets.ts`, from disk). */
export type DataLoader = (
  config: DataConfig,
  options?: LoadRunDataOptions,
) => Promise<RunData>;

/**
 * Loads each distinct data once (keyed by the config keys the data depends on): a notebook or a
 * sweep that trains several modes on one dataset reads and batches it once.
 */
export class DataCache {
  #entries = new Map<string, Promise<RunData>>();
  #load: DataLoader;

  /**
   * A cache in front of `load`.
   *
   * @param load the loader behind the cache (default: from disk, `lib/io/datasets.ts`)
   */
  constructor(load: DataLoader = loadFromDisk) {
    this.#load = load;
  }

  /** The data of `config`, loaded on the first call for its key. */
  get(config: DataConfig, options?: LoadRunDataOptions): Promise<RunData> {
    const key = JSON.stringify(DATA_KEYS.map((k) => config[k] ?? null));
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = this.#load(dataPart(config), options);
      // A failed load is not kept: the next call tries again.
      entry.catch(() => this.#entries.delete(key));
      this.#entries.set(key, entry);
    }
    return entry;
  }
}

/**
 * The default loader, imported on first use so that `lib/mod.ts` stays free of Deno's APIs. The
 * specifier is computed so that a bundler for the browser (web/, `deno bundle`) leaves lib/io out
 * rather than hoisting its `node:` imports into the page, where they fail to load
 * (tests/browser_page_test.ts).
 */
async function loadFromDisk(config: DataConfig, options?: LoadRunDataOptions): Promise<RunData> {
  const url = new URL("./io/datasets.ts", import.meta.url).href;
  const { loadRunData } = (await import(url)) as typeof import("./io/datasets.ts");
  return loadRunData(config, options);
}

/** Options of {@link prepareRun}. */
export interface PrepareRunOptions {
  /** Where the data comes from: a cache shared by several runs, or a loader (default: disk). */
  data?: DataCache | DataLoader;
  /** Lines about the data (downloads, caches). */
  log?: (line: string) => void;
  /**
   * Start from these weights (PyTorch names, e.g. an exported `.safetensors`); `from` names them
   * in an error.
   */
  init?: { tensors: Record<string, NamedTensor>; from: string };
  /** Don't print the backend line (default false). */
  quiet?: boolean;
  /** Where the "auto" backend's calibrations are kept (default: measured each run). */
  calibrationCache?: CalibrationCache;
}

/** A run ready to train: what {@link prepareRun} made. The caller disposes `model`. */
export interface PreparedRun {
  /** The resolved config. */
  config: Config;
  /** The backend started for it. */
  backend: BackendInfo;
  /** Its data: train batches, validation and test splits, vocabulary. */
  data: RunData;
  /** The model, initialised from the config's seed (or from `init`). */
  model: LanguageModel;
  /** The run's planned length in updates. */
  totalSteps: number;
}

/**
 * Starts the config's backend, loads its data, checks that the model fits, builds it. Throws
 * (with one line that says what is wrong) before anything is written.
 */
export async function prepareRun(
  config: Config,
  options: PrepareRunOptions = {},
): Promise<PreparedRun> {
  // "auto" with a hardware WebGPU adapter: the faster of WebGPU and wasm at this layer's shape.
  const backend = config.backend === "auto"
    ? await initCalibratedBackend(
      {
        cell: config.cell,
        mode: config.mode,
        B: config.batchSize,
        T: config.context,
        D: config.hidden,
      },
      { cache: options.calibrationCache, quiet: options.quiet },
    )
    : await initBackend({ backend: config.backend, quiet: options.quiet });
  const source = options.data ?? loadFromDisk;
  const data =
    await (source instanceof DataCache
      ? source.get(config, { log: options.log })
      : source(dataPart(config), { log: options.log }));
  checkModelFits(config, data.vocabSize, {
    backend: backend.name,
    maxBufferBytes: deviceBufferBytes(),
  });
  const model = createModel(modelPart(config), data.vocabSize);
  if (options.init) {
    try {
      loadTorchState(model, options.init.tensors);
    } catch (e) {
      model.dispose();
      throw new Error(`${options.init.from}: ${(e as Error).message}`);
    }
  }
  return { config, backend, data, model, totalSteps: totalStepsOf(config, data.batchesPerEpoch) };
}

/** Options of {@link trainRun}: the trainer's, plus whether to measure the test split. */
export interface TrainRunOptions extends TrainOptions {
  /** Skip the final test evaluation (faster). Default false. */
  skipTest?: boolean;
}

/**
 * Trains a prepared run to its planned length (or `stopAfter`, or until `shouldStop`), with the
 * plug-ins its feedback asks for (the `fitted` refit) before the caller's. The model stays the
 * caller's to dispose.
 */
export function trainRun(run: PreparedRun, options: TrainRunOptions = {}): Promise<TrainSummary> {
  const { skipTest, ...trainOptions } = options;
  const data = skipTest ? { ...run.data, test: undefined } : run.data;
  const plugins = [...feedbackPlugins(run.config, run.model), ...(trainOptions.plugins ?? [])];
  return train(run.model, data, trainingPart(run.config), {
    ...trainOptions,
    plugins,
    runConfig: run.config,
  });
}
