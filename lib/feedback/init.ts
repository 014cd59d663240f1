/**
 * The initialisation of the DSF feedback vector λ (Λ = diag(λ)), one per recurrent layer: the
 * whole story of the `fixed` kind, and the start of the `fitted` one.
 *
 * - `linspace`: the reference code's deterministic `linspace(0, 1, S)` (both ends included:
 *   channel 0 is fully truncated, channel S−1 an undecayed reverse cumulative sum); the default;
 * - `uniform`: uniform random in [low, high] with a seed (the paper's text: "uniform in [0, 1]");
 * - `given`: any vector of length S.
 *
 * @module
 */
import { Rng } from "../util/rng.ts";

/** How λ is initialised. */
export interface FeedbackSpec {
  /** `linspace` (default), `uniform` or `given`. */
  init?: "linspace" | "uniform" | "given";
  /** Lower end (linspace and uniform); default 0. */
  low?: number;
  /** Upper end (linspace and uniform); default 1. */
  high?: number;
  /** Seed of `uniform`; default 0. */
  seed?: number;
  /** The vector itself, for `given` (length S). */
  values?: ArrayLike<number>;
}

/**
 * Builds λ for a state of size `size`.
 * @param size S, the state size (D, or 2·D for an LSTM)
 * @returns λ as [S] floats
 */
export function makeFeedback(size: number, spec: FeedbackSpec = {}): Float32Array {
  if (!Number.isInteger(size) || size <= 0) {
    throw new Error(`feedback: size must be a positive integer, got ${size}`);
  }
  const init = spec.init ?? (spec.values ? "given" : "linspace");
  const low = spec.low ?? 0;
  const high = spec.high ?? 1;
  const out = new Float32Array(size);
  switch (init) {
    case "linspace":
      for (let i = 0; i < size; i++) {
        out[i] = size === 1 ? low : low + ((high - low) * i) / (size - 1);
      }
      return out;
    case "uniform": {
      const rng = new Rng(spec.seed ?? 0);
      for (let i = 0; i < size; i++) out[i] = rng.uniform(low, high);
      return out;
    }
    case "given": {
      const v = spec.values;
      if (!v) throw new Error(`feedback: init "given" needs feedback.values (${size} numbers)`);
      if (v.length !== size) {
        throw new Error(`feedback.values has length ${v.length}, but the state size is ${size}`);
      }
      for (let i = 0; i < size; i++) {
        if (!Number.isFinite(v[i])) throw new Error(`feedback.values[${i}] is not a finite number`);
        out[i] = v[i];
      }
      return out;
    }
    default:
      throw new Error(`feedback.init "${init}" is unknown; use linspace, uniform or given`);
  }
}
