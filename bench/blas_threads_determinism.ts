/**
 * Whether OpenBLAS gives bitwise the same products on 1 and 2 threads, for the matMul shapes of
 * the PTB recipe's step (N = 8192 target positions, D = 256, 3D = 768, V = 10000), plain and
 * transposed. A long run keeps its thread count when they differ.
 *
 *     DSF_BLAS=require deno run -A bench/blas_threads_determinism.ts
 */
import { openBlas } from "../lib/native/blas.ts";
const choice = openBlas({ library: "require", threads: 1 });
const blas = choice.blas!;
function rand(n: number, seed: number) {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = (s / 2 ** 32) - 0.5;
  }
  return a;
}
const shapes = [
  [8192, 768, 256, false, false],
  [8192, 10000, 256, false, false],
  [256, 768, 8192, true, false],
  [8192, 256, 10000, false, true],
  [10000, 256, 8192, true, false],
  [32, 768, 256, false, false],
  [128, 768, 256, false, false],
  [256, 10000, 8192, true, false],
] as const;
let same = true;
for (const [m, n, k, ta, tb] of shapes) {
  const a = rand(m * k, 1), b = rand(k * n, 2);
  const out: Float32Array[] = [];
  for (const th of [1, 2]) {
    blas.setThreads(th);
    const c = new Float32Array(m * n);
    blas.sgemm({ m, n, k, transA: ta, transB: tb }, a, b, c);
    out.push(c);
  }
  let diff = 0;
  for (let i = 0; i < m * n; i++) if (out[0][i] !== out[1][i]) diff++;
  console.log(`${m}x${k}·${k}x${n} tA=${ta} tB=${tb}: ${diff} of ${m * n} differ`);
  if (diff) same = false;
}
console.log(same ? "bitwise identical" : "NOT identical");
