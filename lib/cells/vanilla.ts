/**
 * The vanilla (Elman) cell, PyTorch's `nn.RNN` with tanh (named `rnn` in specs and configs):
 *
 *     h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 *
 * Weights: weight_ih [D, E], weight_hh [D, D], bias_ih [D], bias_hh [D].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { tanhInputScale, tanhOfScaled } from "../ops/activations.ts";
import {
  type BackwardArgs,
  blockDiagonal,
  type Cell,
  type CellGrads,
  type CellOptions,
  type FusedCell,
  linearGrads,
  previousStates,
  pytorchWeights,
} from "./cell.ts";

/** Creates a vanilla tanh RNN cell with input width E and state width D. */
export function vanilla(input: number, hidden: number, options: CellOptions = {}): Cell {
  const params = pytorchWeights({ input, hidden, gates: 1 }, options);
  return {
    kind: "rnn",
    inputSize: input,
    stateSize: hidden,
    params,
    step,
    fused: fusedVanilla(hidden),
  };
}

function step(x: tf.Tensor2D, h: tf.Tensor2D, weights: tf.Tensor[]): tf.Tensor2D {
  const [wih, whh, bih, bhh] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  return tf.tanh(
    tf.add(
      tf.add(tf.matMul(x, wih, false, true), bih),
      tf.add(tf.matMul(h, whh, false, true), bhh),
    ),
  );
}

function fusedVanilla(d: number): FusedCell {
  return {
    forward(x, weights) {
      const [wih, whh, bih, bhh] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
      const [t, b, e] = x.shape;
      return tf.tidy(() => {
        const x2 = tf.reshape(x, [t * b, e]) as tf.Tensor2D;
        // On wasm tanh(a) = 2σ(2a) − 1: the 2 is folded into the weights.
        const s = tanhInputScale();
        const wT = tf.mul(tf.transpose(wih), s) as tf.Tensor2D;
        const proj = tf.fused.matMul({ a: x2, b: wT, bias: tf.mul(tf.add(bih, bhh), s) });
        const xs = tf.unstack(tf.reshape(proj, [t, b, d])) as tf.Tensor2D[]; // T × [B, D]
        const whhT = tf.mul(tf.transpose(whh), s) as tf.Tensor2D;
        const hs: tf.Tensor2D[] = [];
        let h: tf.Tensor2D = tf.zeros([b, d]);
        for (let i = 0; i < t; i++) {
          h = tanhOfScaled(tf.add(xs[i], tf.matMul(h, whhT)), s);
          hs.push(h);
        }
        // The states are all the backward needs (1 − h²).
        return { states: tf.stack(hs) as tf.Tensor3D, saved: [] };
      });
    },

    localBackward(delta: tf.Tensor3D, args: BackwardArgs): CellGrads {
      const [t, b] = delta.shape;
      return tf.tidy(() => {
        const h = tf.reshape(args.states, [t * b, d]);
        const g = tf.mul(tf.reshape(delta, [t * b, d]), tf.sub(1, tf.square(h))) as tf.Tensor2D;
        const hPrev = tf.reshape(previousStates(args.states), [t * b, d]) as tf.Tensor2D;
        return linearGrads({ gx: g, gh: g }, args, hPrev);
      });
    },

    jacobianDiagonal(args: BackwardArgs): tf.Tensor3D {
      // ∂h'_i/∂h_i = (1 − h'²)·W_hh,ii
      const whh = args.weights[1] as tf.Tensor2D;
      return tf.tidy(() =>
        tf.mul(tf.sub(1, tf.square(args.states)), blockDiagonal(whh, 0, d)) as tf.Tensor3D
      );
    },

    bpttBackward(e: tf.Tensor3D, args: BackwardArgs): CellGrads {
      const [t, b] = e.shape;
      const whh = args.weights[1] as tf.Tensor2D;
      return tf.tidy(() => {
        const es = tf.unstack(e) as tf.Tensor2D[];
        const hs = tf.unstack(args.states) as tf.Tensor2D[];
        const gs: tf.Tensor2D[] = new Array(t);
        let carry: tf.Tensor2D | null = null;
        for (let i = t - 1; i >= 0; i--) {
          const delta: tf.Tensor2D = carry ? tf.add(es[i], carry) : es[i];
          gs[i] = tf.mul(delta, tf.sub(1, tf.square(hs[i])));
          if (i > 0) carry = tf.matMul(gs[i], whh);
        }
        const g = tf.concat(gs, 0) as tf.Tensor2D;
        const hPrev = tf.reshape(previousStates(args.states), [t * b, d]) as tf.Tensor2D;
        return linearGrads({ gx: g, gh: g }, args, hPrev);
      });
    },
  };
}
