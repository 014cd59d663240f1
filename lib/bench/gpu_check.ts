/**
 * The GPU check's measurements (`deno task gpu-pack` packs them, `lib/cli/gpu_check.ts` runs
 * them): what WebGPU adapter the machine offers; the layer's gradients on WebGPU against the cpu
 * backend in every mode (the same weights and data, built from one seed on each backend); and the
 * table of ratios within one run from the benchmark's rows (WebGPU, wasm + BLAS, PyTorch).
 *
 * ```ts
 * const rows = await gradientCheck(GRADIENT_CASES.smoke, "webgpu");
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initBackend } from "../backend.ts";
import type { CellKind } from "../cells/mod.ts";
import { GRADIENT_MODES, type GradientMode } from "../recurrent.ts";
import { type LayerSpec, LayerUnit } from "./layer.ts";

/** An adapter's name for a reader: its description, else vendor, architecture and device. */
export function adapterName(info: Record<string, string>): string {
  return info.description ||
    [info.vendor, info.architecture, info.device].filter(Boolean).join(" ") ||
    "unnamed adapter";
}

/** The adapter as the check reports it. */
export interface AdapterReport {
  /** Vendor, architecture, device and description, as the adapter gives them. */
  info: Record<string, string>;
  isFallbackAdapter: boolean;
  /** Every limit the adapter reports. */
  limits: Record<string, number>;
  features: string[];
}

/** The adapter WebGPU offers here, or null when there is none (or no `navigator.gpu`). */
export async function adapterReport(): Promise<AdapterReport | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const info: Record<string, string> = {};
  const raw = adapter.info as unknown as Record<string, unknown>;
  for (const k of ["vendor", "architecture", "device", "description"]) {
    if (typeof raw?.[k] === "string") info[k] = raw[k] as string;
  }
  const limits: Record<string, number> = {};
  // GPUSupportedLimits' fields are getters on its prototype: walk them, not Object.keys.
  for (const k in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === "number") limits[k] = v;
  }
  return {
    info,
    isFallbackAdapter: Boolean(
      (adapter as unknown as { isFallbackAdapter?: boolean })
        .isFallbackAdapter ?? (raw?.isFallbackAdapter as boolean | undefined),
    ),
    limits,
    features: [...adapter.features].sort(),
  };
}

/** One gradient comparison: a layer spec on the backend checked and on cpu. */
export interface GradientRow {
  cell: CellKind;
  mode: GradientMode;
  B: number;
  T: number;
  D: number;
  backend: BackendName;
  /** max |g − g_cpu| / max |g_cpu| over every parameter. */
  relError: number;
  /** The parameter where that error is largest. */
  worst: string;
  ok: boolean;
}

/** The largest relative error a float32 GPU gradient may have against the cpu backend. */
export const GRADIENT_TOLERANCE = 2e-3;

/** The gradient cases: a smoke list for CI and the full one for a GPU. */
export const GRADIENT_CASES: Readonly<Record<"smoke" | "full", readonly LayerSpec[]>> = {
  smoke: GRADIENT_MODES.map((mode) => ({ cell: "gru" as const, mode, B: 2, T: 8, D: 8 })),
  full: (["rnn", "gru", "lstm"] as const).flatMap((cell) =>
    GRADIENT_MODES.map((mode) => ({ cell, mode, B: 4, T: 64, D: 64 }))
  ),
};

/** Every parameter's gradient of one layer unit on the active backend. */
async function gradientsHere(spec: LayerSpec): Promise<Record<string, Float32Array>> {
  const unit = new LayerUnit(spec);
  try {
    const grads = unit.gradients();
    const out: Record<string, Float32Array> = {};
    for (const [k, g] of Object.entries(grads)) out[k] = (await g.data()) as Float32Array;
    tf.dispose(Object.values(grads));
    return out;
  } finally {
    unit.dispose();
  }
}

/** max |a − b| / max |b| of two gradient sets, and where it is largest. */
export function relativeError(
  a: Record<string, Float32Array>,
  b: Record<string, Float32Array>,
): { relError: number; worst: string } {
  let worst = "";
  let err = 0;
  for (const [k, ref] of Object.entries(b)) {
    const got = a[k];
    if (!got || got.length !== ref.length) return { relError: Infinity, worst: k };
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < ref.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]));
      diff = Math.max(diff, Math.abs(got[i] - ref[i]));
    }
    const e = scale > 0 ? diff / scale : diff;
    if (!(e <= err)) [err, worst] = [e, k]; // NaN counts as the worst
  }
  return { relError: err, worst };
}

/**
 * Each case's gradients on `backend` against the cpu backend's (see the module doc). Leaves the
 * cpu backend active.
 */
export async function gradientCheck(
  cases: readonly LayerSpec[],
  backend: BackendName,
): Promise<GradientRow[]> {
  const rows: GradientRow[] = [];
  for (const spec of cases) {
    await initBackend({ backend, quiet: true });
    const got = await gradientsHere(spec);
    await initBackend({ backend: "cpu", quiet: true });
    const want = await gradientsHere(spec);
    const { relError, worst } = relativeError(got, want);
    rows.push({
      cell: spec.cell,
      mode: spec.mode,
      B: spec.B,
      T: spec.T,
      D: spec.D,
      backend,
      relError,
      worst,
      ok: relError <= GRADIENT_TOLERANCE,
    });
  }
  return rows;
}

/** A benchmark row as the check reads it (lib/bench/results.ts rows, PyTorch's included). */
export interface CheckBenchRow {
  unit?: string;
  cell: string;
  mode: string;
  impl?: string;
  backend: string;
  B: number;
  T: number;
  D: number;
  V?: number;
  stepMs: number | null;
  error?: string;
}

/**
 * The ratios a reader asks for, per shape, from one run's rows: BPTT / DSF on WebGPU (the paper's
 * promise: ≥ 3×), WebGPU's DSF against wasm + BLAS's DSF on this machine's cores, and WebGPU's
 * DSF against PyTorch's BPTT (`nn.GRU`) on CUDA (the goal: within 3×).
 */
export function checkTable(rows: readonly CheckBenchRow[]): string {
  const ok = rows.filter((r) => !r.error && typeof r.stepMs === "number");
  const shapes = [
    ...new Set(ok.map((r) => `${r.unit ?? "layer"}|${r.cell}|${r.B}|${r.T}|${r.D}|${r.V ?? ""}`)),
  ];
  const best = (shape: string, backend: RegExp, mode: string) => {
    const ms = ok.filter((r) =>
      `${r.unit ?? "layer"}|${r.cell}|${r.B}|${r.T}|${r.D}|${r.V ?? ""}` === shape &&
      backend.test(r.backend) && r.mode === mode
    ).map((r) => r.stepMs!);
    return ms.length ? Math.min(...ms) : NaN;
  };
  const f = (x: number, unit: string) =>
    Number.isFinite(x) ? `${x.toFixed(unit === "×" ? 2 : 1)}${unit}` : "–";
  const lines = shapes.map((s) => {
    const [unit, cell, B, T, D, V] = s.split("|");
    const gBptt = best(s, /^webgpu/, "bptt");
    const gDsf = best(s, /^webgpu/, "dsf");
    const wDsf = best(s, /^wasm/, "dsf");
    const torch = best(s, /^torch-cuda/, "pytorch");
    return `| ${unit} ${cell} | ${B} | ${T} | ${D}${V ? ` (V ${V})` : ""} | ${f(gBptt, " ms")} | ` +
      `${f(gDsf, " ms")} | ${f(gBptt / gDsf, "×")} | ${f(wDsf / gDsf, "×")} | ${
        f(gDsf / torch, "×")
      } |`;
  });
  return [
    "| unit | B | T | D | WebGPU BPTT | WebGPU DSF | BPTT / DSF on WebGPU | wasm DSF / WebGPU DSF | " +
    "WebGPU DSF / PyTorch CUDA BPTT |",
    "|---|---|---|---|---|---|---|---|---|",
    ...lines,
  ].join("\n");
}
