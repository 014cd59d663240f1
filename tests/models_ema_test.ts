/**
 * The MEGA EMA layer: kernel against its closed form, the FFT causal convolution against a
 * direct O(T²) sum, and the whole layer against the EMA recurrence run step by step (cpu).
 */
import * as tf from "@tensorflow/tfjs";
import { causalConv, ema, emaKernel, emaParams } from "../lib/models/ema.ts";
import { ParamStore } from "../lib/models/model.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

Deno.test("ema: the FFT causal convolution equals a direct O(T²) sum", async () => {
  await useBackend("cpu");
  const rng = new Rng(1);
  for (const [b, t, d] of [[2, 7, 3], [1, 8, 2], [1, 1, 1]]) {
    const xv = Array.from({ length: b * t * d }, () => rng.normal());
    const kv = Array.from({ length: d * t }, () => rng.normal());
    const y = causalConv(tf.tensor3d(xv, [b, t, d]), tf.tensor2d(kv, [d, t]));
    const expected: number[] = [];
    for (let n = 0; n < b; n++) {
      for (let s = 0; s < t; s++) {
        for (let c = 0; c < d; c++) {
          let acc = 0;
          for (let u = 0; u <= s; u++) acc += kv[c * t + (s - u)] * xv[(n * t + u) * d + c];
          expected.push(acc);
        }
      }
    }
    assertClose(await read(y), expected, `conv [${b}, ${t}, ${d}]`, 1e-5);
    y.dispose();
  }
});

Deno.test("ema: kernel formula and layer output match the EMA recurrence", async () => {
  await useBackend("cpu");
  const [b, t, d, n] = [2, 6, 3, 4];
  const store = new ParamStore(5);
  const p = emaParams("ema", { width: d, dim: n }, store);
  const [alpha, delta, beta, gamma, omega] = await Promise.all(
    [p.alpha, p.delta, p.beta, p.gamma, p.omega].map((v) => read(v)),
  );
  // Kernel: Σ_n γ/√N · β · α · (1 − αδ)^t.
  const kernel = emaKernel(p, t);
  const expectedK: number[] = [];
  for (let c = 0; c < d; c++) {
    for (let s = 0; s < t; s++) {
      let acc = 0;
      for (let j = 0; j < n; j++) {
        const i = c * n + j;
        const a = sigmoid(alpha[i]);
        acc += (gamma[i] / Math.sqrt(n)) * beta[i] * a * (1 - a * sigmoid(delta[i])) ** s;
      }
      expectedK.push(acc);
    }
  }
  assertClose(await read(kernel), expectedK, "kernel", 1e-5);
  // Layer: s_t = α·β·x_t + (1 − αδ)·s_{t−1}; y_t = Σ_n γ/√N·s_t; out = silu(y + ω·x).
  const rng = new Rng(3);
  const xv = Array.from({ length: b * t * d }, () => rng.normal());
  const out = ema(tf.tensor3d(xv, [b, t, d]), p);
  const expected = new Array(b * t * d).fill(0);
  for (let m = 0; m < b; m++) {
    for (let c = 0; c < d; c++) {
      const state = new Array(n).fill(0);
      for (let s = 0; s < t; s++) {
        const x = xv[(m * t + s) * d + c];
        let y = 0;
        for (let j = 0; j < n; j++) {
          const i = c * n + j;
          const a = sigmoid(alpha[i]);
          state[j] = a * beta[i] * x + (1 - a * sigmoid(delta[i])) * state[j];
          y += (gamma[i] / Math.sqrt(n)) * state[j];
        }
        const z = y + omega[c] * x;
        expected[(m * t + s) * d + c] = z * sigmoid(z);
      }
    }
  }
  assertClose(await read(out), expected, "ema layer", 1e-5);
  tf.dispose([kernel, out, ...Object.values(store.params)]);
});
