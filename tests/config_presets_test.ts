import assert from "node:assert/strict";
import { listConfigs, PRESETS } from "../lib/config/presets.ts";
import { resolveConfig } from "../lib/config/resolve.ts";
import { type Config, SCALES } from "../lib/config/schema.ts";

const EXPECTED = [
  "ptb-gru-1L256",
  "ptb-gru-3L256",
  "ptb-gru-1L1024",
  "ptb-gru-3L1024",
  "ptb-char-gru-1L256",
  "wt-gru-3L128",
  "wt-gru-3L256",
  "wt-gru-3L512",
  "wt-gru-3L1024",
  "wt-gru-1L512",
  "wt-gru-6L512",
  "wt-gru-12L512",
  "wt-gru-3L512-T256",
  "wt-gru-3L512-T512",
  "wt-gru-3L512-T1024",
  "wt-gru-3L512-T2048",
  "wt-rnn-3L512",
  "wt-lstm-3L512",
  "wt-gpt-3L512",
  "wt-ema-3L512",
  "synthetic-recall",
];

Deno.test("presets: every experiment is listed and resolves at every scale", () => {
  assert.deepEqual([...listConfigs()].sort(), [...EXPECTED].sort());
  for (const name of listConfigs()) {
    assert.ok(PRESETS[name].description.length > 0);
    for (const scale of SCALES) {
      const c = resolveConfig(name, { scale });
      assert.equal(c.name, name);
      assert.equal(c.scale, scale);
      if (scale === "smoke") {
        assert.ok(c.hidden <= 32 && c.context <= 32 && c.batchSize <= 8, name);
        assert.ok(c.steps !== null && c.steps <= 10 && c.evalBatches !== null, name);
      }
      if (scale === "paper" && name !== "synthetic-recall") assert.equal(c.steps, null, name);
    }
  }
  assert.equal(resolveConfig("ptb-gru-1L256").scale, "quick"); // default scale
});

Deno.test("presets: paper scale mirrors the reference configs", () => {
  const ptb = resolveConfig("ptb-gru-3L1024", { scale: "paper" });
  assert.deepEqual(
    pick(ptb, ["dataset", "model", "cell", "layers", "hidden", "embed", "context", "batchSize"]),
    {
      dataset: "ptb",
      model: "rnn-lm",
      cell: "gru",
      layers: 3,
      hidden: 1024,
      embed: 1024,
      context: 64,
      batchSize: 128,
    },
  );
  assert.deepEqual(pick(ptb, ["evalBatchSize", "epochs", "lr", "weightDecay", "clip"]), {
    evalBatchSize: 256,
    epochs: 30,
    lr: 1e-3,
    weightDecay: 1e-4,
    clip: 0,
  });
  assert.deepEqual(ptb.schedule, { kind: "step", gamma: 0.1, milestones: [1 / 3, 2 / 3] });
  assert.equal(resolveConfig("ptb-char-gru-1L256", { scale: "paper" }).dataset, "ptb-char");

  const wt = resolveConfig("wt-gru-3L512", { scale: "paper" });
  assert.deepEqual(
    pick(wt, [
      "dataset",
      "model",
      "layers",
      "hidden",
      "context",
      "batchSize",
      "epochs",
      "vocabSize",
    ]),
    {
      dataset: "wikitext-2",
      model: "transformer-like",
      layers: 3,
      hidden: 512,
      context: 256,
      batchSize: 128,
      epochs: 5,
      vocabSize: 16000,
    },
  );
  assert.deepEqual(wt.schedule, { kind: "cosine", warmup: 0.1, floor: 0.1 });
  assert.equal(wt.weightDecay, 0);
  assert.equal(wt.clip, 0);
  const rnn = resolveConfig("wt-rnn-3L512", { scale: "paper" });
  assert.deepEqual(pick(rnn, ["cell", "lr", "clip"]), { cell: "rnn", lr: 5e-4, clip: 1 });
  assert.equal(resolveConfig("wt-lstm-3L512", { scale: "paper" }).cell, "lstm");
  assert.equal(resolveConfig("wt-gpt-3L512", { scale: "paper" }).model, "gpt");
  assert.equal(resolveConfig("wt-gpt-3L512", { scale: "paper" }).heads, 8);
  assert.equal(resolveConfig("wt-ema-3L512", { scale: "paper" }).model, "ema");
  const t1024 = resolveConfig("wt-gru-3L512-T1024", { scale: "paper" });
  assert.deepEqual(pick(t1024, ["context", "epochs", "evalBatchSize"]), {
    context: 1024,
    epochs: 20,
    evalBatchSize: 128,
  });
  for (const [n, T] of [["T256", 256], ["T512", 512], ["T2048", 2048]] as const) {
    assert.equal(resolveConfig(`wt-gru-3L512-${n}`, { scale: "paper" }).context, T);
  }
  for (const [n, L] of [["1L512", 1], ["6L512", 6], ["12L512", 12]] as const) {
    assert.equal(resolveConfig(`wt-gru-${n}`, { scale: "paper" }).layers, L);
  }
  for (const D of [128, 256, 1024]) {
    assert.equal(resolveConfig(`wt-gru-3L${D}`, { scale: "paper" }).hidden, D);
  }
});

Deno.test("presets: paper sizes reproduce Table 2's parameter counts (hand formula)", () => {
  // Transformer-like GRU LM (NOTES "Architectures"): embedding V·D, untied head V·D + V; per
  // layer LN 2D, GRU 3·(2D² + 2D), Linear D² + D, LN 2D, MLP D·4D + 4D + 4D·D + D; final LN 2D.
  const count = (c: Config) => {
    const D = c.hidden, V = c.vocabSize;
    const layer = 2 * D + 3 * (2 * D * D + 2 * D) + D * D + D + 2 * D + 8 * D * D + 5 * D;
    return 2 * V * D + V + c.layers * layer + 2 * D;
  };
  const table2: [string, number][] = [["1L512", 20.3], ["3L512", 28.2], ["6L512", 40.0], [
    "12L512",
    63.7,
  ]];
  for (const [n, millions] of table2) {
    const p = count(resolveConfig(`wt-gru-${n}`, { scale: "paper" })) / 1e6;
    assert.ok(Math.abs(p - millions) < 0.06, `${n}: ${p.toFixed(2)}M vs ${millions}M`);
  }
});

Deno.test("presets: quick and small are reduced, bounded runs", () => {
  for (const name of listConfigs()) {
    const quick = resolveConfig(name, { scale: "quick" });
    const small = resolveConfig(name, { scale: "small" });
    const paper = resolveConfig(name, { scale: "paper" });
    for (const c of [quick, small]) {
      assert.ok(c.steps !== null && c.evalBatches !== null && c.evalEvery > 0, name);
      assert.ok(c.hidden <= paper.hidden && c.context <= paper.context, name);
      assert.ok(c.dataset === paper.dataset && c.model === paper.model, name);
      assert.ok(c.layers === paper.layers && c.cell === paper.cell, name);
    }
    assert.ok(quick.steps! <= 200 && quick.evalBatches! <= 8, name);
    assert.ok(quick.hidden <= small.hidden && quick.steps! <= small.steps!, name);
    if (paper.dataset.startsWith("wikitext")) {
      assert.ok(quick.vocabSize <= 2048 && small.vocabSize <= 4096, name);
      assert.equal(quick.hidden, paper.hidden / 8, name);
      assert.equal(quick.context, paper.context / 8, name);
    }
  }
  // Table 3's presets see the same tokens per step at every context length.
  for (const scale of ["quick", "small"] as const) {
    const tokens = ["T256", "T512", "T1024", "T2048"].map((t) => {
      const c = resolveConfig(`wt-gru-3L512-${t}`, { scale });
      return c.batchSize * c.context;
    });
    assert.deepEqual(new Set(tokens).size, 1, `${scale}: ${tokens}`);
  }
  // The vanilla RNN keeps its halved learning rate and its clipping at every scale.
  const rnn = resolveConfig("wt-rnn-3L512", { scale: "quick" });
  const gru = resolveConfig("wt-gru-3L512", { scale: "quick" });
  assert.equal(rnn.lr, gru.lr / 2);
  assert.equal(rnn.clip, 1);
  // The synthetic demo: a lag well inside the context, at a rate that learns it in 200 steps.
  const syn = resolveConfig("synthetic-recall", { scale: "quick" });
  assert.ok(syn.lag < syn.context && syn.steps === 200 && syn.lr === 1e-2);
});

Deno.test("presets: the points of each §5 axis stay distinct at every scale", () => {
  const axes = [
    ["ptb-gru-1L256", "ptb-gru-3L256", "ptb-gru-1L1024", "ptb-gru-3L1024"],
    [128, 256, 512, 1024].map((d) => `wt-gru-3L${d}`),
    ["rnn", "gru", "lstm"].map((cell) => `wt-${cell}-3L512`),
    [1, 3, 6, 12].map((l) => `wt-gru-${l}L512`),
    [256, 512, 1024, 2048].map((t) => `wt-gru-3L512-T${t}`),
  ];
  for (const points of axes) {
    for (const scale of ["quick", "small", "paper"] as const) {
      const configs = points.map((p) => {
        const { name: _n, ...c } = resolveConfig(p, { scale });
        return JSON.stringify(c);
      });
      assert.equal(new Set(configs).size, points.length, `${points[0]} … at ${scale}`);
    }
  }
});

Deno.test("resolveConfig: overrides and errors", () => {
  const c = resolveConfig("wt-lstm-3L512", {
    scale: "smoke",
    set: [
      "hidden=4",
      "mode=dsf",
      "feedback.init=given",
      "feedback.values=[0,0.1,0.2,0.3,0.4,0.5,0.6,0.7]",
    ],
  });
  assert.equal(c.hidden, 4);
  assert.equal(c.embed, 4);
  assert.equal(c.mode, "dsf");
  assert.equal(c.feedback.values?.length, 8);
  assert.throws(
    () =>
      resolveConfig("wt-gru-3L512", {
        scale: "smoke",
        set: ["hidden=4", "feedback.init=given", "feedback.values=[1,2]"],
      }),
    /"feedback\.values": has length 2; it must equal the state size 4/,
  );
  assert.throws(
    () => resolveConfig("ptb-gru-2L256"),
    /Unknown config "ptb-gru-2L256"; available: ptb-gru-1L256/,
  );
  assert.throws(
    () => resolveConfig("ptb-gru-1L256", { scale: "huge" as never }),
    /"scale".*"smoke", "quick"/,
  );
  assert.throws(
    () => resolveConfig("ptb-gru-1L256", { set: ["batch=3"] }),
    /Unknown config key "batch"/,
  );
  assert.equal(resolveConfig("ptb-gru-1L256", { set: ["name=my-run"] }).name, "my-run");
  // The resolved config is independent of the preset data.
  const a = resolveConfig("ptb-gru-1L256", { scale: "paper" });
  (a.schedule as { gamma: number }).gamma = 0.5;
  assert.equal(resolveConfig("ptb-gru-1L256", { scale: "paper" }).schedule.kind, "step");
  assert.equal(
    (resolveConfig("ptb-gru-1L256", { scale: "paper" }).schedule as { gamma: number }).gamma,
    0.1,
  );
});

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

Deno.test("resolveConfig: a typed patch over the preset's scale, then the --set overrides", () => {
  const c = resolveConfig("ptb-char-gru-1L256", {
    scale: "quick",
    patch: { hidden: 96, mode: "ft-bptt", feedback: { high: 0.5 } },
    set: ["hidden=80"],
  });
  assert.equal(c.hidden, 80); // set wins over patch
  assert.equal(c.mode, "ft-bptt");
  assert.equal(c.feedback.high, 0.5);
  assert.equal(c.feedback.init, "linspace"); // the rest of feedback kept
  assert.equal(c.dataset, "ptb-char"); // the preset's
  assert.throws(
    () => resolveConfig("ptb-char-gru-1L256", { patch: { hidden: -1 } }),
    /hidden/,
  );
});

Deno.test("gpt and ema train by backpropagation: their config, and a record made before, say bptt", async () => {
  for (const name of ["wt-gpt-3L512", "wt-ema-3L512"]) {
    assert.equal(resolveConfig(name, { scale: "paper" }).mode, "bptt");
  }
  assert.equal(resolveConfig("synthetic-recall", { patch: { model: "gpt" } }).mode, "bptt");
  assert.equal(resolveConfig("wt-gru-3L512").mode, "dsf", "the recurrent models keep theirs");
  // A summary written before (mode: the preset's default dsf) is read as what it trained with.
  const { reproRunOf } = await import("../lib/analysis/reproduction.ts");
  const summary = { mode: "dsf", config: "wt-gpt-3L128", minValPpl: 9, settings: { model: "gpt" } };
  assert.equal(reproRunOf({ summary, rows: [] }).method, "bptt");
  assert.equal(
    reproRunOf({ summary: { ...summary, settings: { model: "transformer-like" } }, rows: [] })
      .method,
    "dsf",
  );
});
