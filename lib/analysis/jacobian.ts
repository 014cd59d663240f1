/**
 * The state Jacobians `J_t = ∂h_t/∂h_{t−1}` of a recurrent layer along a sequence, the numbers
 * that say how close they are to DSF's assumption (one fixed diagonal matrix for all t), and
 * exact BPTT written as the reverse-time linear system of eq. 11, checked against autodiff.
 *
 * Jacobians are exact: autodiff of `cell.step` at (x_t, h_{t−1}), with each previous state
 * replicated S times as a batch and replica i asking for output channel i, so that one backward
 * gives every row of every J_t requested. Convention: `J[i][j] = ∂h_{t,i}/∂h_{t−1,j}` (row = output
 * channel), so that with row vectors `δ_t = e_t + δ_{t+1} J_{t+1}`.
 *
 * For an LSTM the state is concat(h, c) and J_t is 2D × 2D.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { previousStates } from "../cells/cell.ts";
import { type CellKind, createCell } from "../cells/mod.ts";
import type { Batch } from "../data/batches.ts";
import { Recurrent } from "../recurrent.ts";
import { Rng } from "../util/rng.ts";

/** Jacobians of a batch of sequences, `[B, T, S, S]` row-major. */
export interface Jacobians {
  /** B, the sequences. */
  batch: number;
  /** T, the steps. */
  steps: number;
  /** S, the state width. */
  size: number;
  /** `data[((b·T + t)·S + i)·S + j] = ∂h_{t,i}/∂h_{t−1,j}` (t from 0: J of the first step). */
  data: Float32Array;
}

/** The S×S matrix J_t of sequence b (a view, row-major). */
export function jacobianAt(j: Jacobians, t: number, b = 0): Float32Array {
  const s2 = j.size * j.size;
  const k = b * j.steps + t;
  return j.data.subarray(k * s2, (k + 1) * s2);
}

/** The S×S matrix as nested rows (e.g. for a heatmap). */
export function toRows(m: ArrayLike<number>, size: number): number[][] {
  return Array.from(
    { length: size },
    (_, i) => Array.from({ length: size }, (_, k) => m[i * size + k]),
  );
}

/** Options of {@link jacobiansAt}. */
export interface JacobiansAtOptions {
  /** Most replicated rows (pairs × S) in one backward; default 32768. */
  chunkRows?: number;
}

/**
 * Exact J at N points (x_n, h_{n−1}) of a layer's cell: autodiff of one `cell.step` on the
 * previous states replicated S times.
 * @param x [N, E] inputs
 * @param hPrev [N, S] previous states
 * @returns [N, S, S] row-major, `[n][i][j] = ∂step(x_n, h)_i/∂h_j` at h = hPrev_n
 */
export async function jacobiansAt(
  layer: Recurrent,
  x: tf.Tensor2D,
  hPrev: tf.Tensor2D,
  options: JacobiansAtOptions = {},
): Promise<Float32Array> {
  const cell = layer.cell;
  const s = cell.stateSize;
  const [n, e] = x.shape;
  if (hPrev.shape[0] !== n || hPrev.shape[1] !== s) {
    throw new Error(`jacobiansAt: hPrev must be [${n}, ${s}], got [${hPrev.shape}]`);
  }
  const weights = Object.values(cell.params) as tf.Tensor[];
  const out = new Float32Array(n * s * s);
  const per = Math.max(1, Math.floor((options.chunkRows ?? 32768) / s));
  for (let p0 = 0; p0 < n; p0 += per) {
    const m = Math.min(per, n - p0);
    const g = tf.tidy(() => {
      const rep = (a: tf.Tensor2D, w: number) =>
        tf.reshape(tf.tile(tf.expandDims(tf.slice(a, [p0, 0], [m, w]), 1), [1, s, 1]), [m * s, w]);
      const xr = rep(x, e) as tf.Tensor2D;
      const hr = rep(hPrev, s) as tf.Tensor2D;
      const pick = tf.tile(tf.eye(s), [m, 1]); // replica i of each point asks for channel i
      const f = (h: tf.Tensor) => tf.sum(tf.mul(cell.step(xr, h as tf.Tensor2D, weights), pick));
      return tf.grad(f)(hr); // [m·S, S]: row (p, i) = ∂h_i/∂h_prev
    });
    out.set(await g.data() as Float32Array, p0 * s * s);
    g.dispose();
  }
  return out;
}

/** Options of {@link layerJacobians}. */
export interface LayerJacobiansOptions extends JacobiansAtOptions {
  /** Sequences of the batch to take (default: all). */
  rows?: number[];
}

/**
 * Exact Jacobians of a recurrent layer along its input sequences (run from a zero state).
 * @param x [B, T, E], batch-major (as {@link Recurrent.apply} takes it)
 * @returns the Jacobians `[B', T, S, S]` of the selected rows, and their states `[B', T, S]`
 */
export async function layerJacobians(
  layer: Recurrent,
  x: tf.Tensor3D,
  options: LayerJacobiansOptions = {},
): Promise<{ jacobians: Jacobians; states: Float32Array }> {
  const s = layer.cell.stateSize;
  const [, t, e] = x.shape;
  const xs = options.rows ? tf.gather(x, tf.tensor1d(options.rows, "int32")) : x;
  const b = xs.shape[0];
  const { states, flatX, flatPrev } = tf.tidy(() => {
    const states = layer.apply(xs as tf.Tensor3D, { training: false }); // [B', T, S]
    const prev = tf.transpose(
      previousStates(tf.transpose(states, [1, 0, 2]) as tf.Tensor3D),
      [1, 0, 2],
    );
    return {
      states,
      flatX: tf.reshape(xs, [b * t, e]) as tf.Tensor2D,
      flatPrev: tf.reshape(prev, [b * t, s]) as tf.Tensor2D,
    };
  });
  if (xs !== x) xs.dispose();
  const data = await jacobiansAt(layer, flatX, flatPrev, options);
  const stateData = await states.data() as Float32Array;
  tf.dispose([states, flatX, flatPrev]);
  return { jacobians: { batch: b, steps: t, size: s, data }, states: stateData };
}

/** A model whose `features` runs its {@link Recurrent} layers (any `LanguageModel`). */
export interface RecurrentModel {
  /** Final features, ids [B, T] → [B, T, D]. */
  features(ids: tf.Tensor2D, opts?: { training?: boolean }): tf.Tensor3D;
  /** The recurrent layers, bottom to top. */
  recurrentLayers(): Recurrent[];
}

/**
 * The input and the output (states) of each recurrent layer of a model on `ids`, from one plain
 * forward (no gradients): each layer's `applyTimeMajor` is wrapped for the duration of the call.
 * @param ids [B, T] int32
 * @returns per recurrent layer, bottom to top: inputs [B, T, E_l] and states [B, T, S_l] (the
 *   caller disposes them)
 */
export function recurrentActivity(
  model: RecurrentModel,
  ids: tf.Tensor2D,
): { inputs: tf.Tensor3D[]; states: tf.Tensor3D[] } {
  const layers = model.recurrentLayers();
  const inputs: tf.Tensor3D[] = [];
  const states: tf.Tensor3D[] = [];
  layers.forEach((layer, i) => {
    const original = layer.applyTimeMajor;
    layer.applyTimeMajor = (x: tf.Tensor3D, o?: { training?: boolean }) => {
      const out = original.call(layer, x, o);
      inputs[i] = tf.keep(tf.transpose(x, [1, 0, 2]));
      states[i] = tf.keep(tf.transpose(out, [1, 0, 2]));
      return out;
    };
  });
  try {
    tf.dispose(model.features(ids, { training: false }));
  } finally {
    for (const layer of layers) Reflect.deleteProperty(layer, "applyTimeMajor");
  }
  if (layers.some((_, i) => !inputs[i])) {
    tf.dispose([...inputs, ...states].filter((v) => v));
    throw new Error("recurrentActivity: a recurrent layer was not run by model.features");
  }
  return { inputs, states };
}

/**
 * The input each recurrent layer of a model receives on `ids` (see {@link recurrentActivity}).
 * @returns one [B, T, E_l] tensor per recurrent layer, bottom to top (the caller disposes them)
 */
export function recurrentInputs(model: RecurrentModel, ids: tf.Tensor2D): tf.Tensor3D[] {
  const { inputs, states } = recurrentActivity(model, ids);
  tf.dispose(states);
  return inputs;
}

/** Options of {@link modelJacobians}. */
export interface ModelJacobiansOptions extends LayerJacobiansOptions {
  /** Which recurrent layer (default 0, the bottom one). */
  layer?: number;
}

/**
 * Exact Jacobians of one recurrent layer of a model on a batch (the layer's input taken from a
 * plain forward of the model, see {@link recurrentInputs}).
 */
export async function modelJacobians(
  model: RecurrentModel,
  batch: Batch,
  options: ModelJacobiansOptions = {},
): Promise<{ jacobians: Jacobians; states: Float32Array }> {
  const layers = model.recurrentLayers();
  const li = options.layer ?? 0;
  if (!(li >= 0 && li < layers.length)) {
    throw new Error(
      `modelJacobians: layer ${li} does not exist (${layers.length} recurrent layers)`,
    );
  }
  const ids = tf.tensor2d(batch.x, [batch.B, batch.T], "int32");
  const inputs = recurrentInputs(model, ids);
  ids.dispose();
  try {
    return await layerJacobians(layers[li], inputs[li], options);
  } finally {
    tf.dispose(inputs);
  }
}

// ------------------------------------------------------------------ matrix summaries

function frobenius(m: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i] * m[i];
  return Math.sqrt(s);
}

/** ‖diag J‖₂ / ‖J‖_F: 1 for a diagonal matrix, about 1/√S for a dense random one. */
export function diagonalShare(m: ArrayLike<number>, size: number): number {
  let d = 0;
  for (let i = 0; i < size; i++) d += m[i * size + i] ** 2;
  const f = frobenius(m);
  return f > 0 ? Math.sqrt(d) / f : 0;
}

/** Mean |J_ii|. */
export function meanAbsDiagonal(m: ArrayLike<number>, size: number): number {
  let d = 0;
  for (let i = 0; i < size; i++) d += Math.abs(m[i * size + i]);
  return d / size;
}

function matVec(m: ArrayLike<number>, v: Float64Array, size: number, transpose = false) {
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let acc = 0;
    for (let k = 0; k < size; k++) acc += (transpose ? m[k * size + i] : m[i * size + k]) * v[k];
    out[i] = acc;
  }
  return out;
}

function startVector(size: number): Float64Array {
  // Deterministic, not aligned with any axis.
  const v = Float64Array.from({ length: size }, (_, i) => 1 + 0.37 * Math.sin(1.3 * i + 0.5));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** The largest singular value ‖J‖₂, by power iteration on JᵀJ. */
export function topSingularValue(m: ArrayLike<number>, size: number, iterations = 60): number {
  let v = startVector(size);
  let sigma = 0;
  for (let it = 0; it < iterations; it++) {
    const w = matVec(m, v, size);
    sigma = Math.hypot(...w);
    if (sigma === 0) return 0;
    const u = matVec(m, w, size, true);
    const nu = Math.hypot(...u);
    if (nu === 0) return sigma;
    v = u.map((x) => x / nu);
  }
  return sigma;
}

/**
 * The spectral radius max|eig J|, by Gelfand's formula: the mean growth rate of ‖J^k v‖ over the
 * second half of `iterations` normalised power steps (robust to complex leading eigenvalues).
 */
export function spectralRadius(m: ArrayLike<number>, size: number, iterations = 200): number {
  let v = startVector(size);
  let logSum = 0;
  let count = 0;
  for (let it = 0; it < iterations; it++) {
    const w = matVec(m, v, size);
    const n = Math.hypot(...w);
    if (n === 0) return 0;
    if (it >= iterations / 2) logSum += Math.log(n), count++;
    v = w.map((x) => x / n);
  }
  return Math.exp(logSum / count);
}

/** The mean over t (and sequences) of J_t, [S, S]. */
export function meanJacobian(j: Jacobians): Float32Array {
  const s2 = j.size * j.size;
  const out = new Float64Array(s2);
  const n = j.batch * j.steps;
  for (let k = 0; k < n; k++) {
    for (let q = 0; q < s2; q++) out[q] += j.data[k * s2 + q];
  }
  return Float32Array.from(out, (v) => v / n);
}

/** Per channel i, the mean over t (and sequences) of J_t[i][i]: the best fixed diagonal λ. */
export function meanDiagonal(j: Jacobians): Float32Array {
  const s = j.size;
  const out = new Float64Array(s);
  const n = j.batch * j.steps;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < s; i++) out[i] += j.data[(k * s + i) * s + i];
  }
  return Float32Array.from(out, (v) => v / n);
}

/** The summaries of one step t (averaged over the sequences). */
export interface JacobianStepStats {
  /** Step, from 1 (J_1 = ∂h_1/∂h_0). */
  t: number;
  /** ‖diag J_t‖ / ‖J_t‖_F. */
  diagonalShare: number;
  /** ‖J_t‖₂. */
  topSingularValue: number;
  /** max |eig J_t|. */
  spectralRadius: number;
  /** mean |J_t,ii|. */
  meanAbsDiagonal: number;
  /** ‖J_t − J̄‖_F / ‖J̄‖_F, J̄ the mean over t of the same sequence (0: stationary). */
  deviation: number;
}

/** Per-step summaries of a set of Jacobians ({@link JacobianStepStats}), averaged over sequences. */
export function jacobianSummary(j: Jacobians): JacobianStepStats[] {
  const s = j.size;
  const dev = deviations(j);
  const rows: JacobianStepStats[] = [];
  for (let t = 0; t < j.steps; t++) {
    let [share, sigma, rho, diag] = [0, 0, 0, 0];
    for (let b = 0; b < j.batch; b++) {
      const m = jacobianAt(j, t, b);
      share += diagonalShare(m, s);
      sigma += topSingularValue(m, s);
      rho += spectralRadius(m, s);
      diag += meanAbsDiagonal(m, s);
    }
    rows.push({
      t: t + 1,
      diagonalShare: share / j.batch,
      topSingularValue: sigma / j.batch,
      spectralRadius: rho / j.batch,
      meanAbsDiagonal: diag / j.batch,
      deviation: dev[t],
    });
  }
  return rows;
}

/** Stationarity: ‖J_t − J̄‖_F / ‖J̄‖_F over t (per step, and its mean); 0 when J_t is constant. */
export function stationarity(j: Jacobians): { perStep: number[]; mean: number } {
  const perStep = deviations(j);
  return { perStep, mean: perStep.reduce((a, b) => a + b, 0) / perStep.length };
}

/** Per step, ‖J_t − J̄‖_F / ‖J̄‖_F averaged over the sequences (J̄: the sequence's mean over t). */
function deviations(j: Jacobians): number[] {
  const s2 = j.size * j.size;
  const out = new Array<number>(j.steps).fill(0);
  for (let b = 0; b < j.batch; b++) {
    const seq = j.data.subarray(b * j.steps * s2, (b + 1) * j.steps * s2);
    const mean = meanJacobian({ ...j, batch: 1, data: seq });
    const norm = Math.max(frobenius(mean), 1e-30);
    for (let t = 0; t < j.steps; t++) {
      let d = 0;
      for (let q = 0; q < s2; q++) d += (seq[t * s2 + q] - mean[q]) ** 2;
      out[t] += Math.sqrt(d) / norm / j.batch;
    }
  }
  return out;
}

// ------------------------------------------------------------------ eq. 11 and its check

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

// ------------------------------------------------------------------ for the notebooks

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

/** Options of {@link jacobianProbe}. */
export interface JacobianProbeOptions {
  /** Record after step 1 and every `every` steps (default 50). */
  every?: number;
  /** Recurrent layer (default 0). */
  layer?: number;
  /** Sequences of the batch (default [0]). */
  rows?: number[];
}

/** A training callback that keeps the Jacobians of one layer at some steps. */
export interface JacobianProbe {
  /** For `afterStep` of `runExperiment` (model as third argument). */
  afterStep(step: number, batch: Batch, model: RecurrentModel): Promise<void>;
  /** The recorded Jacobians, by step. */
  records: { step: number; jacobians: Jacobians }[];
}

/**
 * Records the exact Jacobians of one recurrent layer on the batch just trained on, after step 1
 * and every `every` steps (for how J_t changes with training).
 */
export function jacobianProbe(options: JacobianProbeOptions = {}): JacobianProbe {
  const every = options.every ?? 50;
  const probe: JacobianProbe = {
    records: [],
    async afterStep(step, batch, model) {
      if (step !== 1 && step % every !== 0) return;
      const { jacobians } = await modelJacobians(model, batch, {
        layer: options.layer,
        rows: options.rows ?? [0],
      });
      probe.records.push({ step, jacobians });
    },
  };
  return probe;
}

/** Per-step statistics in long format `{t, stat, value, ...extra}`, for a line chart. */
export function jacobianStatRows(
  stats: JacobianStepStats[],
  extra: Record<string, string | number> = {},
): Record<string, string | number>[] {
  const names: [keyof JacobianStepStats, string][] = [
    ["diagonalShare", "diagonal share ‖diag J‖/‖J‖_F"],
    ["spectralRadius", "spectral radius"],
    ["topSingularValue", "top singular value ‖J‖₂"],
    ["meanAbsDiagonal", "mean |J_ii|"],
    ["deviation", "non-stationarity ‖J_t − J̄‖/‖J̄‖"],
  ];
  return stats.flatMap((r) => names.map(([k, stat]) => ({ t: r.t, stat, value: r[k], ...extra })));
}

/** Means over t of the per-step statistics. */
export function meanStats(stats: JacobianStepStats[]): Omit<JacobianStepStats, "t"> {
  const mean = (k: keyof JacobianStepStats) => stats.reduce((a, r) => a + r[k], 0) / stats.length;
  return {
    diagonalShare: mean("diagonalShare"),
    topSingularValue: mean("topSingularValue"),
    spectralRadius: mean("spectralRadius"),
    meanAbsDiagonal: mean("meanAbsDiagonal"),
    deviation: mean("deviation"),
  };
}
