/**
 * The backward's dependent-dispatch count (lib/bench/dispatch.ts), measured on tiny layers:
 * BPTT and DSF-sequential grow linearly with T, DSF-scan with log T, FT-BPTT stays constant.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { temporalDepthModel, trackDispatches } from "../lib/bench/dispatch.ts";
import { LayerUnit } from "../lib/bench/layer.ts";
import type { ReverseScanImpl } from "../lib/ops/reverse_scan.ts";
import { useBackend } from "./_util.ts";

function depth(mode: "bptt" | "ft-bptt" | "dsf", impl: ReverseScanImpl, t: number): number {
  const unit = new LayerUnit({ cell: "gru", mode, impl, B: 2, T: t, D: 4 });
  try {
    return unit.backwardDispatches().criticalPath;
  } finally {
    unit.dispose();
  }
}

Deno.test("tracker: a chain counts its length, buffer-sharing ops count 0", async () => {
  await useBackend("cpu");
  const x = tf.ones([2, 3]);
  const { result, criticalPath, kernels } = trackDispatches(() => {
    const a = tf.add(x, 1); // 1
    const b = tf.reshape(a, [3, 2]); // shares a's buffer: still 1
    const c = tf.mul(b, 2); // 2
    const side = tf.neg(x); // 1, parallel to the chain
    return tf.sub(tf.reshape(c, [2, 3]), side); // 3
  });
  assert.equal(criticalPath, 3);
  assert.equal(kernels, 4);
  tf.dispose([x, result]);
});

Deno.test("backward dispatches: BPTT ∝ T, DSF-scan ∝ log T, FT-BPTT constant", async () => {
  await useBackend("cpu");
  const ts = [4, 8, 16, 32];
  const bptt = ts.map((t) => depth("bptt", "scan", t));
  const seq = ts.map((t) => depth("dsf", "sequential", t));
  const scan = ts.map((t) => depth("dsf", "scan", t));
  const ft = ts.map((t) => depth("ft-bptt", "scan", t));
  const steps = (v: number[]) => v.slice(1).map((x, i) => x - v[i]);
  // Linear: the increment doubles when T doubles (constant kernels per time step).
  for (const [name, v] of [["bptt", bptt], ["sequential", seq]] as const) {
    const d = steps(v);
    const perStep = d.map((x, i) => x / (ts[i + 1] - ts[i]));
    assert.ok(perStep.every((p) => p === perStep[0] && p >= 2), `${name}: ${v}`);
  }
  assert.ok(bptt[0] > seq[0] && steps(bptt)[0] > steps(seq)[0], `bptt ${bptt} vs seq ${seq}`);
  // Logarithmic: a constant increment per doubling of T.
  const ds = steps(scan);
  assert.ok(ds.every((x) => x === ds[0] && x > 0 && x <= 4), `scan: ${scan}`);
  // Constant.
  assert.ok(ft.every((x) => x === ft[0]), `ft-bptt: ${ft}`);
  assert.ok(ft[0] < scan[0]);
});

Deno.test("temporalDepthModel follows NOTES §4 Table 1", () => {
  assert.equal(temporalDepthModel("bptt", "-", 64), 63);
  assert.equal(temporalDepthModel("ft-bptt", "-", 1024), 0);
  assert.equal(temporalDepthModel("dsf", "sequential", 64), 63);
  assert.equal(temporalDepthModel("dsf", "scan", 64), 6);
  assert.equal(temporalDepthModel("dsf", "scan", 65), 7);
  assert.equal(temporalDepthModel("dsf", "fft", 64), 14); // N = 128: 7 stages each way
  assert.equal(temporalDepthModel("dsf", "webgpu", 1024), 1);
  assert.throws(() => temporalDepthModel("dsf", "nope", 4), /unknown impl/);
});
