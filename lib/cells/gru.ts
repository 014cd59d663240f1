/**
 * The GRU cell, PyTorch conventions (gates r, z, n; reset gate applied after the matMul):
 *
 *     r = σ(W_ir x + b_ir + W_hr h + b_hr)
 *     z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *     h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Weights: weight_ih [3D, E], weight_hh [3D, D], bias_ih [3D], bias_hh [3D].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { tanhInputScale, tanhOfScaled } from "../ops/activations.ts";
import { GRU_FORWARD, gruForwardAvailable } from "../native/wasm_gru.ts";
import { webgpuGruForward } from "../ops/webgpu_gru.ts";
import { gruGateGradsAvailable, wasmGruGateGrads } from "../ops/wasm_gru_grads.ts";
import {
  type BackwardArgs,
  blockDiagonal,
  type Cell,
  type CellGrads,
  type CellOptions,
  type FusedCell,
  type FusedForward,
  gateBias,
  gateBlockT,
  linearGrads,
  previousStates,
  pytorchWeights,
} from "./cell.ts";

/** Creates a GRU cell with input width E and state width D. */
export function gru(input: number, hidden: number, options: CellOptions = {}): Cell {
  const params = pytorchWeights({ input, hidden, gates: 3 }, options);
  return {
    kind: "gru",
    inputSize: input,
    stateSize: hidden,
    params,
    step,
    fused: fusedGru(hidden),
  };
}

function step(x: tf.Tensor2D, h: tf.Tensor2D, weights: tf.Tensor[]): tf.Tensor2D {
  const [wih, whh, bih, bhh] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  const d = h.shape[1];
  const gi = tf.add(tf.matMul(x, wih, false, true), bih); // [N, 3D]
  const gh = tf.add(tf.matMul(h, whh, false, true), bhh); // [N, 3D]
  const [ir, iz, inn] = tf.split(gi, [d, d, d], 1);
  const [hr, hz, hn] = tf.split(gh, [d, d, d], 1);
  const r = tf.sigmoid(tf.add(ir, hr));
  const z = tf.sigmoid(tf.add(iz, hz));
  const n = tf.tanh(tf.add(inn, tf.mul(r, hn)));
  return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
}

function fusedGru(d: number): FusedCell {
  return {
    forward(x: tf.Tensor3D, weights: tf.Tensor[], options: { keep: boolean }): FusedForward {
      if (tf.getBackend() === "wasm" && gruForwardAvailable(tf.backend(), d)) {
        return wasmForward(x, weights, options.keep);
      }
      // One dispatch per step on WebGPU instead of about ten (lib/ops/webgpu_gru.ts).
      if (tf.getBackend() === "webgpu") return webgpuGruForward(x, weights, options.keep);
      const [wih, whh, bih, bhh] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
      const [t, b, e] = x.shape;
      return tf.tidy(() => {
        const x2 = tf.reshape(x, [t * b, e]) as tf.Tensor2D;
        // On wasm tanh(a) = 2σ(2a) − 1: the 2 is folded into the n-gate's weights.
        const s = tanhInputScale();
        // Input projections of all steps at once, r and z together; b_hr and b_hz fold in.
        const wRz = tf.concat([gateBlockT(wih, 0, d), gateBlockT(wih, 1, d)], 1); // [E, 2D]
        const bRz = tf.add(tf.slice(bih, [0], [2 * d]), tf.slice(bhh, [0], [2 * d]));
        const xrz = tf.unstack(
          tf.reshape(tf.fused.matMul({ a: x2, b: wRz, bias: bRz }), [t, b, 2 * d]),
        ) as tf.Tensor2D[]; // T × [B, 2D]
        const wn = tf.mul(gateBlockT(wih, 2, d), s) as tf.Tensor2D;
        const bn = tf.mul(gateBias(bih, 2, d), s) as tf.Tensor1D;
        const xn = tf.unstack(
          tf.reshape(tf.fused.matMul({ a: x2, b: wn, bias: bn }), [t, b, d]),
        ) as tf.Tensor2D[]; // T × [B, D], times s
        const whRz = tf.concat([gateBlockT(whh, 0, d), gateBlockT(whh, 1, d)], 1); // [D, 2D]
        const whn = tf.mul(gateBlockT(whh, 2, d), s) as tf.Tensor2D;
        const bhn = tf.mul(gateBias(bhh, 2, d), s) as tf.Tensor1D;
        const hs: tf.Tensor2D[] = [];
        const rs: tf.Tensor[] = [];
        const zs: tf.Tensor[] = [];
        const ns: tf.Tensor[] = [];
        const hns: tf.Tensor[] = [];
        let h: tf.Tensor2D = tf.zeros([b, d]);
        for (let i = 0; i < t; i++) {
          const rz = tf.sigmoid(tf.add(xrz[i], tf.matMul(h, whRz))); // [B, 2D]
          const r = tf.slice(rz, [0, 0], [b, d]);
          const z = tf.slice(rz, [0, d], [b, d]);
          const hn = tf.fused.matMul({ a: h, b: whn, bias: bhn }); // s·(W_hn h + b_hn), [B, D]
          const n = tanhOfScaled(tf.add(xn[i], tf.mul(r, hn)), s);
          h = tf.add(n, tf.mul(z, tf.sub(h, n)));
          hs.push(h);
          if (options.keep) rs.push(r), zs.push(z), ns.push(n), hns.push(hn);
        }
        const states = tf.stack(hs) as tf.Tensor3D; // [T, B, D]
        if (!options.keep) return { states, saved: [] };
        const hnAll = s === 1 ? tf.stack(hns) : tf.div(tf.stack(hns), s);
        return { states, saved: [tf.stack(rs), tf.stack(zs), tf.stack(ns), hnAll] };
      });
    },

    localBackward(delta: tf.Tensor3D, args: BackwardArgs): CellGrads {
      const [t, b] = delta.shape;
      return tf.tidy(() => {
        if (gruGateGradsAvailable()) {
          const [r, z, n, hn] = args.saved as tf.Tensor3D[];
          const { gx, gh, hPrev } = wasmGruGateGrads({ delta, states: args.states, r, z, n, hn });
          return linearGrads({ gx, gh }, args, hPrev);
        }
        const flat = (a: tf.Tensor) => tf.reshape(a, [t * b, -1]) as tf.Tensor2D;
        const hPrev = flat(previousStates(args.states));
        const [r, z, n, hn] = args.saved.map(flat);
        const g = gateGrads(flat(delta), { r, z, n, hn, hPrev });
        return linearGrads(g, args, hPrev);
      });
    },

    jacobianDiagonal(args: BackwardArgs): tf.Tensor3D {
      const whh = args.weights[1] as tf.Tensor2D;
      return tf.tidy(() => {
        // ∂h'_i/∂h_i = z + (1 − z)(1 − n²)·r·(W_hn,ii + (W_hn h + b_hn)·(1 − r)·W_hr,ii)
        //              + (h − n)·z(1 − z)·W_hz,ii
        const [r, z, n, hn] = args.saved;
        const hPrev = previousStates(args.states);
        const [wr, wz, wn] = [0, 1, 2].map((g) => blockDiagonal(whh, g, d));
        const viaN = tf.mul(
          tf.mul(tf.sub(1, z), tf.sub(1, tf.square(n))),
          tf.mul(r, tf.add(wn, tf.mul(tf.mul(hn, tf.sub(1, r)), wr))),
        );
        const viaZ = tf.mul(tf.mul(tf.sub(hPrev, n), tf.mul(z, tf.sub(1, z))), wz);
        return tf.add(z, tf.add(viaN, viaZ)) as tf.Tensor3D;
      });
    },

    bpttBackward(e: tf.Tensor3D, args: BackwardArgs): CellGrads {
      const [t, b] = e.shape;
      const whh = args.weights[1] as tf.Tensor2D;
      return tf.tidy(() => {
        const hPrevAll = previousStates(args.states);
        const es = tf.unstack(e) as tf.Tensor2D[];
        const hPrev = tf.unstack(hPrevAll) as tf.Tensor2D[];
        const [r, z, n, hn] = args.saved.map((a) => tf.unstack(a) as tf.Tensor2D[]);
        const gxs: tf.Tensor2D[] = new Array(t);
        const ghs: tf.Tensor2D[] = new Array(t);
        let carry: tf.Tensor2D | null = null; // δ_{t+1} J_{t+1}
        for (let i = t - 1; i >= 0; i--) {
          const delta: tf.Tensor2D = carry ? tf.add(es[i], carry) : es[i];
          const g = gateGrads(delta, { r: r[i], z: z[i], n: n[i], hn: hn[i], hPrev: hPrev[i] });
          gxs[i] = g.gx;
          ghs[i] = g.gh;
          if (i > 0) carry = tf.add(tf.mul(delta, z[i]), tf.matMul(g.gh, whh));
        }
        const gx = tf.concat(gxs, 0) as tf.Tensor2D; // [T·B, 3D]
        const gh = tf.concat(ghs, 0) as tf.Tensor2D;
        return linearGrads({ gx, gh }, args, tf.reshape(hPrevAll, [t * b, d]) as tf.Tensor2D);
      });
    },
  };
}

/**
 * The fused forward on wasm with the native BLAS: the input projections of all steps in one
 * matMul, then the whole recurrence in one kernel ({@link GRU_FORWARD}: per step a BLAS product
 * and one SIMD pass for the gates). Saves what the tf-ops forward saves: r, z, n and
 * W_hn h + b_hn, each [T, B, D].
 */
function wasmForward(x: tf.Tensor3D, weights: tf.Tensor[], keep: boolean): FusedForward {
  const [wih, whh, bih, bhh] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  const [t, b, e] = x.shape;
  const d = whh.shape[1];
  return tf.tidy(() => {
    const zeros = tf.zeros([d]);
    // Input side of all steps, b_hr and b_hz folded in: [T·B, 3D] (r | z | n).
    const bi = tf.add(bih, tf.concat([tf.slice(bhh, [0], [2 * d]), zeros]));
    const x2 = tf.reshape(x, [t * b, e]) as tf.Tensor2D;
    // W_ih [3D, E] read transposed by the BLAS (no copy), as W_hh [3D, D] in the kernel.
    const gi = tf.fused.matMul({ a: x2, b: wih, transposeB: true, bias: bi });
    const inputs = {
      gi: tf.reshape(gi, [t, b, 3 * d]),
      whh,
      bh: tf.concat([zeros, zeros, tf.slice(bhh, [2 * d], [d])]), // b_hn only
    };
    const [states, ...saved] = tf.engine().runKernel(GRU_FORWARD, inputs, { keep }) as tf.Tensor[];
    return { states: states as tf.Tensor3D, saved };
  });
}

interface GruActs {
  r: tf.Tensor2D;
  z: tf.Tensor2D;
  n: tf.Tensor2D;
  hn: tf.Tensor2D;
  hPrev: tf.Tensor2D;
}

/** Pre-activation gradients (input side [·, 3D], state side [·, 3D]) from δ on h'. */
function gateGrads(delta: tf.Tensor2D, a: GruActs): { gx: tf.Tensor2D; gh: tf.Tensor2D } {
  const dPreN = tf.mul(tf.mul(delta, tf.sub(1, a.z)), tf.sub(1, tf.square(a.n)));
  const dPreZ = tf.mul(tf.mul(delta, tf.sub(a.hPrev, a.n)), tf.mul(a.z, tf.sub(1, a.z)));
  const dPreR = tf.mul(tf.mul(dPreN, a.hn), tf.mul(a.r, tf.sub(1, a.r)));
  const gx = tf.concat([dPreR, dPreZ, dPreN], 1) as tf.Tensor2D;
  const gh = tf.concat([dPreR, dPreZ, tf.mul(dPreN, a.r)], 1) as tf.Tensor2D;
  return { gx, gh };
}
