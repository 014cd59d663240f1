/**
 * Shared test helpers: the backends to test on, tolerance checks, fixture loading.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { crossEntropySum } from "../lib/models/cross_entropy.ts";
import type { Rng } from "../lib/util/rng.ts";
import type { RunLike } from "../lib/analysis/run_stats.ts";
import type { MetricRow } from "../lib/train/trainer.ts";

/** Backends every numerical test runs on (env DSF_TEST_BACKENDS, default cpu,wasm,webgpu). */
export const BACKENDS: ("cpu" | "wasm" | "webgpu")[] = (
  Deno.env.get("DSF_TEST_BACKENDS") ?? "cpu,wasm,webgpu"
).split(",").filter((b) => b) as ("cpu" | "wasm" | "webgpu")[];

/** Switches tfjs to `name` (webgpu: the software adapter is allowed). */
export async function useBackend(name: "cpu" | "wasm" | "webgpu"): Promise<void> {
  await initBackend({ backend: name, allowSoftwareGpu: true, quiet: true });
}

/** Reads a tensor's values asynchronously (webgpu in Deno cannot read synchronously). */
export async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data() as Float32Array);
}

/** Flattens nested arrays / typed arrays into a number[] (read tensors with {@link read}). */
export function flat(v: unknown): number[] {
  if (v instanceof tf.Tensor) throw new Error("flat: read tensors with `await read(t)` first");
  if (ArrayBuffer.isView(v)) return Array.from(v as Float32Array);
  if (Array.isArray(v)) return v.flatMap((x) => flat(x));
  return [v as number];
}

/**
 * Asserts `|a − b| ≤ tol · (|b| + max|b|)` elementwise (the project's float32 tolerance).
 * @param what names the quantity in the failure message
 */
export function assertClose(actual: unknown, expected: unknown, what: string, tol = 1e-5): void {
  const a = flat(actual);
  const b = flat(expected);
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} values, expected ${b.length}`);
  const maxB = b.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  for (let i = 0; i < a.length; i++) {
    const bound = tol * (Math.abs(b[i]) + maxB);
    if (!(Math.abs(a[i] - b[i]) <= bound)) {
      throw new Error(
        `${what}[${i}]: ${a[i]} vs expected ${b[i]} (|diff| ${Math.abs(a[i] - b[i])} > ${bound})`,
      );
    }
  }
}

/** Reads a JSON fixture from tests/fixtures/. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(Deno.readTextFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
}

/** The names of the single-layer fixture files. */
export function cellFixtures(): string[] {
  return [...Deno.readDirSync(new URL("./fixtures/", import.meta.url))]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".json") && !n.startsWith("stack_"))
    .sort();
}

/** Plain-JS reference of the DSF recurrence δ_t = e_t + λ δ_{t+1} over [T, B, S], in float64. */
export function referenceReverseScan(
  e: Float32Array,
  shape: number[],
  lambda: Float32Array,
): number[] {
  const [t, b, s] = shape;
  const out = new Array<number>(e.length);
  for (let j = 0; j < b * s; j++) {
    let d = 0;
    for (let i = t - 1; i >= 0; i--) {
      d = e[i * b * s + j] + lambda[j % s] * d;
      out[i * b * s + j] = d;
    }
  }
  return out;
}

/** A finished run as the findings read it: validation losses every 10 steps, train 0.1 above. */
export function runLike(label: string, valid: number[], seconds = 2, steps = 100): RunLike {
  const rows: MetricRow[] = valid.flatMap((loss, i) =>
    [
      { step: 10 * (i + 1), split: "train", loss: loss + 0.1, ppl: Math.exp(loss + 0.1) },
      { step: 10 * (i + 1), split: "valid", loss, ppl: Math.exp(loss) },
    ] as MetricRow[]
  );
  return { label, rows, summary: { steps, seconds, tokens: 1000 } };
}

/**
 * Float64 reference of the summed cross-entropy of rows `values` [n, v] against `ids`, and of
 * `scale` · (softmax − onehot), the gradient of `scale` · CE on the logits.
 */
export function crossEntropyReference(
  values: Float32Array,
  ids: Int32Array,
  [n, v]: [number, number],
  scale: number,
): { loss: number; grad: number[] } {
  let loss = 0;
  const grad: number[] = [];
  for (let r = 0; r < n; r++) {
    const row = Array.from(values.subarray(r * v, (r + 1) * v));
    const m = Math.max(...row);
    const s = row.reduce((a, x) => a + Math.exp(x - m), 0);
    loss += Math.log(s) + m - row[ids[r]];
    row.forEach((x, j) => grad.push(scale * (Math.exp(x - m) / s - (j === ids[r] ? 1 : 0))));
  }
  return { loss, grad };
}

/** Starts webgpu on any adapter; false, with a note naming `test`, where there is none. */
export async function webgpuAvailable(test: string): Promise<boolean> {
  try {
    await useBackend("webgpu");
    return true;
  } catch (err) {
    console.log(`${test}: skipped, no WebGPU here (${(err as Error).message})`);
    return false;
  }
}

/**
 * One cross-entropy case on the current backend: [n, v] logits (8·N(0, 1); at v = 400 spread over
 * 400, e^−400 below float32's range) and targets drawn from `rng`, their float64 reference at
 * scale 0.7 ({@link crossEntropyReference}), and `crossEntropySum` of them with the gradient of 0.7
 * times it recorded (`g`) and without (`plain`). The caller disposes `z`, `t`, `plain` and `g`.
 */
export function crossEntropyCase(rng: Rng, n: number, v: number) {
  const spread = v === 400 ? () => -rng.uniform(0, 400) : () => 8 * rng.normal();
  const values = Float32Array.from({ length: n * v }, spread);
  const ids = Int32Array.from({ length: n }, () => rng.int(v));
  // Float64 reference: Σ logsumexp − z[y], and 0.7·(softmax − onehot).
  const { loss: want, grad: wantGrad } = crossEntropyReference(values, ids, [n, v], 0.7);
  const init = tf.tensor2d(values, [n, v]);
  const z = tf.variable(init);
  init.dispose();
  const t = tf.tensor1d(ids, "int32");
  const g = tf.variableGrads(() => tf.mul(crossEntropySum(z, t), 0.7) as tf.Scalar, [z]);
  const plain = crossEntropySum(z, t); // no gradient recorded: the loss-only pass
  return { want, wantGrad, z, t, g, plain };
}
