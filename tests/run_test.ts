import assert from "node:assert/strict";
import { resolveConfig } from "../lib/config/resolve.ts";
import type { Config } from "../lib/config/schema.ts";
import { loadRunData } from "../lib/io/datasets.ts";
import { DataCache, prepareRun, trainRun } from "../lib/run.ts";
import { useBackend } from "./_util.ts";

/** A tiny synthetic-task config: 9 steps, evaluation every 3. */
function tiny(set: string[] = []): Config {
  return resolveConfig("synthetic-recall", {
    scale: "smoke",
    set: [
      "mode=dsf",
      "hidden=8",
      "context=8",
      "lag=2",
      "batchSize=4",
      "steps=9",
      "evalEvery=3",
      "evalBatches=1",
      "lr=0.01",
      "backend=cpu",
      ...set,
    ],
  });
}

async function losses(config: Config, cache: DataCache): Promise<number[]> {
  const run = await prepareRun(config, { data: cache, quiet: true });
  const out: number[] = [];
  try {
    await trainRun(run, { skipTest: true, callbacks: { onStep: (s) => void out.push(s.loss) } });
  } finally {
    run.model.dispose();
  }
  return out;
}

Deno.test("run: DataCache loads each distinct data once and keys on every data key", async () => {
  let loads = 0;
  const cache = new DataCache((c, o) => (loads++, loadRunData(c, o)));
  const a = await cache.get(tiny(["mode=bptt"]));
  const b = await cache.get(tiny(["mode=ft-bptt", "lr=0.1", "hidden=16"]));
  assert.equal(a, b, "mode, lr and width do not change the data");
  assert.equal(loads, 1);
  const c = await cache.get(tiny(["lag=3"]));
  assert.notEqual(c, a);
  assert.equal(loads, 2);
});

Deno.test("run: a failed load is not cached", async () => {
  let calls = 0;
  const cache = new DataCache(() => (calls++, Promise.reject(new Error("no data"))));
  await assert.rejects(() => cache.get(tiny()), /no data/);
  await assert.rejects(() => cache.get(tiny()), /no data/);
  assert.equal(calls, 2);
});

Deno.test("run: trainRun installs the fitted feedback's refit (it trains apart from fixed λ)", async () => {
  await useBackend("cpu");
  const cache = new DataCache();
  const fixed = await losses(tiny(), cache);
  const fitted = await losses(tiny(["feedback.kind=fitted", "feedback.every=3"]), cache);
  assert.equal(fixed.length, 9);
  assert.equal(fitted[0], fixed[0], "step 1 is the same: λ is refitted after it");
  assert.notDeepEqual(fitted, fixed, "without the plug-in, fitted would train as fixed λ");
  assert.deepEqual(await losses(tiny(), cache), fixed, "deterministic per seed");
});
