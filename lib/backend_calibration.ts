/**
 * The default backend chosen by measurement: with a hardware WebGPU adapter, a short calibration
 * (≤ ~10 s) times the recurrent layer's training step at the run's shape on WebGPU and on wasm
 * (+ native BLAS) and starts the faster; the choice is cached per adapter and shape, so it is
 * measured once. The backend line says which won and by how much. An explicit backend (option
 * or `DSF_BACKEND`) is never calibrated; nor is a machine without a hardware adapter (wasm is the
 * default there).
 *
 * ```ts
 * const info = await initCalibratedBackend({ cell: "gru", mode: "dsf", B: 32, T: 64, D: 256 }, {
 *   cache: fileCalibrationCache(".cache/calibration.json"), // lib/io/calibration_cache.ts
 * });
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendInfo, type BackendName, initBackend } from "./backend.ts";
import { type GpuProbe, probeGpu } from "./backend_webgpu.ts";
import { type LayerSpec, LayerUnit } from "./bench/layer.ts";

/** A measured choice. */
export interface Calibration {
  /** The faster backend. */
  pick: "webgpu" | "wasm";
  /** Median ms of one training step on each. */
  ms: { webgpu: number; wasm: number };
  /** When it was measured (ISO). */
  at: string;
}

/** Where calibrations are kept (a file under `.cache/` in Deno; anything in a browser). */
export interface CalibrationCache {
  /** The calibration kept under `key` ({@link calibrationKey}), if any. */
  get(key: string): Promise<Calibration | undefined>;
  /** Keeps `value` under `key`. */
  set(key: string, value: Calibration): Promise<void>;
}

/** The cache key: the adapter and the layer's shape (cell, mode, B, T, D). */
export function calibrationKey(adapter: string, spec: LayerSpec): string {
  return `${adapter}|${spec.cell}|${spec.mode}|B${spec.B}|T${spec.T}|D${spec.D}`;
}

/** The faster of two median step times (ties go to wasm, the path with no GPU to share). */
export function pickFaster(ms: { webgpu: number; wasm: number }): "webgpu" | "wasm" {
  return Number.isFinite(ms.webgpu) && ms.webgpu < ms.wasm ? "webgpu" : "wasm";
}

/** The backend line's reason for a calibrated choice, e.g. "calibrated: webgpu 3.1× faster …". */
export function calibrationReason(c: Calibration, cached: boolean): string {
  const other = c.pick === "webgpu" ? "wasm" : "webgpu";
  // A cache edited by hand or an older file may hold null (JSON's Infinity): say "failed".
  const ms = (v: number | null) => (typeof v === "number" && Number.isFinite(v) ? v : NaN);
  const [mine, theirs] = [ms(c.ms[c.pick]), ms(c.ms[other])];
  const shown = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : "failed");
  const how = Number.isFinite(theirs) && Number.isFinite(mine)
    ? `${(theirs / mine).toFixed(1)}× faster than ${other}`
    : `the only one of the two that ran (${other} failed)`;
  return `calibrated${cached ? " (cached)" : ""}: ${c.pick} ${how} on this layer step ` +
    `(webgpu ${shown(ms(c.ms.webgpu))}, wasm ${shown(ms(c.ms.wasm))})`;
}

/** Median ms of `runs` steps of the layer at `spec` on the active backend, after one warm-up. */
export async function timeLayerStep(spec: LayerSpec, budgetMs = 4000): Promise<number> {
  const unit = new LayerUnit(spec);
  try {
    const once = async () => {
      const t0 = performance.now();
      tf.dispose(unit.step());
      await unit.probe.data(); // waits for the GPU's queue too
      return performance.now() - t0;
    };
    const first = await once();
    const samples: number[] = [];
    let spent = first;
    while (samples.length < 5 && (samples.length < 1 || spent + first < budgetMs)) {
      const ms = await once();
      samples.push(ms);
      spent += ms;
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)];
  } finally {
    unit.dispose();
  }
}

/** Options of {@link initCalibratedBackend}. */
export interface CalibrateOptions {
  /** Backend asked for (option; else `DSF_BACKEND`); anything but "auto" skips calibration. */
  backend?: BackendName | "auto";
  /** Where choices are kept (default: none, measured every time). */
  cache?: CalibrationCache;
  /** The step timer (default {@link timeLayerStep}; tests give fake timings). */
  time?: (backend: "webgpu" | "wasm", spec: LayerSpec) => Promise<number>;
  /** The adapter probe (default {@link probeGpu}; tests present a software one as hardware). */
  probe?: () => Promise<GpuProbe>;
  quiet?: boolean;
}

/**
 * Starts the backend a run should use: the explicit one when asked for; else, with a hardware
 * WebGPU adapter, the faster of WebGPU and wasm at `spec` (cached per adapter and shape); else
 * the default order ({@link initBackend}).
 */
export async function initCalibratedBackend(
  spec: LayerSpec,
  options: CalibrateOptions = {},
): Promise<BackendInfo> {
  const deno = (globalThis as { Deno?: { env: { get(k: string): string | undefined } } }).Deno;
  let env: string | undefined;
  try {
    env = deno?.env.get("DSF_BACKEND")?.trim().toLowerCase();
  } catch { /* no permission: as unset */ }
  const asked = options.backend ?? "auto";
  if (asked !== "auto" || (env && env !== "auto")) {
    // An explicit option, else DSF_BACKEND (which initBackend reads when no option is given).
    return await initBackend({
      backend: asked === "auto" ? undefined : asked,
      quiet: options.quiet,
    });
  }
  const probe = await (options.probe ?? probeGpu)();
  if (!probe.ok || probe.summary.software) return await initBackend({ quiet: options.quiet });
  const key = calibrationKey(probe.summary.name, spec);
  let c = await options.cache?.get(key);
  const cached = c !== undefined;
  if (!c) {
    const time = options.time ?? ((_b, s) => timeLayerStep(s));
    const ms = { webgpu: NaN, wasm: NaN };
    for (const b of ["webgpu", "wasm"] as const) {
      try {
        await initBackend({ backend: b, quiet: true });
        ms[b] = await time(b, spec);
      } catch {
        ms[b] = Infinity; // a backend that cannot start or step loses
      }
    }
    c = { pick: pickFaster(ms), ms, at: new Date().toISOString() };
    // A backend that failed is not remembered as slow: the next run measures again.
    if (Number.isFinite(ms.webgpu) && Number.isFinite(ms.wasm)) await options.cache?.set(key, c);
  }
  const info = await initBackend({ backend: c.pick, quiet: true });
  const reason = calibrationReason(c, cached);
  // The line is `backend: <name>[ + BLAS (…)] (<reason>[; why no BLAS])`: keep its head.
  const at = info.line.lastIndexOf(` (${info.reason}`);
  const calibrated = {
    ...info,
    reason,
    line: `${at > 0 ? info.line.slice(0, at) : `backend: ${info.name}`} (${reason})`,
  };
  if (options.quiet !== true) console.log(calibrated.line);
  return calibrated;
}
