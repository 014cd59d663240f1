/**
 * How many kernel dispatches of a backward must run one after another: the length of the
 * longest dependency chain (critical path) of the kernels run while tracking is on.
 *
 * Measured, not modelled: while a {@link DispatchTracker} is active, every kernel the tfjs
 * engine runs gets a depth, `1 + max(depth of its inputs)`; tensors made before tracking
 * started (weights, forward activations saved for the backward) have depth 0. An output that
 * shares its input's buffer (Reshape, and on some backends Identity/Cast/contiguous Slice)
 * takes that input's depth: it dispatches nothing. The critical path is the largest depth
 * seen; the total kernel count is kept too.
 *
 * It works by wrapping the engine's `runKernelFunc` (the single entry of every op and custom
 * gradient) while a tracker is active; composite kernels that call other kernels inside the
 * backend count as one. For the temporal part of the backward it gives: BPTT ≈ c·T (a few
 * kernels per step), DSF `sequential` 2·(T−1) (a mul and an add per step), DSF `scan`
 * ≈ 3·⌈log₂ T⌉ (slice/pad, mul, add per level), DSF `fft` ≈ c·log₂ T, FT-BPTT 0 — plus a constant
 * for the readout and the local terms. {@link temporalDepthModel} states the same analytically.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

type KernelParams = { inputs?: Record<string, tf.Tensor | undefined> };
type EngineLike = { runKernelFunc: (params: KernelParams) => tf.Tensor | tf.Tensor[] };

let active: DispatchTracker | null = null;
let installed = false;

function install(): void {
  if (installed) return;
  const engine = tf.engine() as unknown as EngineLike;
  const original = engine.runKernelFunc;
  engine.runKernelFunc = function (this: unknown, params: KernelParams) {
    const out = original.call(this, params);
    active?.record(params, out);
    return out;
  };
  installed = true;
}

/** Tracks the dependency depth of kernels between {@link start} and {@link stop}. */
export class DispatchTracker {
  #depth = new WeakMap<object, number>();
  #maxDepth = 0;
  #kernels = 0;

  /** Starts tracking (stops any other active tracker). */
  start(): void {
    install();
    active = this;
  }

  /** Stops tracking. */
  stop(): void {
    if (active === this) active = null;
  }

  /** The longest chain of dependent kernels seen. */
  get criticalPath(): number {
    return this.#maxDepth;
  }

  /** Kernels run while tracking (those sharing their input's buffer not counted). */
  get kernels(): number {
    return this.#kernels;
  }

  /** @internal Called by the engine hook for each kernel. */
  record(params: KernelParams, out: tf.Tensor | tf.Tensor[]): void {
    const inputs = Object.values(params.inputs ?? {}).filter((t): t is tf.Tensor =>
      t instanceof tf.Tensor
    );
    const outs = Array.isArray(out) ? out : [out];
    let base = 0;
    for (const t of inputs) base = Math.max(base, this.#depth.get(t.dataId) ?? 0);
    for (const o of outs) {
      if (!(o instanceof tf.Tensor) || this.#depth.has(o.dataId)) continue;
      const same = inputs.find((t) => t.dataId === o.dataId);
      if (same !== undefined) {
        this.#depth.set(o.dataId, this.#depth.get(same.dataId) ?? 0);
        continue;
      }
      const d = base + 1;
      this.#depth.set(o.dataId, d);
      this.#kernels++;
      if (d > this.#maxDepth) this.#maxDepth = d;
    }
  }
}

/**
 * Runs `fn` with a fresh tracker active and returns its result with the critical path and
 * kernel count of the work it did.
 */
export function trackDispatches<T>(
  fn: () => T,
): { result: T; criticalPath: number; kernels: number } {
  const tracker = new DispatchTracker();
  tracker.start();
  try {
    const result = fn();
    return { result, criticalPath: tracker.criticalPath, kernels: tracker.kernels };
  } finally {
    tracker.stop();
  }
}

/**
 * The number of dependent steps of the *temporal* part of the backward (NOTES §4, Table 1),
 * in units of "one step of the recurrence": BPTT and DSF `sequential` T−1, DSF `scan`
 * ⌈log₂ T⌉ levels, DSF `fft` log₂ of the padded length 2T (butterfly stages, forward and
 * inverse: 2·log₂ N), DSF `webgpu` and `wasm` 1 dispatch (the loop runs inside the kernel),
 * FT-BPTT 0.
 * Multiply by the kernels per step of a backend/cell to compare with the measured path.
 */
export function temporalDepthModel(mode: string, impl: string, t: number): number {
  if (t < 1) throw new Error(`temporalDepthModel: T must be ≥ 1, got ${t}`);
  if (mode === "ft-bptt") return 0;
  if (mode === "bptt") return t - 1;
  if (mode !== "dsf") throw new Error(`temporalDepthModel: unknown mode "${mode}"`);
  switch (impl) {
    case "sequential":
      return t - 1;
    case "scan":
      return Math.ceil(Math.log2(t));
    case "fft": {
      let n = 1;
      while (n < 2 * t) n *= 2;
      return 2 * Math.log2(n);
    }
    case "webgpu":
    case "wasm":
      return 1;
    default:
      throw new Error(`temporalDepthModel: unknown impl "${impl}"`);
  }
}
