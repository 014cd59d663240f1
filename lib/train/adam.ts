/**
 * Adam with PyTorch semantics (`torch.optim.Adam`, non-amsgrad, non-maximize):
 *
 * ```
 * g ← g + weightDecay·θ                    (L2 added to the gradient, not AdamW)
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * θ ← θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { adamUpdateAvailable, wasmAdamUpdate } from "../ops/wasm_adam.ts";
import { adamWebgpuAvailable, webgpuAdamUpdate } from "../ops/webgpu_adam.ts";

/** Hyper-parameters of {@link Adam}. */
export interface AdamOptions {
  /** Learning rate (can be changed per step with `step(grads, { lr })`). */
  lr: number;
  /** Moment decay rates `[β1, β2]`, each in [0, 1). Default `[0.9, 0.999]`. */
  betas?: [number, number];
  /** Added to `√v̂` in the denominator. Default `1e-8`. */
  eps?: number;
  /** L2 penalty added to the gradient before the moments. Default `0`. */
  weightDecay?: number;
}

/** A snapshot of the optimiser state: the step count and both moments per parameter. */
export interface AdamState {
  /** Number of updates already made. */
  step: number;
  /** First moments, by parameter name (same length as the parameter). */
  m: Record<string, Float32Array>;
  /** Second moments, by parameter name. */
  v: Record<string, Float32Array>;
}

/** Options of {@link Adam.step}. */
export interface AdamStepOptions {
  /** Learning rate for this step only (e.g. from a schedule); defaults to `adam.lr`. */
  lr?: number;
}

function checkNumber(key: string, x: number, lo: number, hi: number, hiOpen: boolean): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x < lo || (hiOpen ? x >= hi : x > hi)) {
    throw new Error(
      `Adam: "${key}" must be a number in [${lo}, ${hi}${hiOpen ? ")" : "]"}, got ${x}`,
    );
  }
}

/** The Adam optimiser over a named set of variables; moments live on the backend. */
export class Adam {
  /** Current base learning rate. */
  lr: number;
  /** `[β1, β2]`. */
  readonly betas: [number, number];
  /** Denominator epsilon. */
  readonly eps: number;
  /** L2 weight decay added to the gradient. */
  readonly weightDecay: number;
  #params: Record<string, tf.Variable>;
  #m: Record<string, tf.Variable> = {};
  #v: Record<string, tf.Variable> = {};
  #step = 0;

  /** Creates the optimiser with zero moments for every parameter in `params`. */
  constructor(params: Record<string, tf.Variable>, options: AdamOptions) {
    const { lr, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = options;
    checkNumber("lr", lr, 0, Infinity, false);
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new Error(`Adam: "betas" must be a pair [beta1, beta2], got ${JSON.stringify(betas)}`);
    }
    checkNumber("betas[0]", betas[0], 0, 1, true);
    checkNumber("betas[1]", betas[1], 0, 1, true);
    checkNumber("eps", eps, 0, Infinity, false);
    checkNumber("weightDecay", weightDecay, 0, Infinity, false);
    this.lr = lr;
    this.betas = [betas[0], betas[1]];
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.#params = { ...params };
    for (const [name, p] of Object.entries(this.#params)) {
      const zeros = tf.zerosLike(p);
      this.#m[name] = tf.variable(zeros, false, undefined, "float32");
      this.#v[name] = tf.variable(zeros, false, undefined, "float32");
      zeros.dispose();
    }
  }

  /** Number of updates made so far. */
  get stepCount(): number {
    return this.#step;
  }

  /**
   * One update of every parameter from `grads` (same names and shapes as the parameters; a
   * missing or unknown name is an error). The gradients are not disposed.
   */
  step(grads: Record<string, tf.Tensor>, options: AdamStepOptions = {}): void {
    const lr = options.lr ?? this.lr;
    checkNumber("lr", lr, 0, Infinity, false);
    for (const name of Object.keys(grads)) {
      if (!(name in this.#params)) {
        throw new Error(`Adam.step: gradient "${name}" has no parameter`);
      }
    }
    for (const [name, p] of Object.entries(this.#params)) {
      const g = grads[name];
      if (g === undefined) throw new Error(`Adam.step: no gradient for parameter "${name}"`);
      if (!tf.util.arraysEqual(g.shape, p.shape)) {
        throw new Error(
          `Adam.step: gradient "${name}" has shape [${g.shape}], parameter has [${p.shape}]`,
        );
      }
    }
    const t = this.#step + 1;
    const [b1, b2] = this.betas;
    const stepSize = lr / (1 - Math.pow(b1, t));
    const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, t));
    if (adamUpdateAvailable() || adamWebgpuAvailable()) {
      // wasm: one fused pass per parameter, bit-equal to the ops below (lib/ops/wasm_adam.ts);
      // webgpu: one kernel per parameter instead of about 15 (lib/ops/webgpu_adam.ts).
      const update = adamWebgpuAvailable() ? webgpuAdamUpdate : wasmAdamUpdate;
      const attrs = {
        beta1: b1,
        beta2: b2,
        stepSize,
        bc2Sqrt,
        eps: this.eps,
        weightDecay: this.weightDecay,
      };
      for (const [name, p] of Object.entries(this.#params)) {
        const [m, v] = [this.#m[name], this.#v[name]];
        const [pNew, mNew, vNew] = update({ p, g: grads[name], m, v }, attrs);
        m.assign(mNew);
        v.assign(vNew);
        p.assign(pNew);
        tf.dispose([pNew, mNew, vNew]);
      }
      this.#step = t;
      return;
    }
    tf.tidy(() => {
      for (const [name, p] of Object.entries(this.#params)) {
        let g = grads[name];
        if (this.weightDecay !== 0) g = tf.add(g, tf.mul(p, this.weightDecay));
        const m = this.#m[name];
        const v = this.#v[name];
        const mNew = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const vNew = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), bc2Sqrt), this.eps);
        const pNew = tf.sub(p, tf.mul(tf.div(mNew, denom), stepSize));
        m.assign(mNew);
        v.assign(vNew);
        p.assign(pNew);
      }
    });
    this.#step = t;
  }

  /** A copy of the state (reads the moments back from the backend, asynchronously: webgpu). */
  async getState(): Promise<AdamState> {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const name of Object.keys(this.#params)) {
      m[name] = Float32Array.from(await this.#m[name].data() as Float32Array);
      v[name] = Float32Array.from(await this.#v[name].data() as Float32Array);
    }
    return { step: this.#step, m, v };
  }

  /** Restores a state from {@link Adam.getState}; names and sizes must match the parameters. */
  setState(state: AdamState): void {
    if (!Number.isInteger(state?.step) || state.step < 0) {
      throw new Error(`Adam.setState: "step" must be a non-negative integer, got ${state?.step}`);
    }
    for (const key of ["m", "v"] as const) {
      const saved = state[key];
      if (saved === null || typeof saved !== "object") {
        throw new Error(`Adam.setState: "${key}" is missing`);
      }
      for (const name of Object.keys(saved)) {
        if (!(name in this.#params)) {
          throw new Error(`Adam.setState: "${key}.${name}" has no parameter`);
        }
      }
      for (const [name, p] of Object.entries(this.#params)) {
        const arr = saved[name];
        if (!(arr instanceof Float32Array)) {
          throw new Error(`Adam.setState: "${key}.${name}" is missing or not a Float32Array`);
        }
        if (arr.length !== p.size) {
          throw new Error(
            `Adam.setState: "${key}.${name}" has ${arr.length} values, parameter has ${p.size}`,
          );
        }
      }
    }
    tf.tidy(() => {
      for (const [name, p] of Object.entries(this.#params)) {
        this.#m[name].assign(tf.tensor(state.m[name], p.shape, "float32"));
        this.#v[name].assign(tf.tensor(state.v[name], p.shape, "float32"));
      }
    });
    this.#step = state.step;
  }

  /** Frees the moment variables (the parameters are not touched). */
  dispose(): void {
    for (const name of Object.keys(this.#m)) {
      this.#m[name].dispose();
      this.#v[name].dispose();
    }
    this.#m = {};
    this.#v = {};
  }
}
