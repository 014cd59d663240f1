/**
 * Gradient alignment: how close the DSF and FT-BPTT gradients are to the exact BPTT gradient on
 * the same weights and the same batch. Every recurrent layer is switched to each mode in turn
 * ({@link Recurrent.setMode}), the loss's gradient is taken, and the cosine similarity with the
 * reference mode's gradient is reported per recurrent layer (its cell weights), over all
 * recurrent weights, and over every parameter of the model. Modes are restored afterwards.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Batch } from "../data/batches.ts";
import type { GradientMode, Recurrent } from "../recurrent.ts";
import { batchTensors } from "../train/step.ts";

/** What alignment needs of a model (any {@link LanguageModel} has it). */
export interface AlignmentModel {
  /** Trainable weights by name. */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /** Mean loss over the kept rows. */
  loss(
    ids: tf.Tensor2D,
    targets: tf.Tensor1D,
    rows: Int32Array,
    opts?: { training?: boolean },
  ): tf.Scalar;
  /** The recurrent layers, bottom to top. */
  recurrentLayers(): Recurrent[];
}

/** Options of {@link gradientAlignment}. */
export interface AlignmentOptions {
  /** Modes compared with the reference (default dsf and ft-bptt); each is a fresh gradient. */
  modes?: GradientMode[];
  /** The reference mode (default bptt). */
  reference?: GradientMode;
}

/** Cosine similarities with the reference gradient, by mode. */
export type CosineByMode = Partial<Record<GradientMode, number>>;

/** What {@link gradientAlignment} returns. */
export interface GradientAlignment {
  /** Per recurrent layer (bottom to top): cosine of its cell weights' gradient. */
  layers: CosineByMode[];
  /** All recurrent layers' weights as one vector. */
  recurrent: CosineByMode;
  /** Every parameter of the model as one vector. */
  all: CosineByMode;
  /** Norm of the gradient of all recurrent weights, by mode (reference included). */
  norms: CosineByMode;
  /** Per parameter (by name): cosine of its gradient with the reference's. */
  params: Record<string, CosineByMode>;
  /**
   * Over all recurrent weights: the share of entries whose gradient has the reference's sign
   * (entries where the reference is 0 left out). Adam moves every entry by about the same step,
   * in the direction of its sign, so this is closer to what an update sees than a cosine, which
   * the few largest entries decide.
   */
  signAgreement: CosineByMode;
}

/**
 * Gradients of every parameter under each mode on the same weights and batch, compared with the
 * reference mode by cosine similarity (see {@link GradientAlignment}). DSF layers keep their λ; a
 * layer that has none gets the default linspace λ when switched to `dsf`.
 */
export async function gradientAlignment(
  model: AlignmentModel,
  batch: Batch,
  options: AlignmentOptions = {},
): Promise<GradientAlignment> {
  const modes = options.modes ?? ["dsf", "ft-bptt"];
  const reference = options.reference ?? "bptt";
  const layers = model.recurrentLayers();
  const saved = layers.map((l) => l.mode);
  const names = Object.keys(model.params);
  const vars = names.map((n) => model.params[n]);
  // Which layer owns each parameter (−1: not a recurrent weight).
  const owner = vars.map((v) => layers.findIndex((l) => Object.values(l.params).includes(v)));
  const { ids, targets, rows } = batchTensors(batch);
  const gradsOf = (mode: GradientMode): tf.Tensor[] => {
    for (const l of layers) l.setMode(mode);
    const { value, grads } = tf.variableGrads(
      () => model.loss(ids, targets, rows, { training: true }),
      vars,
    );
    value.dispose();
    return vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
  };
  const nl = layers.length;
  const result: GradientAlignment = {
    layers: layers.map(() => ({})),
    recurrent: {},
    all: {},
    norms: {},
    params: Object.fromEntries(names.map((n) => [n, {}])),
    signAgreement: {},
  };
  let ref: tf.Tensor[] = [];
  try {
    ref = gradsOf(reference);
    // Per group g (layers 0..nl−1, then "all"): Σ ref², read once.
    const groupSums = (a: tf.Tensor[], b: tf.Tensor[]) =>
      tf.tidy(() => {
        const per = a.map((g, i) => tf.sum(tf.mul(g, b[i])));
        const sums: tf.Tensor[] = [];
        for (let k = 0; k < nl; k++) {
          const mine = per.filter((_, i) => owner[i] === k);
          sums.push(mine.length ? tf.addN(mine) : tf.scalar(0));
        }
        sums.push(tf.addN(per));
        return tf.stack(sums);
      });
    const refSq = groupSums(ref, ref);
    const rr = await refSq.data() as Float32Array;
    refSq.dispose();
    // Per parameter: Σ ref², and for the sign agreement Σ [ref ≠ 0] over recurrent weights.
    const perParam = (a: tf.Tensor[], b: tf.Tensor[]) =>
      tf.tidy(() => tf.stack(a.map((g, i) => tf.sum(tf.mul(g, b[i])))));
    const recurrentIdx = owner.flatMap((o, i) => (o >= 0 ? [i] : []));
    const signSums = (g: tf.Tensor[]) =>
      tf.tidy(() => {
        const agree = recurrentIdx.map((i) =>
          tf.sum(tf.cast(
            tf.logicalAnd(
              tf.equal(tf.sign(g[i]), tf.sign(ref[i])),
              tf.notEqual(ref[i], 0),
            ),
            "float32",
          ))
        );
        const nonzero = recurrentIdx.map((i) => tf.sum(tf.cast(tf.notEqual(ref[i], 0), "float32")));
        return tf.stack([
          agree.length ? tf.addN(agree) : tf.scalar(0),
          nonzero.length ? tf.addN(nonzero) : tf.scalar(0),
        ]);
      });
    const refParamT = perParam(ref, ref);
    const refParam = await refParamT.data() as Float32Array;
    refParamT.dispose();
    const recurrentOf = (v: ArrayLike<number>) => {
      let s = 0;
      for (let k = 0; k < nl; k++) s += v[k];
      return s;
    };
    result.norms[reference] = Math.sqrt(recurrentOf(rr));
    const cos = (
      dot: number,
      a: number,
      b: number,
    ) => (a > 0 && b > 0 ? dot / Math.sqrt(a * b) : NaN);
    for (const mode of modes) {
      const g = gradsOf(mode);
      const st = tf.tidy(() => tf.stack([groupSums(g, ref), groupSums(g, g)]));
      const pt = tf.tidy(() =>
        tf.concat([perParam(g, ref), perParam(g, g), signSums(g)]) as tf.Tensor1D
      );
      tf.dispose(g);
      const v = await st.data() as Float32Array;
      const pv = await pt.data() as Float32Array;
      tf.dispose([st, pt]);
      const np = names.length;
      names.forEach((n, i) => {
        result.params[n][mode] = clamp(cos(pv[i], pv[np + i], refParam[i]));
      });
      result.signAgreement[mode] = pv[2 * np + 1] > 0 ? pv[2 * np] / pv[2 * np + 1] : NaN;
      const dot = v.subarray(0, nl + 1);
      const sq = v.subarray(nl + 1);
      for (let k = 0; k < nl; k++) result.layers[k][mode] = clamp(cos(dot[k], sq[k], rr[k]));
      result.recurrent[mode] = clamp(cos(recurrentOf(dot), recurrentOf(sq), recurrentOf(rr)));
      result.all[mode] = clamp(cos(dot[nl], sq[nl], rr[nl]));
      result.norms[mode] = Math.sqrt(recurrentOf(sq));
    }
  } finally {
    layers.forEach((l, i) => l.setMode(saved[i]));
    tf.dispose([ids, targets, ...ref]);
  }
  return result;
}

/** Float rounding can put a cosine a hair outside [−1, 1]. */
function clamp(c: number): number {
  return Number.isNaN(c) ? c : Math.max(-1, Math.min(1, c));
}

/** One measurement of {@link alignmentMonitor}. */
export type AlignmentRow = {
  /** Training step after which it was measured. */
  step: number;
  /** `layer0`, `layer1`, …, `recurrent` (all recurrent weights) or `all` (every parameter). */
  group: string;
  /** The mode compared with the reference. */
  mode: GradientMode;
  /** Cosine similarity with the reference gradient. */
  cosine: number;
};

/** Options of {@link alignmentMonitor}. */
export interface AlignmentMonitorOptions extends AlignmentOptions {
  /** Measure after step 1 and every `every` steps (default 25). */
  every?: number;
  /** The model, when the callback is not given it (the trainer's own `afterStep`). */
  model?: AlignmentModel;
}

/** A training callback that records gradient alignment, and what it recorded. */
export interface AlignmentMonitor {
  /** For `afterStep` of the trainer or of `runExperiment` (whose third argument is the model). */
  afterStep(step: number, batch: Batch, model?: AlignmentModel): Promise<void>;
  /** Every measurement so far (long format, for a line chart). */
  rows: AlignmentRow[];
  /** Seconds spent measuring. */
  seconds: number;
}

/**
 * Records {@link gradientAlignment} during training on the batch just trained on (after step 1
 * and every `every` steps), per layer, over the recurrent weights and over all parameters.
 */
export function alignmentMonitor(options: AlignmentMonitorOptions = {}): AlignmentMonitor {
  const every = options.every ?? 25;
  const monitor: AlignmentMonitor = {
    rows: [],
    seconds: 0,
    async afterStep(step, batch, model) {
      if (step !== 1 && step % every !== 0) return;
      const m = model ?? options.model;
      if (!m) throw new Error("alignmentMonitor: no model (pass options.model)");
      const t0 = performance.now();
      const a = await gradientAlignment(m, batch, options);
      monitor.seconds += (performance.now() - t0) / 1000;
      const push = (group: string, c: CosineByMode) => {
        for (const [mode, cosine] of Object.entries(c)) {
          monitor.rows.push({ step, group, mode: mode as GradientMode, cosine: cosine! });
        }
      };
      a.layers.forEach((c, i) => push(`layer${i}`, c));
      push("recurrent", a.recurrent);
      push("all", a.all);
    },
  };
  return monitor;
}
