/**
 * Which dataset, model, mode or budget each config key applies to: the one place that knows.
 * A key given explicitly (`--set`, or `resolveConfig`'s `set`) where it does nothing is refused
 * with one line naming what it applies to, instead of being silently ignored
 * (`--set data.framing=chunks` on wikitext, `--set lag=4` on PTB, `--set feedback.kind=fitted`
 * with BPTT, `--set cell=lstm` on gpt). Preset and patch values are not checked: a preset
 * carries every key (the defaults) whether it uses it or not.
 *
 * Keys without a rule apply everywhere. Known exception, kept for the committed command lines
 * of `results/recall/`: `evalBatches` on `synthetic` (its validation is a fixed 8 batches).
 *
 * @module
 */
import type { Config } from "./schema.ts";
import type { Override } from "./overrides.ts";
import { fail } from "./checks.ts";

/** Where a key applies. */
export interface KeyRule {
  /** Says where it applies, e.g. `dataset synthetic`. */
  where: string;
  /** Whether it applies to `config`. */
  holds(config: Config): boolean;
  /** What of `config` decides it, e.g. `dataset ptb` (shown after "here:"). */
  here(config: Config): string;
}

const RECURRENT = ["rnn-lm", "transformer-like"];
const DATA_FRAMED = ["ptb", "ptb-char", "text"];

const onDataset = (datasets: readonly string[], where = `dataset ${datasets.join(", ")}`) => ({
  where,
  holds: (c: Config) => datasets.includes(c.dataset),
  here: (c: Config) => `dataset ${c.dataset}`,
});
const onModel = (models: readonly string[], what: string) => ({
  where: `model ${models.join(", ")} (${what})`,
  holds: (c: Config) => models.includes(c.model),
  here: (c: Config) => `model ${c.model}`,
});
const dsf = (c: Config) => RECURRENT.includes(c.model) && c.mode === "dsf";
const modeHere = (c: Config) =>
  RECURRENT.includes(c.model) ? `mode ${c.mode}` : `model ${c.model}, which has no mode`;
const onDsf = (extra: string, cond: (c: Config) => boolean, here: (c: Config) => string) => ({
  where: `mode dsf${extra}`,
  holds: (c: Config) => dsf(c) && cond(c),
  here: (c: Config) => (dsf(c) ? here(c) : modeHere(c)),
});

/** `feedback.low` and `feedback.high`: the range of a linspace or uniform stationary λ. */
const LAMBDA_RANGE = onDsf(
  " with feedback.init=linspace or uniform and a stationary λ",
  (c) => c.feedback.init !== "given" && c.feedback.kind !== "jacobian-diagonal",
  (c) =>
    c.feedback.kind === "jacobian-diagonal"
      ? "feedback.kind jacobian-diagonal"
      : "feedback.init given",
);

/**
 * The rules, by dotted key; a nested key without its own rule takes its parent's (`data.path`
 * takes `data`'s).
 */
export const KEY_RULES: Readonly<Record<string, KeyRule>> = {
  "data": onDataset(["text"]),
  "data.framing": onDataset(DATA_FRAMED),
  "data.split": {
    where: "dataset text with data.path (one file to split)",
    holds: (c) => c.dataset === "text" && c.data.path !== null,
    here: (
      c,
    ) => (c.dataset === "text" ? "data.train, valid and test given" : `dataset ${c.dataset}`),
  },
  vocabSize: {
    where: "dataset wikitext-2, wikitext-103, or text with data.tokenizer=bpe (PTB's and the " +
      "synthetic task's vocabularies are fixed, a text's characters are its own)",
    holds: (c) =>
      c.dataset.startsWith("wikitext") || (c.dataset === "text" && c.data.tokenizer === "bpe"),
    here: (c) => (c.dataset === "text" ? "data.tokenizer char" : `dataset ${c.dataset}`),
  },
  lag: onDataset(["synthetic"]),
  alphabet: onDataset(["synthetic"]),
  evalBatchSize: onDataset(
    ["ptb", "ptb-char", "wikitext-2", "wikitext-103", "text"],
    "every dataset but synthetic (its validation batches are batchSize rows)",
  ),
  mode: onModel(RECURRENT, "gpt and ema train by backpropagation only"),
  cell: onModel(RECURRENT, "the models with a recurrent cell"),
  embed: onModel(["rnn-lm"], "the pre-norm models embed at hidden"),
  heads: onModel(["gpt"], "attention heads"),
  emaDim: onModel(["ema"], "the EMA's state"),
  dsfImpl: onDsf("", () => true, modeHere),
  feedback: onDsf("", () => true, modeHere),
  "feedback.every": onDsf(
    " with feedback.kind=fitted",
    (c) => c.feedback.kind === "fitted",
    (c) => `feedback.kind ${c.feedback.kind}`,
  ),
  // λ's initialisation: a stationary λ only (the jacobian-diagonal kind has none).
  "feedback.init": onDsf(
    " with a stationary λ (feedback.kind fixed or fitted)",
    (c) => c.feedback.kind !== "jacobian-diagonal",
    () => "feedback.kind jacobian-diagonal",
  ),
  "feedback.values": onDsf(
    " with a stationary λ (feedback.kind fixed or fitted)",
    (c) => c.feedback.kind !== "jacobian-diagonal",
    () => "feedback.kind jacobian-diagonal",
  ),
  "feedback.seed": onDsf(
    " with feedback.init=uniform and a stationary λ",
    (c) => c.feedback.init === "uniform" && c.feedback.kind !== "jacobian-diagonal",
    (c) =>
      c.feedback.kind === "jacobian-diagonal"
        ? "feedback.kind jacobian-diagonal"
        : `feedback.init ${c.feedback.init}`,
  ),
  "feedback.low": LAMBDA_RANGE,
  "feedback.high": LAMBDA_RANGE,
  epochs: {
    where: "a budget in epochs (steps=null)",
    holds: (c) => c.steps === null,
    here: (c) => `steps=${c.steps} is the budget; add --set steps=null to train by epochs`,
  },
  evals: {
    where: "evalEvery=0 (evals spread over the run)",
    holds: (c) => c.evalEvery === 0,
    here: (c) => `evalEvery=${c.evalEvery}`,
  },
  scale: {
    where: "the --scale option, which picks the preset's sizes (--set scale would only relabel)",
    holds: () => false,
    here: (c) => `scale ${c.scale}`,
  },
};

/** The rule of a dotted key: its own, else its parent's; undefined when it applies everywhere. */
export function keyRule(key: string): KeyRule | undefined {
  if (Object.hasOwn(KEY_RULES, key)) return KEY_RULES[key];
  const head = key.split(".")[0];
  return Object.hasOwn(KEY_RULES, head) ? KEY_RULES[head] : undefined;
}

/** The dotted keys an override sets: `data={"framing":"chunks"}` sets `data.framing`. */
function keysSet(o: Override): string[] {
  const { path, value } = o;
  const whole = path.length === 1 && value !== null && typeof value === "object" &&
    !Array.isArray(value) && (path[0] === "data" || path[0] === "feedback");
  return whole ? Object.keys(value).map((k) => `${path[0]}.${k}`) : [path.join(".")];
}

/**
 * Refuses an override of a key that does not apply to the resolved `config`.
 * @throws Error `Invalid config key "KEY": --set KEY does not apply here (HERE); it applies to
 *   WHERE`
 */
export function checkOverridesApply(config: Config, overrides: readonly Override[]): void {
  for (const o of overrides) {
    for (const key of keysSet(o)) {
      const rule = keyRule(key);
      if (rule && !rule.holds(config)) {
        fail(
          key,
          `--set ${key} does not apply here (${rule.here(config)}); it applies to ${rule.where}`,
        );
      }
    }
  }
}
