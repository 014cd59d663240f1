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

/**
 * PTB at `quick`: a run of ~5–20 s. Measured on wasm, 2 cores shared with other jobs: PTB
 * word steps are dominated by the 10k-word softmax head, ~1,000 tokens/s at D = 64 under a
 * load of ~4–5 and ~3,300 tokens/s at D = 32 under ~2.5. Reduced: D = hidden/8 capped at 64,
 * sentences cut to 32 tokens (context 32; the mean sentence is ~23), batch 16, 50 steps (~18k
 * target tokens, ~2% of an epoch) at lr 5e-3 with a cosine decay instead of 30 epochs at 1e-3
 * with step decay, validation on 2 batches of 32 sentences every 10 steps. At this budget the
 * model learns little more than word frequencies: the modes are not expected to separate.
 */
const PTB_QUICK: ConfigPatch = {
  context: 32,
  batchSize: 16,
  evalBatchSize: 32,
  steps: 50,
  evalEvery: 10,
  evalBatches: 2,
  lr: 5e-3,
  schedule: { kind: "cosine", warmup: 0, floor: 0.1 },
};

/**
 * PTB at `small` (measured as above: D = 256 costs ~4–6 ms per target token, 3 layers ~1.5×
 * that): up to about an hour per run. The real data and 10k vocabulary; D = hidden for the
 * 256-unit presets, halved to 512 for the 1024-unit ones; batch 32 sentences, 600 steps
 * (~0.45M target tokens, about half an epoch) at lr 3e-3 with the paper's step decay at 1/3
 * and 2/3 of the run; validation on 10 batches of 64 sentences every 50 steps.
 * Estimated: 1L256 ≈ 20 min, 3L256 ≈ 35 min, 1L512 ≈ 40 min, 3L512 ≈ 65 min (BPTT, slowest).
 */
const PTB_SMALL: ConfigPatch = {
  batchSize: 32,
  evalBatchSize: 64,
  steps: 600,
  evalEvery: 50,
  evalBatches: 10,
  lr: 3e-3,
};

function ptb(
  layers: number,
  hidden: number,
  extra: ConfigPatch = {},
  quickExtra: ConfigPatch = {},
): Preset {
  return {
    description: `PTB word-level, GRU ${layers}×${hidden} (Fig. 1)`,
    scales: {
      paper: { ...PTB_PAPER, layers, hidden, ...extra },
      smoke: { ...PTB_PAPER, layers, ...extra, ...SMOKE },
      quick: {
        ...PTB_PAPER,
        layers,
        ...extra,
        hidden: Math.min(64, hidden / 8),
        ...PTB_QUICK,
        ...quickExtra,
      },
      small: { ...PTB_PAPER, layers, ...extra, hidden: Math.min(512, hidden), ...PTB_SMALL },
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

/**
 * WikiText at `quick`: a run of ~5–20 s. Measured on wasm, 2 cores shared with other jobs: a
 * 3-layer D = 64 block at T = 32, batch 32, BPE 1024 ran ~2,000–4,000 tokens/s under a load of
 * ~4–5 and ~5,000–6,000 under ~2.5 (1 layer: ~9,000), BPTT the slowest. Reduced: BPE
 * vocabulary 1024 instead of 16,000 (it trains in ~10 s, then is cached), D = hidden/8,
 * T = context/8, the batch scaled to 32 × 256/context sequences so that every context length
 * sees the same tokens per step (the paper keeps 128 sequences and the same tokens per epoch),
 * 40 steps (~41k tokens) at lr ×5 with the paper's warm-up + cosine shape, validation on 2
 * batches every 5 steps. At this budget the models barely pass unigram statistics: the modes
 * are not expected to separate.
 */
function wtQuick(hidden: number, context: number, lr: number): ConfigPatch {
  const T = context / 8;
  const batch = Math.max(1, Math.round((32 * 32) / T));
  return {
    hidden: hidden / 8,
    context: T,
    batchSize: batch,
    evalBatchSize: batch,
    steps: 40,
    evalEvery: 5,
    evalBatches: 2,
    vocabSize: 1024,
    lr: 5 * lr,
  };
}

/**
 * WikiText at `small` (measured as above: a 3-layer D = 128 block at T = 64, batch 32, BPE
 * 4096 costs ~4 s per step with DSF and ~12 s with BPTT): up to about an hour per run for the
 * 3-layer D ≤ 128 presets. Reduced: BPE 2048, D = hidden/4, T = context/4, batch 16 × 256/context
 * sequences (1024 tokens per step), 600 steps (~0.6M tokens) at lr ×2, validation on 10
 * batches every 50 steps. Time grows about linearly with depth (12 layers ≈ 3–4 h) and with D
 * (D = 256: ≈ 2 h).
 */
function wtSmall(hidden: number, context: number, lr: number): ConfigPatch {
  const T = context / 4;
  const batch = Math.max(1, Math.round((16 * 64) / T));
  return {
    hidden: hidden / 4,
    context: T,
    batchSize: batch,
    evalBatchSize: batch,
    steps: 600,
    evalEvery: 50,
    evalBatches: 10,
    vocabSize: 2048,
    lr: 2 * lr,
  };
}

function wt(
  description: string,
  shape: { layers: number; hidden: number; context?: number },
  extra: ConfigPatch = {},
): Preset {
  const { layers, hidden, context = 256 } = shape;
  const base = { ...WT_PAPER, layers, ...extra };
  const lr = base.lr ?? 1e-3;
  return {
    description,
    scales: {
      paper: { ...base, hidden, context },
      smoke: { ...base, ...SMOKE, vocabSize: 300 },
      quick: { ...base, ...wtQuick(hidden, context, lr) },
      small: { ...base, ...wtSmall(hidden, context, lr) },
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
    // At quick: sentences cut to 64 characters (the word-level quick cut is 32 tokens).
    ...ptb(1, 256, { dataset: "ptb-char", context: 256 }, { context: 64 }),
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
      // Measured (wasm, 2 shared cores under load ≈ 4): ~150 ms per BPTT step, ~70 ms with
      // FT-BPTT or DSF; 200 steps ≈ 10–20 s per run. Over 200 steps at lr 1e-2 the valid
      // perplexity went (chance = 16): BPTT 16 → 6.7, DSF 16 → 11.2, FT-BPTT stayed at 15.9.
      quick: {
        ...SYNTHETIC,
        hidden: 64,
        context: 32,
        lag: 8,
        batchSize: 32,
        evalBatchSize: 32,
        steps: 200,
        evalEvery: 25,
        evalBatches: 8,
        lr: 1e-2,
      },
      // ~8k tokens per step at ~5k tokens/s (BPTT, extrapolated from quick): ≈ 1.6 s per
      // step, 2000 steps ≈ 55 min. Longer lag (32) than quick; not yet checked to separate.
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
        lr: 3e-3,
      },
    },
  },
};

/** The names of all presets, in the order above. */
export function listConfigs(): string[] {
  return Object.keys(PRESETS);
}
