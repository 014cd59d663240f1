/**
 * The line `deno task train` prints when training fails midway: the error's first line, and for
 * tfjs-wasm's bare `Aborted()` what it most likely means and what to lower.
 *
 * @module
 */
import type { Config } from "../config/schema.ts";

/**
 * One line for a failure during training. tfjs-wasm's `Aborted()` is its heap running out (at
 * most 4 GB; the logits alone are batch × context × vocabulary floats): say so, and what to change.
 */
export function failureLine(
  e: unknown,
  config: Config,
  options: { vocabulary: number },
): string {
  const message = (e instanceof Error ? e.message : String(e)).split("\n")[0];
  if (!/^Aborted\(/.test(message)) return message;
  const v = options.vocabulary;
  const logitsMB = (4 * config.batchSize * config.context * v) / 2 ** 20;
  return `the wasm backend aborted (${message}): most likely its heap (at most 4 GB) ran out; ` +
    `the logits of one batch alone are ${Math.round(logitsMB)} MB (batch ${config.batchSize} × ` +
    `context ${config.context} × vocabulary ${v}), and the backward holds several ` +
    `such arrays: set microBatches (now ${config.microBatches}) higher, or ` +
    `lower batchSize (or evalBatchSize), context or vocabSize`;
}
