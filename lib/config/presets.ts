/**
 * One preset per experiment of the paper, mirroring the reference configs (GitHub
 * `p0lcAi/DSF`, `configs/`), each with four scales:
 *
 * - `paper`: the paper's sizes (the reference config as written);
 * - `smoke`: CI — tiny sizes and a few steps, seconds;
 * - `quick`: the default — minutes on a 2-core CPU;
 * - `small`: up to about an hour.
 *
 * The `wt-*` presets use `dataset: "wikitext-2"` at every scale: the paper trained on
 * WikiText-103, whose training split is not available offline. Pass `dataset=wikitext-103`
 * to use it where it is. A scale patch sets `steps`, a budget that replaces the epochs; the
 * schedule is expressed in fractions of the run and scales with it.
 *
 * @module
 */
import type { ConfigPatch, Scale } from "./schema.ts";

/** An experiment: what it reproduces, the paper-scale patch and the smaller scales' patches. */
export interface Preset {
  /** One line: which figure/table of the paper, and what varies. */
  description: string;
  /** Patches over the defaults, one per scale (`paper` is the reference config). */
  scales: Record<Scale, ConfigPatch>;
}

// ---------------------------------------------------------------- PTB (Fig. 1)

/** Reference `configs/ptb_word/*.yml`: Adam 1e-3, wd 1e-4, ×0.1 at epochs 10 and 20 of 30. */
const PTB_PAPER: ConfigPatch = {
  dataset: "ptb",
  model: "rnn-lm",
  cell: "gru",
  context: 64,
  batchSize: 128,
  evalBatchSize: 256,
  epochs: 30,
  lr: 1e-3,
  weightDecay: 1e-4,
  clip: 0,
  schedule: { kind: "step", gamma: 0.1, milestones: [1 / 3, 2 / 3] },
};

const SMOKE: ConfigPatch = {
  hidden: 16,
  context: 16,
  batchSize: 4,
  evalBatchSize: 8,
  steps: 4,
  evalEvery: 2,
  evalBatches: 2,
};

function ptb(layers: number, hidden: number, extra: ConfigPatch = {}): Preset {
  return {
    description: `PTB word-level, GRU ${layers}×${hidden} (Fig. 1)`,
    scales: {
      paper: { ...PTB_PAPER, layers, hidden, ...extra },
      smoke: { ...PTB_PAPER, layers, ...extra, ...SMOKE },
      // sized later from measured tokens/s
      quick: {
        ...PTB_PAPER,
        layers,
        ...extra,
        hidden: hidden / 8,
        batchSize: 32,
        evalBatchSize: 64,
        steps: 400,
        evalEvery: 40,
        evalBatches: 10,
      },
      // sized later from measured tokens/s
      small: {
        ...PTB_PAPER,
        layers,
        ...extra,
        hidden: hidden / 2,
        batchSize: 64,
        evalBatchSize: 128,
        steps: 3000,
        evalEvery: 150,
        evalBatches: null,
      },
    },
  };
}

// ---------------------------------------------------------- WikiText (Fig. 2, 3, Tables 2-4)

/**
 * Reference `configs/wikitext103_word/*.yml`: transformer-like blocks, byte-level BPE 16k,
 * T = 256, batch 128, 5 epochs, Adam 1e-3, no weight decay, 10% warm-up + cosine to 0.1×lr.
 */
const WT_PAPER: ConfigPatch = {
  dataset: "wikitext-2",
  model: "transformer-like",
  cell: "gru",
  context: 256,
  batchSize: 128,
  evalBatchSize: 256,
  epochs: 5,
  lr: 1e-3,
  weightDecay: 0,
  clip: 0,
  schedule: { kind: "cosine", warmup: 0.1, floor: 0.1 },
  vocabSize: 16000,
};

function wt(
  description: string,
  shape: { layers: number; hidden: number; context?: number },
  extra: ConfigPatch = {},
): Preset {
  const { layers, hidden, context = 256 } = shape;
  const base = { ...WT_PAPER, layers, ...extra };
  return {
    description,
    scales: {
      paper: { ...base, hidden, context },
      smoke: { ...base, ...SMOKE, vocabSize: 300 },
      // sized later from measured tokens/s
      quick: {
        ...base,
        hidden: hidden / 8,
        context: context / 4,
        batchSize: 16,
        evalBatchSize: 32,
        steps: 400,
        evalEvery: 40,
        evalBatches: 10,
        vocabSize: 4000,
      },
      // sized later from measured tokens/s
      small: {
        ...base,
        hidden: hidden / 2,
        context: context / 2,
        batchSize: 32,
        evalBatchSize: 64,
        steps: 3000,
        evalEvery: 150,
        evalBatches: 50,
        vocabSize: 8000,
      },
    },
  };
}

// ------------------------------------------------------------------- synthetic recall

/** Our own task (not in the paper): recall the symbol seen `lag` steps ago. */
const SYNTHETIC: ConfigPatch = {
  dataset: "synthetic",
  model: "rnn-lm",
  cell: "gru",
  layers: 1,
  alphabet: 16,
  epochs: 1,
  lr: 1e-3,
  weightDecay: 0,
  clip: 0,
  schedule: { kind: "constant" },
};

/** Every experiment, by name. */
export const PRESETS: Readonly<Record<string, Preset>> = {
  "ptb-gru-1L256": ptb(1, 256),
  "ptb-gru-3L256": ptb(3, 256),
  "ptb-gru-1L1024": ptb(1, 1024),
  "ptb-gru-3L1024": ptb(3, 1024),
  // No reference config: same training as the word level, longer context so that most
  // character-level sentences fit (the reference truncates each sentence to the context).
  "ptb-char-gru-1L256": {
    ...ptb(1, 256, { dataset: "ptb-char", context: 256 }),
    description: "PTB character-level, GRU 1×256",
  },
  "wt-gru-3L128": wt("WikiText, GRU 3×128 (Fig. 2: hidden size)", { layers: 3, hidden: 128 }),
  "wt-gru-3L256": wt("WikiText, GRU 3×256 (Fig. 2: hidden size)", { layers: 3, hidden: 256 }),
  "wt-gru-3L512": wt("WikiText, GRU 3×512 (Fig. 2, Tables 2-4)", { layers: 3, hidden: 512 }),
  "wt-gru-3L1024": wt("WikiText, GRU 3×1024 (Fig. 2: hidden size)", { layers: 3, hidden: 1024 }),
  "wt-gru-1L512": wt("WikiText, GRU 1×512 (Table 2: depth)", { layers: 1, hidden: 512 }),
  "wt-gru-6L512": wt("WikiText, GRU 6×512 (Table 2: depth)", { layers: 6, hidden: 512 }),
  "wt-gru-12L512": wt("WikiText, GRU 12×512 (Table 2: depth)", { layers: 12, hidden: 512 }),
  // Table 3. Only T = 1024 has a reference config (20 epochs, eval batch 128, mirrored here);
  // T = 512 and 2048 keep the T = 256 training (5 epochs), with eval batch 128 at T = 2048.
  "wt-gru-3L512-T256": wt("WikiText, GRU 3×512, T = 256 (Table 3: context)", {
    layers: 3,
    hidden: 512,
    context: 256,
  }),
  "wt-gru-3L512-T512": wt("WikiText, GRU 3×512, T = 512 (Table 3: context)", {
    layers: 3,
    hidden: 512,
    context: 512,
  }),
  "wt-gru-3L512-T1024": wt(
    "WikiText, GRU 3×512, T = 1024 (Table 3: context)",
    { layers: 3, hidden: 512, context: 1024 },
    { epochs: 20, evalBatchSize: 128 },
  ),
  "wt-gru-3L512-T2048": wt(
    "WikiText, GRU 3×512, T = 2048 (Table 3: context)",
    { layers: 3, hidden: 512, context: 2048 },
    { evalBatchSize: 128 },
  ),
  "wt-rnn-3L512": wt("WikiText, vanilla RNN 3×512 (Fig. 3: cells)", { layers: 3, hidden: 512 }, {
    cell: "rnn",
    lr: 5e-4,
    clip: 1.0,
  }),
  "wt-lstm-3L512": wt("WikiText, LSTM 3×512 (Fig. 3: cells)", { layers: 3, hidden: 512 }, {
    cell: "lstm",
  }),
  "wt-gpt-3L512": wt(
    "WikiText, causal GPT-2-style Transformer 3×512, 8 heads (Table 4)",
    { layers: 3, hidden: 512 },
    { model: "gpt", heads: 8, mode: "bptt" },
  ),
  "wt-ema-3L512": wt(
    "WikiText, MEGA multi-head EMA 3×512 (Table 4)",
    { layers: 3, hidden: 512 },
    { model: "ema", emaDim: 16, mode: "bptt" },
  ),
  "synthetic-recall": {
    description: "Synthetic recall of the symbol `lag` steps back (ours, not in the paper)",
    scales: {
      paper: {
        ...SYNTHETIC,
        hidden: 256,
        context: 256,
        lag: 64,
        batchSize: 64,
        evalBatchSize: 64,
        steps: 5000,
        evalEvery: 100,
        evalBatches: 8,
      },
      smoke: { ...SYNTHETIC, ...SMOKE, lag: 4 },
      // sized later from measured tokens/s
      quick: {
        ...SYNTHETIC,
        hidden: 64,
        context: 64,
        lag: 16,
        batchSize: 32,
        evalBatchSize: 64,
        steps: 500,
        evalEvery: 50,
        evalBatches: 4,
      },
      // sized later from measured tokens/s
      small: {
        ...SYNTHETIC,
        hidden: 128,
        context: 128,
        lag: 32,
        batchSize: 64,
        evalBatchSize: 64,
        steps: 2000,
        evalEvery: 100,
        evalBatches: 8,
      },
    },
  },
};

/** The names of all presets, in the order above. */
export function listConfigs(): string[] {
  return Object.keys(PRESETS);
}
