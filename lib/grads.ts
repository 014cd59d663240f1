/**
 * Gradient inspection: one JSON spec in, the states and the gradients of `Σ states ⊙ outGrad`
 * out. Serves `deno task grads`, the notebooks, and cross-checks against PyTorch.
 *
 * Spec: `{cell, mode, dsf?: {lambda?, impl?}, weights: {weight_ih, weight_hh, bias_ih, bias_hh},
 * x: [B][T][E], outGrad: [B][T][S], backend?}` (PyTorch layout; S = D, or 2·D for an LSTM).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { assignWeights, CELL_KINDS, type CellKind, createCell } from "./cells/mod.ts";
import { REVERSE_SCAN_IMPLS, type ReverseScanImpl } from "./ops/reverse_scan.ts";
import { GRADIENT_MODES, type GradientMode, Recurrent } from "./recurrent.ts";

/** A validated gradient-inspection spec. */
export interface GradsSpec {
  /** The recurrent cell. */
  cell: CellKind;
  /** The gradient mode. */
  mode: GradientMode;
  /** DSF only: the feedback λ (length S; default the layer's) and the reverse-scan impl. */
  dsf?: { lambda?: number[]; impl?: ReverseScanImpl };
  /** The cell's weights in PyTorch's names and layouts (`[G·D, E]`, `[G·D, D]`, `[G·D]`). */
  weights: Record<"weight_ih" | "weight_hh" | "bias_ih" | "bias_hh", number[] | number[][]>;
  /** Inputs `[B][T][E]` (PyTorch's batch-first layout). */
  x: number[][][];
  /** Weights of the states in the scalar `Σ states ⊙ outGrad`, `[B][T][S]`. */
  outGrad: number[][][];
  /** Backend to compute on (default: the current one). */
  backend?: "cpu" | "wasm" | "webgpu";
}

/** What {@link computeGrads} returns. */
export interface GradsResult {
  /** The layer's states `[B][T][S]` (S = D, or 2·D for an LSTM: h and c). */
  states: number[][][];
  /** Gradients of the weights (PyTorch's names and layouts) and of the inputs `x`, `[B][T][E]`. */
  grads: Record<
    "weight_ih" | "weight_hh" | "bias_ih" | "bias_hh" | "x",
    number[] | number[][] | number[][][]
  >;
}

const WEIGHT_NAMES = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] as const;
const SPEC_KEYS = ["cell", "mode", "dsf", "weights", "x", "outGrad", "backend"];

/** Checks that `v` is a rectangular array of finite numbers of the given rank; returns its shape. */
function shapeOf(v: unknown, rank: number, field: string): number[] {
  if (rank === 0) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(
        `${field}: expected a finite number, got ${typeof v === "number" ? v : JSON.stringify(v)}`,
      );
    }
    return [];
  }
  if (!Array.isArray(v) || v.length === 0) {
    throw new Error(`${field}: expected a non-empty array (rank ${rank})`);
  }
  const inner = shapeOf(v[0], rank - 1, `${field}[0]`);
  for (let i = 1; i < v.length; i++) {
    const s = shapeOf(v[i], rank - 1, `${field}[${i}]`);
    if (s.join() !== inner.join()) {
      throw new Error(`${field}[${i}]: ragged array, shape [${s}] vs [${inner}]`);
    }
  }
  return [v.length, ...inner];
}

/**
 * Validates a parsed JSON spec; throws an Error whose message names the offending field.
 * @returns the spec, typed, and the sizes it implies
 */
export function parseGradsSpec(
  raw: unknown,
): { spec: GradsSpec; sizes: { B: number; T: number; E: number; D: number; S: number } } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error("spec: expected a JSON object");
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!SPEC_KEYS.includes(k)) {
      throw new Error(`${k}: unknown field (allowed: ${SPEC_KEYS.join(", ")})`);
    }
  }
  for (const k of ["cell", "mode", "weights", "x", "outGrad"]) {
    if (!(k in o)) throw new Error(`${k}: missing field`);
  }
  if (!(CELL_KINDS as readonly unknown[]).includes(o.cell)) {
    throw new Error(`cell: unknown cell ${JSON.stringify(o.cell)} (use ${CELL_KINDS.join(", ")})`);
  }
  if (!(GRADIENT_MODES as readonly unknown[]).includes(o.mode)) {
    throw new Error(
      `mode: unknown mode ${JSON.stringify(o.mode)} (use ${GRADIENT_MODES.join(", ")})`,
    );
  }
  if (o.backend !== undefined && !["cpu", "wasm", "webgpu"].includes(o.backend as string)) {
    throw new Error(
      `backend: unknown backend ${JSON.stringify(o.backend)} (use cpu, wasm, webgpu)`,
    );
  }
  const cell = o.cell as CellKind;
  const gates = cell === "gru" ? 3 : cell === "lstm" ? 4 : 1;
  const [B, T, E] = shapeOf(o.x, 3, "x");
  const w = o.weights as Record<string, unknown>;
  if (typeof w !== "object" || w === null || Array.isArray(w)) {
    throw new Error("weights: expected an object");
  }
  for (const k of Object.keys(w)) {
    if (!(WEIGHT_NAMES as readonly string[]).includes(k)) {
      throw new Error(`weights.${k}: unknown weight (allowed: ${WEIGHT_NAMES.join(", ")})`);
    }
  }
  for (const k of WEIGHT_NAMES) if (!(k in w)) throw new Error(`weights.${k}: missing`);
  const [gd, e2] = shapeOf(w.weight_ih, 2, "weights.weight_ih");
  if (gd % gates !== 0) {
    throw new Error(`weights.weight_ih: ${gd} rows is not a multiple of ${gates} gates (${cell})`);
  }
  const D = gd / gates;
  if (e2 !== E) throw new Error(`weights.weight_ih: has ${e2} columns, x has E = ${E}`);
  const expect = (name: string, v: unknown, shape: number[]) => {
    const s = shapeOf(v, shape.length, name);
    if (s.join() !== shape.join()) throw new Error(`${name}: shape [${s}], expected [${shape}]`);
  };
  expect("weights.weight_hh", w.weight_hh, [gd, D]);
  expect("weights.bias_ih", w.bias_ih, [gd]);
  expect("weights.bias_hh", w.bias_hh, [gd]);
  const S = cell === "lstm" ? 2 * D : D;
  expect("outGrad", o.outGrad, [B, T, S]);
  if (o.dsf !== undefined) {
    const d = o.dsf as Record<string, unknown>;
    if (typeof d !== "object" || d === null || Array.isArray(d)) {
      throw new Error("dsf: expected an object");
    }
    for (const k of Object.keys(d)) {
      if (!["lambda", "impl"].includes(k)) {
        throw new Error(`dsf.${k}: unknown field (allowed: lambda, impl)`);
      }
    }
    if (d.lambda !== undefined) {
      const [n] = shapeOf(d.lambda, 1, "dsf.lambda");
      if (n !== S) throw new Error(`dsf.lambda: length ${n}, expected the state size S = ${S}`);
    }
    if (d.impl !== undefined && !(REVERSE_SCAN_IMPLS as readonly unknown[]).includes(d.impl)) {
      throw new Error(
        `dsf.impl: unknown ${JSON.stringify(d.impl)} (use ${REVERSE_SCAN_IMPLS.join(", ")})`,
      );
    }
  }
  return { spec: o as unknown as GradsSpec, sizes: { B, T, E, D, S } };
}

/**
 * Runs the layer the spec describes on the current backend and returns states and gradients.
 * Throws if any result is not finite (JSON cannot carry it). Reads asynchronously (webgpu).
 */
export async function computeGrads(spec: GradsSpec): Promise<GradsResult> {
  const { sizes } = parseGradsSpec(spec);
  const cell = createCell(spec.cell, { input: sizes.E, hidden: sizes.D });
  const layer = new Recurrent(cell, {
    mode: spec.mode,
    feedback: spec.dsf?.lambda,
    scanImpl: spec.dsf?.impl,
  });
  try {
    assignWeights(cell, spec.weights);
    const x = tf.variable(tf.tensor3d(spec.x));
    const outGrad = tf.tensor3d(spec.outGrad);
    const weights = Object.values(cell.params);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(x), outGrad)) as tf.Scalar,
      [x, ...weights],
    );
    value.dispose();
    const states = tf.tidy(() => layer.apply(x, { training: false }));
    const out: GradsResult = {
      states: await states.array() as number[][][],
      grads: {
        weight_ih: await grads[weights[0].name].array() as number[][],
        weight_hh: await grads[weights[1].name].array() as number[][],
        bias_ih: await grads[weights[2].name].array() as number[],
        bias_hh: await grads[weights[3].name].array() as number[],
        x: await grads[x.name].array() as number[][][],
      },
    };
    tf.dispose([states, outGrad, x, ...Object.values(grads)]);
    const bad = JSON.stringify(
      out,
      (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? "NaN!" : v),
    );
    if (bad.includes('"NaN!"')) {
      throw new Error("result is not finite (NaN or Infinity): JSON cannot carry it");
    }
    return out;
  } finally {
    layer.dispose();
  }
}
