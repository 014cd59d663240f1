/**
 * Timing and memory measurement of tfjs work, backend-agnostic.
 *
 * Timing: `warmup` untimed runs, then `runs` timed ones, each count extended until
 * `warmupMs` / `measureMs` have passed when those are given (time-boxed, at most `maxRuns`);
 * each run ends with a read of a one-element probe tensor (`await t.data()`), so asynchronous
 * backends (webgpu) are timed to the end of their queued work. On cpu/wasm, ops are
 * synchronous and the probe costs nothing.
 *
 * Memory: {@link peakBytesOf} runs the work once under `tf.profile` and reports the engine's
 * high-water mark of `tf.memory().numBytes` during it, minus a baseline (by default the bytes
 * live just before), so that leftovers of earlier cases do not count.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Median, minimum and maximum of timed runs, in milliseconds. */
export interface Timing {
  /** Median of the timed runs. */
  medianMs: number;
  /** Fastest run. */
  minMs: number;
  /** Slowest run. */
  maxMs: number;
  /** Every timed run, in order. */
  samplesMs: number[];
  /** Timed runs done (`samplesMs.length`). */
  runs: number;
}

/** Options of {@link timeRuns}. */
export interface TimeRunsOptions {
  /** Untimed runs first (default 1). */
  warmup?: number;
  /** Timed runs (default 3, at least 1). */
  runs?: number;
  /**
   * More untimed runs until this many ms of them have passed (default 0): the JavaScript engine
   * needs dozens of calls before tfjs's per-kernel bookkeeping is compiled.
   */
  warmupMs?: number;
  /**
   * More timed runs until this many ms of them have passed (default 0): the minimum of many
   * short runs is the least disturbed by other processes.
   */
  measureMs?: number;
  /** At most this many runs of each kind beyond `warmup` / `runs` for the time boxes (200). */
  maxRuns?: number;
}

/** The median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median: no values");
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Waits until the backend has finished the work that produced `t` (reads one element of it).
 * Does not dispose `t`.
 */
export async function settle(t: tf.Tensor): Promise<void> {
  if (t.isDisposed) return;
  const probe = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), [0], [Math.min(1, t.size)]));
  await probe.data();
  probe.dispose();
}

/**
 * Times `run`, which does the work and returns a tensor to settle on (disposed here) or nothing
 * (then the run is assumed synchronous, or to settle by itself): `warmup` untimed runs (more
 * until `warmupMs` have passed), then `runs` timed ones (more until `measureMs` have passed),
 * the time boxes capped at `maxRuns` runs.
 */
export async function timeRuns(
  run: () => tf.Tensor | void | Promise<tf.Tensor | void>,
  options: TimeRunsOptions = {},
): Promise<Timing> {
  const warmup = options.warmup ?? 1;
  const runs = Math.max(1, options.runs ?? 3);
  const once = async (): Promise<number> => {
    const start = performance.now();
    const out = await run();
    if (out instanceof tf.Tensor) {
      await settle(out);
      out.dispose();
    }
    return performance.now() - start;
  };
  const warmupMs = options.warmupMs ?? 0;
  const measureMs = options.measureMs ?? 0;
  const maxRuns = options.maxRuns ?? 200;
  let spent = 0;
  for (let i = 0; i < warmup || (i < maxRuns && spent < warmupMs); i++) spent += await once();
  const samplesMs: number[] = [];
  spent = 0;
  while (samplesMs.length < runs || (samplesMs.length < maxRuns && spent < measureMs)) {
    const ms = await once();
    samplesMs.push(ms);
    spent += ms;
  }
  return {
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    samplesMs,
    runs: samplesMs.length,
  };
}

/**
 * The high-water mark of tensor bytes while `run` executes once, minus `baseline` (default:
 * the bytes live just before). The tensor `run` returns, if any, is disposed.
 */
export async function peakBytesOf(
  run: () => tf.Tensor | void | Promise<tf.Tensor | void>,
  options: { baseline?: number } = {},
): Promise<number> {
  const baseline = options.baseline ?? tf.memory().numBytes;
  let out: tf.Tensor | void = undefined;
  const info = await tf.profile(async () => {
    out = await run();
    return [];
  });
  const result = out as tf.Tensor | undefined;
  if (result !== undefined && !result.isDisposed) {
    await settle(result);
    result.dispose();
  }
  // tf.profile's peak is the largest bytes-in-use snapshot taken after each kernel.
  const peak = Number.isFinite(info.peakBytes) ? info.peakBytes : baseline + info.newBytes;
  return Math.max(0, peak - baseline);
}
