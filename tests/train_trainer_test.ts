import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { resolveConfig } from "../lib/config/resolve.ts";
import type { Config } from "../lib/config/schema.ts";
import { loadRunData } from "../lib/io/datasets.ts";
import { feedbackPlugins } from "../lib/feedback/mod.ts";
import { createModel } from "../lib/models/mod.ts";
import type { Checkpoint } from "../lib/train/checkpoint.ts";
import { type MetricRow, train, type TrainSummary } from "../lib/train/trainer.ts";
import { useBackend } from "./_util.ts";

/** A tiny synthetic-task config: 12 steps, evaluation every 4. */
function tiny(mode: string, extra: string[] = []): Config {
  return resolveConfig("synthetic-recall", {
    scale: "smoke",
    set: [
      ...extra,
      `mode=${mode}`,
      "hidden=8",
      "context=8",
      "lag=2",
      "batchSize=4",
      "steps=12",
      "evalEvery=4",
      "evalBatches=1",
      "lr=0.01",
    ],
  });
}

async function run(
  config: Config,
  opts: { stopAfter?: number; resume?: Checkpoint } = {},
): Promise<
  {
    summary: TrainSummary;
    rows: MetricRow[];
    losses: number[];
    last?: Checkpoint;
    params: number[];
  }
> {
  const data = await loadRunData(config);
  const model = createModel(config, data.vocabSize);
  const rows: MetricRow[] = [];
  const losses: number[] = [];
  let last: Checkpoint | undefined;
  let steps = 0;
  const summary = await train(model, data, config, {
    resume: opts.resume ? { last: opts.resume } : undefined,
    plugins: feedbackPlugins(config, model),
    callbacks: {
      onStep: (i) => (losses.push(i.loss), steps++),
      onMetric: (r) => void rows.push(r),
      onCheckpoint: (c, kind) => {
        if (kind === "last") last = c;
      },
      shouldStop: () => opts.stopAfter !== undefined && steps >= opts.stopAfter,
    },
  });
  const params = (await Promise.all(Object.values(model.params).map((p) => p.data()))).flatMap((
    d,
  ) => Array.from(d as Float32Array));
  model.dispose();
  return { summary, rows, losses, last, params };
}

Deno.test("trainer: the same seed gives the same losses; another seed does not", async () => {
  await useBackend("cpu");
  const a = await run(tiny("bptt"));
  const b = await run(tiny("bptt"));
  assert.deepEqual(a.losses, b.losses);
  assert.equal(a.summary.steps, 12);
  assert.equal(a.summary.stopped, "done");
  assert.equal(a.rows.filter((r) => r.split === "valid").length, 3);
  assert.ok(a.rows.every((r) => Number.isFinite(r.ppl)));
  const c = await run({ ...tiny("bptt"), seed: 1 });
  assert.notDeepEqual(a.losses, c.losses);
});

Deno.test("trainer: an interrupted run resumed from its checkpoint ends as an uninterrupted one", async () => {
  await useBackend("cpu");
  const variants: [string, string[]][] = [
    ["bptt", []],
    ["dsf", []],
    // λ refitted after steps 1 and 3 (before the stop) and 6, 9, 12: the checkpoint carries λ.
    ["dsf", ["feedback.kind=fitted", "feedback.every=3"]],
    ["dsf", ["feedback.kind=jacobian-diagonal"]],
  ];
  for (const [m, extra] of variants) {
    const mode = `${m} ${extra.join(" ")}`;
    const config = tiny(m, extra);
    const whole = await run(config);
    const first = await run(config, { stopAfter: 5 });
    assert.equal(first.summary.stopped, "interrupted");
    assert.equal(first.summary.steps, 5);
    assert.ok(first.last, "no checkpoint saved on interrupt");
    // Through the bytes, as the command line does.
    const { serializeCheckpoint, deserializeCheckpoint } = await import(
      "../lib/train/checkpoint.ts"
    );
    const restored = deserializeCheckpoint(serializeCheckpoint(first.last!));
    const rest = await run(config, { resume: restored });
    assert.equal(rest.summary.steps, 12);
    assert.deepEqual(
      [...first.losses, ...rest.losses],
      whole.losses,
      `${mode}: losses differ after resume`,
    );
    assert.deepEqual(rest.params, whole.params, `${mode}: final weights differ after resume`);
    assert.equal(rest.summary.minValPpl, whole.summary.minValPpl);
    assert.equal(rest.summary.feedback, config.feedback.kind);
  }
});

Deno.test("trainer: the fitted and jacobian-diagonal feedbacks train differently from the fixed λ", async () => {
  await useBackend("cpu");
  const fixed = await run(tiny("dsf"));
  const fitted = await run(tiny("dsf", ["feedback.kind=fitted", "feedback.every=3"]));
  const diagonal = await run(tiny("dsf", ["feedback.kind=jacobian-diagonal"]));
  // Step 1 is the same (λ is refitted after it); later steps differ.
  assert.equal(fitted.losses[0], fixed.losses[0]);
  assert.notDeepEqual(fitted.losses, fixed.losses);
  assert.notDeepEqual(diagonal.losses, fixed.losses);
  assert.ok(fitted.summary.feedbackSeconds > 0, "the refits' time is recorded");
  assert.equal(fixed.summary.feedbackSeconds, 0);
  assert.throws(
    () => tiny("bptt", ["feedback.kind=fitted"]),
    /"feedback.kind": "fitted" is a DSF feedback: it needs mode=dsf/,
  );
});

Deno.test("trainer: a NaN loss stops the run at that step", async () => {
  await useBackend("cpu");
  const config = tiny("dsf");
  const data = await loadRunData(config);
  const model = createModel(config, data.vocabSize);
  let calls = 0;
  const poisoned = {
    params: model.params,
    loss: (...args: Parameters<typeof model.loss>) => {
      const l = model.loss(...args);
      return ++calls === 3 ? tf.mul(l, NaN) as tf.Scalar : l;
    },
  };
  const summary = await train(poisoned, data, config);
  assert.equal(summary.stopped, "nan");
  assert.equal(summary.steps, 2);
  model.dispose();
});
