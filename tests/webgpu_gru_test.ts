/**
 * The GRU forward on WebGPU in one dispatch per step (lib/ops/webgpu_gru.ts): its states and
 * saved activations equal the tf-ops forward on the cpu backend, and it runs T step kernels where
 * tf ops run about ten per step. The layer's gradients through it are checked on every backend by
 * tests/recurrent_test.ts (PyTorch fixtures) and tests/gpu_check_test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { createCell } from "../lib/cells/mod.ts";
import { DispatchTracker } from "../lib/bench/dispatch.ts";
import { webgpuGruForward } from "../lib/ops/webgpu_gru.ts";
import { assertClose, read, useBackend, webgpuAvailable } from "./_util.ts";

Deno.test("webgpuGruForward: states and saved gates equal cpu's tf-ops forward; one kernel per step", async () => {
  if (!(await webgpuAvailable("webgpu_gru_test"))) return;
  const [T, B, E, D] = [13, 3, 5, 7];
  const cell = createCell("gru", { input: E, hidden: D }, { seed: 3 });
  const xData = Float32Array.from({ length: T * B * E }, (_, i) => Math.sin(0.7 * i));
  const forwardOn = async (backend: "cpu" | "webgpu") => {
    await useBackend(backend);
    const weights = await Promise.all(
      Object.values(cell.params).map(async (w) => tf.tensor(await w.data(), w.shape)),
    );
    const x = tf.tensor3d(xData, [T, B, E]);
    const tracker = new DispatchTracker();
    tracker.start();
    const out = backend === "webgpu"
      ? webgpuGruForward(x, weights, true)
      : cell.fused!.forward(x, weights, { keep: true });
    tracker.stop();
    const values = await Promise.all([out.states, ...out.saved].map(read));
    tf.dispose([x, out.states, ...out.saved, ...weights]);
    return { values, kernels: tracker.kernels };
  };
  const cpu = await forwardOn("cpu");
  const gpu = await forwardOn("webgpu");
  ["states", "r", "z", "n", "W_hn h + b_hn"].forEach((what, i) =>
    assertClose(gpu.values[i], cpu.values[i], what, 1e-5)
  );
  // T step kernels plus a constant (the input projection, the stack, the slices).
  assert.ok(gpu.kernels >= T && gpu.kernels <= T + 25, `webgpu: ${gpu.kernels} kernels`);
  assert.ok(cpu.kernels > 5 * T, `tf ops: ${cpu.kernels} kernels`);
});
