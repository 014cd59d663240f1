/**
 * The benchmark sweep: which cases ({@link planCases}) and how each is measured
 * ({@link runBenchSweep}), time-boxed and resumable. No file or process access here: the caller
 * (lib/cli/bench.ts, or a notebook) supplies the store of earlier results and, optionally, a
 * PyTorch runner.
 *
 * Per tfjs case (a {@link LayerUnit}, a {@link PtbUnit} or the tfjs-layers peer):
 * 1. plain forward (`training: false`) and its matMul floor, once per shape, median of `runs`;
 * 2. training step: `warmup` untimed steps, then `runs` timed ones (median, min, max); when
 *    the first warm-up step shows that the runs would not fit in `maxCaseMs`, fewer runs
 *    (said in the row's note);
 * 3. peak memory: one more step under `tf.profile`, high-water mark of tensor bytes minus the
 *    bytes live before the case was built (so: weights, Adam moments, data and transients);
 * 4. dispatches: one more step with the backward's kernel dependency depth tracked
 *    (lib/bench/dispatch.ts).
 *
 * Before a case starts, its step time and peak memory are extrapolated from measured rows of
 * the same method at a shorter T (linear in T) or else a smaller D (quadratic in D); a case
 * whose estimate exceeds `maxCaseMs` or `maxBytes` is recorded as skipped, with the estimate.
 * A case that throws (e.g. out of memory) is recorded as skipped with the error.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { GRADIENT_MODES, type GradientMode } from "../recurrent.ts";
import { LayerUnit, matmulFloor } from "./layer.ts";
import { PtbUnit } from "./ptb_lm.ts";
import {
  type BenchCase,
  type BenchRow,
  caseKey,
  isSkip,
  methodLabel,
  type SkipRecord,
} from "./results.ts";
import { LayersUnit } from "./tfjs_layers.ts";
import { peakBytesOf, timeRuns, type Timing } from "./timing.ts";

export { BENCH_IMPLS, BENCH_MODES, planCases, type SweepPlan } from "./plan.ts";

/** How each case is measured and what bounds the sweep. */
export interface SweepSettings {
  /** Untimed steps before the timed ones (default 1). */
  warmup?: number;
  /** Timed steps (default 5). */
  runs?: number;
  /** Stop starting cases after this many ms (default: no limit). */
  budgetMs?: number;
  /** Skip a case whose estimated total time exceeds this (default 10 min). */
  maxCaseMs?: number;
  /** Skip a case whose estimated peak tensor memory exceeds this (default: no limit). */
  maxBytes?: number;
  /** Measure cases recorded as skipped again (default false). */
  retrySkipped?: boolean;
  /** Extra note for every tfjs row (e.g. the WebGPU adapter). */
  note?: string;
}

/** Runs one PyTorch peer case; resolves to its row, or to an error text. */
export type PytorchRunner = (c: BenchCase, opts: { warmup: number; runs: number }) => Promise<
  BenchRow | { error: string }
>;

/** What the caller lends the sweep. */
export interface SweepHooks {
  /** Earlier records by {@link caseKey}. */
  done: ReadonlyMap<string, BenchRow | SkipRecord>;
  /** Saves one new record (a row or a skip) — e.g. appends it to the JSONL file. */
  save(rec: BenchRow | SkipRecord): Promise<void>;
  /** Progress lines. */
  log(line: string): void;
  /** Runs PyTorch peer cases; absent: those cases are left out with a note. */
  pytorch?: PytorchRunner;
  /** Why PyTorch is absent, for the note. */
  pytorchMissing?: string;
  /** Clock in ms (default performance.now). */
  now?(): number;
  /** Switches to a case's backend variant before it is measured (see {@link SweepPlan.variants}). */
  prepare?(c: BenchCase): void;
}

/** What a sweep did. */
export interface SweepResult {
  /** Rows of the plan's cases: measured now or earlier, in plan order. */
  rows: BenchRow[];
  /** Skip records of the plan's cases (now or earlier). */
  skipped: SkipRecord[];
  /** Cases measured or skipped in this run. */
  measuredNow: number;
  /** Cases found done in the results and not run again. */
  reused: number;
  /** Cases not reached within the budget, or left out (peer unavailable). */
  notRun: { c: BenchCase; why: string }[];
}

interface Measured {
  forwardMs: number | null;
  matmulFloorMs: number | null;
  step: Timing;
  peakBytes: number | null;
  seqDispatches: number | null;
  backwardKernels: number | null;
  runs: number;
  note?: string;
}

/** Something with the measured pieces of a case. */
interface Unit {
  forward(): tf.Tensor;
  step(): tf.Tensor | Promise<tf.Tensor>;
  backwardDispatches?(): { criticalPath: number; kernels: number };
  dispose(): void;
}

function makeUnit(c: BenchCase): Unit {
  const { cell, mode, B, T, D } = c;
  if (mode === "tfjs-layers") return new LayersUnit({ cell, B, T, D });
  if (!(GRADIENT_MODES as readonly string[]).includes(mode)) {
    throw new Error(`bench: "${mode}" is measured by its peer script, not in tfjs`);
  }
  const impl = c.impl === "-" ? undefined : c.impl;
  const spec = { cell, mode: mode as GradientMode, impl, B, T, D };
  if (c.unit === "ptb-lm") return new PtbUnit({ ...spec, V: c.V ?? 10000 });
  return new LayerUnit(spec);
}

/** Extrapolates a case's step time and peak bytes from measured rows of the same method. */
export function estimateCase(
  c: BenchCase,
  rows: readonly BenchRow[],
): { stepMs: number; peakBytes: number | null; from: string } | null {
  const same = rows.filter((r) =>
    r.unit === c.unit && r.cell === c.cell && r.mode === c.mode && r.impl === c.impl &&
    r.backend === c.backend && r.B === c.B && r.V === c.V
  );
  const byT = same.filter((r) => r.D === c.D && r.T < c.T).sort((a, b) => b.T - a.T)[0];
  if (byT) {
    const f = c.T / byT.T;
    return {
      stepMs: byT.stepMs * f,
      peakBytes: byT.peakBytes === null ? null : byT.peakBytes * f,
      from: `T=${byT.T}`,
    };
  }
  const byD = same.filter((r) => r.T === c.T && r.D < c.D).sort((a, b) => b.D - a.D)[0];
  if (byD) {
    const f = (c.D / byD.D) ** 2;
    return {
      stepMs: byD.stepMs * f,
      peakBytes: byD.peakBytes === null ? null : byD.peakBytes * (c.D / byD.D),
      from: `D=${byD.D}`,
    };
  }
  return null;
}

const firstCase = { done: false };

async function measureTfjs(
  c: BenchCase,
  settings: Required<Pick<SweepSettings, "warmup" | "runs" | "maxCaseMs">>,
  shapeCache: Map<string, { forwardMs: number; matmulFloorMs: number }>,
): Promise<Measured> {
  const baseline = tf.memory().numBytes;
  const unit = makeUnit(c);
  try {
    const notes: string[] = [];
    // 1. Forward and floor, once per shape (the forward does not depend on the mode).
    const shapeKey = [c.unit, c.cell, c.backend, c.B, c.T, c.D, c.V ?? "", c.mode === "tfjs-layers"]
      .join("|");
    let shape = shapeCache.get(shapeKey);
    if (!shape) {
      const forward = await timeRuns(() => unit.forward(), { warmup: 2, runs: settings.runs });
      const floor = matmulFloor({ cell: c.cell, B: c.B, T: c.T, D: c.D, head: c.V });
      let floorT: Timing;
      try {
        floorT = await timeRuns(() => floor.run(), { warmup: 1, runs: settings.runs });
      } finally {
        floor.dispose();
      }
      shape = { forwardMs: forward.medianMs, matmulFloorMs: floorT.medianMs };
      shapeCache.set(shapeKey, shape);
    }
    // 2. Steps: warm-up (the first also sizes the number of runs), then timed runs. The first
    // case of a process warms up once more (first use of each kernel, heap growth).
    let runs = settings.runs;
    const warmup = settings.warmup + (firstCase.done ? 0 : 1);
    firstCase.done = true;
    for (let i = 0; i < warmup; i++) {
      const w = await timeRuns(() => unit.step(), { warmup: 0, runs: 1 });
      if (i === 0) {
        const fit = Math.floor(settings.maxCaseMs / Math.max(w.medianMs, 1e-3)) - warmup - 2;
        if (fit < runs) {
          runs = Math.max(1, fit);
          notes.push(`runs cut to ${runs} to fit ${(settings.maxCaseMs / 60000).toFixed(1)} min`);
        }
      }
    }
    const step = await timeRuns(() => unit.step(), { warmup: 0, runs });
    // 3. Peak memory, in a separate profiled step.
    let peakBytes: number | null = null;
    try {
      peakBytes = await peakBytesOf(() => unit.step(), { baseline });
    } catch (err) {
      notes.push(`no peak: ${(err as Error).message}`);
    }
    // 4. Backward dispatch depth, in one more tracked step.
    let seqDispatches: number | null = null;
    let backwardKernels: number | null = null;
    if (unit.backwardDispatches) {
      const d = unit.backwardDispatches();
      seqDispatches = d.criticalPath;
      backwardKernels = d.kernels;
    }
    return {
      ...shape,
      step,
      peakBytes,
      seqDispatches,
      backwardKernels,
      runs,
      note: notes.length ? notes.join("; ") : undefined,
    };
  } finally {
    unit.dispose();
  }
}

/**
 * Runs the plan's cases that the results do not hold yet, within the budget; see the module
 * doc for what is measured. Records go to `hooks.save` as they are made.
 */
export async function runBenchSweep(
  cases: readonly BenchCase[],
  settings: SweepSettings,
  hooks: SweepHooks,
): Promise<SweepResult> {
  const now = hooks.now ?? (() => performance.now());
  const start = now();
  const s = {
    warmup: settings.warmup ?? 1,
    runs: Math.max(1, settings.runs ?? 5),
    maxCaseMs: settings.maxCaseMs ?? 10 * 60_000,
  };
  const byKey = new Map<string, BenchRow | SkipRecord>(hooks.done);
  const shapeCache = new Map<string, { forwardMs: number; matmulFloorMs: number }>();
  const result: SweepResult = { rows: [], skipped: [], measuredNow: 0, reused: 0, notRun: [] };
  const measuredRows = () => [...byKey.values()].filter((r): r is BenchRow => !isSkip(r));
  let budgetHit = false;
  let pytorchNoted = false;

  const record = async (rec: BenchRow | SkipRecord) => {
    byKey.set(caseKey(rec), rec);
    await hooks.save(rec);
    result.measuredNow++;
  };

  for (const c of cases) {
    const key = caseKey(c);
    const label = `${c.unit} ${c.cell} ${methodLabel(c)} ${c.backend} B=${c.B} T=${c.T} D=${c.D}` +
      (c.V ? ` V=${c.V}` : "");
    const earlier = hooks.done.get(key);
    if (earlier && !(isSkip(earlier) && settings.retrySkipped)) {
      result.reused++;
      continue;
    }
    if (budgetHit || (settings.budgetMs !== undefined && now() - start > settings.budgetMs)) {
      budgetHit = true;
      result.notRun.push({ c, why: "budget" });
      continue;
    }
    const isTorch = c.mode === "pytorch" || c.mode === "pytorch-dsf-ref";
    if (isTorch && !hooks.pytorch) {
      if (!pytorchNoted) {
        hooks.log(`note: PyTorch peers left out (${hooks.pytorchMissing ?? "no runner"})`);
        pytorchNoted = true;
      }
      result.notRun.push({ c, why: `PyTorch absent: ${hooks.pytorchMissing ?? "no runner"}` });
      continue;
    }
    const est = estimateCase(c, measuredRows());
    if (est) {
      const totalMs = est.stepMs * (s.warmup + 3);
      if (totalMs > s.maxCaseMs) {
        const why =
          `beyond time: est. ${(est.stepMs / 1000).toFixed(1)} s/step from ${est.from}, ` +
          `${(totalMs / 60000).toFixed(1)} min > ${(s.maxCaseMs / 60000).toFixed(1)} min per case`;
        hooks.log(`skip ${label}: ${why}`);
        await record({ ...c, skipped: why });
        continue;
      }
      if (
        settings.maxBytes !== undefined && est.peakBytes !== null &&
        est.peakBytes > settings.maxBytes
      ) {
        const why =
          `beyond memory: est. ${(est.peakBytes / 2 ** 30).toFixed(2)} GiB from ${est.from} ` +
          `> ${(settings.maxBytes / 2 ** 30).toFixed(2)} GiB`;
        hooks.log(`skip ${label}: ${why}`);
        await record({ ...c, skipped: why });
        continue;
      }
    }
    const t0 = now();
    try {
      let row: BenchRow;
      if (isTorch) {
        const out = await hooks.pytorch!(c, { warmup: s.warmup, runs: s.runs });
        if ("error" in out) throw new Error(out.error);
        row = { ...out, ...c };
      } else {
        hooks.prepare?.(c);
        const m = await measureTfjs(c, s, shapeCache);
        const note = [settings.note, m.note].filter((x) => x).join("; ");
        row = {
          ...c,
          forwardMs: m.forwardMs,
          matmulFloorMs: m.matmulFloorMs,
          stepMs: m.step.medianMs,
          stepMinMs: m.step.minMs,
          stepMaxMs: m.step.maxMs,
          peakBytes: m.peakBytes,
          seqDispatches: m.seqDispatches,
          backwardKernels: m.backwardKernels,
          runs: m.runs,
          ...(note ? { note } : {}),
        };
      }
      await record(row);
      hooks.log(
        `done ${label}: step ${row.stepMs.toFixed(1)} ms (${((now() - t0) / 1000).toFixed(1)} s)`,
      );
    } catch (err) {
      const why = `failed: ${(err as Error).message ?? String(err)}`.slice(0, 300);
      hooks.log(`skip ${label}: ${why}`);
      await record({ ...c, skipped: why });
    }
  }
  for (const c of cases) {
    const rec = byKey.get(caseKey(c));
    if (!rec) continue;
    if (isSkip(rec)) result.skipped.push(rec);
    else result.rows.push(rec);
  }
  return result;
}
