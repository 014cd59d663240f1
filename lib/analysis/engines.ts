/**
 * Which engine trained a committed run: ours (TensorFlow.js, `deno task train`) or the PyTorch
 * twin (`twin/`, whose records carry `environment.engine`). A results group may hold both for the
 * same config; its tables are then one per engine, and its curves name the twin's methods
 * `<method> · <engine>` (same colour as ours, dashed).
 *
 * @module
 */
import { type ReproRun, reproRunOf } from "./reproduction.ts";
import type { MetricRow } from "../train/trainer.ts";

/** Our engine's name, for runs whose records name none. */
export const OUR_ENGINE = "tfjs";

/** The environment record of a twin run (twin/run_files.py), the fields read here. */
interface TwinEnvironment {
  engine?: string;
  devices?: string[];
  world_size?: number;
  backend?: string;
}

/** The engine of a run's summary: `environment.engine`, else ours. */
export function engineOf(summary: Record<string, unknown>): string {
  const env = summary.environment as TwinEnvironment | undefined;
  return typeof env?.engine === "string" ? env.engine : OUR_ENGINE;
}

/**
 * One line naming the engine and what it ran on: `tfjs (wasm)`, `pytorch-twin (2 × cpu, gloo)`,
 * `pytorch-twin (1 × cpu)`.
 */
export function engineLabel(summary: Record<string, unknown>): string {
  const engine = engineOf(summary);
  if (engine === OUR_ENGINE) return `${OUR_ENGINE} (${summary.backend ?? "?"})`;
  const env = summary.environment as TwinEnvironment;
  const devices = [...new Set(env.devices ?? [])].join(", ") || "?";
  const backend = env.backend && env.backend !== "none" ? `, ${env.backend}` : "";
  return `${engine} (${env.world_size ?? 1} × ${devices}${backend})`;
}

/** A method's label in a figure mixing engines: ours plain, another's `<method> · <engine>`. */
export function engineMethod(method: string, engine: string): string {
  return engine === OUR_ENGINE ? method : `${method} · ${engine}`;
}

/** The engine of a label made by {@link engineMethod}. */
export function engineOfLabel(label: string): string {
  const at = label.indexOf(" · ");
  return at < 0 ? OUR_ENGINE : label.slice(at + 3);
}

/** One engine's runs of a group. */
export interface EnginePart<R> {
  /** The engine ({@link engineOf}). */
  engine: string;
  /** {@link engineLabel} of its first run. */
  label: string;
  /** Its committed runs, and each as a {@link ReproRun}. */
  committed: R[];
  runs: ReproRun[];
  /** Its runs for a figure of the whole group: methods named by {@link engineMethod}. */
  curves: ReproRun[];
}

/** A group's committed runs by engine, ours first. */
export function engineParts<R extends { summary: Record<string, unknown>; rows: MetricRow[] }>(
  committed: readonly R[],
): EnginePart<R>[] {
  const engines = [...new Set(committed.map((r) => engineOf(r.summary)))]
    .sort((a, b) => Number(b === OUR_ENGINE) - Number(a === OUR_ENGINE));
  return engines.map((engine) => {
    const mine = committed.filter((r) => engineOf(r.summary) === engine);
    const runs = mine.map(reproRunOf);
    return {
      engine,
      label: engineLabel(mine[0].summary),
      committed: mine,
      runs,
      curves: runs.map((r) => ({ ...r, method: engineMethod(r.method, engine) })),
    };
  });
}
