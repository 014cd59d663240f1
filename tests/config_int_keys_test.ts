// Every integer key has an inclusive range, checked by validation and by parseSet (before any
// file is read): out of range or not an integer is one error naming the key and the range.
import assert from "node:assert/strict";
import { INT_KEYS, type IntKey, isIntKey } from "../lib/config/int_keys.ts";
import { parseSet } from "../lib/config/overrides.ts";
import { type ConfigPatch, DEFAULTS, makeConfig } from "../lib/config/schema.ts";

/** A patch setting the dotted `key` to `value`. */
function patch(key: string, value: unknown): ConfigPatch {
  const [head, sub] = key.split(".");
  return (sub ? { [head]: { [sub]: value } } : { [head]: value }) as ConfigPatch;
}

/** Every config key, dotted for the feedback's. */
const ALL_KEYS = [
  ...Object.keys(DEFAULTS).filter((k) => k !== "feedback"),
  ...Object.keys(DEFAULTS.feedback).map((k) => `feedback.${k}`),
];

Deno.test("int keys: the table lists exactly the keys that need an integer", () => {
  const integral = ALL_KEYS.filter((k) => {
    try {
      makeConfig(patch(k, 2.5));
      return false;
    } catch (e) {
      return /an integer/.test((e as Error).message);
    }
  });
  assert.deepEqual(integral.sort(), Object.keys(INT_KEYS).sort());
  for (
    const k of [
      "seed",
      "steps",
      "epochs",
      "batchSize",
      "evalBatchSize",
      "context",
      "layers",
      "hidden",
      "evalEvery",
      "stopAfter",
      "vocabSize",
      "lag",
      "alphabet",
      "feedback.seed",
      "feedback.every",
    ]
  ) {
    assert.ok(isIntKey(k), k);
  }
});

Deno.test("int keys: both ends are taken, one past either end and non-integers are refused", () => {
  for (const [key, r] of Object.entries(INT_KEYS) as [IntKey, { min: number; max: number }][]) {
    // microBatches is also at most batchSize: its upper end needs a batch as large.
    const room: ConfigPatch = key === "microBatches" ? { batchSize: r.max } : {};
    const at = (v: unknown) => makeConfig({ ...room, ...patch(key, v) });
    const range = new RegExp(
      `Invalid config key "${key.replace(".", "\\.")}": must be (null or )?an integer in ` +
        `\\[${r.min}, ${r.max}\\], got `,
    );
    for (const v of [r.min, r.max]) {
      const c = at(v) as unknown as Record<string, unknown>;
      const [head, sub] = key.split(".");
      assert.equal(sub ? (c[head] as Record<string, unknown>)[sub] : c[head], v, key);
    }
    for (const v of [r.min - 1, r.max + 1, r.min + 0.5, "3", true, Infinity, NaN]) {
      assert.throws(() => at(v), range, `${key}=${String(v)}`);
    }
  }
});

Deno.test("int keys: --set values are checked as they are parsed, naming the key and range", () => {
  assert.throws(
    () => parseSet(["seed=4294967296"]),
    /^Error: Invalid config key "seed": must be an integer in \[0, 2147483647\], got 4294967296$/,
  );
  assert.throws(() => parseSet(["steps=1e300"]), /"steps": must be null or an integer in \[1, /);
  assert.throws(() => parseSet(["batchSize=2.5"]), /"batchSize": must be an integer in \[1, /);
  assert.throws(() => parseSet(["context=abc"]), /"context": must be an integer .*got "abc"/);
  assert.throws(() => parseSet(["feedback.seed=-1"]), /"feedback\.seed": must be an integer/);
  assert.throws(() => parseSet(["vocabSize=70000"]), /"vocabSize": .*\[257, 65536\]/);
  assert.throws(() => parseSet(["epochs=1e999"]), /"epochs": .* got Infinity/);
  // In range, and null where null means something.
  assert.deepEqual(parseSet(["seed=2147483647", "steps=null", "embed=null"]).map((o) => o.value), [
    2147483647,
    null,
    null,
  ]);
  // Integer keys the seed offsets are added to stay distinct in 32 bits.
  assert.ok(INT_KEYS.seed.max + 1_000_003 < 2 ** 32);
});
