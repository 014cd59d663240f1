/**
 * The settings `deno task parity --case NAME` runs ours against PyTorch on (see
 * lib/bench/parity.ts): a preset at paper scale, narrowed where the CI replay must stay short,
 * and which of the recipe's training batches are used.
 *
 * | case         | model                                                   | data, T                        |
 * | ------------ | ------------------------------------------------------- | ------------------------------ |
 * | `ptb`        | rnn-lm GRU 1×256 (the PTB word recipe, batch 128)       | PTB words, T ≤ 64              |
 * | `wt-gru-3L`  | transformer-like, 3 pre-norm blocks, GRU mixer, D = 64  | WikiText-2 BPE 16k, T = 256    |
 * | `wt-lstm-3L` | transformer-like, 3 pre-norm blocks, LSTM mixer, D = 64 | WikiText-2 BPE 16k, T = 256    |
 * | `ptb-char`   | rnn-lm GRU 1×256                                        | PTB characters, T = 256        |
 *
 * D = 64 for the WikiText cases: the 16k-word head and the 3 × 256 sequential steps dominate a
 * step's time, and D = 64 takes the kernels 128 or 512 take (the one width test in them is
 * D mod 4, the SIMD GRU gate gradients), while depth (the gradient handed from block to block
 * through LayerNorm, MLP and residual) and T = 256 (the reverse recurrence's length) are what
 * these cases are for. Batches of 2 sequences keep each
 * mode's 10-step CI replay at 5–12 s on one core. Every case runs at a constant lr (the
 * presets' first-epoch value; the WikiText warm-up would make the first steps' lr near 0).
 *
 * @module
 */
import { resolveConfig } from "../config/resolve.ts";
import type { Config } from "../config/schema.ts";

/** One parity setting. */
export interface ParityCase {
  /** The preset (lib/config/presets.ts), resolved at paper scale. */
  preset: string;
  /** Overrides after the preset's (the mode, seed 0, constant lr and the backend come on top). */
  set: readonly string[];
  /** Keep only the batches whose T equals the context (sentence data: T is the longest row). */
  fullContext: boolean;
  /** One line for the summary: the model, shapes and data. */
  recipe: string;
  /** The fixture's file name under tests/fixtures/parity/. */
  fixture: string;
  /** The results folder (relative to the repository). */
  out: string;
  /** Sampled entries per parameter's step-1 gradient in the fixture. */
  samples: number;
  /** ±1 projections per parameter's step-1 gradient in the fixture (lib/bench/parity_fixture.ts). */
  projections: number;
}

/** Every parity case, by name. */
export const PARITY_CASES: Readonly<Record<string, ParityCase>> = {
  ptb: {
    preset: "ptb-gru-1L256",
    set: [],
    fullContext: false,
    recipe: "ptb-gru-1L256 (paper scale: GRU 1×256, batch 128, V 10,002), seed 0, constant lr 1e-3",
    fixture: "ptb.json",
    out: "results/parity",
    samples: 16,
    projections: 0,
  },
  "wt-gru-3L": {
    preset: "wt-gru-3L128",
    set: ["hidden=64", "batchSize=2"],
    fullContext: false,
    recipe: "wt-gru-3L128 at D = 64 (transformer-like, 3 pre-norm blocks with a GRU mixer and " +
      "an MLP), WikiText-2 BPE 16,000, T = 256, batch 2, seed 0, constant lr 1e-3",
    fixture: "wt-gru-3L.json",
    out: "results/parity-wt-gru-3L",
    samples: 4,
    projections: 2,
  },
  "wt-lstm-3L": {
    preset: "wt-lstm-3L512",
    set: ["hidden=64", "batchSize=2"],
    fullContext: false,
    recipe: "wt-lstm-3L512 at D = 64 (transformer-like, 3 pre-norm blocks with an LSTM mixer, " +
      "state concat(h, c) 128 wide, and an MLP), WikiText-2 BPE 16,000, T = 256, batch 2, " +
      "seed 0, constant lr 1e-3",
    fixture: "wt-lstm-3L.json",
    out: "results/parity-wt-lstm-3L",
    samples: 4,
    projections: 2,
  },
  "ptb-char": {
    preset: "ptb-char-gru-1L256",
    set: ["batchSize=8"],
    fullContext: true,
    recipe: "ptb-char-gru-1L256 (rnn-lm GRU 1×256 with skip, V 51), PTB characters, batch 8, " +
      "the recipe's first batches whose longest sentence fills T = 256, seed 0, constant lr 1e-3",
    fixture: "ptb-char.json",
    out: "results/parity-ptb-char",
    samples: 4,
    projections: 2,
  },
};

/**
 * The case named `name`.
 * @throws Error naming the cases when there is none of that name
 */
export function parityCase(name: string): ParityCase {
  const c = Object.hasOwn(PARITY_CASES, name) ? PARITY_CASES[name] : undefined;
  if (!c) {
    throw new Error(`no parity case "${name}"; use one of ${Object.keys(PARITY_CASES).join(", ")}`);
  }
  return c;
}

/** The case's config in one gradient mode (seed 0, constant lr) on `backend`. */
export function parityCaseConfig(name: string, mode: string, backend = "wasm"): Config {
  const c = parityCase(name);
  return resolveConfig(c.preset, {
    scale: "paper",
    set: [...c.set, `mode=${mode}`, "seed=0", "schedule.kind=constant", `backend=${backend}`],
  });
}
