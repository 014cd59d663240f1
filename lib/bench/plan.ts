/**
 * Which cases a benchmark sweep measures ({@link planCases}): every cell × T × D × method ×
 * backend variant, the PTB LM steps and the PyTorch peers, cheapest first.
 *
 * @module
 */
import { type BenchCase, type PeerMode, torchBackend } from "./results.ts";
import type { PtbShape } from "./ptb_lm.ts";
import type { CellKind } from "../cells/mod.ts";
import { REVERSE_SCAN_IMPLS, type ReverseScanImpl, scanImplsFor } from "../ops/reverse_scan.ts";
import { GRADIENT_MODES, type GradientMode } from "../recurrent.ts";

/** What a sweep covers. */
export interface SweepPlan {
  /** Cell kinds. */
  cells: CellKind[];
  /** Sequence lengths. */
  Ts: number[];
  /** Hidden widths. */
  Ds: number[];
  /** Batch. */
  B: number;
  /** The active tfjs backend's name. */
  backend: string;
  /**
   * Labels of the backend variants to measure every tfjs case on (e.g. "wasm" and
   * "wasm+blas1"); default `[backend]`. {@link SweepHooks.prepare} switches between them.
   */
  variants?: string[];
  /** The project's modes to measure (default bptt, ft-bptt, dsf). */
  modes?: GradientMode[];
  /** DSF reverse-scan algorithms (default sequential, scan, fft). */
  impls?: ReverseScanImpl[];
  /** Scan algorithms the library offers (default: all); others in `impls` are dropped. */
  available?: readonly string[];
  /** Peers to include (default none). */
  peers?: PeerMode[];
  /** The PTB LM step's shapes (default none). */
  ptb?: readonly PtbShape[];
  /** PyTorch thread counts, one peer backend each (default [1]). */
  torchThreads?: readonly number[];
}

/** The project's gradient modes, in table order. */
export const BENCH_MODES: readonly GradientMode[] = GRADIENT_MODES;

/**
 * The DSF scan algorithms a bench may take (all of reverseScan's); a kernel bound to a backend
 * ("webgpu", "wasm") is measured on that backend only.
 */
export const BENCH_IMPLS = REVERSE_SCAN_IMPLS;

/**
 * The cases of a plan, cheapest shapes first: ordered by T, then D, then cell; per shape the
 * project's methods, then the peers; the PTB cases sit with the layer shapes of their T and D.
 */
export function planCases(plan: SweepPlan): BenchCase[] {
  const modes = plan.modes ?? [...BENCH_MODES];
  const onBackend: readonly string[] = scanImplsFor(plan.backend);
  const impls = (plan.impls ?? [...BENCH_IMPLS]).filter((i) =>
    onBackend.includes(i) && (plan.available === undefined || plan.available.includes(i))
  );
  const peers = plan.peers ?? [];
  const variants = plan.variants ?? [plan.backend];
  type Method = Pick<BenchCase, "mode" | "impl">;
  const methods = (unit: "layer" | "ptb-lm"): Method[] => {
    const out: Method[] = [];
    for (const mode of modes) {
      if (mode === "dsf") { for (const impl of impls) out.push({ mode, impl }); }
      else out.push({ mode, impl: "-" });
    }
    // PyTorch has a peer for both units; tfjs-layers only for the layer.
    for (const p of peers) {
      if (unit === "layer" || p !== "tfjs-layers") out.push({ mode: p, impl: "-" });
    }
    return out;
  };
  const torchBackends = (plan.torchThreads ?? [1]).map(torchBackend);
  const keyed: { sort: number[]; c: BenchCase }[] = [];
  let n = 0;
  for (const T of plan.Ts) {
    for (const D of plan.Ds) {
      for (const [ci, cell] of plan.cells.entries()) {
        for (const m of methods("layer")) {
          const torch = m.mode.startsWith("pytorch");
          for (const backend of torch ? torchBackends : variants) {
            keyed.push({
              sort: [T, D, 0, ci, n++],
              c: { unit: "layer", cell, mode: m.mode, impl: m.impl, backend, B: plan.B, T, D },
            });
          }
        }
      }
    }
  }
  for (const { B, T, D, V } of plan.ptb ?? []) {
    for (const m of methods("ptb-lm")) {
      for (const backend of m.mode.startsWith("pytorch") ? torchBackends : variants) {
        keyed.push({
          sort: [T, D, 1, B, n++],
          c: { unit: "ptb-lm", cell: "gru", mode: m.mode, impl: m.impl, backend, B, T, D, V },
        });
      }
    }
  }
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  return keyed.sort((a, b) => cmp(a.sort, b.sort)).map((k) => k.c);
}
