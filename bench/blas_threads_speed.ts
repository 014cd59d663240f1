/**
 * How much a second OpenBLAS thread speeds up each matMul shape of the PTB LM step (B = 32,
 * T = 64: N = 2048 positions, D = 256, 3D = 768, V = 10000), the large products of the head and
 * the input projection beside the small per-step product of BPTT's backward loop
 * (`[32, 768]·[768, 256]`, 63 a step). Interleaved: each round times every shape on 1 and then
 * 2 threads; the medians over the rounds are printed as a markdown table.
 *
 *     DSF_BLAS=require deno run -A bench/blas_threads_speed.ts [--rounds 15]
 */
import { parseArgs } from "node:util";
import { openBlas } from "../lib/native/blas.ts";

const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
const rounds = Number(values.rounds ?? 15);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error("blas_threads_speed: --rounds takes a positive integer, e.g. --rounds 15");
  Deno.exit(2);
}
const blas = openBlas({ library: "require", threads: 1 }).blas!;

/** [m, n, k, transA, transB, what] */
const shapes = [
  [2048, 10000, 256, false, false, "head forward h·W"],
  [2048, 256, 10000, false, true, "head backward dlogits·Wᵀ"],
  [256, 10000, 2048, true, false, "head weight gradient hᵀ·dlogits"],
  [2048, 768, 256, false, true, "GRU input projection x·W_ihᵀ"],
  [32, 768, 256, false, true, "one GRU step h·W_hhᵀ (forward)"],
  [32, 256, 768, false, false, "one BPTT step g·W_hh (backward loop)"],
] as const;

const data = shapes.map(([m, n, k]) => ({
  a: new Float32Array(m * k).map((_, i) => Math.sin(i)),
  b: new Float32Array(k * n).map((_, i) => Math.cos(i)),
  c: new Float32Array(m * n),
}));
const times = shapes.map(() => [[] as number[], [] as number[]]);
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
for (let round = -2; round < rounds; round++) { // two warm-up rounds
  for (const [i, [m, n, k, transA, transB]] of shapes.entries()) {
    for (const [j, threads] of [1, 2].entries()) {
      blas.setThreads(threads);
      const { a, b, c } = data[i];
      const repeat = m * n * k < 1e8 ? 50 : 1; // small products: time 50 calls
      const t0 = performance.now();
      for (let r = 0; r < repeat; r++) blas.sgemm({ m, n, k, transA, transB }, a, b, c);
      if (round >= 0) times[i][j].push((performance.now() - t0) / repeat);
    }
  }
}
console.log(
  `${blas.name} (${blas.kernels ?? "kernels not reported"}), ${rounds} rounds, median ms:\n`,
);
console.log("| product | shape | 1 thread | 2 threads | 1 / 2 |\n|---|---|---:|---:|---:|");
for (const [i, [m, n, k, ta, tb, what]] of shapes.entries()) {
  const [one, two] = times[i].map(median);
  const shape = `[${ta ? `${k},${m}ᵀ` : `${m},${k}`}]·[${tb ? `${n},${k}ᵀ` : `${k},${n}`}]`;
  console.log(
    `| ${what} | ${shape} | ${one.toFixed(3)} | ${two.toFixed(3)} | ${(one / two).toFixed(2)}× |`,
  );
}
