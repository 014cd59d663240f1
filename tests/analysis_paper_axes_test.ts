/**
 * Our §5 groups beside the paper's tables and figures (lib/analysis/paper_axes.ts): the paper's
 * closures computed from its printed numbers, ours per point, the ordering count and the trend.
 */
import assert from "node:assert/strict";
import { axisSummary } from "../lib/analysis/axis_summary.ts";
import { PAPER_AXES, paperBesideLines, paperVerdict } from "../lib/analysis/paper_axes.ts";
import { PAPER_TABLE2 } from "../lib/analysis/paper_tables.ts";
import { METHOD_ORDER, type ReproRun } from "../lib/analysis/reproduction.ts";

function run(layers: number, method: string, ppl: number): ReproRun {
  return {
    method,
    point: `L${layers}`,
    settings: { name: `L${layers}`, mode: method, seed: 0, layers },
    seed: 0,
    minValPpl: ppl,
    testPpl: null,
    seconds: 1,
    steps: 10,
    tokens: 100,
    extraSeconds: 0,
    rows: [{ step: 10, split: "valid", loss: Math.log(ppl), ppl, seconds: 1, tokens: 100 }],
  };
}

Deno.test("paperVerdict: Table 2's closures from its numbers, ours per point, ordering, trend", () => {
  const runs = [
    run(1, "bptt", 40),
    run(1, "ft-bptt", 50),
    run(1, "dsf", 42), // 80%
    run(3, "bptt", 30),
    run(3, "ft-bptt", 40),
    run(3, "dsf", 45), // −50%: FT-BPTT < DSF
  ];
  const v = paperVerdict(axisSummary(runs, METHOD_ORDER, {}, "layers"), PAPER_AXES["wt-depth"]);
  // Table 2, 1 layer: (56.61 − 37.42) / (56.61 − 35.59) = 91.3%; 12 layers: 59.3%.
  const s1 = PAPER_TABLE2.settings[0].ppl;
  assert.equal(((s1["ft-bptt"] - s1.dsf) / (s1["ft-bptt"] - s1.bptt)).toFixed(3), "0.913");
  assert.match(v.paperClosure, /^1: 91%, 3: 82%, 6: 74%, 12: 59%$/);
  assert.equal(v.oursClosure, "1: 80%, 3: -50%");
  assert.equal(v.orderingHolds, "1 of 2");
  assert.equal(v.trend, "paper falls, ours falls");
  const lines = paperBesideLines(
    axisSummary(runs, METHOD_ORDER, {}, "layers"),
    PAPER_AXES["wt-depth"],
    "wikitext-2, 0.1M tokens a run",
  ).join("\n");
  assert.match(lines, /Table 2 \(depth;.*ours is smaller: wikitext-2, 0\.1M tokens a run\./);
  assert.match(lines, /\| 12 \| 23\.73 \| 36\.59 \| 28\.99 \| 59% \|/);
  assert.match(lines, /holds at 1 of 2 points; along the axis, DSF's closure: paper falls/);
});

Deno.test("paperVerdict: a figure has no numbers; its claim is quoted; an unlike trend is said", () => {
  const runs = [
    run(1, "bptt", 40),
    run(1, "ft-bptt", 50),
    run(1, "dsf", 48), // 20%
    run(3, "bptt", 30),
    run(3, "ft-bptt", 40),
    run(3, "dsf", 32), // 80%
  ];
  const axis = axisSummary(runs, METHOD_ORDER, {}, "layers");
  const fig = { ...PAPER_AXES["wt-model-size"], key: "layers" };
  const v = paperVerdict(axis, fig);
  assert.equal(v.paperClosure, "–");
  assert.equal(v.trend, "ours rises (the paper's figure: no numbers)");
  assert.equal(v.orderingHolds, "2 of 2");
  assert.match(
    paperBesideLines(axis, fig, "x").join("\n"),
    /no numbers printed\): perplexity falls/,
  );
  const t = paperVerdict(axis, PAPER_AXES["wt-depth"]);
  assert.equal(t.trend, "paper falls, ours rises (differs)");
});
