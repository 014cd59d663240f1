/**
 * WebGPU side of the backend choice: find an adapter, tell a hardware one from a software
 * one, and start the TensorFlow.js "webgpu" backend on a device made here.
 *
 * Why the device is made here and not by `@tensorflow/tfjs-backend-webgpu`'s own factory:
 * the choice needs the adapter's info *before* a device exists (a software adapter such as
 * Mesa's llvmpipe is no reason to leave WASM), and a WebGPU adapter can hand out one device
 * only, so the adapter that was inspected is the one that makes the device. The factory
 * registered here returns a backend built with `new WebGPUBackend(device, adapterInfo)`,
 * which is all the package's own factory does; it also asks only for flat feature names
 * (the package pushes a nested array `["bgra8unorm-storage"]` into `requiredFeatures`).
 *
 * One Deno trap cannot be worked around: the package reads tensors synchronously
 * (`dataSync`, `arraySync`, `print`) by drawing through a 2D `OffscreenCanvas`, which Deno
 * lacks, and fails with "Cannot read properties of null (reading 'clearRect')". The backend
 * made here throws a clear error instead; asynchronous reads (`await t.data()`) work.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** The subset of `GPUAdapterInfo` that the choice looks at. */
export interface GpuAdapterInfoLike {
  /** Vendor name or PCI id as a string. */
  vendor?: string;
  /** Architecture name, often empty. */
  architecture?: string;
  /** Device name or id. */
  device?: string;
  /** Driver's human description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  description?: string;
  /** True when the adapter is a fallback (software) one. */
  isFallbackAdapter?: boolean;
}

/** What backend choice needs to know about an adapter. */
export interface GpuAdapterSummary {
  /** Human name of the adapter (its description, else vendor/architecture/device). */
  name: string;
  /** True for a software rasteriser (llvmpipe, lavapipe, SwiftShader, WARP, fallback). */
  software: boolean;
  /** Why it counts as software, e.g. "llvmpipe is software"; absent for hardware. */
  softwareWhy?: string;
}

/** Result of looking for a WebGPU adapter. */
export type GpuProbe =
  | { ok: false; missing: string; hint: string }
  | { ok: true; summary: GpuAdapterSummary };

interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: unknown;
  requestDevice(descriptor?: unknown): Promise<unknown>;
  requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
}

interface GpuLike {
  requestAdapter(options?: unknown): Promise<GpuAdapterLike | null>;
}

interface DeviceLike {
  lost?: Promise<{ reason?: string; message?: string }>;
}

const SOFTWARE_NAMES: [RegExp, string][] = [
  [/llvmpipe/i, "llvmpipe"],
  [/lavapipe/i, "lavapipe"],
  [/swiftshader/i, "SwiftShader"],
  [/softpipe/i, "softpipe"],
  [/basic render/i, "Microsoft Basic Render Driver"],
  [/\bwarp\b/i, "WARP"],
  [/software/i, "the adapter"],
];

/** The hint appended to every "cannot start webgpu" error. */
export const WEBGPU_HINT =
  "install a Vulkan driver (apt-get install mesa-vulkan-drivers libvulkan1) or use DSF_BACKEND=wasm";

const SYNC_READ_MESSAGE = "webgpu backend: this runtime cannot read GPU tensors synchronously " +
  "(dataSync/arraySync/bufferSync/print): tfjs-backend-webgpu does that through a 2D " +
  "OffscreenCanvas, which Deno lacks; use `await t.data()` / `await t.array()`, " +
  "or DSF_BACKEND=wasm";

/**
 * Names an adapter and decides whether it is a software rasteriser.
 *
 * @param info the adapter's `GPUAdapterInfo` (or anything with the same fields)
 * @returns the adapter's name and whether (and why) it counts as software
 */
export function classifyAdapter(info: GpuAdapterInfoLike): GpuAdapterSummary {
  const description = (info.description ?? "").trim();
  const parts = [info.vendor, info.architecture, info.device]
    .map((s) => (s ?? "").trim())
    .filter((s) => s !== "" && s !== "0");
  const name = description !== "" ? description : parts.length > 0 ? parts.join(" ") : "unknown";
  const haystack = [description, ...parts].join(" ");
  for (const [pattern, label] of SOFTWARE_NAMES) {
    if (pattern.test(haystack)) {
      const who = label === "the adapter" ? name : label;
      return { name, software: true, softwareWhy: `${who} is software` };
    }
  }
  if (info.isFallbackAdapter === true) {
    return { name, software: true, softwareWhy: `${name} is a fallback (software) adapter` };
  }
  return { name, software: false };
}

let probePromise: Promise<ProbeState> | undefined;
let probeDone: GpuProbe | undefined;

interface ProbeState {
  result: GpuProbe;
  adapter?: GpuAdapterLike;
  info?: GpuAdapterInfoLike;
}

async function probeOnce(): Promise<ProbeState> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (gpu == null || typeof gpu.requestAdapter !== "function") {
    return {
      result: {
        ok: false,
        missing: "no WebGPU in this runtime (navigator.gpu is undefined)",
        hint: "use Deno >= 2 or a browser with WebGPU, or DSF_BACKEND=wasm",
      },
    };
  }
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (err) {
    return {
      result: {
        ok: false,
        missing: `no WebGPU adapter (requestAdapter failed: ${messageOf(err)})`,
        hint: WEBGPU_HINT,
      },
    };
  }
  if (adapter == null) {
    return { result: { ok: false, missing: "no WebGPU adapter", hint: WEBGPU_HINT } };
  }
  // Read the info now, before any device exists (the adapter may not answer afterwards).
  let info: GpuAdapterInfoLike = {};
  try {
    if (adapter.info != null) info = adapter.info;
    else if (typeof adapter.requestAdapterInfo === "function") {
      info = await adapter.requestAdapterInfo();
    }
  } catch {
    info = {};
  }
  const copy: GpuAdapterInfoLike = {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter,
  };
  return { result: { ok: true, summary: classifyAdapter(copy) }, adapter, info: copy };
}

/**
 * Looks for a WebGPU adapter once per process and describes it (cached afterwards).
 *
 * @returns the adapter's summary, or what is missing and how to get it
 */
export async function probeGpu(): Promise<GpuProbe> {
  probePromise ??= probeOnce();
  probeDone = (await probePromise).result;
  return probeDone;
}

/**
 * The result of an earlier {@link probeGpu}, without probing.
 *
 * @returns that result, or undefined when no probe has finished
 */
export function probedGpu(): GpuProbe | undefined {
  return probeDone;
}

/** The backend instance this module registered as "webgpu", once made. */
let ownBackend: tf.KernelBackend | undefined;
/** Set when that backend failed its first matMul check; it is never used again then. */
let brokenBackend: Error | undefined;

function registry(): Record<string, unknown> {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
}

/** Whether a 2D OffscreenCanvas exists, which tfjs-backend-webgpu needs for `dataSync`. */
function canReadSync(): boolean {
  try {
    const Canvas = (globalThis as {
      OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: string): unknown };
    }).OffscreenCanvas;
    return Canvas != null && new Canvas(1, 1).getContext("2d") != null;
  } catch {
    return false;
  }
}

interface ReadSyncHost {
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): { values?: unknown; dtype: string } | undefined };
}

function guardReadSync(backend: tf.KernelBackend): void {
  if (canReadSync()) return;
  const host = backend as unknown as ReadSyncHost;
  const original = host.readSync.bind(host);
  host.readSync = (dataId: object) => {
    const data = host.tensorMap.get(dataId);
    if (data == null || data.values != null || data.dtype === "string") return original(dataId);
    throw new Error(SYNC_READ_MESSAGE);
  };
}

async function makeBackend(state: ProbeState): Promise<tf.KernelBackend> {
  const adapter = state.adapter!;
  const summary = (state.result as { summary: GpuAdapterSummary }).summary;
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  const limits = adapter.limits as Record<string, number>;
  const requiredLimits: Record<string, number> = {};
  for (
    const key of [
      "maxComputeWorkgroupStorageSize",
      "maxComputeWorkgroupsPerDimension",
      "maxStorageBufferBindingSize",
      "maxBufferSize",
      "maxComputeWorkgroupSizeX",
      "maxComputeInvocationsPerWorkgroup",
    ]
  ) {
    if (typeof limits[key] === "number") requiredLimits[key] = limits[key];
  }
  const requiredFeatures = adapter.features.has("timestamp-query") ? ["timestamp-query"] : [];
  let device: DeviceLike;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits }) as DeviceLike;
  } catch (err) {
    throw new Error(
      `cannot start the webgpu backend: adapter "${summary.name}" refused to make a device ` +
        `(${messageOf(err)}); use DSF_BACKEND=wasm`,
    );
  }
  device.lost?.then((lost) => {
    if (lost?.reason !== "destroyed") {
      console.warn(`WebGPU device lost: ${lost?.message ?? "(no message)"}`);
    }
  });
  type Args = ConstructorParameters<typeof WebGPUBackend>;
  const backend = new WebGPUBackend(device as Args[0], state.info as Args[1]);
  guardReadSync(backend);
  return backend;
}

/** Multiplies two small matrices on the active backend and checks the result. */
async function selfCheck(): Promise<void> {
  const n = 32;
  const a = new Float32Array(n * n);
  const b = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) {
    a[i] = ((i * 37) % 101) / 101 - 0.5;
    b[i] = ((i * 53) % 97) / 97 - 0.5;
  }
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])));
  const got = await product.data();
  product.dispose();
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      worst = Math.max(worst, Math.abs(got[i * n + j] - s));
    }
  }
  if (!(worst < 1e-3)) {
    throw new Error(
      `cannot use the webgpu backend: a ${n}x${n} matMul came out wrong (max error ${worst}); ` +
        "use DSF_BACKEND=wasm",
    );
  }
}

/**
 * Makes "webgpu" the active TensorFlow.js backend, on the adapter found by {@link probeGpu}
 * (software or not: the caller decides whether a software adapter is acceptable).
 * The first call makes the device, registers the backend and checks one matMul; later calls
 * only switch back to it.
 *
 * @returns the adapter's summary
 * @throws Error naming the missing piece when there is no adapter or device
 */
export async function startWebgpu(): Promise<GpuAdapterSummary> {
  await probeGpu();
  const state = await probePromise!;
  if (!state.result.ok) {
    throw new Error(
      `cannot start the webgpu backend: ${state.result.missing}; ${state.result.hint}`,
    );
  }
  const summary = state.result.summary;
  const existing = registry()["webgpu"] as tf.KernelBackend | undefined;
  if (existing != null && existing !== ownBackend) {
    // Someone already started tfjs's own webgpu backend: keep it (its tensors live there).
    ownBackend = existing;
    guardReadSync(existing);
  }
  const fresh = ownBackend == null;
  if (fresh) {
    const backend = await makeBackend(state);
    if (tf.findBackendFactory("webgpu") != null) tf.removeBackend("webgpu");
    tf.registerBackend("webgpu", () => backend, 3);
    ownBackend = backend;
  }
  if (brokenBackend != null) throw brokenBackend;
  if (!(await tf.setBackend("webgpu"))) {
    throw new Error(
      "cannot start the webgpu backend: tf.setBackend('webgpu') failed; use DSF_BACKEND=wasm",
    );
  }
  if (fresh) {
    try {
      await selfCheck();
    } catch (err) {
      brokenBackend = err instanceof Error ? err : new Error(String(err));
      throw brokenBackend;
    }
  }
  return summary;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
