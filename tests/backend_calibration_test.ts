/**
 * The default backend chosen by measurement (lib/backend_calibration.ts), with fake timings: the
 * faster backend starts and the backend line says by how much; the choice is cached per adapter
 * and shape (no second measurement); an explicit backend and a software adapter skip it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Calibration,
  calibrationKey,
  calibrationReason,
  initCalibratedBackend,
  pickFaster,
} from "../lib/backend_calibration.ts";
import { fileCalibrationCache } from "../lib/io/calibration_cache.ts";
import type { LayerSpec } from "../lib/bench/layer.ts";

const SPEC: LayerSpec = { cell: "gru", mode: "dsf", B: 2, T: 4, D: 8 };
const hardware = () =>
  Promise.resolve({ ok: true as const, summary: { name: "Fake GPU 9000", software: false } });

function fakeTimer(ms: { webgpu: number; wasm: number }) {
  const calls: string[] = [];
  return {
    calls,
    time: (b: "webgpu" | "wasm") => {
      calls.push(b);
      return Promise.resolve(ms[b]);
    },
  };
}

Deno.test("pickFaster: the lower median wins; ties and a failed WebGPU go to wasm", () => {
  // A failed backend (Infinity, stored by JSON as null) is said as failed, never as 0×.
  const failed = {
    pick: "wasm" as const,
    ms: { webgpu: null as unknown as number, wasm: 10 },
    at: "",
  };
  assert.match(
    calibrationReason(failed, true),
    /wasm the only one of the two that ran \(webgpu failed\).*webgpu failed, wasm 10\.0 ms/,
  );
  assert.equal(pickFaster({ webgpu: 10, wasm: 30 }), "webgpu");
  assert.equal(pickFaster({ webgpu: 30, wasm: 10 }), "wasm");
  assert.equal(pickFaster({ webgpu: 10, wasm: 10 }), "wasm");
  assert.equal(pickFaster({ webgpu: Infinity, wasm: 10 }), "wasm");
  assert.equal(calibrationKey("A", SPEC), "A|gru|dsf|B2|T4|D8");
});

Deno.test("initCalibratedBackend: measured once per adapter and shape, then read from the cache", async () => {
  const dir = await Deno.makeTempDir();
  const cache = fileCalibrationCache<Calibration>(join(dir, "sub", "calibration.json"));
  try {
    // wasm 3× faster: wasm starts (with whatever BLAS it has), the line says by how much.
    const slowGpu = fakeTimer({ webgpu: 30, wasm: 10 });
    const a = await initCalibratedBackend(SPEC, {
      cache,
      time: slowGpu.time,
      probe: hardware,
      quiet: true,
    });
    assert.deepEqual(slowGpu.calls, ["webgpu", "wasm"]);
    assert.equal(a.name, "wasm");
    assert.match(
      a.line,
      /^backend: wasm.* \(calibrated: wasm 3\.0× faster than webgpu on this layer step \(webgpu 30\.0 ms, wasm 10\.0 ms\)\)$/,
    );
    // Again: the cache answers, nothing is timed.
    const again = fakeTimer({ webgpu: 1, wasm: 100 });
    const b = await initCalibratedBackend(SPEC, {
      cache,
      time: again.time,
      probe: hardware,
      quiet: true,
    });
    assert.deepEqual(again.calls, []);
    assert.equal(b.name, "wasm");
    assert.match(b.reason, /^calibrated \(cached\): wasm 3\.0× faster/);
    const file = JSON.parse(await Deno.readTextFile(join(dir, "sub", "calibration.json")));
    const stored = file["Fake GPU 9000|gru|dsf|B2|T4|D8"] as Calibration;
    assert.deepEqual([stored.pick, stored.ms], ["wasm", { webgpu: 30, wasm: 10 }]);
    // Another shape is measured anew.
    const other = fakeTimer({ webgpu: 30, wasm: 10 });
    await initCalibratedBackend({ ...SPEC, D: 16 }, {
      cache,
      time: other.time,
      probe: hardware,
      quiet: true,
    });
    assert.deepEqual(other.calls, ["webgpu", "wasm"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("initCalibratedBackend: an explicit backend or a software adapter is never calibrated", async () => {
  const t = fakeTimer({ webgpu: 1, wasm: 100 });
  const cpu = await initCalibratedBackend(SPEC, {
    backend: "cpu",
    time: t.time,
    probe: hardware,
    quiet: true,
  });
  assert.equal(cpu.name, "cpu");
  const soft = () =>
    Promise.resolve({
      ok: true as const,
      summary: { name: "llvmpipe", software: true, softwareWhy: "llvmpipe is software" },
    });
  const d = await initCalibratedBackend(SPEC, { time: t.time, probe: soft, quiet: true });
  assert.notEqual(d.name, "webgpu", "a software adapter is not the default");
  assert.deepEqual(t.calls, []);
});

Deno.test("initCalibratedBackend: WebGPU faster → WebGPU starts, said with its ratio", async () => {
  const t = fakeTimer({ webgpu: 10, wasm: 40 });
  const info = await initCalibratedBackend(SPEC, { time: t.time, probe: hardware, quiet: true });
  if (!t.calls.includes("webgpu")) {
    // WebGPU could not start: it counts as failed, wasm runs, and nothing is cached.
    assert.equal(info.name, "wasm");
    assert.match(info.reason, /the only one of the two that ran \(webgpu failed\)/);
    return;
  }
  assert.equal(info.name, "webgpu");
  assert.match(info.line, /^backend: webgpu \(calibrated: webgpu 4\.0× faster than wasm/);
});

Deno.test("initCalibratedBackend: DSF_BACKEND wins over calibration; a failed backend is not cached", async () => {
  const t = fakeTimer({ webgpu: 1, wasm: 100 });
  Deno.env.set("DSF_BACKEND", "cpu");
  try {
    const info = await initCalibratedBackend(SPEC, { time: t.time, probe: hardware, quiet: true });
    assert.equal(info.name, "cpu");
    assert.deepEqual(t.calls, []);
  } finally {
    Deno.env.delete("DSF_BACKEND");
  }
  const dir = await Deno.makeTempDir();
  const path = join(dir, "calibration.json");
  try {
    const failing = (b: "webgpu" | "wasm") =>
      b === "webgpu" ? Promise.reject(new Error("out of memory")) : Promise.resolve(10);
    const info = await initCalibratedBackend(SPEC, {
      cache: fileCalibrationCache<Calibration>(path),
      time: failing,
      probe: hardware,
      quiet: true,
    });
    assert.equal(info.name, "wasm");
    assert.match(info.reason, /webgpu failed/);
    assert.equal(await Deno.stat(path).then(() => true, () => false), false, "nothing cached");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
