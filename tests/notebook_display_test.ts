import assert from "node:assert/strict";
import {
  DISPLAY_SYMBOL,
  displayHandle,
  formatValue,
  inJupyter,
  type JupyterDisplay,
  markdown,
  progress,
  show,
  table,
  toBundle,
} from "../lib/notebook/display.ts";

/** A stand-in for Deno.jupyter that records display calls. */
function fakeJupyter() {
  const calls: { bundle: Record<string, string>; options: Record<string, unknown> }[] = [];
  const api: JupyterDisplay = {
    display(obj, options) {
      calls.push({ bundle: obj as Record<string, string>, options: { ...options } });
      return Promise.resolve();
    },
  };
  return { api, calls };
}

/** Runs `fn` with console.log captured. */
async function captureLog(fn: () => Promise<void> | void): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.log = original;
  }
  return lines;
}

Deno.test("inJupyter is false outside the kernel (Deno.jupyter's getter throws there)", () => {
  assert.equal(inJupyter(), false);
});

Deno.test("markdown and table return displayable bundles", async () => {
  const md = await toBundle(markdown("# Title"));
  assert.equal(md["text/markdown"], "# Title");
  const t = table([{ mode: "dsf", ppl: 123.4567, steps: 1000 }, { mode: "<b>", ppl: 0.5 }], {
    caption: "results",
  });
  assert.equal(
    typeof (t as unknown as Record<symbol, unknown>)[Symbol.for("Jupyter.display")],
    "function",
  );
  const b = await toBundle(t);
  assert.match(b["text/html"], /<caption>results<\/caption>/);
  assert.match(b["text/html"], /<th style="text-align:right">ppl<\/th>/);
  assert.match(b["text/html"], /<td style="text-align:right">123.5<\/td>/);
  assert.match(b["text/html"], /&lt;b&gt;/);
  assert.equal((b["text/html"].match(/<tr>/g) ?? []).length, 3);
  assert.deepEqual(b["text/plain"].split("\n"), [
    "results",
    "mode    ppl  steps",
    "----  -----  -----",
    "dsf   123.5   1000",
    "<b>     0.5",
  ]);
});

Deno.test("formatValue: integers exact, others to significant digits", () => {
  assert.equal(formatValue(1000), "1000");
  assert.equal(formatValue(3.14159, 3), "3.14");
  assert.equal(formatValue(1.5e-5, 2), "1.5e-5");
  assert.equal(formatValue(Number.NaN), "NaN");
  assert.equal(formatValue(undefined), "");
});

Deno.test("displayHandle: display_data first, then update_display_data with the same id", async () => {
  const { api, calls } = fakeJupyter();
  const h = displayHandle({ jupyter: api, id: "run-1" });
  await h.update(markdown("a"));
  await h.update("b");
  await h.update(markdown("c"));
  assert.deepEqual(calls.map((c) => c.options), [
    { raw: true, update: false, display_id: "run-1" },
    { raw: true, update: true, display_id: "run-1" },
    { raw: true, update: true, display_id: "run-1" },
  ]);
  assert.deepEqual(calls.map((c) => c.bundle["text/plain"]), ["a", "b", "c"]);
  assert.equal(calls[2].bundle["text/markdown"], "c");
});

Deno.test("show: sends the object's bundle once, raw", async () => {
  const { api, calls } = fakeJupyter();
  await show({ [DISPLAY_SYMBOL]: () => ({ "image/svg+xml": "<svg/>" }) }, { jupyter: api });
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].options, { raw: true });
  assert.equal(calls[0].bundle["image/svg+xml"], "<svg/>");
});

Deno.test("progress in a notebook: throttled in-place updates, final state on done", async () => {
  const { api, calls } = fakeJupyter();
  let now = 0;
  const p = progress({
    total: 100,
    label: "dsf",
    minIntervalMs: 250,
    jupyter: api,
    now: () => now,
  });
  for (let step = 1; step <= 100; step++) {
    now = step * 50; // 50 ms per step: at most one update per 5 steps
    p.update({ step, loss: 5 / step, tokensPerSec: 2000, ppl: 42.123456 });
  }
  await p.done();
  const ids = new Set(calls.map((c) => c.options.display_id));
  assert.equal(ids.size, 1);
  assert.equal(calls[0].options.update, false);
  assert.ok(calls.slice(1).every((c) => c.options.update === true));
  assert.ok(calls.length >= 15 && calls.length <= 22, `${calls.length} updates`);
  const first = calls[0].bundle["text/plain"];
  assert.match(
    first,
    /^dsf: step 1\/100 \(1\.0%\) \| loss 5 \| 2,000 tok\/s \| ppl 42\.12 \| 0:00 elapsed/,
  );
  const mid = calls[10].bundle["text/plain"];
  assert.match(mid, /ETA \d+:\d\d/);
  const last = calls.at(-1)!.bundle;
  assert.match(last["text/plain"], /^dsf: done step 100\/100 \(100\.0%\)/);
  assert.doesNotMatch(last["text/plain"], /ETA/);
  assert.match(last["text/html"], /<progress value="100" max="100"/);
});

Deno.test("progress outside Jupyter: console lines every logIntervalMs, plus the final one", async () => {
  let now = 0;
  const lines = await captureLog(async () => {
    const p = progress({
      total: 10,
      label: "cli",
      logIntervalMs: 1000,
      jupyter: null,
      now: () => now,
    });
    for (let step = 1; step <= 10; step++) {
      now = step * 300;
      p.update({ step, loss: 1 });
    }
    await p.done();
  });
  // sent at steps 1 (300 ms), 5 (1500 ms), 9 (2700 ms), then done
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.match(lines[0], /^cli: step 1\/10/);
  assert.match(lines[3], /^cli: done step 10\/10/);
});

Deno.test("table: a dash for a missing number, and the reason under the table", () => {
  const rows = [{ T: 16, slope: Number.NaN }, { T: 32, slope: 1.02 }];
  const t = table(rows, { missing: { slope: "fewer than two lengths measured" } });
  const bundle = (t as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.doesNotMatch(bundle["text/plain"], /NaN/);
  assert.match(bundle["text/plain"], /– in slope: fewer than two lengths measured/);
  assert.match(bundle["text/html"], /<tfoot>.*– in slope: fewer than two lengths measured/);
  const clean =
    (table([{ T: 1, slope: 2 }]) as unknown as Record<symbol, () => Record<string, string>>)[
      Symbol.for("Jupyter.display")
    ]();
  assert.doesNotMatch(clean["text/html"], /tfoot/);
});
