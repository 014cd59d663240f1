/**
 * The head and the cross-entropy in chunks of rows (lib/models/head_loss.ts), on cpu and wasm
 * at tiny sizes with the threshold lowered through `blockBytes` / `headBlockBytes`: the chunked
 * loss and the gradients of the features, W and b equal the whole block's to float32 rounding;
 * a model's loss and every parameter's gradient too, with a mask of kept rows; and, from
 * tf.profile's record of every kernel, no tensor of [rows, V] exists when chunking is on. On
 * WebGPU (Mesa's software adapter here; skipped without an adapter): the sizes are capped by the
 * device's buffer limits, and chunked equals whole there too.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type ConfigPatch, makeConfig } from "../lib/config/schema.ts";
import {
  blockBytesUnder,
  type BufferLimits,
  deviceBufferBytes,
  HEAD_BLOCK_BYTES,
  HEAD_CHUNK_BYTES,
  headBlockBytes,
  headChunkBytes,
  headChunkRows,
  headLossSum,
} from "../lib/models/head_loss.ts";
import { createModel, keptRows } from "../lib/models/mod.ts";
import { Rng } from "../lib/util/rng.ts";
import { assertClose, read, useBackend } from "./_util.ts";

const [N, D, V] = [21, 8, 13];
/** 5 rows a chunk: 21 = 4 × 5 + 1, a short last chunk. */
const FIVE_ROWS = 4 * V * 5;
const TOL = 2e-6;

Deno.test("headChunkRows: whole up to the threshold, then chunks that fit both sizes", () => {
  const at = (blockBytes: number, chunkBytes = HEAD_CHUNK_BYTES) =>
    headChunkRows(N, V, { blockBytes, chunkBytes });
  assert.equal(at(4 * N * V), N);
  assert.equal(at(4 * N * V - 1), N - 1);
  assert.equal(at(FIVE_ROWS), 5);
  assert.equal(at(FIVE_ROWS, 4 * V * 3), 3);
  assert.equal(at(1), 1);
  const paper = { blockBytes: HEAD_BLOCK_BYTES, chunkBytes: HEAD_CHUNK_BYTES };
  // The paper's batch, 128 × 256 rows of 16k logits (2 GiB): chunks of 128 MiB, 2097 rows.
  assert.equal(headChunkRows(128 * 256, 16000, paper), 2097);
  // WikiText at batch 16 (250 MiB) and the largest PTB batch (260.4 MiB) stay whole.
  assert.equal(headChunkRows(16 * 256, 16000, paper), 16 * 256);
  assert.equal(headChunkRows(6826, 10002, paper), 6826);
});

Deno.test("blockBytesUnder: the smallest of the threshold and the WebGPU buffer limits", () => {
  assert.equal(blockBytesUnder({}), HEAD_BLOCK_BYTES);
  assert.equal(blockBytesUnder({ maxStorageBufferBindingSize: 2 ** 27 }), 2 ** 27);
  const large = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32 };
  assert.equal(blockBytesUnder(large), HEAD_BLOCK_BYTES);
  assert.equal(blockBytesUnder({ maxBufferSize: 1000 }), 1000);
});

/** The loss and the gradients of features, W and b, with the threshold `blockBytes`. */
async function headGrads(blockBytes: number): Promise<number[][]> {
  const rng = new Rng(7);
  const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const x = tf.tensor2d(draw(N * D), [N, D]);
  const w = tf.tensor2d(draw(D * V), [D, V]);
  const b = tf.tensor1d(draw(V));
  const y = tf.tensor1d(Int32Array.from({ length: N }, () => rng.int(V)), "int32");
  const f = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
    tf.mul(headLossSum(xs as tf.Tensor2D, { weight: ws, bias: bs }, y, { blockBytes }), 0.5);
  const { value, grads } = tf.valueAndGrads(f)([x, w, b]);
  const out = [await read(value), ...await Promise.all(grads.map(read))];
  tf.dispose([x, w, b, y, value, ...grads]);
  return out;
}

Deno.test("headLossSum on webgpu: sizes under the device's limits, chunked equals whole", async () => {
  try {
    await useBackend("webgpu");
  } catch (err) {
    console.log(
      `models_head_loss_test: webgpu skipped, no WebGPU here (${(err as Error).message})`,
    );
    return;
  }
  const limits = (tf.backend() as unknown as { device: { limits: BufferLimits } }).device.limits;
  const binds = Math.min(limits.maxStorageBufferBindingSize!, limits.maxBufferSize!);
  assert.equal(deviceBufferBytes(), binds);
  assert.equal(headBlockBytes(), Math.min(HEAD_BLOCK_BYTES, binds));
  assert.equal(headChunkBytes(), Math.min(HEAD_CHUNK_BYTES, binds));
  const whole = await headGrads(4 * N * V);
  const chunked = await headGrads(FIVE_ROWS);
  ["loss", "dFeatures", "dW", "db"].forEach((what, i) =>
    assertClose(chunked[i], whole[i], `webgpu ${what}`, 1e-5)
  );
});

for (const backend of ["cpu", "wasm"] as const) {
  Deno.test(`headLossSum on ${backend}: chunked loss and gradients equal the whole`, async () => {
    await useBackend(backend);
    const whole = await headGrads(4 * N * V);
    for (const blockBytes of [FIVE_ROWS, 4 * V]) {
      const chunked = await headGrads(blockBytes);
      ["loss", "dFeatures", "dW", "db"].forEach((what, i) =>
        assertClose(chunked[i], whole[i], `${what} at ${blockBytes} bytes`, TOL)
      );
    }
  });
}

const [B, T] = [3, 7];

/** Loss, lossSum and every gradient of a tiny model with `headBlockBytes`, and a profile. */
async function modelRun(patch: ConfigPatch, headBlockBytes?: number) {
  const model = createModel(
    makeConfig({ layers: 2, hidden: D, context: T, ...patch }),
    V,
  );
  const rng = new Rng(3);
  const draw = () => Int32Array.from({ length: B * T }, () => rng.int(V));
  const ids = tf.tensor2d(draw(), [B, T], "int32");
  const targets = tf.tensor1d(draw(), "int32");
  const rows = keptRows(Array.from({ length: B * T }, (_, i) => (i % 5 === 3 ? 0 : 1)));
  const vars = Object.values(model.params);
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
  let sum: { sum: tf.Scalar } | undefined;
  // Every kernel of a training step's loss and gradients and of an evaluation's lossSum.
  const profile = await tf.profile(() => {
    result = tf.variableGrads(
      () => model.loss(ids, targets, rows, { training: true, headBlockBytes }),
      vars,
    );
    sum = model.lossSum(ids, targets, rows, { training: false, headBlockBytes });
  });
  const { value, grads } = result!;
  const out: Record<string, number[]> = { loss: await read(value), sum: await read(sum!.sum) };
  for (const [k, v] of Object.entries(model.params)) out[k] = await read(grads[v.name]);
  // Rows of the largest tensor whose last axis is V (the head's weight and its gradient have D).
  const largest = Math.max(
    ...profile.kernels.flatMap((k) =>
      k.outputShapes.filter((s) => s.at(-1) === V).map((s) => s.reduce((a, c) => a * c, 1) / V)
    ),
  );
  tf.dispose([ids, targets, value, sum!.sum, ...Object.values(grads)]);
  model.dispose();
  return { out, largest, kept: rows.length };
}

const MODELS: ConfigPatch[] = [
  { model: "rnn-lm", cell: "gru", mode: "bptt" },
  { model: "transformer-like", cell: "gru", mode: "dsf" },
];

for (const backend of ["cpu", "wasm"] as const) {
  for (const patch of MODELS) {
    const name = `${patch.model} ${patch.mode} on ${backend}`;
    Deno.test(`models with a chunked head (${name}): same loss and gradients`, async () => {
      await useBackend(backend);
      const whole = await modelRun(patch);
      const chunked = await modelRun(patch, 4 * V * D); // chunks of D = 8 rows: 17 = 8 + 8 + 1
      for (const k of Object.keys(whole.out)) {
        assertClose(chunked.out[k], whole.out[k], `${name} ${k}`, TOL);
      }
      // The spy: the whole head makes [kept, V] tensors; the chunked one none over D rows.
      assert.equal(whole.largest, whole.kept, `${name}: the profile sees the whole logits`);
      assert.equal(chunked.largest, D, `${name}: a [${chunked.largest}, V] tensor when chunked`);
    });
  }
}
