/**
 * The complexity measurements of §4 (Table 1) at notebook sizes: the sweep sizes per scale,
 * the temporal backward alone (the reverse scan), the backward of one recurrent layer per mode
 * (with its measured dependency depth), and the full training step through the benchmark
 * sweep ({@link runBenchSweep}). One timing helper, {@link timeRuns}, times them all.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type CellKind, createCell } from "../cells/mod.ts";
import type { Scale } from "../config/schema.ts";
import { reverseScan, type ReverseScanImpl, scanImplsFor } from "../ops/reverse_scan.ts";
import { Rng } from "../util/rng.ts";
import { trackDispatches } from "./dispatch.ts";
import type { BenchRow } from "./results.ts";
import { planCases, runBenchSweep } from "./sweep.ts";
import { timeRuns } from "./timing.ts";

/** Sizes of the complexity sweeps at a scale. */
export interface ComplexitySizes {
  /** Sequence lengths of the sweeps vs T. */
  Ts: number[];
  /** Hidden width of the sweeps vs T. */
  D: number;
  /** Hidden widths of the sweeps vs D. */
  Ds: number[];
  /** Sequence length of the sweeps vs D. */
  T: number;
  /** Batch. */
  B: number;
  /** Least timed runs per case. */
  runs: number;
  /**
   * Least milliseconds of untimed warm-up per case, and of timed runs: the JavaScript engine
   * needs dozens of calls before tfjs's per-kernel bookkeeping is compiled, and the minimum of
   * many short runs is the least disturbed by other processes.
   */
  warmupMs: number;
  /** Least milliseconds of timed runs per case (up to 200 runs). */
  measureMs: number;
  /** Timed training steps per case (after 3 warm-up steps; 1 at smoke). */
  stepRuns: number;
}

/** The sweep sizes per scale: smoke seconds, quick about a minute on a 2-core CPU. */
export function complexitySizes(scale: Scale): ComplexitySizes {
  switch (scale) {
    case "smoke":
      return {
        Ts: [8, 16, 32],
        D: 16,
        Ds: [8, 16, 32],
        T: 16,
        B: 4,
        runs: 1,
        warmupMs: 0,
        measureMs: 0,
        stepRuns: 1,
      };
    case "quick":
      return {
        Ts: [16, 32, 64, 128],
        D: 32,
        Ds: [16, 32, 64, 128],
        T: 32,
        B: 16,
        runs: 3,
        warmupMs: 150,
        measureMs: 150,
        stepRuns: 5,
      };
    case "small":
      return {
        Ts: [32, 64, 128, 256, 512],
        D: 64,
        Ds: [32, 64, 128, 256],
        T: 128,
        B: 32,
        runs: 5,
        warmupMs: 500,
        measureMs: 500,
        stepRuns: 5,
      };
    case "paper":
      return {
        Ts: [64, 128, 256, 512, 1024, 2048],
        D: 256,
        Ds: [64, 128, 256, 512, 1024],
        T: 256,
        B: 32,
        runs: 5,
        warmupMs: 1000,
        measureMs: 1000,
        stepRuns: 5,
      };
  }
}

/** One measured time. */
export type TimingRow = {
  /** Method, e.g. "bptt", "dsf-scan", "scan". */
  method: string;
  /** Sequence length. */
  T: number;
  /** Hidden (state) width. */
  D: number;
  /** Batch. */
  B: number;
  /** Fastest of the timed runs, ms (the least disturbed by other processes). */
  ms: number;
  /** Median of the timed runs, ms. */
  medianMs: number;
  /** Longest chain of dependent kernels (measured), when tracked. */
  seqDispatches?: number;
  /** Kernels run (measured), when tracked. */
  kernels?: number;
};

function randomTensor3d(shape: [number, number, number], rng: Rng): tf.Tensor3D {
  const n = shape[0] * shape[1] * shape[2];
  return tf.tensor3d(new Float32Array(n).map(() => rng.uniform(-1, 1)), shape);
}

/** The (T, D) shapes of a sweep vs T at width D, then vs D at length T (no duplicates). */
export function sweepShapes(z: Pick<ComplexitySizes, "Ts" | "D" | "Ds" | "T">): [number, number][] {
  const out: [number, number][] = [];
  const seen = new Set<string>();
  for (const [t, d] of [...z.Ts.map((t) => [t, z.D]), ...z.Ds.map((d) => [z.T, d])]) {
    const k = `${t}|${d}`;
    if (!seen.has(k)) out.push([t, d]);
    seen.add(k);
  }
  return out;
}

/**
 * Times the temporal part of the DSF backward alone: {@link reverseScan} of e [T, B, D] with
 * λ = linspace(0, 1, D), per implementation, with its measured dependency depth; each row's
 * method is `dsf-<impl>`, as the layer backward's rows name the same implementation (one name,
 * one colour, in every part of the complexity notebook).
 */
export async function timeReverseScan(
  z: ComplexitySizes,
  impls: readonly ReverseScanImpl[] = scanImplsFor(),
): Promise<TimingRow[]> {
  const rows: TimingRow[] = [];
  for (const [T, D] of sweepShapes(z)) {
    const rng = new Rng(T * 1000 + D);
    const e = randomTensor3d([T, z.B, D], rng);
    const lambda = tf.linspace(0, 1, D) as tf.Tensor1D;
    try {
      for (const impl of impls) {
        rows.push(
          await measureRow(() => reverseScan(e, lambda, { impl }), {
            method: `dsf-${impl}`,
            T,
            D,
            z,
          }),
        );
      }
    } finally {
      tf.dispose([e, lambda]);
    }
  }
  return rows;
}

/**
 * Times `run` (fastest and median of {@link timeRuns}, time-boxed by the sweep sizes) and
 * measures its dependency depth.
 */
async function measureRow(
  run: () => tf.Tensor,
  at: { method: string; T: number; D: number; z: ComplexitySizes },
): Promise<TimingRow> {
  const { runs, warmupMs, measureMs } = at.z;
  const t = await timeRuns(run, { warmup: 1, runs, warmupMs, measureMs, maxRuns: 200 });
  const d = trackDispatches(run);
  await d.result.data();
  d.result.dispose();
  return {
    method: at.method,
    T: at.T,
    D: at.D,
    B: at.z.B,
    ms: t.minMs,
    medianMs: t.medianMs,
    seqDispatches: d.criticalPath,
    kernels: d.kernels,
  };
}

/** A layer-backward method: a mode, and for dsf its scan implementation. */
export type LayerMethod = "bptt" | "ft-bptt" | `dsf-${ReverseScanImpl}`;

/** The layer-backward methods on the active backend: bptt, ft-bptt, dsf-<each impl>. */
export function layerMethods(impls: readonly ReverseScanImpl[] = scanImplsFor()): LayerMethod[] {
  return ["bptt", "ft-bptt", ...impls.map((i) => `dsf-${i}` as LayerMethod)];
}

/**
 * Times the backward of one recurrent layer alone (the fused cell's hand-written backwards,
 * on activations kept by one forward): BPTT's `bpttBackward(e)` against the local backward
 * after the temporal part — none (FT-BPTT) or a reverse scan (DSF). Also measures each one's
 * dependency depth (the longest chain of dependent kernels).
 */
export async function timeLayerBackward(
  z: ComplexitySizes,
  options: { cell?: CellKind; methods?: readonly LayerMethod[] } = {},
): Promise<TimingRow[]> {
  const kind = options.cell ?? "gru";
  const methods = options.methods ?? layerMethods();
  const rows: TimingRow[] = [];
  for (const [T, D] of sweepShapes(z)) {
    const cell = createCell(kind, { input: D, hidden: D }, { seed: 0 });
    const fused = cell.fused;
    if (!fused) throw new Error(`timeLayerBackward: the ${kind} cell has no fused path`);
    const rng = new Rng(T * 1000 + D + 1);
    const x = randomTensor3d([T, z.B, D], rng);
    const weights = Object.values(cell.params) as tf.Tensor[];
    const fwd = fused.forward(x, weights, { keep: true });
    const e = randomTensor3d([T, z.B, cell.stateSize], rng);
    const lambda = tf.linspace(0, 1, cell.stateSize) as tf.Tensor1D;
    const args = { x, states: fwd.states, saved: fwd.saved, weights };
    try {
      for (const method of methods) {
        const run = () =>
          tf.tidy(() => {
            let g;
            if (method === "bptt") g = fused.bpttBackward(e, args);
            else if (method === "ft-bptt") g = fused.localBackward(e, args);
            else {
              const impl = method.slice(4) as ReverseScanImpl;
              g = fused.localBackward(reverseScan(e, lambda, { impl }), args);
            }
            // One tensor that depends on every output, to wait on.
            return tf.addN([tf.sum(g.dx), ...g.dWeights.map((w) => tf.sum(w))]);
          });
        // The final sum adds a few kernels of depth; the same for every method.
        rows.push(await measureRow(run, { method, T, D, z }));
      }
    } finally {
      tf.dispose([x, e, lambda, fwd.states, ...fwd.saved]);
      for (const v of Object.values(cell.params)) v.dispose();
    }
  }
  return rows;
}

/**
 * Times a full training step of one recurrent layer (forward + backward + Adam) per mode and
 * DSF implementation, through the benchmark sweep (median of `runs`, with the backward's measured
 * dispatch depth), at the shapes of {@link sweepShapes}.
 */
export async function timeTrainingStep(
  z: ComplexitySizes,
  options: {
    cell?: CellKind;
    impls?: readonly ReverseScanImpl[];
    backend?: string;
    budgetMs?: number;
    log?: (line: string) => void;
  } = {},
): Promise<BenchRow[]> {
  const backend = options.backend ?? tf.getBackend();
  const cell = options.cell ?? "gru";
  const impls = [...(options.impls ?? scanImplsFor(backend))];
  const rows: BenchRow[] = [];
  for (const [T, D] of sweepShapes(z)) {
    const cases = planCases({ cells: [cell], Ts: [T], Ds: [D], B: z.B, backend, impls });
    const res = await runBenchSweep(cases, {
      warmup: z.stepRuns > 1 ? 3 : 1,
      runs: z.stepRuns,
      budgetMs: options.budgetMs,
    }, {
      done: new Map(),
      save: () => Promise.resolve(),
      log: options.log ?? (() => {}),
    });
    rows.push(...res.rows);
  }
  return rows;
}
