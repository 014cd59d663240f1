/**
 * Our parameter names and layouts ↔ PyTorch's (`nn.Embedding`, `nn.GRU`/`nn.RNN`/`nn.LSTM` one
 * layer each, `nn.Linear` `[out, in]`, `nn.LayerNorm`), for `rnn-lm` and `transformer-like`:
 *
 *     embedding.weight            → embedding.weight                 [V, E]
 *     layer{i}.rnn.weight_ih      → layers.{i}.rnn.weight_ih_l0      (same layout)
 *     layer{i}.out.weight [in,out] → layers.{i}.out.weight [out, in]  (every Linear, transposed)
 *     layer{i}.ln1.weight         → layers.{i}.ln1.weight
 *     (λ of layer i)              → layers.{i}.feedback              [S]
 *
 * The PyTorch model that reads these names is `bench/torch_lm.py`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { LanguageModel } from "./model.ts";

/** One float32 tensor: row-major values and shape. */
export interface NamedTensor {
  /** The shape, outermost first. */
  shape: number[];
  /** The values, row-major. */
  data: Float32Array;
}

/** The models whose weights map onto PyTorch modules. */
export const TORCH_MODELS = ["rnn-lm", "transformer-like"] as const;

const RNN_WEIGHTS = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"];

/** PyTorch's name of one of our parameters, and whether its layout is transposed. */
export function torchName(name: string, rank: number): { name: string; transpose: boolean } {
  let out = name.replace(/^layer(\d+)\./, "layers.$1.");
  const rnn = /\.rnn\.(\w+)$/.exec(out);
  if (rnn && RNN_WEIGHTS.includes(rnn[1])) {
    return { name: `${out}_l0`, transpose: false };
  }
  out = out.replace(/^layers\.(\d+)\.rnn\./, "layers.$1.rnn.");
  const linear = rank === 2 && out.endsWith(".weight") && out !== "embedding.weight";
  return { name: out, transpose: linear };
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/** Tensors under our parameter names (weights, or their gradients) → PyTorch's. */
export async function toTorchTensors(
  named: Record<string, tf.Tensor>,
): Promise<Record<string, NamedTensor>> {
  const out: Record<string, NamedTensor> = {};
  for (const [name, v] of Object.entries(named)) {
    const data = Float32Array.from(await v.data() as Float32Array);
    const shape = v.shape as number[];
    const t = torchName(name, v.rank);
    out[t.name] = t.transpose
      ? { shape: [shape[1], shape[0]], data: transpose2d(data, shape[0], shape[1]) }
      : { shape: [...shape], data };
  }
  return out;
}

/** The model's weights and λs under PyTorch's names and layouts. */
export async function torchState(model: LanguageModel): Promise<Record<string, NamedTensor>> {
  const out = await toTorchTensors(model.params);
  const layers = model.recurrentLayers();
  for (let i = 0; i < layers.length; i++) {
    const fb = layers[i].feedback;
    if (fb) {
      out[`layers.${i}.feedback`] = {
        shape: [...fb.shape],
        data: Float32Array.from(await fb.data() as Float32Array),
      };
    }
  }
  return out;
}

/**
 * Sets the model's weights (and λs, when present) from tensors under PyTorch's names.
 * @throws Error naming the first tensor that is missing, unknown or of the wrong shape;
 *   nothing is assigned then
 */
export function loadTorchState(model: LanguageModel, tensors: Record<string, NamedTensor>): void {
  const plan: [tf.Variable, Float32Array][] = [];
  const used = new Set<string>();
  for (const [name, v] of Object.entries(model.params)) {
    const shape = v.shape as number[];
    const t = torchName(name, v.rank);
    const src = tensors[t.name];
    if (!src) {
      throw new Error(
        `the file has no tensor ${t.name} (our ${name}, shape [${
          t.transpose ? [v.shape[1], v.shape[0]] : v.shape
        }])`,
      );
    }
    const want = t.transpose ? [shape[1], shape[0]] : shape;
    if (src.shape.join() !== want.join()) {
      throw new Error(`tensor ${t.name} has shape [${src.shape}], this model needs [${want}]`);
    }
    plan.push([v, t.transpose ? transpose2d(src.data, src.shape[0], src.shape[1]) : src.data]);
    used.add(t.name);
  }
  const layers = model.recurrentLayers();
  const feedbacks: [number, number[]][] = [];
  layers.forEach((l, i) => {
    const src = tensors[`layers.${i}.feedback`];
    if (!src) return;
    used.add(`layers.${i}.feedback`);
    if (!l.feedback) return; // a layer trained without DSF has no λ to set
    if (src.data.length !== l.feedback.size) {
      throw new Error(
        `tensor layers.${i}.feedback has ${src.data.length} values, this model needs ${l.feedback.size}`,
      );
    }
    feedbacks.push([i, Array.from(src.data)]);
  });
  const unknown = Object.keys(tensors).filter((k) => !used.has(k));
  if (unknown.length) {
    throw new Error(`the file has tensors this model does not: ${unknown.slice(0, 3).join(", ")}`);
  }
  for (const name of used) {
    const at = tensors[name].data.findIndex((x) => !Number.isFinite(x));
    if (at >= 0) {
      throw new Error(
        `tensor ${name} holds ${tensors[name].data[at]} at index ${at}: weights to start from ` +
          "must be finite (export them from a run that did not diverge)",
      );
    }
  }
  tf.tidy(() => {
    for (const [v, data] of plan) v.assign(tf.tensor(data, v.shape, "float32"));
  });
  for (const [i, values] of feedbacks) layers[i].setFeedback(values);
}
