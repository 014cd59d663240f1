/**
 * The LSTM cell, PyTorch conventions (gates i, f, g, o):
 *
 *     i = σ(·), f = σ(·), g = tanh(·), o = σ(·)   each of W_i* x + b_i* + W_h* h + b_h*
 *     c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
 *
 * The state, and the layer's output, is concat(h, c): 2·D wide. The Linear(2D → D) that follows
 * belongs to the model. Weights: weight_ih [4D, E], weight_hh [4D, D], bias_ih [4D], bias_hh [4D].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { tanh, tanhInputScale, tanhOfScaled } from "../ops/activations.ts";
import {
  type BackwardArgs,
  blockDiagonal,
  type Cell,
  type CellGrads,
  type CellOptions,
  type FusedCell,
  gateBias,
  gateBlockT,
  linearGrads,
  previousStates,
  pytorchWeights,
} from "./cell.ts";

/** Creates an LSTM cell with input width E, hidden width D (state width 2·D). */
export function lstm(input: number, hidden: number, options: CellOptions = {}): Cell {
  const params = pytorchWeights({ input, hidden, gates: 4 }, options);
  return {
    kind: "lstm",
    inputSize: input,
    stateSize: 2 * hidden,
    params,
    step,
    fused: fusedLstm(hidden),
  };
}

function step(x: tf.Tensor2D, state: tf.Tensor2D, weights: tf.Tensor[]): tf.Tensor2D {
  const [wih, whh, bih, bhh] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  const d = state.shape[1] / 2;
  const [h, c] = tf.split(state, 2, 1);
  const pre = tf.add(
    tf.add(tf.matMul(x, wih, false, true), bih),
    tf.add(tf.matMul(h, whh, false, true), bhh),
  );
  const [pi, pf, pg, po] = tf.split(pre, [d, d, d, d], 1);
  const c2 = tf.add(tf.mul(tf.sigmoid(pf), c), tf.mul(tf.sigmoid(pi), tf.tanh(pg)));
  const h2 = tf.mul(tf.sigmoid(po), tf.tanh(c2));
  return tf.concat([h2, c2], 1) as tf.Tensor2D;
}

function fusedLstm(d: number): FusedCell {
  return {
    forward(x, weights, options) {
      const [wih, whh, bih, bhh] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
      const [t, b, e] = x.shape;
      return tf.tidy(() => {
        const x2 = tf.reshape(x, [t * b, e]) as tf.Tensor2D;
        // The sigmoid gates i, f, o in one matMul; g apart, its tanh's 2 folded in on wasm.
        const s = tanhInputScale();
        const biasOf = (g: number) => tf.add(gateBias(bih, g, d), gateBias(bhh, g, d));
        const wIfo = tf.concat([0, 1, 3].map((g) => gateBlockT(wih, g, d)), 1); // [E, 3D]
        const bIfo = tf.concat([0, 1, 3].map(biasOf));
        const xifo = tf.unstack(
          tf.reshape(tf.fused.matMul({ a: x2, b: wIfo, bias: bIfo }), [t, b, 3 * d]),
        ) as tf.Tensor2D[]; // T × [B, 3D]
        const wG = tf.mul(gateBlockT(wih, 2, d), s) as tf.Tensor2D;
        const bG = tf.mul(biasOf(2), s) as tf.Tensor1D;
        const xg = tf.unstack(
          tf.reshape(tf.fused.matMul({ a: x2, b: wG, bias: bG }), [t, b, d]),
        ) as tf.Tensor2D[]; // T × [B, D], times s
        const whIfo = tf.concat([0, 1, 3].map((g) => gateBlockT(whh, g, d)), 1); // [D, 3D]
        const whG = tf.mul(gateBlockT(whh, 2, d), s) as tf.Tensor2D;
        const acts: tf.Tensor[][] = [[], [], [], [], []]; // i, f, g, o, tanh(c')
        const outs: tf.Tensor2D[] = [];
        let h: tf.Tensor2D = tf.zeros([b, d]);
        let c: tf.Tensor2D = tf.zeros([b, d]);
        for (let k = 0; k < t; k++) {
          const ifo = tf.sigmoid(tf.add(xifo[k], tf.matMul(h, whIfo))); // [B, 3D]
          const i = tf.slice(ifo, [0, 0], [b, d]);
          const f = tf.slice(ifo, [0, d], [b, d]);
          const o = tf.slice(ifo, [0, 2 * d], [b, d]);
          const g = tanhOfScaled(tf.add(xg[k], tf.matMul(h, whG)), s);
          c = tf.add(tf.mul(f, c), tf.mul(i, g));
          const tc = tanh(c);
          h = tf.mul(o, tc);
          outs.push(tf.concat([h, c], 1));
          if (options.keep) [i, f, g, o, tc].forEach((a, j) => acts[j].push(a));
        }
        const states = tf.stack(outs) as tf.Tensor3D; // [T, B, 2D]
        return { states, saved: options.keep ? acts.map((a) => tf.stack(a)) : [] };
      });
    },

    localBackward(delta: tf.Tensor3D, args: BackwardArgs): CellGrads {
      const [t, b] = delta.shape;
      return tf.tidy(() => {
        const flat = (a: tf.Tensor) => tf.reshape(a, [t * b, -1]) as tf.Tensor2D;
        const prev = flat(previousStates(args.states)); // [T·B, 2D]
        const [hPrev, cPrev] = tf.split(prev, 2, 1) as tf.Tensor2D[];
        const [dh, dc] = tf.split(flat(delta), 2, 1) as tf.Tensor2D[];
        const [i, f, g, o, tc] = args.saved.map(flat);
        const pre = gateGrads(dh, dc, { i, f, g, o, tc, cPrev });
        return linearGrads({ gx: pre.gates, gh: pre.gates }, args, hPrev);
      });
    },

    jacobianDiagonal(args: BackwardArgs): tf.Tensor3D {
      // State (h, c): ∂c'_i/∂c_i = f, and ∂h'_i/∂h_i = o(1 − o)·W_ho,ii·tanh(c')
      //   + o(1 − tanh²c')·(c·f(1 − f)·W_hf,ii + g·i(1 − i)·W_hi,ii + i(1 − g²)·W_hg,ii).
      const whh = args.weights[1] as tf.Tensor2D;
      const [t, b] = args.states.shape;
      return tf.tidy(() => {
        const [i, f, g, o, tc] = args.saved;
        const cPrev = tf.slice(previousStates(args.states), [0, 0, d], [t, b, d]);
        const [wi, wf, wg, wo] = [0, 1, 2, 3].map((k) => blockDiagonal(whh, k, d));
        const sig = (y: tf.Tensor) => tf.mul(y, tf.sub(1, y));
        const viaC = tf.add(
          tf.add(tf.mul(tf.mul(cPrev, sig(f)), wf), tf.mul(tf.mul(g, sig(i)), wi)),
          tf.mul(tf.mul(i, tf.sub(1, tf.square(g))), wg),
        );
        const dh = tf.add(
          tf.mul(tf.mul(sig(o), wo), tc),
          tf.mul(tf.mul(o, tf.sub(1, tf.square(tc))), viaC),
        );
        return tf.concat([dh, f], 2) as tf.Tensor3D;
      });
    },

    bpttBackward(e: tf.Tensor3D, args: BackwardArgs): CellGrads {
      const [t, b] = e.shape;
      const whh = args.weights[1] as tf.Tensor2D;
      return tf.tidy(() => {
        const prevAll = previousStates(args.states);
        const prev = tf.unstack(prevAll) as tf.Tensor2D[];
        const es = tf.unstack(e) as tf.Tensor2D[];
        const [i, f, g, o, tc] = args.saved.map((a) => tf.unstack(a) as tf.Tensor2D[]);
        const gs: tf.Tensor2D[] = new Array(t);
        let carryH: tf.Tensor2D | null = null;
        let carryC: tf.Tensor2D | null = null;
        for (let s = t - 1; s >= 0; s--) {
          let [dh, dc] = tf.split(es[s], 2, 1) as tf.Tensor2D[];
          if (carryH && carryC) dh = tf.add(dh, carryH), dc = tf.add(dc, carryC);
          const cPrev = tf.slice(prev[s], [0, d], [b, d]);
          const pre = gateGrads(dh, dc, { i: i[s], f: f[s], g: g[s], o: o[s], tc: tc[s], cPrev });
          gs[s] = pre.gates;
          if (s > 0) {
            carryH = tf.matMul(pre.gates, whh);
            carryC = tf.mul(pre.dcTotal, f[s]);
          }
        }
        const gates = tf.concat(gs, 0) as tf.Tensor2D;
        const hPrev = tf.slice(tf.reshape(prevAll, [t * b, 2 * d]), [0, 0], [
          t * b,
          d,
        ]) as tf.Tensor2D;
        return linearGrads({ gx: gates, gh: gates }, args, hPrev);
      });
    },
  };
}

interface LstmActs {
  i: tf.Tensor2D;
  f: tf.Tensor2D;
  g: tf.Tensor2D;
  o: tf.Tensor2D;
  tc: tf.Tensor2D;
  cPrev: tf.Tensor2D;
}

/** Pre-activation gradients [·, 4D] (i, f, g, o) and the total gradient on c'. */
function gateGrads(
  dh: tf.Tensor2D,
  dcIn: tf.Tensor2D,
  a: LstmActs,
): { gates: tf.Tensor2D; dcTotal: tf.Tensor2D } {
  const dc = tf.add(dcIn, tf.mul(tf.mul(dh, a.o), tf.sub(1, tf.square(a.tc))));
  const sig = (y: tf.Tensor2D) => tf.mul(y, tf.sub(1, y));
  const dI = tf.mul(tf.mul(dc, a.g), sig(a.i));
  const dF = tf.mul(tf.mul(dc, a.cPrev), sig(a.f));
  const dG = tf.mul(tf.mul(dc, a.i), tf.sub(1, tf.square(a.g)));
  const dO = tf.mul(tf.mul(dh, a.tc), sig(a.o));
  return { gates: tf.concat([dI, dF, dG, dO], 1) as tf.Tensor2D, dcTotal: dc as tf.Tensor2D };
}
