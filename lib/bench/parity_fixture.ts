/**
 * The parity fixtures (tests/fixtures/parity/<case>.json): PyTorch's numbers for the first steps
 * of a parity run, small enough to commit, and the check that replays ours against them in CI
 * without PyTorch. Per mode: the losses of every step and, per parameter of the step-1
 * gradient, its norm, a few entries at fixed spread indices and (newer fixtures) its dot
 * products with fixed ±1 vectors: a projection sees an error anywhere in the tensor, where a
 * sparse gradient's (an embedding's) sampled entries are mostly zeros.
 *
 * @module
 */
import type { NamedTensor } from "../models/torch_names.ts";

/** One mode's numbers in a fixture. */
export interface ParityModeFixture {
  /** PyTorch's loss at steps 1..n. */
  losses: number[];
  /** ‖g‖ of each parameter's step-1 gradient (PyTorch names). */
  gradNorms: Record<string, number>;
  /** Entries [index, value] of each step-1 gradient (row-major, PyTorch layout). */
  gradSamples: Record<string, [number, number][]>;
  /** ⟨g, r_k⟩ for k = 0..n−1, r_k the ±1 vectors of {@link projectionSign}. */
  gradProjections?: Record<string, number[]>;
}

/** A fixture file. */
export interface ParityFixture {
  /** The parity case (absent in the first fixture, ptb). */
  case?: string;
  /** Steps replayed. */
  steps: number;
  /** sha256 of the batches' ids, targets and masks (lib/bench/parity.ts `batchesHash`). */
  inputsHash: string;
  /** Per gradient mode. */
  modes: Record<string, ParityModeFixture>;
}

/** How close ours must be; every bound is relative. */
export interface ParityTolerance {
  /** Gradients: |Δ‖g‖|, |Δ entry| and |Δ projection| ≤ grad · ‖g_torch‖, per parameter. */
  grad: number;
  /** Losses: [step, bound] pairs, |Δ loss| ≤ bound · |loss_torch| at that step (1-based). */
  losses: [number, number][];
}

/**
 * The sign of entry `i` of projection vector `k`: a fixed hash (murmur3's finaliser), the
 * same in every run and language.
 */
export function projectionSign(i: number, k: number): 1 | -1 {
  let h = (Math.imul(i, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 1 ? 1 : -1;
}

/** ⟨g, r_k⟩ (summed in float64). @param g [n] */
export function projection(g: Float32Array, k: number): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += projectionSign(i, k) * g[i];
  return s;
}

/** ‖g‖ (float64). @param g [n] */
export function norm(g: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/** x to 9 significant digits (a float32 survives; the fixture stays small). */
function digits9(x: number): number {
  return Number(x.toPrecision(9));
}

/**
 * One mode's fixture entry from PyTorch's losses and step-1 gradients (9 significant digits).
 * @param options.samples entries per parameter, at indices ⌊k · 2654435761 mod n⌋
 * @param options.projections projections per parameter (0: none, as the ptb fixture)
 */
export function modeFixture(
  losses: number[],
  grads: Record<string, NamedTensor>,
  options: { samples: number; projections: number },
): ParityModeFixture {
  const out: ParityModeFixture = { losses: losses.map(digits9), gradNorms: {}, gradSamples: {} };
  if (options.projections > 0) out.gradProjections = {};
  for (const [name, g] of Object.entries(grads)) {
    out.gradNorms[name] = digits9(norm(g.data));
    out.gradSamples[name] = Array.from({ length: options.samples }, (_, k) => {
      const i = Math.floor((k * 2654435761) % g.data.length);
      return [i, digits9(g.data[i])];
    });
    if (out.gradProjections) {
      out.gradProjections[name] = Array.from(
        { length: options.projections },
        (_, k) => digits9(projection(g.data, k)),
      );
    }
  }
  return out;
}

/**
 * Ours against one mode's fixture entry.
 * @param ours our losses (at least as many as the bounds ask) and step-1 gradients (PyTorch
 *   names and layouts)
 * @returns one line per failed bound (empty: ours matches)
 */
export function compareToFixture(
  ours: { losses: number[]; grads: Record<string, NamedTensor> },
  want: ParityModeFixture,
  tol: ParityTolerance,
): string[] {
  const fails: string[] = [];
  for (const [name, n] of Object.entries(want.gradNorms)) {
    const g = ours.grads[name]?.data;
    if (!g) {
      fails.push(`${name}: no gradient`);
      continue;
    }
    const bound = tol.grad * n;
    const mine = norm(g);
    if (!(Math.abs(mine - n) <= bound)) fails.push(`${name}: ‖grad‖ ${mine} vs ${n}`);
    for (const [i, v] of want.gradSamples[name] ?? []) {
      if (!(Math.abs(g[i] - v) <= bound)) fails.push(`${name}[${i}]: ${g[i]} vs ${v}`);
    }
    (want.gradProjections?.[name] ?? []).forEach((p, k) => {
      const mine = projection(g, k);
      if (!(Math.abs(mine - p) <= bound)) fails.push(`${name} ⟨g, r${k}⟩: ${mine} vs ${p}`);
    });
  }
  for (const [step, bound] of tol.losses) {
    const a = ours.losses[step - 1];
    const b = want.losses[step - 1];
    if (!(Math.abs(a - b) <= bound * Math.abs(b))) {
      fails.push(`step ${step}: loss ${a} vs PyTorch ${b}`);
    }
  }
  return fails;
}

/** How far ours is from a fixture, in the units of {@link ParityTolerance}. */
export interface FixtureDeviation {
  /** max over parameters and checks (norm, entries, projections) of |Δ| / ‖g_torch‖. */
  grad: number;
  /** The parameter where it is largest. */
  gradParam: string;
  /** max over the fixture's steps of |Δ loss| / |loss_torch|. */
  loss: number;
  /** The step (1-based) where it is largest. */
  lossStep: number;
}

/** The largest deviations of ours from one mode's fixture entry (the margin of the bounds). */
export function fixtureDeviation(
  ours: { losses: number[]; grads: Record<string, NamedTensor> },
  want: ParityModeFixture,
): FixtureDeviation {
  const out: FixtureDeviation = { grad: 0, gradParam: "", loss: 0, lossStep: 1 };
  for (const [name, n] of Object.entries(want.gradNorms)) {
    const g = ours.grads[name].data;
    const devs = [
      Math.abs(norm(g) - n),
      ...(want.gradSamples[name] ?? []).map(([i, v]) => Math.abs(g[i] - v)),
      ...(want.gradProjections?.[name] ?? []).map((p, k) => Math.abs(projection(g, k) - p)),
    ];
    const d = Math.max(...devs) / n;
    if (d > out.grad) Object.assign(out, { grad: d, gradParam: name });
  }
  want.losses.forEach((b, i) => {
    const d = Math.abs(ours.losses[i] - b) / Math.abs(b);
    if (d > out.loss) Object.assign(out, { loss: d, lossStep: i + 1 });
  });
  return out;
}
