/**
 * The native BLAS wasm kernels (lib/native/) against tfjs's own XNNPACK kernels, in one
 * process: every transpose, rank 2 to 4, broadcast batches, odd sizes, fused bias and
 * activations, the fallbacks, and a product whose output allocation grows the wasm heap.
 *
 * Runs where a BLAS opens; with DSF_BLAS=require (CI's BLAS leg) a missing BLAS fails.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { defaultCandidates, openBlas } from "../lib/native/blas.ts";
import { registerBlasMatMul, setBlasMatMul } from "../lib/native/wasm_matmul.ts";
import { transposesAreFree } from "../lib/ops/linear.ts";
import { assertClose } from "./_util.ts";

const asked = Deno.env.get("DSF_BLAS");
const required = asked === "require";
// With DSF_BLAS=off (CI's XNNPACK leg) no BLAS is loaded in the test processes at all.
const found = asked === "off"
  ? { reason: "DSF_BLAS=off" }
  : openBlas({ library: "auto", threads: 2 });
if (required && !found.blas) throw new Error(`DSF_BLAS=require: ${found.reason}`);
const ignore = found.blas === undefined;

async function setup(): Promise<void> {
  await initBackend({ backend: "wasm", quiet: true });
  registerBlasMatMul(found.blas!);
}

/** Values of f() with BLAS, then with XNNPACK. */
function both(f: () => tf.Tensor): { blas: Float32Array; xnn: Float32Array; shape: number[] } {
  setBlasMatMul(true);
  const a = f();
  const blas = a.dataSync() as Float32Array;
  setBlasMatMul(false);
  const b = f();
  const xnn = b.dataSync() as Float32Array;
  setBlasMatMul(true);
  assert.deepEqual(a.shape, b.shape);
  const shape = a.shape;
  a.dispose();
  b.dispose();
  return { blas, xnn, shape };
}

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, "float32", seed);
}

/** a's and b's shapes for a product [.., M, K]·[.., K, N] with the given transposes. */
function operands(
  batchA: number[],
  batchB: number[],
  mkn: [number, number, number],
  ta: boolean,
  tb: boolean,
): [number[], number[]] {
  const [m, k, n] = mkn;
  return [[...batchA, ...(ta ? [k, m] : [m, k])], [...batchB, ...(tb ? [n, k] : [k, n])]];
}

/** Plain-JS float64 batched product with broadcasting, the independent reference. */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): number[] {
  const av = a.dataSync();
  const bv = b.dataSync();
  const ra = a.rank;
  const rb = b.rank;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const padA = [...new Array(rank - batchA.length).fill(1), ...batchA];
  const padB = [...new Array(rank - batchB.length).fill(1), ...batchB];
  const batch = padA.map((d, i) => Math.max(d, padB[i]));
  const count = batch.reduce((x, y) => x * y, 1);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    let ia = 0;
    let ib = 0;
    for (let j = 0, rest = i, sa = 1, sb = 1; j < rank; j++) {
      const d = rank - 1 - j;
      const c = rest % batch[d];
      rest = Math.floor(rest / batch[d]);
      if (padA[d] !== 1) ia += c * sa;
      if (padB[d] !== 1) ib += c * sb;
      sa *= padA[d];
      sb *= padB[d];
    }
    for (let r = 0; r < m; r++) {
      for (let col = 0; col < n; col++) {
        let sum = 0;
        for (let q = 0; q < k; q++) {
          const x = av[ia * m * k + (ta ? q * m + r : r * k + q)];
          const y = bv[ib * k * n + (tb ? col * k + q : q * n + col)];
          sum += x * y;
        }
        out.push(sum);
      }
    }
  }
  return out;
}

Deno.test({
  name:
    "native BLAS: BatchMatMul equals a float64 reference and XNNPACK, every transpose and batch",
  ignore,
  async fn() {
    await setup();
    // [batch of a, batch of b, [M, K, N], whether XNNPACK handles it]
    const cases: [number[], number[], [number, number, number], boolean][] = [
      [[], [], [1, 1, 1], true],
      [[], [], [3, 17, 1], true],
      [[], [], [17, 3, 1000], true],
      [[], [], [1000, 17, 3], true],
      [[], [], [64, 256, 96], true],
      // Products with a vector (M = 1 or N = 1) go to sgemv: both shapes, every transpose.
      [[], [], [1, 300, 70], true],
      [[], [], [70, 300, 1], true],
      [[3], [3], [1, 7, 9], true],
      [[3], [3], [9, 7, 1], true],
      [[3], [3], [5, 7, 9], true],
      [[4], [1], [17, 3, 5], true], // b broadcast: a's batches fold into one product
      [[1], [4], [17, 3, 5], true], // a broadcast
      [[2, 3], [3], [4, 5, 6], true], // rank 4 · rank 3, broadcast over the leading axis
      [[5], [], [3, 4, 2], true], // rank 3 · rank 2
      // Both broadcast: tfjs-wasm 4.22's own kernel allocates max(batch) products, not their
      // broadcast (45 values for 90): only the reference can check it.
      [[2, 1], [1, 3], [3, 2, 5], false],
    ];
    const before = tf.memory().numTensors;
    let seed = 1;
    for (const [batchA, batchB, mkn, xnnpackToo] of cases) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const [sa, sb] = operands(batchA, batchB, mkn, ta, tb);
          const a = rand(sa, seed++);
          const b = rand(sb, seed++);
          const what = `[${sa}]·[${sb}] tA=${ta} tB=${tb}`;
          setBlasMatMul(true);
          const c = tf.matMul(a, b, ta, tb);
          assertClose(c.dataSync(), reference(a, b, ta, tb), `${what} vs float64`, 1e-5);
          if (xnnpackToo) {
            const r = both(() => tf.matMul(a, b, ta, tb));
            assertClose(r.blas, r.xnn, `${what} vs XNNPACK`, 1e-5);
          }
          tf.dispose([a, b, c]);
        }
      }
    }
    assert.deepEqual(tf.memory().numTensors, before);
  },
});

const ACTIVATION_OPS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  leakyrelu: (x) => tf.leakyRelu(x, 0.3),
  sigmoid: (x) => tf.sigmoid(x),
  elu: (x) => tf.elu(x),
};

Deno.test({
  name: "native BLAS: _FusedMatMul (bias, activations) equals XNNPACK's unfused ops",
  ignore,
  async fn() {
    await setup();
    let seed = 100;
    for (const [m, k, n] of [[1, 1, 1], [1, 40, 33], [33, 40, 1], [17, 3, 1000], [64, 100, 33]]) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const [sa, sb] = operands([], [], [m, k, n], ta, tb);
          const a = tf.mul(rand(sa, seed++), 4) as tf.Tensor2D;
          const b = rand(sb, seed++) as tf.Tensor2D;
          const bias = rand([n], seed++) as tf.Tensor1D;
          const alpha = rand([n], seed++);
          for (const activation of [...Object.keys(ACTIVATION_OPS), "prelu"]) {
            for (const withBias of [false, true]) {
              setBlasMatMul(true);
              const fused = tf.fused.matMul({
                a,
                b,
                transposeA: ta,
                transposeB: tb,
                bias: withBias ? bias : undefined,
                activation: activation as "linear",
                leakyreluAlpha: 0.3,
                preluActivationWeights: activation === "prelu" ? alpha : undefined,
              });
              // The reference: XNNPACK's plain matMul, then tfjs's add and activation ops.
              // (XNNPACK's own _FusedMatMul is wrong with a transpose and a bias in 4.22.)
              setBlasMatMul(false);
              const ref = tf.tidy(() => {
                const p = tf.matMul(a, b, ta, tb);
                const z = withBias ? tf.add(p, bias) : p;
                return activation === "prelu" ? tf.prelu(z, alpha) : ACTIVATION_OPS[activation](z);
              });
              setBlasMatMul(true);
              const what =
                `fused ${activation} bias=${withBias} [${m},${k},${n}] tA=${ta} tB=${tb}`;
              assertClose(fused.dataSync(), ref.dataSync(), what);
              tf.dispose([fused, ref]);
            }
          }
          tf.dispose([a, b, bias, alpha]);
        }
      }
    }
  },
});

Deno.test({
  name: "native BLAS: an output that grows the wasm heap is still written where it lies",
  ignore,
  async fn() {
    await setup();
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    const start = heap();
    // An output larger than the whole heap must grow it during the kernel's own allocation.
    const n = 1024;
    const m = Math.ceil(start / 4 / n) + 17;
    const a = rand([m, 3], 7);
    const b = rand([3, n], 8);
    const grown = heap();
    setBlasMatMul(true);
    const c = tf.matMul(a, b);
    assert(heap() > grown, `the heap did not grow (${grown} → ${heap()} bytes)`);
    const blas = c.dataSync();
    c.dispose();
    setBlasMatMul(false);
    const ref = tf.matMul(a, b);
    assertClose(blas, ref.dataSync(), `[${m},3]·[3,${n}] across a heap growth`);
    setBlasMatMul(true);
    tf.dispose([a, b, ref]);
  },
});

Deno.test({
  name: "native BLAS: gradients through linear and the fused GRU match XNNPACK's",
  ignore,
  async fn() {
    await setup();
    const { createCell, Recurrent } = await import("../lib/mod.ts");
    const layer = new Recurrent(createCell("gru", { input: 5, hidden: 7 }), {
      mode: "dsf",
    });
    const x = rand([3, 6, 5], 9) as tf.Tensor3D; // [B, T, E]
    const grads = (on: boolean) => {
      setBlasMatMul(on);
      assert.deepEqual(transposesAreFree(), on);
      const { value, grads } = tf.variableGrads(() =>
        tf.mean(tf.square(layer.apply(x))) as tf.Scalar
      );
      const out = [value, ...Object.values(grads)].map((t) => Array.from(t.dataSync()));
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const withBlas = grads(true);
    const without = grads(false);
    setBlasMatMul(true);
    withBlas.forEach((g, i) => assertClose(g, without[i], `gradient ${i}`, 1e-5));
    x.dispose();
  },
});

Deno.test("native BLAS: requests that cannot be met fail with one line; off is a reason", () => {
  assert.deepEqual(openBlas({ library: "off" }).reason, "DSF_BLAS=off");
  assert.throws(
    () => openBlas({ library: "/nonexistent/libcblas.so" }),
    (err: Error) =>
      !err.message.includes("\n") &&
      err.message.startsWith("DSF_BLAS=/nonexistent/libcblas.so cannot be opened"),
  );
  assert.deepEqual(defaultCandidates("windows"), []);
  assert(defaultCandidates("linux")[0].startsWith("libopenblas"));
});

Deno.test({
  name: "native BLAS: DSF_BLAS=require puts it in the backend line",
  ignore: !required,
  async fn() {
    const info = await initBackend({ backend: "wasm", quiet: true });
    assert(info.blas !== undefined, info.line);
    assert(/^backend: wasm \+ OpenBLAS \d/.test(info.line), info.line);
  },
});

Deno.test({
  name:
    "native BLAS: OpenBLAS names the CPU kernels it runs, and says when OPENBLAS_CORETYPE chose them",
  ignore: ignore || !found.blas!.name.startsWith("OpenBLAS"),
  async fn() {
    const script = 'import { openBlas } from "./lib/native/blas.ts";\n' +
      'console.log(JSON.stringify(openBlas({ library: "auto", threads: 1 }).blas?.kernels));';
    const kernels = async (coretype: string | undefined) => {
      const env = { ...Deno.env.toObject() };
      delete env.OPENBLAS_CORETYPE;
      if (coretype) env.OPENBLAS_CORETYPE = coretype;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", script],
        env,
        clearEnv: true,
        cwd: new URL("..", import.meta.url).pathname,
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      return JSON.parse(new TextDecoder().decode(out.stdout));
    };
    assert.equal(await kernels("Haswell"), "Haswell kernels set by OPENBLAS_CORETYPE");
    assert.match(await kernels(undefined), /^\w+ kernels$/);
  },
});
