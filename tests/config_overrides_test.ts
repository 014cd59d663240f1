import assert from "node:assert/strict";
import { applyOverrides, parseSet } from "../lib/config/overrides.ts";
import { makeConfig, validateConfig } from "../lib/config/schema.ts";

Deno.test("parseSet: JSON values, string fallback, nested keys", () => {
  assert.deepEqual(parseSet(["hidden=128", "lr=5e-4", "steps=null", "feedback.init=uniform"]), [
    { key: "hidden", path: ["hidden"], value: 128 },
    { key: "lr", path: ["lr"], value: 5e-4 },
    { key: "steps", path: ["steps"], value: null },
    { key: "feedback.init", path: ["feedback", "init"], value: "uniform" },
  ]);
  assert.deepEqual(parseSet(["feedback.values=[0.5, 1]"])[0].value, [0.5, 1]);
  assert.deepEqual(parseSet(['schedule={"kind":"cosine","warmup":0.1,"floor":0.1}'])[0].value, {
    kind: "cosine",
    warmup: 0.1,
    floor: 0.1,
  });
  // String-typed keys keep the text even when it parses as JSON.
  assert.equal(parseSet(["name=123"])[0].value, "123");
  assert.equal(parseSet(["name=a=b"])[0].value, "a=b");
  assert.equal(parseSet(["mode=dsf"])[0].value, "dsf");
});

Deno.test("parseSet: unknown or malformed keys are rejected, naming them", () => {
  assert.throws(() => parseSet(["hiden=3"]), /Unknown config key "hiden"; allowed keys: name, /);
  assert.throws(
    () => parseSet(["feedback.lo=0"]),
    /Unknown config key "feedback\.lo"; allowed feedback keys: init, low/,
  );
  assert.throws(() => parseSet(["schedule.gama=0.1"]), /Unknown config key "schedule\.gama"/);
  assert.throws(() => parseSet(["lr.x=1"]), /"lr" has no sub-key "x"/);
  assert.throws(() => parseSet(["hidden"]), /Bad override "hidden": expected key=value/);
  assert.throws(() => parseSet(["=3"]), /expected key=value/);
  assert.throws(() => parseSet(["feedback..init=x"]), /empty key part/);
});

Deno.test("applyOverrides: in order, on a copy; schedule.kind switches kinds", () => {
  const base = makeConfig({
    schedule: { kind: "step", gamma: 0.1, milestones: [0.5] },
  });
  const out = applyOverrides(
    base,
    parseSet([
      "hidden=64",
      "hidden=32",
      "feedback.high=0.9",
      "schedule.kind=cosine",
      "schedule.warmup=0.05",
      "schedule.floor=0",
    ]),
  );
  assert.equal(base.hidden, 256);
  assert.equal(base.feedback.high, 1);
  const c = validateConfig({ ...out, embed: null });
  assert.equal(c.hidden, 32);
  assert.equal(c.embed, 32);
  assert.equal(c.feedback.high, 0.9);
  assert.equal(c.feedback.low, 0);
  assert.deepEqual(c.schedule, { kind: "cosine", warmup: 0.05, floor: 0 });
  // A wrong value passes parsing but fails validation with the key named.
  assert.throws(
    () => validateConfig(applyOverrides(base, parseSet(["cell=rwkv"]))),
    /"cell": got "rwkv"/,
  );
});
