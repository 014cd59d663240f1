/**
 * Picks and starts the TensorFlow.js backend, and says in one line what it picked and why.
 *
 * Default order: WebGPU on a *hardware* adapter, then WASM, then CPU. A software adapter
 * (Mesa llvmpipe/lavapipe, SwiftShader, WARP, any fallback adapter) counts as "no GPU" for the
 * default, since WASM with SIMD beats it; asking for "webgpu" explicitly (option, or env
 * `DSF_BACKEND=webgpu|wasm|cpu`; the option wins) uses whatever adapter there is.
 *
 * ```ts
 * import { initBackend } from "./lib/backend.ts";
 * const info = await initBackend(); // logs e.g. "backend: wasm (no hardware WebGPU ...; SIMD)"
 * ```
 *
 * On wasm in Deno, a native BLAS (OpenBLAS; see `lib/native/`) runs the matMuls when one is
 * found and FFI is permitted (env `DSF_BLAS`: unset/auto, off, require, or a library path;
 * `DSF_THREADS`: its thread count, default every core); the line names it, e.g.
 * `backend: wasm + OpenBLAS 0.3.21 (2 threads) (default; SIMD)`, or says why there is none.
 *
 * Works in Deno and in browsers: the Deno APIs used are a guarded read of `DSF_BACKEND` and,
 * behind a check that `Deno.dlopen` exists, a dynamic import of `lib/native/`.
 * In Deno the WASM binaries are found next to the package's own files (its Node entry reads
 * them with `fs` from its `dist/` folder, under `node_modules/` with `"nodeModulesDir":
 * "auto"`), so no `setWasmPaths` is needed; in a browser pass `wasmPaths` when the `.wasm`
 * files are not served beside the bundle.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { type GpuAdapterSummary, probedGpu, probeGpu, startWebgpu } from "./backend_webgpu.ts";
import { registerWasmKernels } from "./ops/wasm_kernels.ts";

export { classifyAdapter } from "./backend_webgpu.ts";
export type { GpuAdapterInfoLike, GpuAdapterSummary } from "./backend_webgpu.ts";

/** A backend this module can start. */
export type BackendName = "webgpu" | "wasm" | "cpu";

/** The backends this module can start, in default preference order. */
export const BACKEND_NAMES: readonly BackendName[] = ["webgpu", "wasm", "cpu"];

/** What {@link initBackend} started and why. */
export interface BackendInfo {
  /** The active TensorFlow.js backend. */
  name: BackendName;
  /** Why it was chosen, e.g. "no hardware WebGPU adapter: llvmpipe is software; SIMD". */
  reason: string;
  /** The WebGPU adapter's name, when one was found (even if not used). */
  adapter?: string;
  /** Whether that adapter is a software rasteriser. */
  software?: boolean;
  /** For wasm: whether the SIMD build runs. */
  simd?: boolean;
  /** For wasm: the native BLAS its matMuls run on, if any. */
  blas?: BlasSummary;
  /** For wasm: why no native BLAS is used, if none is. */
  noBlas?: string;
  /** Milliseconds this initialisation took (probe, load, start, check). */
  initMs: number;
  /** One human line: `backend: <name> (<reason>)`. */
  line: string;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Backend to start; wins over env `DSF_BACKEND`. "auto" (or unset) means the default order. */
  backend?: BackendName | "auto";
  /** Let the default order use a software WebGPU adapter too (default false). */
  allowSoftwareGpu?: boolean;
  /** Do not log the one-line summary (default false). */
  quiet?: boolean;
  /**
   * URL prefix (ending in "/") of the folder holding `tfjs-backend-wasm*.wasm`; only needed in
   * a browser whose bundle does not serve them beside the script. Applied before the first
   * wasm start only.
   */
  wasmPaths?: string;
}

/** A native BLAS in use (see `lib/native/blas.ts`). */
export interface BlasSummary {
  /** Library and version, e.g. "OpenBLAS 0.3.21". */
  name: string;
  /** Threads its calls use. */
  threads: number;
  /** The file it was opened from. */
  path: string;
  /** The CPU kernels it runs, when it says (e.g. "Haswell kernels"). */
  kernels?: string;
}

type Choice = BackendName | "auto";

interface Request {
  choice: Choice;
  /** How it was asked for, for the reason text. */
  source: string;
}

let current: { key: string; info: BackendInfo } | undefined;
let queue: Promise<unknown> = Promise.resolve();
let wasmPathsApplied = false;

/**
 * Picks, starts and activates the TensorFlow.js backend.
 *
 * Calling it again with the same choice returns the cached info without logging; a different
 * choice switches backend (`tf.setBackend`). Concurrent calls run one after the other.
 *
 * @param options which backend (else env `DSF_BACKEND`, else the default order) and logging
 * @returns what was started and why
 * @throws Error for an unknown name (listing the valid ones), or when an explicitly requested
 *   backend cannot start (naming the missing piece)
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const run = queue.then(() => initNow(options));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * The info of the backend started by the last successful {@link initBackend}, if any.
 *
 * @returns that info, or undefined before the first start
 */
export function backendInfo(): BackendInfo | undefined {
  return current?.info;
}

async function initNow(options: InitBackendOptions): Promise<BackendInfo> {
  const request = resolveRequest(options);
  const key = request.choice === "auto"
    ? `auto|${options.allowSoftwareGpu === true}`
    : request.choice;
  if (current != null && current.key === key && tf.getBackend() === current.info.name) {
    return current.info;
  }
  const started = performance.now();
  const previous = tf.getBackend() as string | undefined;
  let picked: Omit<BackendInfo, "initMs" | "line">;
  try {
    picked = request.choice === "auto"
      ? await startDefault(options)
      : await startExplicit(request, options);
  } catch (err) {
    await restore(previous);
    throw err;
  }
  const initMs = performance.now() - started;
  const blas = picked.blas
    ? ` + ${picked.blas.name} (${
      [picked.blas.kernels, plural(picked.blas.threads, "thread")].filter(Boolean).join(", ")
    })`
    : "";
  const reason = picked.noBlas ? `${picked.reason}; ${picked.noBlas}` : picked.reason;
  const info: BackendInfo = {
    ...picked,
    initMs,
    line: `backend: ${picked.name}${blas} (${reason})`,
  };
  current = { key, info };
  if (options.quiet !== true) console.log(info.line);
  return info;
}

function resolveRequest(options: InitBackendOptions): Request {
  if (options.backend !== undefined) {
    return { choice: validate(options.backend, "option backend"), source: "requested by option" };
  }
  const env = readEnv("DSF_BACKEND")?.trim().toLowerCase();
  if (env !== undefined && env !== "") {
    const choice = validate(env, "env DSF_BACKEND");
    return { choice, source: `requested by DSF_BACKEND=${env}` };
  }
  return { choice: "auto", source: "default" };
}

function validate(name: unknown, where: string): Choice {
  if (name === "auto" || (BACKEND_NAMES as readonly unknown[]).includes(name)) {
    return name as Choice;
  }
  throw new Error(
    `unknown backend ${JSON.stringify(name)} (from ${where}): valid backends are ` +
      `${BACKEND_NAMES.join(", ")} (or auto for the default order)`,
  );
}

/** Reads an environment variable in Deno; undefined in browsers or without permission. */
function readEnv(name: string): string | undefined {
  try {
    const deno = (globalThis as { Deno?: { env?: { get(key: string): string | undefined } } })
      .Deno;
    return deno?.env?.get(name);
  } catch {
    return undefined;
  }
}

async function startExplicit(
  request: Request,
  options: InitBackendOptions,
): Promise<Omit<BackendInfo, "initMs" | "line">> {
  switch (request.choice) {
    case "webgpu": {
      const gpu = await startWebgpu();
      const kind = gpu.software ? "software" : "hardware";
      return {
        name: "webgpu",
        reason: `${request.source}; ${kind} adapter ${gpu.name}`,
        ...adapterFields(gpu),
      };
    }
    case "wasm": {
      const wasm = await startWasm(options.wasmPaths);
      return {
        name: "wasm",
        reason: `${request.source}; ${wasm.simd ? "SIMD" : "no SIMD"}`,
        ...wasm,
        ...knownAdapter(),
      };
    }
    default: {
      await startCpu();
      return { name: "cpu", reason: request.source, ...knownAdapter() };
    }
  }
}

async function startDefault(
  options: InitBackendOptions,
): Promise<Omit<BackendInfo, "initMs" | "line">> {
  const notes: string[] = [];
  const probe = await probeGpu();
  const adapter = probe.ok ? adapterFields(probe.summary) : {};
  if (!probe.ok) {
    notes.push(probe.missing);
  } else if (probe.summary.software && options.allowSoftwareGpu !== true) {
    notes.push(`no hardware WebGPU adapter: ${probe.summary.softwareWhy}`);
  } else {
    try {
      const gpu = await startWebgpu();
      const what = gpu.software ? "software WebGPU adapter allowed" : "hardware WebGPU adapter";
      return { name: "webgpu", reason: `${what}: ${gpu.name}`, ...adapter };
    } catch (err) {
      notes.push(`webgpu failed: ${messageOf(err)}`);
    }
  }
  try {
    const wasm = await startWasm(options.wasmPaths);
    notes.push(wasm.simd ? "SIMD" : "no SIMD");
    return { name: "wasm", reason: notes.join("; "), ...wasm, ...adapter };
  } catch (err) {
    notes.push(`wasm failed: ${messageOf(err)}`);
  }
  await startCpu();
  return { name: "cpu", reason: notes.join("; "), ...adapter };
}

function adapterFields(gpu: GpuAdapterSummary): { adapter: string; software: boolean } {
  return { adapter: gpu.name, software: gpu.software };
}

/** The adapter fields if a probe already ran (a wasm/cpu request never probes). */
function knownAdapter(): { adapter?: string; software?: boolean } {
  const probe = probedGpu();
  return probe?.ok ? adapterFields(probe.summary) : {};
}

interface WasmStart {
  simd: boolean;
  blas?: BlasSummary;
  noBlas?: string;
}

async function startWasm(wasmPaths: string | undefined): Promise<WasmStart> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  registerWasmKernels();
  const native = await nativeBlas();
  if (wasmPaths !== undefined && !wasmPathsApplied && tf.engine().registry["wasm"] == null) {
    wasm.setWasmPaths(wasmPaths);
    wasmPathsApplied = true;
  }
  if (!(await tf.setBackend("wasm"))) {
    throw new Error(
      "cannot start the wasm backend: its WebAssembly binary (tfjs-backend-wasm*.wasm from " +
        "@tensorflow/tfjs-backend-wasm) could not be loaded (see the warning above); pass " +
        "wasmPaths (URL of the folder holding the .wasm files) or use DSF_BACKEND=cpu",
    );
  }
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  return { simd, ...native };
}

/**
 * Registers the native BLAS kernels for wasm where Deno's FFI is there and permitted.
 * @throws Error (one line) when `DSF_BLAS=require` (or a named library) cannot be had
 */
async function nativeBlas(): Promise<{ blas?: BlasSummary; noBlas?: string }> {
  const deno = (globalThis as {
    Deno?: {
      dlopen?: unknown;
      permissions?: { querySync?(d: { name: "ffi" }): { state: string } };
    };
  }).Deno;
  const asked = readEnv("DSF_BLAS")?.trim() ?? "";
  if (asked === "off") return { noBlas: "no BLAS: DSF_BLAS=off" };
  let missing: string | undefined;
  if (typeof deno?.dlopen !== "function") missing = "this runtime has no FFI";
  else if (deno.permissions?.querySync?.({ name: "ffi" }).state !== "granted") {
    missing = "FFI is not permitted (run Deno with --allow-ffi or -A)";
  }
  if (missing !== undefined) {
    if (asked !== "" && asked !== "auto") {
      throw new Error(`DSF_BLAS=${asked} but ${missing}`);
    }
    return { noBlas: `no BLAS: ${missing}` };
  }
  const { enableNativeBlas } = await import("./native/mod.ts");
  const status = enableNativeBlas();
  if (status.blas === undefined) return { noBlas: status.reason };
  const { name, threads, path, kernels } = status.blas;
  return { blas: { name, threads, path, ...(kernels ? { kernels } : {}) } };
}

async function startCpu(): Promise<void> {
  if (!(await tf.setBackend("cpu"))) {
    throw new Error("cannot start the cpu backend: tf.setBackend('cpu') failed");
  }
  // Under Deno tfjs thinks it is in Node and, on the first tensor, advises installing
  // tfjs-node; that advice does not apply here, so mark the banner as already shown.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

async function restore(previous: string | undefined): Promise<void> {
  if (previous == null || previous === "") return;
  try {
    await tf.setBackend(previous);
  } catch {
    // Nothing better to fall back to; the caller gets the original error.
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
