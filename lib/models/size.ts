/**
 * How much memory a config's model needs to train, estimated before it is built, so that a
 * size the machine cannot hold (`--set hidden=1e9`) is refused with one line instead of
 * failing inside an allocation.
 *
 * @module
 */
import type { Config } from "../config/schema.ts";
import type { ModelConfig } from "../config/parts.ts";

const GATES: Record<string, number> = { rnn: 1, gru: 3, lstm: 4 };

/**
 * An upper estimate of the model's parameter count: embedding and head (V·E + D·V), and per
 * layer the recurrent cell's G·D·(E + D) plus 12·D² for any attention or MLP block.
 */
export function estimateParams(config: ModelConfig, vocabSize: number): number {
  const { hidden: d, embed: e, layers: l, context: t } = config;
  const g = GATES[config.cell] ?? 4;
  return vocabSize * e + d * vocabSize + l * (g * d * (e + d) + 12 * d * d) + t * d;
}

/**
 * Bytes to train it: the parameters, their gradients and Adam's two moments in float32, and
 * the activations of a batch (B·T·D per gate and layer, kept for the backward).
 */
export function estimateTrainingBytes(
  config: ModelConfig & Pick<Config, "batchSize">,
  vocabSize: number,
): number {
  const g = GATES[config.cell] ?? 4;
  const activations = config.batchSize * config.context *
    (config.layers * (g + 4) * config.hidden + 2 * vocabSize);
  return 4 * (4 * estimateParams(config, vocabSize) + activations);
}

/**
 * Refuses a model that cannot fit: more than the wasm heap's 4 GiB on wasm, or more than the
 * machine's memory elsewhere.
 * @throws Error (one line) with the estimate and what to make smaller
 */
export function checkModelFits(
  config: ModelConfig & Pick<Config, "batchSize">,
  vocabSize: number,
  options: { backend: string; memoryBytes?: number },
): void {
  const need = estimateTrainingBytes(config, vocabSize);
  const limit = options.backend === "wasm"
    ? 4 * 2 ** 30
    : options.memoryBytes ?? Deno.systemMemoryInfo().total;
  if (need > limit) {
    const gib = (bytes: number) => {
      const g = bytes / 2 ** 30;
      return g >= 1e6 ? g.toExponential(1) : g.toFixed(1);
    };
    throw new Error(
      `the model would need about ${gib(need)} GiB to train (hidden ${config.hidden}, embed ` +
        `${config.embed}, layers ${config.layers}, vocabulary ${vocabSize}, batch ` +
        `${config.batchSize} × ${config.context}), more than the ${gib(limit)} GiB ` +
        `${options.backend === "wasm" ? "the wasm backend can hold" : "this machine has"}: ` +
        `make hidden, layers, vocabSize, batchSize or context smaller`,
    );
  }
}
