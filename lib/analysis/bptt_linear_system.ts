/**
 * Exact BPTT written as the reverse-time linear system of eq. 11 over the exact Jacobians, and
 * its numerical check against autodiff (eqs. 11–12), for one layer and for fresh seeded cells.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type CellKind, createCell } from "../cells/mod.ts";
import { Recurrent } from "../recurrent.ts";
import { Rng } from "../util/rng.ts";
import { jacobianAt, type Jacobians, layerJacobians } from "./jacobian.ts";

/**
 * Exact BPTT as the reverse-time linear system of eq. 11: `δ_T = e_T`,
 * `δ_t = e_t + δ_{t+1} J_{t+1}` (row vectors), in float64.
 * @param e [B, T, S] the gradient arriving on each state from outside the layer
 * @returns δ [B, T, S], the total gradients dL/dh_t
 */
export function bpttAsLinearSystem(j: Jacobians, e: ArrayLike<number>): Float64Array {
  const { batch: b, steps: t, size: s } = j;
  if (e.length !== b * t * s) {
    throw new Error(`bpttAsLinearSystem: e must have B·T·S = ${b * t * s} values, got ${e.length}`);
  }
  const delta = new Float64Array(b * t * s);
  for (let bi = 0; bi < b; bi++) {
    for (let ti = t - 1; ti >= 0; ti--) {
      const o = (bi * t + ti) * s;
      for (let k = 0; k < s; k++) delta[o + k] = e[o + k];
      if (ti === t - 1) continue;
      const next = jacobianAt(j, ti + 1, bi); // J_{t+1}
      const on = o + s;
      for (let i = 0; i < s; i++) {
        const di = delta[on + i];
        if (di === 0) continue;
        for (let k = 0; k < s; k++) delta[o + k] += di * next[i * s + k];
      }
    }
  }
  return delta;
}

/** What {@link checkBpttLinearSystem} returns. */
export interface BpttCheck {
  /** δ from eq. 11 with the exact Jacobians, [B, T, S]. */
  deltaLinear: Float64Array;
  /** δ = dL/dh_t by autodiff through the unrolled cell (a zero perturbation added to each state). */
  deltaAutodiff: Float32Array;
  /** max |δ_linear − δ_autodiff|. */
  maxAbsDiffDelta: number;
  /** max |δ_autodiff|, for scale. */
  maxAbsDelta: number;
  /** Per weight: max |Σ_t δ_t ∂h_t/∂θ (eq. 12) − the layer's own BPTT gradient|. */
  maxAbsDiffGrads: Record<string, number>;
  /** Per weight: max |the layer's own BPTT gradient|, for scale. */
  maxAbsGrads: Record<string, number>;
}

/**
 * Checks eqs. 11–12 numerically on `L = Σ_t e_t · h_t`: δ from the linear system with the exact
 * Jacobians against autodiff, and the weight gradient `Σ_t δ_t ∂h_t/∂θ` (the layer's local terms,
 * i.e. the layer in `ft-bptt` mode fed δ) against the layer's own gradient in `bptt` mode. The
 * layer's mode is restored afterwards.
 * @param x [B, T, E]
 * @param e [B, T, S]
 */
export async function checkBpttLinearSystem(
  layer: Recurrent,
  x: tf.Tensor3D,
  e: tf.Tensor3D,
): Promise<BpttCheck> {
  const { jacobians } = await layerJacobians(layer, x);
  const eData = await e.data() as Float32Array;
  const deltaLinear = bpttAsLinearSystem(jacobians, eData);
  const cell = layer.cell;
  const weights = Object.values(cell.params) as tf.Tensor[];
  const [b, t] = x.shape;
  // dL/dh_t by autodiff: h̃_t = step(x_t, h̃_{t−1}) + p_t, p = 0, δ_t = dL/dp_t.
  const dAuto = tf.tidy(() => {
    const f = (p: tf.Tensor) => {
      const xs = tf.unstack(x, 1) as tf.Tensor2D[];
      const ps = tf.unstack(p, 1) as tf.Tensor2D[];
      let h: tf.Tensor2D = tf.zeros([b, cell.stateSize]);
      const hs: tf.Tensor2D[] = [];
      for (let i = 0; i < t; i++) {
        h = tf.add(cell.step(xs[i], h, weights), ps[i]);
        hs.push(h);
      }
      return tf.sum(tf.mul(tf.stack(hs, 1), e));
    };
    return tf.grad(f)(tf.zerosLike(e));
  });
  const deltaAutodiff = await dAuto.data() as Float32Array;
  dAuto.dispose();
  const names = Object.keys(cell.params);
  const vars = names.map((n) => cell.params[n]);
  const gradsWith = async (mode: "bptt" | "ft-bptt", g: tf.Tensor3D) => {
    layer.setMode(mode);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(x), g)) as tf.Scalar,
      vars,
    );
    const out = await Promise.all(vars.map((v) => grads[v.name].data() as Promise<Float32Array>));
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const mode = layer.mode;
  const deltaT = tf.tensor3d(Float32Array.from(deltaLinear), e.shape);
  let exact: Float32Array[];
  let viaDelta: Float32Array[];
  try {
    exact = await gradsWith("bptt", e);
    viaDelta = await gradsWith("ft-bptt", deltaT);
  } finally {
    layer.setMode(mode);
    deltaT.dispose();
  }
  const maxAbs = (a: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
    return m;
  };
  const maxDiff = (a: ArrayLike<number>, c: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - c[i]));
    return m;
  };
  const maxAbsDiffGrads: Record<string, number> = {};
  const maxAbsGrads: Record<string, number> = {};
  names.forEach((n, i) => {
    maxAbsDiffGrads[n] = maxDiff(viaDelta[i], exact[i]);
    maxAbsGrads[n] = maxAbs(exact[i]);
  });
  return {
    deltaLinear,
    deltaAutodiff,
    maxAbsDiffDelta: maxDiff(deltaLinear, deltaAutodiff),
    maxAbsDelta: maxAbs(deltaAutodiff),
    maxAbsDiffGrads,
    maxAbsGrads,
  };
}

/** Options of {@link verifyBpttLinearSystem}. */
export interface VerifyBpttOptions {
  /** Cells to check (default rnn, gru, lstm). */
  cells?: CellKind[];
  /** Sequences B (default 2). */
  batch?: number;
  /** Steps T (default 16). */
  steps?: number;
  /** Input width E (default 8). */
  input?: number;
  /** Hidden width D (default 16). */
  hidden?: number;
  /** Seed of the weights, inputs and outgoing gradients (default 0). */
  seed?: number;
}

/** One row of {@link verifyBpttLinearSystem}: the worst differences for one cell. */
export type BpttCheckRow = {
  /** The cell kind. */
  cell: string;
  /** S, the state width. */
  state: number;
  /** max |δ (eq. 11) − δ (autodiff)|. */
  "max |Δδ|": number;
  /** max |δ|, for scale. */
  "max |δ|": number;
  /** max over the weights of |Σ_t δ_t ∂h_t/∂θ (eq. 12) − the layer's BPTT gradient|. */
  "max |Δ∂L/∂θ|": number;
  /** max |the layer's BPTT gradient|, for scale. */
  "max |∂L/∂θ|": number;
};

/**
 * Eqs. 11–12 checked numerically ({@link checkBpttLinearSystem}) on fresh seeded cells with
 * random inputs and random outgoing gradients e (normal draws), one row per cell.
 */
export async function verifyBpttLinearSystem(
  options: VerifyBpttOptions = {},
): Promise<BpttCheckRow[]> {
  const { batch = 2, steps = 16, input = 8, hidden = 16, seed = 0 } = options;
  const rows: BpttCheckRow[] = [];
  for (const kind of options.cells ?? (["rnn", "gru", "lstm"] as CellKind[])) {
    const rng = new Rng(seed);
    const layer = new Recurrent(createCell(kind, { input, hidden }, { seed }), { mode: "bptt" });
    const s = layer.cell.stateSize;
    const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    const x = tf.tensor3d(draw(batch * steps * input), [batch, steps, input]);
    const e = tf.tensor3d(draw(batch * steps * s), [batch, steps, s]);
    try {
      const r = await checkBpttLinearSystem(layer, x, e);
      rows.push({
        cell: kind,
        state: s,
        "max |Δδ|": r.maxAbsDiffDelta,
        "max |δ|": r.maxAbsDelta,
        "max |Δ∂L/∂θ|": Math.max(...Object.values(r.maxAbsDiffGrads)),
        "max |∂L/∂θ|": Math.max(...Object.values(r.maxAbsGrads)),
      });
    } finally {
      tf.dispose([x, e]);
      layer.dispose();
    }
  }
  return rows;
}
