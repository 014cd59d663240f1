/**
 * Text generation from a language model: repeated next-token sampling with a temperature.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../util/rng.ts";
import type { LanguageModel } from "./model.ts";

/** Options of {@link sample}. */
export interface SampleOptions {
  /** Tokens to generate (default 50). */
  tokens?: number;
  /** Softmax temperature; 0 = greedy (default 1). */
  temperature?: number;
  /** Seed of the sampler (default 0). */
  seed?: number;
  /** Keep at most this many ids of context (default: the model's `config.context`). */
  window?: number;
  /** Ids never sampled (e.g. padding). */
  exclude?: number[];
}

/**
 * Continues `prompt` by sampling one token at a time from the model's next-token distribution.
 * Each step reruns the model on the (windowed) sequence from a zero state.
 * @param prompt ids to start from (at least one)
 * @returns the generated ids (without the prompt)
 */
export async function sample(
  model: LanguageModel,
  prompt: ArrayLike<number>,
  options: SampleOptions = {},
): Promise<number[]> {
  if (prompt.length === 0) throw new Error("sample: the prompt needs at least one id");
  const { tokens = 50, temperature = 1, seed = 0, exclude = [] } = options;
  if (!(temperature >= 0)) throw new Error(`sample: temperature must be ≥ 0, got ${temperature}`);
  const window = options.window ?? model.config.context;
  const rng = new Rng(seed);
  const ids = Array.from(prompt);
  const out: number[] = [];
  for (let i = 0; i < tokens; i++) {
    const ctx = ids.slice(-window);
    const last = tf.tidy(() => {
      const logits = model.logits(tf.tensor2d([ctx], [1, ctx.length], "int32")); // [1, T, V]
      return tf.reshape(tf.slice(logits, [0, ctx.length - 1, 0], [1, 1, -1]), [-1]);
    });
    const z = Float64Array.from(await last.data() as Float32Array);
    last.dispose();
    for (const e of exclude) z[e] = -Infinity;
    let next = 0;
    if (temperature === 0) {
      for (let v = 1; v < z.length; v++) if (z[v] > z[next]) next = v;
    } else {
      const max = Math.max(...z);
      let total = 0;
      const p = z.map((
        v,
      ) => (total += Math.exp((v - max) / temperature), Math.exp((v - max) / temperature)));
      let u = rng.next() * total;
      while (next < p.length - 1 && (u -= p[next]) > 0) next++;
    }
    ids.push(next);
    out.push(next);
  }
  return out;
}
