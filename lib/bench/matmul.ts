/**
 * The matMul benchmark: one product `[M, K]·[K, N]` in its three forms (plain, `aᵀ·b`, `a·bᵀ`),
 * on each backend variant of a run (e.g. wasm's XNNPACK kernel and the native BLAS at 1 and 2
 * threads), so that their ratios come from one run.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { timeRuns } from "./timing.ts";

/** The three forms of the product, as `tf.matMul`'s transpose flags. */
export const MATMUL_FORMS = [
  { form: "a·b", transposeA: false, transposeB: false },
  { form: "aᵀ·b", transposeA: true, transposeB: false },
  { form: "a·bᵀ", transposeA: false, transposeB: true },
] as const;

/** One measured product. */
export interface MatMulRow {
  /** The backend variant's label, e.g. "wasm" or "wasm+blas2". */
  variant: string;
  /** "a·b", "aᵀ·b" or "a·bᵀ". */
  form: string;
  M: number;
  K: number;
  N: number;
  /** Median of the timed runs. */
  ms: number;
  /** Arithmetic rate at the median, 2·M·K·N / time. */
  gflops: number;
}

/**
 * Times `[M, K]·[K, N]` in each form on each variant (`prepare` switches to one).
 * @param shape the product's M, K, N
 * @param options the variants, the switch, and the timed runs per product
 */
export async function timeMatMuls(
  shape: { M: number; K: number; N: number },
  options: { variants: string[]; prepare(variant: string): void; runs?: number },
): Promise<MatMulRow[]> {
  const { M, K, N } = shape;
  const rows: MatMulRow[] = [];
  for (const { form, transposeA, transposeB } of MATMUL_FORMS) {
    const a = tf.randomUniform(transposeA ? [K, M] : [M, K], -1, 1, "float32", 1); // [M, K]
    const b = tf.randomUniform(transposeB ? [N, K] : [K, N], -1, 1, "float32", 2); // [K, N]
    for (const variant of options.variants) {
      options.prepare(variant);
      const t = await timeRuns(() => tf.matMul(a, b, transposeA, transposeB), {
        warmup: 1,
        runs: options.runs ?? 5,
      });
      rows.push({
        variant,
        form,
        M,
        K,
        N,
        ms: t.medianMs,
        gflops: (2 * M * K * N) / t.medianMs / 1e6,
      });
    }
    tf.dispose([a, b]);
  }
  return rows;
}

/** A Markdown table of {@link timeMatMuls}'s rows with each row's speed-up over the first variant. */
export function formatMatMulTable(rows: readonly MatMulRow[]): string {
  const lines = [
    "| product | variant | ms | GFLOP/s | × first variant |",
    "|---|---|---:|---:|---:|",
  ];
  for (const r of rows) {
    const base = rows.find((x) => x.form === r.form)!;
    const what = `${r.form} [${r.M},${r.K}]·[${r.K},${r.N}]`;
    lines.push(
      `| ${what} | ${r.variant} | ${r.ms.toFixed(1)} | ${r.gflops.toFixed(1)} | ${
        (base.ms / r.ms).toFixed(1)
      } |`,
    );
  }
  return lines.join("\n");
}
