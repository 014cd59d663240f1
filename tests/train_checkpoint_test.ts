import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Adam } from "../lib/train/adam.ts";
import {
  captureParams,
  type Checkpoint,
  deserializeCheckpoint,
  restoreParams,
  serializeCheckpoint,
} from "../lib/train/checkpoint.ts";
import { readCheckpointFile, writeCheckpointFile } from "../lib/io/checkpoint_file.ts";
import { Rng } from "../lib/util/rng.ts";

await tf.setBackend("cpu");

function sample(): Checkpoint {
  const rng = new Rng(7);
  const w = new Float32Array(12).map(() => rng.normal());
  w[0] = NaN;
  w[1] = -0;
  w[2] = Infinity;
  w[3] = 1e-42; // subnormal
  return {
    params: {
      "layer0.weight_ih": { shape: [3, 4], data: w },
      "head.bias": { shape: [5], data: new Float32Array([1, 2, 3, 4, 5]) },
      "scalar": { shape: [], data: new Float32Array([0.125]) },
    },
    optimizer: {
      step: 3,
      m: { a: new Float32Array([0.1, -0.2]) },
      v: { a: new Float32Array([0.01, 0.04]) },
    },
    step: 17,
    epoch: 2,
    batch: 5,
    rng: { data: rng.getState(), init: { state: 123 } },
    config: { name: "ptb-gru-1L256", lr: 1e-3, schedule: { kind: "constant" }, steps: null },
    metrics: { valid: [{ step: 10, ppl: 123.5 }], best: NaN, note: "é ü 日本" },
  };
}

Deno.test("checkpoint: byte round trip is exact (NaN, -0, Inf, subnormals, unicode)", () => {
  const c = sample();
  const bytes = serializeCheckpoint(c);
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), "DSFCKPT\n");
  const back = deserializeCheckpoint(bytes);
  assert.deepStrictEqual(back, c);
  assert.ok(Object.is(back.params["layer0.weight_ih"].data[1], -0));
  // Arrays are independent copies, not views into the input bytes.
  bytes.fill(0);
  assert.equal(back.params["head.bias"].data[4], 5);
  // Deterministic encoding.
  assert.deepEqual(serializeCheckpoint(sample()), serializeCheckpoint(sample()));
});

Deno.test("checkpoint: truncated or corrupt bytes give clear errors", () => {
  const bytes = serializeCheckpoint(sample());
  const headerLen = new DataView(bytes.buffer).getUint32(12, true);
  for (const n of [0, 7, 15, 40, 16 + headerLen, bytes.length - 1]) {
    assert.throws(
      () => deserializeCheckpoint(bytes.slice(0, n)),
      /truncated|too short/,
      `cut at ${n}`,
    );
  }
  const flip = (i: number) => {
    const b = bytes.slice();
    b[i] ^= 0x55;
    return b;
  };
  assert.throws(() => deserializeCheckpoint(flip(0)), /bad magic/);
  assert.throws(() => deserializeCheckpoint(flip(8)), /unsupported version/);
  assert.throws(() => deserializeCheckpoint(flip(bytes.length - 3)), /CRC-32 mismatch/);
  assert.throws(() => deserializeCheckpoint(flip(17)), /corrupt header/);
  const extra = new Uint8Array(bytes.length + 4);
  extra.set(bytes);
  assert.throws(() => deserializeCheckpoint(extra), /trailing bytes/);
  assert.throws(
    () => deserializeCheckpoint(new TextEncoder().encode('{"not": 1}')),
    /too short|bad magic/,
  );
});

Deno.test("checkpoint: serialise rejects malformed checkpoints, naming the key", () => {
  const c = sample();
  c.params["head.bias"].shape = [4];
  assert.throws(() => serializeCheckpoint(c), /"params\.head\.bias" has 5 values for shape \[4\]/);
  const d = sample();
  d.batch = -1;
  assert.throws(() => serializeCheckpoint(d), /"batch"/);
});

Deno.test("checkpoint: capture/restore params in place; mismatch errors", async () => {
  const a = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
  const b = tf.variable(tf.tensor1d([5, 6, 7]));
  const snap = await captureParams({ a, b });
  a.assign(tf.zeros([2, 2]));
  b.assign(tf.zeros([3]));
  const before = tf.memory().numTensors;
  restoreParams(
    { a, b },
    deserializeCheckpoint(serializeCheckpoint({ ...sample(), params: snap })).params,
  );
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(a.dataSync()), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(b.dataSync()), [5, 6, 7]);
  const c = tf.variable(tf.zeros([3, 1]));
  assert.throws(
    () => restoreParams({ a, b: c }, snap),
    /shape mismatch for "b": checkpoint \[3\], model \[3,1\]/,
  );
  assert.throws(() => restoreParams({ a }, snap), /unknown parameter "b"/);
  assert.throws(() => restoreParams({ a, b, c }, snap), /lacks parameter "c"/);
  tf.dispose([a, b, c]);
});

Deno.test("checkpoint file: atomic write, read back, resume training exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/run.ckpt`;
    const gs = [[0.5, -1, 2], [1, 1, -0.5], [-0.2, 0.3, 0.1], [0.7, -0.7, 0.0]];
    const train = (opt: Adam, from: number, to: number) => {
      for (let s = from; s < to; s++) {
        const g = tf.tensor1d(gs[s]);
        opt.step({ w: g });
        g.dispose();
      }
    };
    const w = tf.variable(tf.tensor1d([0.1, 0.2, 0.3]));
    const opt = new Adam({ w }, { lr: 0.01, weightDecay: 1e-4 });
    const rng = new Rng(3);
    train(opt, 0, 2);
    rng.next();
    const ckpt: Checkpoint = {
      ...sample(),
      params: await captureParams({ w }),
      optimizer: await opt.getState(),
      step: 2,
      rng: { data: rng.getState() },
    };
    await writeCheckpointFile(path, ckpt);
    await writeCheckpointFile(path, ckpt); // overwrite in place
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["run.ckpt"]);
    train(opt, 2, 4);
    const r1 = rng.next();

    const loaded = await readCheckpointFile(path);
    const w2 = tf.variable(tf.zeros([3]));
    const opt2 = new Adam({ w: w2 }, { lr: 0.01, weightDecay: 1e-4 });
    restoreParams({ w: w2 }, loaded.params);
    opt2.setState(loaded.optimizer!);
    const rng2 = new Rng(0);
    rng2.setState(loaded.rng.data);
    train(opt2, loaded.step, 4);
    assert.deepEqual(Array.from(w2.dataSync()), Array.from(w.dataSync()));
    assert.equal(rng2.next(), r1);
    [opt, opt2].forEach((o) => o.dispose());
    tf.dispose([w, w2]);

    // A partial file on disk: clear error naming the path.
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(`${dir}/partial.ckpt`, bytes.subarray(0, bytes.length - 10));
    await assert.rejects(readCheckpointFile(`${dir}/partial.ckpt`), /partial\.ckpt".*truncated/);
    await assert.rejects(
      readCheckpointFile(`${dir}/missing.ckpt`),
      /cannot read ".*missing\.ckpt"/,
    );
    await assert.rejects(writeCheckpointFile(`${dir}/no/such/dir/x.ckpt`, ckpt), /cannot write/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkpoint: a changed header byte (Adam's step, the position, a metric) is refused", () => {
  const bytes = serializeCheckpoint(sample());
  const text = new TextDecoder().decode(bytes);
  for (const needle of ['"optimizer":{"step":3', '"step":17', '"batch":5', '"ppl":123.5']) {
    const at = text.indexOf(needle);
    assert.ok(at > 0, needle);
    const b = bytes.slice();
    const digit = at + needle.length - 1; // the last digit
    b[digit] = b[digit] === 0x34 ? 0x35 : 0x34; // another digit: still valid JSON
    assert.throws(() => deserializeCheckpoint(b), /corrupt header: CRC-32 mismatch/, needle);
  }
});

Deno.test("checkpoint: format version 1 files (before the header CRC) still load", async () => {
  // Written by the version-1 code (commit 66e3783) for this test.
  const ckpt = await readCheckpointFile(
    new URL("./fixtures/checkpoint_v1.ckpt", import.meta.url).pathname,
  );
  assert.equal(ckpt.step, 7);
  assert.equal(ckpt.batch, 3);
  assert.deepEqual(Array.from(ckpt.params.w.data), [1, 2, 3, 4, 5, 6]);
  assert.equal(ckpt.optimizer!.step, 7);
  assert.deepEqual(Array.from(ckpt.optimizer!.m.w), [0.5, 0, 0, 0, 0, -0.5]);
  assert.equal((ckpt.metrics as { minValPpl: number }).minValPpl, Infinity);
  const v = new DataView(serializeCheckpoint(ckpt).buffer).getUint32(8, true);
  assert.equal(v, 2, "rewritten in the current format");
});

Deno.test("checkpoint files: a corrupt header is refused naming the file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/last.ckpt`;
  await writeCheckpointFile(path, sample());
  const bytes = await Deno.readFile(path);
  bytes[30] ^= 0x01;
  await Deno.writeFile(path, bytes);
  await assert.rejects(() => readCheckpointFile(path), (e: Error) => e.message.includes(path));
  await Deno.remove(dir, { recursive: true });
});
