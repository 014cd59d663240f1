/**
 * lib/bench/wasm_heap.ts: the wasm `_malloc` tracker counts a tensor's bytes while it lives and
 * keeps the high-water mark after it is freed; stopping it restores the backend's functions.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { trackWasmMalloc, wasmHeapBytes } from "../lib/bench/wasm_heap.ts";
import { useBackend } from "./_util.ts";

Deno.test("trackWasmMalloc: live and peak bytes of tensors on wasm", async () => {
  await useBackend("wasm");
  const tracker = trackWasmMalloc();
  assert.equal(tracker.live, 0);
  const a = tf.zeros([1000]);
  assert.equal(tracker.live, 4000);
  const b = tf.add(a, a);
  assert.equal(tracker.live, 8000);
  tf.dispose([a, b]);
  assert.equal(tracker.live, 0);
  assert.equal(tracker.peak, 8000);
  tracker.resetPeak();
  assert.equal(tracker.peak, 0);
  tracker.stop();
  tf.zeros([10]).dispose();
  assert.equal(tracker.live, 0, "stopped: no longer counting");
  assert.ok(wasmHeapBytes() >= 2 ** 16);
});
