/**
 * SIMD kernels for the wasm backend, 4 floats at a time: the rows of the fused softmax
 * cross-entropy (the row maximum, Σ exp(z − max) storing the terms, a row scaled in place) and
 * the gate arithmetic of one GRU step (σ, tanh and the state update in one pass), and the GRU's
 * local backward (the pre-activation gradients of all steps in one pass). They are a
 * small hand-written WebAssembly module (`wasm_simd.wat`, assembled into
 * `wasm_simd_bytes.ts` by `deno task wasm`) instantiated on the tfjs wasm backend's own
 * memory, so they read and write tensors where they lie. exp is a degree-6 polynomial after
 * range reduction (relative error ≈ 2e−7, about Math.exp rounded to float32).
 *
 * @module
 */
import { WASM_BASE64 } from "./wasm_simd_bytes.ts";

/** The module's exports; pointers and lengths in bytes and floats of the shared heap. */
export interface SimdKernels {
  /** The largest of the n4 floats at byte offset p (n4 a positive multiple of 4). */
  rowMax(p: number, n4: number): number;
  /** Σ exp(z_j − max) over the n4 floats at z; with out ≠ 0 each term is stored there too. */
  expSum(z: number, out: number, n4: number, max: number): number;
  /** The n4 floats at p times s, in place. */
  scale(p: number, n4: number, s: number): void;
  /**
   * One GRU step's gates for b rows of width d (a multiple of 4): gi, gh [b, 3d] pre-
   * activations (r | z | n), h and out [b, d]; r, z, n, hn [b, d] planes receive r, z, n and
   * gh's n block (all skipped when r is 0). r = σ(gi_r + gh_r), z = σ(gi_z + gh_z),
   * n = tanh(gi_n + r ⊙ gh_n), out = n + z ⊙ (h − n).
   */
  gruGates(
    gi: number,
    gh: number,
    h: number,
    out: number,
    r: number,
    z: number,
    n: number,
    hn: number,
    b: number,
    d: number,
  ): void;
  /**
   * The GRU's local backward for `rows` rows of width d (a multiple of 4): δ, h_{t−1}, r, z, n,
   * hn [rows, d] → gx = [dr | dz | dn], gh = [dr | dz | dn ⊙ r] [rows, 3d], with
   * dn = δ(1 − z)(1 − n²), dz = δ(h_{t−1} − n) z(1 − z), dr = dn·hn·r(1 − r).
   */
  gruGateGrads(
    delta: number,
    hPrev: number,
    r: number,
    z: number,
    n: number,
    hn: number,
    gx: number,
    gh: number,
    rows: number,
    d: number,
  ): void;
  /**
   * Adam's update of n4 floats (a multiple of 4) at θ, g, m, v into θ', m', v' (byte offsets),
   * with float32 scalars β1, 1 − β1, β2, 1 − β2, step size, √(1 − β2^t), ε, weight decay.
   */
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    po: number,
    mo: number,
    vo: number,
    n4: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    ss: number,
    bc: number,
    eps: number,
    wd: number,
  ): void;
}

/** What the module needs of the tfjs wasm backend: its exported memory. */
interface BackendWithMemory {
  wasm: { asm?: { memory?: unknown } };
}

const instances = new WeakMap<object, SimdKernels | null>();
let enabled = true;
let bytes: Uint8Array<ArrayBuffer> | undefined;

/** Turns the SIMD kernels off (the plain-JS loops run) or back on; for tests and comparison. */
export function setSimdKernels(on: boolean): void {
  enabled = on;
}

/**
 * The kernels on this backend's memory, or null where they cannot run (switched off, no
 * exported memory, or no WebAssembly SIMD); then the caller uses its JS loops.
 * @param backend the tfjs wasm backend
 */
export function simdKernelsFor(backend: object): SimdKernels | null {
  if (!enabled) return null;
  if (instances.has(backend)) return instances.get(backend)!;
  let kernels: SimdKernels | null = null;
  const memory = (backend as BackendWithMemory).wasm?.asm?.memory;
  bytes ??= Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
  if (memory instanceof WebAssembly.Memory && WebAssembly.validate(bytes)) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    kernels = instance.exports as unknown as SimdKernels;
  }
  instances.set(backend, kernels);
  return kernels;
}
