/**
 * Tests of lib/backend.ts: every backend starts and computes a matMul and a gradient that
 * match plain-JS references; the default choice follows the adapter; DSF_BACKEND and the
 * option override it; impossible choices give clear errors.
 *
 * Set DSF_SKIP_WEBGPU=1 on a machine without any WebGPU adapter to skip the webgpu cases
 * (otherwise they fail there, on purpose).
 */

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  BACKEND_NAMES,
  type BackendInfo,
  backendInfo,
  type BackendName,
  classifyAdapter,
  initBackend,
} from "../lib/backend.ts";

const skipWebgpu = Deno.env.get("DSF_SKIP_WEBGPU") === "1";
if (skipWebgpu) console.log("note: DSF_SKIP_WEBGPU=1, so the webgpu backend tests are skipped");

/** mulberry32: a seeded uniform generator in [0, 1), independent of the library's Rng. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(n: number, seed: number, lo: number, hi: number): number[] {
  const next = seeded(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** Runs `fn` with env `name` set to `value` (or removed), then restores it. */
async function withEnv<T>(
  name: string,
  value: string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const old = Deno.env.get(name);
  if (value === undefined) Deno.env.delete(name);
  else Deno.env.set(name, value);
  try {
    return await fn();
  } finally {
    if (old === undefined) Deno.env.delete(name);
    else Deno.env.set(name, old);
  }
}

/** Checks matMul of seeded 37x53 by 53x29 matrices against a float64 triple loop. */
async function checkMatMul(seed: number): Promise<void> {
  const [m, k, n] = [37, 53, 29]; // 1961 and 1537 elements: above tfjs-webgpu's CPU hand-off
  const a = uniform(m * k, seed, -1, 1);
  const b = uniform(k * n, seed + 1, -1, 1);
  const product = tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]));
  assert.deepEqual(product.shape, [m, n]);
  const got = await product.data();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let scale = 0;
      for (let p = 0; p < k; p++) {
        sum += a[i * k + p] * b[p * n + j];
        scale += Math.abs(a[i * k + p] * b[p * n + j]);
      }
      const err = Math.abs(got[i * n + j] - sum);
      assert.ok(err <= 1e-4 * scale, `matMul[${i},${j}] = ${got[i * n + j]}, expected ${sum}`);
    }
  }
}

/** Checks tf.grad of sum(sin(x) * x) against sin(x) + x cos(x), and the value itself. */
async function checkGradient(seed: number): Promise<void> {
  const x = uniform(1500, seed, -3, 3);
  const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.sin(t), t));
  const { value, grad } = tf.valueAndGrad(f)(tf.tensor1d(x));
  const got = await grad.data();
  for (let i = 0; i < x.length; i++) {
    const want = Math.sin(x[i]) + x[i] * Math.cos(x[i]);
    const err = Math.abs(got[i] - want);
    assert.ok(err <= 1e-4 * Math.max(1, Math.abs(want)), `grad at ${x[i]}: ${got[i]} vs ${want}`);
  }
  const want = x.reduce((s, v) => s + Math.sin(v) * v, 0);
  const total = x.reduce((s, v) => s + Math.abs(Math.sin(v) * v), 0);
  const gotValue = (await value.data())[0];
  assert.ok(Math.abs(gotValue - want) <= 1e-4 * total, `value ${gotValue} vs ${want}`);
}

/** The one line: name, the native BLAS when wasm has one, the reason (and why no BLAS). */
function expectedLine(info: BackendInfo): string {
  const threads = info.blas && `${info.blas.threads} thread${info.blas.threads === 1 ? "" : "s"}`;
  const kernels = info.blas?.kernels ? `${info.blas.kernels}, ` : "";
  const blas = info.blas ? ` + ${info.blas.name} (${kernels}${threads})` : "";
  const noBlas = info.noBlas ? `; ${info.noBlas}` : "";
  return `backend: ${info.name}${blas} (${info.reason}${noBlas})`;
}

for (const [index, name] of BACKEND_NAMES.entries()) {
  Deno.test({
    name: `${name}: starts, matMul and tf.grad match plain JS`,
    ignore: name === "webgpu" && skipWebgpu,
    fn: async () => {
      const info = await initBackend({ backend: name, quiet: true });
      assert.equal(info.name, name);
      assert.equal(tf.getBackend(), name);
      assert.equal(backendInfo(), info);
      assert.equal(info.line, expectedLine(info));
      assert.match(info.reason, /^requested by option/);
      assert.ok(info.initMs >= 0);
      if (name === "wasm") assert.equal(typeof info.simd, "boolean");
      if (name === "wasm" && Deno.env.get("DSF_BLAS") === "off") {
        assert.equal(info.blas, undefined);
        assert.equal(info.noBlas, "no BLAS: DSF_BLAS=off");
      }
      if (name === "wasm" && Deno.env.get("DSF_BLAS") === "require") {
        assert.match(info.blas?.name ?? "", /^OpenBLAS \d/);
      }
      if (name === "webgpu") assert.ok((info.adapter ?? "").length > 0);
      await checkMatMul(100 + index);
      await checkGradient(200 + index);
    },
  });
}

Deno.test({
  name: "webgpu: synchronous reads give a clear error where the runtime cannot do them",
  ignore: skipWebgpu,
  fn: async () => {
    await initBackend({ backend: "webgpu", quiet: true });
    const onGpu = tf.add(tf.ones([2000]), tf.ones([2000]));
    assert.deepEqual(Array.from((await onGpu.data()).slice(0, 3)), [2, 2, 2]);
    const fresh = tf.mul(onGpu, 3);
    let canvas2d = false;
    try {
      canvas2d = new OffscreenCanvas(1, 1).getContext("2d" as "webgpu") != null;
    } catch {
      canvas2d = false;
    }
    if (canvas2d) {
      assert.equal(fresh.dataSync()[0], 6);
    } else {
      assert.throws(
        () => fresh.dataSync(),
        /cannot read GPU tensors synchronously.*await t\.data\(\)/,
      );
    }
    tf.dispose([onGpu, fresh]);
  },
});

Deno.test({
  name: "default choice follows the adapter (software adapter -> wasm, naming it)",
  fn: async () => {
    await withEnv("DSF_BACKEND", undefined, async () => {
      // Independent look at the adapter, straight from navigator.gpu.
      const adapter = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
      const info = await initBackend({ quiet: true });
      assert.equal(tf.getBackend(), info.name);
      if (adapter == null) {
        assert.equal(info.name, "wasm");
        assert.match(info.reason, /no WebGPU/);
        return;
      }
      const description = adapter.info.description;
      const software = adapter.info.isFallbackAdapter ||
        /llvmpipe|lavapipe|swiftshader|software/i.test(description);
      assert.equal(info.adapter, description);
      assert.equal(info.software, software);
      if (software) {
        assert.equal(info.name, "wasm");
        assert.match(info.reason, /^no hardware WebGPU adapter: /);
        const word = /llvmpipe|lavapipe|swiftshader/i.exec(description)?.[0];
        assert.ok(info.reason.includes(word ?? description), info.reason);
        assert.match(info.reason, /is (a fallback \(software\) adapter|software)/);
        assert.match(info.reason, /; (SIMD|no SIMD)$/);
        assert.equal(info.line, expectedLine(info));
      } else {
        assert.equal(info.name, "webgpu");
        assert.match(info.reason, /^hardware WebGPU adapter/);
      }
    });
  },
});

Deno.test({
  name: "allowSoftwareGpu lets the default use the adapter there is",
  ignore: skipWebgpu,
  fn: async () => {
    await withEnv("DSF_BACKEND", undefined, async () => {
      const info = await initBackend({ allowSoftwareGpu: true, quiet: true });
      assert.equal(info.name, "webgpu");
      assert.equal(tf.getBackend(), "webgpu");
      assert.match(info.reason, /WebGPU adapter/);
      await checkMatMul(300);
    });
  },
});

Deno.test("DSF_BACKEND picks the backend; the option wins over it", async () => {
  await withEnv("DSF_BACKEND", "cpu", async () => {
    const info = await initBackend({ quiet: true });
    assert.equal(info.name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    assert.equal(info.reason, "requested by DSF_BACKEND=cpu");
    const wasm = await initBackend({ backend: "wasm", quiet: true });
    assert.equal(wasm.name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
  });
  await withEnv("DSF_BACKEND", " WASM ", async () => {
    await initBackend({ backend: "cpu", quiet: true });
    const info = await initBackend({ quiet: true });
    assert.equal(info.name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
    assert.match(info.reason, /^requested by DSF_BACKEND=wasm; /);
  });
  await withEnv("DSF_BACKEND", "tpu", async () => {
    await assert.rejects(
      initBackend({ quiet: true }),
      /unknown backend "tpu" \(from env DSF_BACKEND\): valid backends are webgpu, wasm, cpu/,
    );
  });
});

Deno.test("an unknown backend name is rejected, listing the valid ones; nothing changes", async () => {
  const before = await initBackend({ backend: "cpu", quiet: true });
  await assert.rejects(
    initBackend({ backend: "tpu" as BackendName, quiet: true }),
    (err: Error) => {
      assert.match(err.message, /unknown backend "tpu" \(from option backend\)/);
      for (const name of BACKEND_NAMES) assert.ok(err.message.includes(name), err.message);
      return true;
    },
  );
  assert.equal(tf.getBackend(), "cpu");
  assert.equal(backendInfo(), before);
});

Deno.test("same choice is cached and silent; a different one switches and logs once", async () => {
  const logged: unknown[][] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void logged.push(args);
  try {
    await initBackend({ backend: "wasm", quiet: true });
    const cpu = await initBackend({ backend: "cpu" });
    assert.deepEqual(logged, [[cpu.line]]);
    const t0 = performance.now();
    const again = await initBackend({ backend: "cpu" });
    const cachedMs = performance.now() - t0;
    assert.equal(again, cpu);
    assert.ok(cachedMs < 50, `cached call took ${cachedMs} ms`);
    assert.equal(logged.length, 1);
    const wasm = await initBackend({ backend: "wasm" });
    assert.equal(tf.getBackend(), "wasm");
    assert.notEqual(wasm, cpu);
    assert.deepEqual(logged, [[cpu.line], [wasm.line]]);
    // Someone else switched tfjs behind our back: the same choice switches back.
    await tf.setBackend("cpu");
    const back = await initBackend({ backend: "wasm", quiet: true });
    assert.equal(tf.getBackend(), "wasm");
    assert.equal(back.name, "wasm");
  } finally {
    console.log = log;
  }
});

Deno.test("wasm: gather's gradient (UnsortedSegmentSum, absent from tfjs-wasm) works", async () => {
  await initBackend({ backend: "wasm", quiet: true });
  const rows = 7;
  const cols = 5;
  const indices = [3, 0, 3, 6, 3, 1];
  const upstream = uniform(indices.length * cols, 400, -1, 1);
  const dy = tf.tensor2d(upstream, [indices.length, cols]);
  const grad = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.gather(w, indices), dy)));
  const got = await grad(tf.zeros([rows, cols])).data();
  const want = new Array(rows * cols).fill(0);
  indices.forEach((row, i) => {
    for (let j = 0; j < cols; j++) want[row * cols + j] += upstream[i * cols + j];
  });
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-6, `${i}`);
  // Out-of-range segment ids are dropped; int32 stays int32.
  const seg = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], "int32"), [0, 2, -1, 0], 3);
  assert.equal(seg.dtype, "int32");
  assert.deepEqual(Array.from(await seg.data()), [5, 0, 2]);
});

Deno.test("no WebGPU: clear errors, and the default falls back to wasm (subprocess)", async () => {
  const stub = {
    none: "undefined",
    null: "{ requestAdapter: () => Promise.resolve(null) }",
  };
  for (const [kind, gpu] of Object.entries(stub)) {
    const code = `
      Object.defineProperty(navigator, "gpu", { value: ${gpu}, configurable: true });
      const { initBackend } = await import("./lib/backend.ts");
      const tf = await import("@tensorflow/tfjs");
      const out = { auto: await initBackend({ quiet: true }) };
      try { await initBackend({ backend: "webgpu", quiet: true }); } catch (e) { out.error = e.message; }
      out.after = tf.getBackend();
      console.log(JSON.stringify(out));`;
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      cwd: new URL("..", import.meta.url),
      env: { DSF_BACKEND: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 0, stderr);
    const out = JSON.parse(new TextDecoder().decode(result.stdout).trim().split("\n").at(-1)!);
    assert.equal(out.auto.name, "wasm", kind);
    assert.equal(out.after, "wasm", kind);
    if (kind === "none") {
      assert.match(out.auto.reason, /^no WebGPU in this runtime \(navigator\.gpu is undefined\)/);
      assert.match(out.error, /cannot start the webgpu backend: no WebGPU in this runtime/);
    } else {
      assert.match(out.auto.reason, /^no WebGPU adapter; (SIMD|no SIMD)$/);
      assert.match(
        out.error,
        /no WebGPU adapter; install a Vulkan driver \(apt-get install mesa-vulkan-drivers libvulkan1\) or use DSF_BACKEND=wasm/,
      );
    }
    assert.match(out.error, /DSF_BACKEND=wasm/);
  }
});

Deno.test("classifyAdapter tells software rasterisers from hardware", () => {
  const cases: [Parameters<typeof classifyAdapter>[0], string, boolean][] = [
    [{ vendor: "65541", device: "0", description: "llvmpipe (LLVM 15.0.6, 256 bits)" }, "", true],
    [{ description: "SwiftShader Device (Subzero)" }, "", true],
    [{ description: "Microsoft Basic Render Driver" }, "", true],
    [
      { vendor: "apple", architecture: "common-3", isFallbackAdapter: true },
      "apple common-3",
      true,
    ],
    [
      { vendor: "nvidia", description: "NVIDIA GeForce RTX 3090", isFallbackAdapter: false },
      "",
      false,
    ],
    [{ vendor: "intel", architecture: "gen-12lp", description: "" }, "intel gen-12lp", false],
    [{}, "unknown", false],
  ];
  for (const [info, name, software] of cases) {
    const got = classifyAdapter(info);
    assert.equal(got.name, name === "" ? info.description : name);
    assert.equal(got.software, software, JSON.stringify(info));
    assert.equal(got.softwareWhy === undefined, !software);
  }
  assert.equal(
    classifyAdapter({ description: "llvmpipe (LLVM 15.0.6, 256 bits)" }).softwareWhy,
    "llvmpipe is software",
  );
});
