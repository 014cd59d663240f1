import assert from "node:assert/strict";
import {
  QUICK_SEARCH_SETTINGS,
  searchReport,
  type SearchRow,
  searchVerdicts,
} from "../lib/analysis/quick_search.ts";
import { resolveConfig } from "../lib/config/resolve.ts";

const row = (
  setting: string,
  mode: SearchRow["mode"],
  seed: number,
  valPpl: number,
): SearchRow => ({
  setting,
  mode,
  seed,
  steps: 10,
  valPpl,
  minValPpl: valPpl,
  seconds: 60,
  backend: "backend: wasm",
  command: "deno run -A bench/quick_search.ts",
});

Deno.test("quick search: every setting resolves to a valid config", () => {
  for (const s of QUICK_SEARCH_SETTINGS) {
    const c = resolveConfig(s.preset, { scale: "quick", patch: { ...s.patch, mode: "dsf" } });
    assert.equal(c.evalBatches, 20, s.id);
    assert.ok(c.steps !== null && c.steps > 0, s.id);
    // The label the tables print is the config that runs.
    const [, level, D, T, B, lr, steps] = s.label.match(
      /^(char|word), D (\d+), T (\d+), B (\d+), lr ([\d.e-]+), (\d+) updates$/,
    )!;
    assert.equal(c.dataset, level === "char" ? "ptb-char" : "ptb", s.id);
    assert.deepEqual(
      [c.hidden, c.context, c.batchSize, c.lr, c.steps],
      [Number(D), Number(T), Number(B), Number(lr), Number(steps)],
      s.id,
    );
  }
});

Deno.test("quick search: apart needs the same ordering in both seeds and gaps over 2 sd", () => {
  const rows = [
    // A: BPTT < FT-BPTT < DSF in both seeds, gaps of 1.0 against sd ≈ 0.14: apart.
    row("A", "bptt", 0, 5.0),
    row("A", "ft-bptt", 0, 6.0),
    row("A", "dsf", 0, 7.0),
    row("A", "bptt", 1, 5.2),
    row("A", "ft-bptt", 1, 6.2),
    row("A", "dsf", 1, 7.2),
    // B: the orderings differ between seeds: not apart.
    row("B", "bptt", 0, 5.0),
    row("B", "ft-bptt", 0, 5.5),
    row("B", "dsf", 0, 6.0),
    row("B", "bptt", 1, 5.6),
    row("B", "ft-bptt", 1, 5.5),
    row("B", "dsf", 1, 6.0),
    // C: one ordering, but FT-BPTT vs DSF 0.1 apart with sd 0.28: not apart.
    row("C", "bptt", 0, 5.0),
    row("C", "ft-bptt", 0, 6.0),
    row("C", "dsf", 0, 6.3),
    row("C", "bptt", 1, 5.0),
    row("C", "ft-bptt", 1, 6.4),
    row("C", "dsf", 1, 6.5),
    // D: one seed only: no verdict of apart.
    row("D", "bptt", 0, 5.0),
    row("D", "ft-bptt", 0, 6.0),
    row("D", "dsf", 0, 7.0),
  ];
  const v = Object.fromEntries(searchVerdicts(rows).map((x) => [x.setting, x]));
  assert.equal(v.A.apart, true);
  assert.deepEqual(v.A.orderings, ["bptt < ft-bptt < dsf", "bptt < ft-bptt < dsf"]);
  assert.ok(Math.abs(v.A.separation - 1 / Math.sqrt(0.02)) < 1e-9);
  assert.equal(v.B.apart, false);
  assert.equal(v.C.apart, false);
  assert.equal(v.D.apart, false);
  assert.equal("E" in v, false);
  const md = searchReport(rows);
  assert.match(md, /\| A: char, D 256.* \| yes \|/);
  assert.match(md, /Not run yet: E \(word/);
  assert.match(md, /Best separated: setting A/);
});

Deno.test("quick search: a diverged run (null from JSON) or a tie is never apart", () => {
  const diverged = [
    row("A", "bptt", 0, 5.0),
    row("A", "ft-bptt", 0, 6.0),
    row("A", "dsf", 0, NaN),
    row("A", "bptt", 1, 5.0),
    row("A", "ft-bptt", 1, 6.0),
    row("A", "dsf", 1, 7.0),
  ].map((r) => JSON.parse(JSON.stringify(r)) as SearchRow); // NaN → null, as results.jsonl holds it
  assert.equal(searchVerdicts(diverged)[0].apart, false);
  const tie = [
    row("B", "bptt", 0, 5.0),
    row("B", "ft-bptt", 0, 5.0),
    row("B", "dsf", 0, 7.0),
    row("B", "bptt", 1, 5.0),
    row("B", "ft-bptt", 1, 5.0),
    row("B", "dsf", 1, 7.0),
  ];
  const v = searchVerdicts(tie)[0];
  assert.equal(v.apart, false);
  assert.equal(v.separation, 0);
});
