/**
 * Where a step's time goes: one step run under `tf.profile`, its kernels grouped by name.
 * On wasm and cpu every kernel runs synchronously, so a kernel's time is its wall time; what
 * the step spends outside kernels (the gradient tape, JS glue, disposal) is the wall time
 * minus their sum. On webgpu the kernel times are the GPU's, when the adapter reports them.
 * Only kernels registered for the backend are counted: `tf.profile` also lists composite
 * scopes (a custom gradient's forward, `fusedMatMul__op`) whose time their inner kernels hold.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** One kernel name's share of a profiled step. */
export interface KernelShare {
  /** The tfjs kernel name, e.g. "BatchMatMul". */
  name: string;
  /** Calls in the step. */
  calls: number;
  /** Summed milliseconds. */
  ms: number;
}

/** A profiled step. */
export interface StepProfile {
  /** Wall milliseconds of the profiled step (profiling adds a little). */
  wallMs: number;
  /** Summed kernel milliseconds. */
  kernelMs: number;
  /** Kernel calls in the step. */
  kernelCalls: number;
  /** Composite scopes left out (their kernels are counted), e.g. "forward". */
  scopes: string[];
  /** Per kernel name, slowest first. */
  kernels: KernelShare[];
}

/**
 * Runs `step` once under `tf.profile` (warm it up first) and groups its kernels by name.
 * @param step one step; a tensor it returns is disposed
 * @returns the step's wall time and its kernels, slowest first
 */
export async function profileStep(
  step: () => tf.Tensor | void | Promise<tf.Tensor | void>,
): Promise<StepProfile> {
  const start = performance.now();
  const info = await tf.profile(async () => {
    const out = await step();
    if (out instanceof tf.Tensor) {
      await out.data();
      out.dispose();
    }
  });
  const wallMs = performance.now() - start;
  const byName = new Map<string, KernelShare>();
  const scopes = new Set<string>();
  const backend = tf.getBackend();
  const kernelsRun = info.kernels.filter((k) => {
    if (tf.getKernel(k.name, backend) != null) return true;
    scopes.add(k.name);
    return false;
  });
  for (const k of kernelsRun) {
    const share = byName.get(k.name) ?? { name: k.name, calls: 0, ms: 0 };
    share.calls++;
    share.ms += Number(k.kernelTimeMs) || 0;
    byName.set(k.name, share);
  }
  const kernels = [...byName.values()].sort((a, b) => b.ms - a.ms);
  return {
    wallMs,
    kernelMs: kernels.reduce((s, k) => s + k.ms, 0),
    kernelCalls: kernelsRun.length,
    scopes: [...scopes].sort(),
    kernels,
  };
}

/**
 * A markdown table of a profile's `top` kernels, then the rest and the time outside kernels.
 * @param profile from {@link profileStep}
 * @param options how many kernel names to list (default 10)
 * @returns the table's lines
 */
export function formatProfile(profile: StepProfile, options: { top?: number } = {}): string {
  const top = options.top ?? 10;
  const pct = (ms: number) => `${((100 * ms) / profile.wallMs).toFixed(1)}%`;
  const rows = profile.kernels.slice(0, top).map((k) =>
    `| ${k.name} | ${k.calls} | ${k.ms.toFixed(1)} | ${pct(k.ms)} |`
  );
  const rest = profile.kernels.slice(top);
  if (rest.length > 0) {
    const ms = rest.reduce((s, k) => s + k.ms, 0);
    const calls = rest.reduce((s, k) => s + k.calls, 0);
    rows.push(`| ${rest.length} other kernels | ${calls} | ${ms.toFixed(1)} | ${pct(ms)} |`);
  }
  const outside = Math.max(0, profile.wallMs - profile.kernelMs);
  rows.push(
    `| outside kernels (tape, JS, dispose) | – | ${outside.toFixed(1)} | ${pct(outside)} |`,
  );
  return [
    "| kernel | calls | ms | share of step |",
    "| --- | --- | --- | --- |",
    ...rows,
    `| **step (profiled wall)** | ${profile.kernelCalls} | ${profile.wallMs.toFixed(1)} | 100% |`,
  ].join("\n");
}
