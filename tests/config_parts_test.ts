// The config's model, training and data parts: every key has a home, each part is a copy with
// its keys only, and a model keeps only its part.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  DATA_KEYS,
  dataPart,
  MODEL_KEYS,
  modelPart,
  RUN_KEYS,
  TRAINING_KEYS,
  trainingPart,
} from "../lib/config/parts.ts";
import { DEFAULTS, makeConfig } from "../lib/config/schema.ts";
import { createModel } from "../lib/models/mod.ts";
import { useBackend } from "./_util.ts";

Deno.test("every config key belongs to the model, training, data or run part", () => {
  const parts = new Set<string>([...MODEL_KEYS, ...TRAINING_KEYS, ...DATA_KEYS, ...RUN_KEYS]);
  const homeless = Object.keys(DEFAULTS).filter((k) => !parts.has(k));
  assert.deepEqual(homeless, [], `keys in no part: ${homeless.join(", ")}`);
});

Deno.test("each part holds its keys only, as a copy", () => {
  const config = makeConfig({ hidden: 16, lr: 3e-3, dataset: "synthetic", context: 12 });
  const model = modelPart(config);
  assert.deepEqual(Object.keys(model).sort(), [...MODEL_KEYS].sort());
  assert.equal(model.hidden, 16);
  assert.equal("lr" in model, false);
  assert.deepEqual(Object.keys(trainingPart(config)).sort(), [...TRAINING_KEYS].sort());
  assert.equal(trainingPart(config).lr, 3e-3);
  const data = dataPart(config);
  assert.deepEqual(Object.keys(data).sort(), [...DATA_KEYS].sort());
  assert.equal(data.context, 12);
  // A copy: changing the config afterwards does not reach the part.
  config.feedback.high = 0.5;
  assert.equal(model.feedback.high, 1);
});

Deno.test("a model keeps only its part of the config", async () => {
  await useBackend("cpu");
  const config = makeConfig({ hidden: 8, layers: 1, context: 4, lr: 5e-4, epochs: 7 });
  const before = tf.memory().numTensors;
  const model = createModel(config, 11);
  try {
    assert.deepEqual(Object.keys(model.config).sort(), [...MODEL_KEYS].sort());
    assert.equal("epochs" in model.config, false);
    assert.equal(model.config.hidden, 8);
  } finally {
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
