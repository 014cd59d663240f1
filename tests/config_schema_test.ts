import assert from "node:assert/strict";
import {
  DEFAULTS,
  makeConfig,
  stateSize,
  validateConfig,
  withDefaults,
} from "../lib/config/schema.ts";

Deno.test("config schema: defaults validate; embed defaults to hidden", () => {
  const c = makeConfig();
  assert.equal(c.embed, 256);
  assert.equal(c.hidden, 256);
  assert.equal(makeConfig({ hidden: 64 }).embed, 64);
  assert.equal(makeConfig({ hidden: 64, embed: 32 }).embed, 32);
  assert.deepEqual(c.feedback, {
    init: "linspace",
    low: 0,
    high: 1,
    seed: 0,
    values: null,
    kind: "fixed",
    every: 50,
  });
  // A config saved before feedback.kind and feedback.every existed means the defaults.
  const old = JSON.parse(JSON.stringify(c));
  delete old.feedback.kind;
  delete old.feedback.every;
  assert.deepEqual(validateConfig(old), c);
  // Plain JSON data: survives a round trip unchanged.
  assert.deepEqual(validateConfig(JSON.parse(JSON.stringify(c))), c);
  assert.equal(stateSize({ cell: "gru", hidden: 8 }), 8);
  assert.equal(stateSize({ cell: "lstm", hidden: 8 }), 16);
  // Defaults are not mutated by makeConfig.
  makeConfig({ feedback: { low: 0.5 } });
  assert.equal(DEFAULTS.feedback.low, 0);
});

Deno.test("config schema: unknown / missing keys", () => {
  assert.throws(
    () => makeConfig({ hiden: 3 } as never),
    /"hiden": unknown key; allowed keys: name, /,
  );
  assert.throws(() => makeConfig({ feedback: { lo: 0 } } as never), /"feedback\.lo": unknown key/);
  const raw = withDefaults();
  delete raw.lr;
  assert.throws(() => validateConfig(raw), /"lr": missing/);
  assert.throws(() => validateConfig([]), /"\(root\)": must be an object/);
});

Deno.test("config schema: wrong types and non-positive sizes name the key", () => {
  assert.throws(
    () => makeConfig({ hidden: "big" } as never),
    /"hidden": must be an integer in \[1, 1048576\], got "big"/,
  );
  assert.throws(() => makeConfig({ layers: 0 }), /"layers"/);
  assert.throws(() => makeConfig({ batchSize: -4 }), /"batchSize"/);
  assert.throws(() => makeConfig({ context: 2.5 }), /"context"/);
  assert.throws(() => makeConfig({ steps: 0 }), /"steps"/);
  assert.throws(() => makeConfig({ lr: 0 }), /"lr": must be a number > 0/);
  assert.throws(() => makeConfig({ weightDecay: -1e-4 }), /"weightDecay"/);
  assert.throws(() => makeConfig({ clip: -1 }), /"clip"/);
  assert.throws(() => makeConfig({ name: "" }), /"name"/);
  assert.throws(() => makeConfig({ betas: [0.9] as never }), /"betas"/);
  assert.throws(() => makeConfig({ schedule: { kind: "step", gamma: 0.1 } }), /schedule/);
  assert.throws(
    () => makeConfig({ feedback: { low: 1, high: 0 } }),
    /"feedback\.low": must be <= feedback\.high/,
  );
  assert.equal(makeConfig({ steps: 10, evalBatches: 3 }).steps, 10);
});

Deno.test("config schema: enums list the allowed values", () => {
  assert.throws(
    () => makeConfig({ cell: "rwkv" } as never),
    /"cell": got "rwkv"; allowed values: "rnn", "gru", "lstm"/,
  );
  assert.throws(() => makeConfig({ mode: "tbptt" } as never), /"mode".*"bptt", "ft-bptt", "dsf"/);
  assert.throws(
    () => makeConfig({ dataset: "enwik8" } as never),
    /"dataset".*"ptb", "ptb-char", "wikitext-2", "wikitext-103", "synthetic"/,
  );
  assert.throws(
    () => makeConfig({ model: "mamba" } as never),
    /"model".*"rnn-lm", "transformer-like", "gpt", "ema"/,
  );
  assert.throws(
    () => makeConfig({ dsfImpl: "gpu" } as never),
    /"dsfImpl".*"auto", "sequential", "scan", "fft", "webgpu", "wasm"/,
  );
  assert.throws(
    () => makeConfig({ backend: "tpu" } as never),
    /"backend".*"auto", "webgpu", "wasm", "cpu"/,
  );
  assert.throws(
    () => makeConfig({ feedback: { init: "gaussian" } } as never),
    /"feedback\.init".*"linspace", "uniform", "given"/,
  );
});

Deno.test("config schema: feedback.values length = state size (hidden, 2·hidden for lstm)", () => {
  const v4 = [0, 0.25, 0.5, 1];
  const ok = makeConfig({ cell: "gru", hidden: 4, feedback: { init: "given", values: v4 } });
  assert.deepEqual(ok.feedback.values, v4);
  assert.throws(
    () => makeConfig({ cell: "gru", hidden: 5, feedback: { init: "given", values: v4 } }),
    /"feedback\.values": has length 4; it must equal the state size 5 \(hidden\)/,
  );
  assert.throws(
    () => makeConfig({ cell: "lstm", hidden: 4, feedback: { init: "given", values: v4 } }),
    /"feedback\.values": has length 4; it must equal the state size 8 \(2·hidden for lstm\)/,
  );
  assert.equal(
    makeConfig({ cell: "lstm", hidden: 2, feedback: { init: "given", values: v4 } }).feedback.values
      ?.length,
    4,
  );
  assert.throws(
    () => makeConfig({ feedback: { init: "given" } }),
    /"feedback\.values": is required/,
  );
  assert.throws(
    () => makeConfig({ hidden: 4, feedback: { values: v4 } }),
    /"feedback\.values": is only used with feedback\.init = "given"/,
  );
  assert.throws(
    () => makeConfig({ hidden: 2, feedback: { init: "given", values: [0, "x"] as never } }),
    /"feedback\.values\[1\]"/,
  );
});

Deno.test("config schema: cross-key rules", () => {
  assert.throws(
    () => makeConfig({ model: "gpt", hidden: 100, heads: 8 }),
    /"heads": must divide hidden \(100\)/,
  );
  assert.throws(
    () => makeConfig({ dataset: "synthetic", context: 8, lag: 8 }),
    /"lag": must be < context/,
  );
  assert.throws(
    () => makeConfig({ mode: "ft-bptt", feedback: { kind: "jacobian-diagonal" } }),
    /"feedback.kind": "jacobian-diagonal" is a DSF feedback: it needs mode=dsf \(got ft-bptt\)/,
  );
  assert.throws(
    () => makeConfig({ mode: "dsf", dsfImpl: "fft", feedback: { kind: "jacobian-diagonal" } }),
    /"dsfImpl": "fft" needs a stationary λ/,
  );
  assert.throws(
    () => makeConfig({ feedback: { kind: "learned" } } as never),
    /"feedback.kind".*"fixed", "fitted", "jacobian-diagonal"/,
  );
  assert.equal(makeConfig({ feedback: { kind: "fitted", every: 7 } }).feedback.every, 7);
});
