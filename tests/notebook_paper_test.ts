import assert from "node:assert/strict";
import { gapClosure } from "../lib/analysis/compare.ts";
import {
  summarizeSweep,
  sweepCommands,
  sweepCurveRows,
  type SweepRun,
  trainModeSweep,
} from "../lib/analysis/mode_sweep.ts";
import {
  baselineOrder,
  baselineRows,
  comparisonRows,
  gapTrend,
  paperTableRows,
  percent,
} from "../lib/analysis/paper_comparison.ts";
import { PAPER_TABLE2, PAPER_TABLE3, PAPER_TABLE4 } from "../lib/analysis/paper_tables.ts";
import type { MetricRow } from "../lib/train/trainer.ts";

Deno.test("paper tables: the numbers of NOTES.md and the gap closed it quotes", () => {
  assert.deepEqual(PAPER_TABLE2.settings.map((s) => s.setting), [1, 3, 6, 12]);
  assert.deepEqual(PAPER_TABLE2.settings.map((s) => s.ppl.dsf), [37.42, 31.54, 29.62, 28.99]);
  assert.deepEqual(PAPER_TABLE3.settings.map((s) => s.ppl.bptt), [28.32, 27.14, 26.75, 26.52]);
  assert.deepEqual(PAPER_TABLE3.settings.map((s) => s.ppl["ft-bptt"]), [
    46.6,
    45.95,
    46.75,
    46.52,
  ]);
  assert.deepEqual(PAPER_TABLE4.map((b) => b.ppl), [24.58, 33.19, 28.32, 31.54]);
  // NOTES: 91% (1 layer), 82% (3), 74% (6), 59% (12).
  assert.deepEqual(PAPER_TABLE2.settings.map((s) => percent(gapClosure(s.ppl))), [
    "91%",
    "82%",
    "74%",
    "59%",
  ]);
  // The 3-layer, T = 256 column is the same run in Tables 2, 3 and 4.
  assert.deepEqual(PAPER_TABLE2.settings[1].ppl, PAPER_TABLE3.settings[0].ppl);
  assert.equal(gapClosure({ bptt: 10, "ft-bptt": 20, dsf: 12 }), 0.8);
  assert.ok(Number.isNaN(gapClosure({ bptt: 10, "ft-bptt": 9, dsf: 12 })));
  assert.equal(percent(NaN), "n/a");
  const rows = paperTableRows(PAPER_TABLE2);
  assert.equal(rows[0].layers, 1);
  assert.equal(rows[0].params, "20.3M");
  assert.equal(rows[3]["DSF − BPTT"], 5.26);
});

Deno.test("gapTrend: the paper's DSF − BPTT gap grows with depth", () => {
  const t = gapTrend(PAPER_TABLE2);
  assert.deepEqual(t.gaps, [1.83, 3.22, 4.18, 5.26]);
  assert.equal(t.increasing, true);
  assert.ok(Math.abs(t.ratio - 5.26 / 1.83) < 1e-12);
  assert.equal(gapTrend(PAPER_TABLE3).increasing, false);
});

function fakeRun(mode: string, valid: number[], seconds = 1, tokens = 100): SweepRun["run"] {
  const rows: MetricRow[] = valid.flatMap((ppl, i) => [
    { step: i + 1, split: "train", loss: Math.log(ppl + 1), ppl: ppl + 1, seconds: 0, tokens: 0 },
    { step: i + 1, split: "valid", loss: Math.log(ppl), ppl, seconds: 0, tokens: 0 },
  ]);
  rows.push({ step: 1, split: "test", loss: 0, ppl: 1, seconds: 0, tokens: 0 });
  return {
    label: mode,
    rows,
    summary: { minValPpl: Math.min(...valid), seconds, tokens },
    config: { mode: mode as "bptt" },
  };
}

Deno.test("sweeps: plan, run order, curves, summary and comparison", async () => {
  const all = [1, 3, 6, 12].map((L) => ({ setting: L, config: `wt-gru-${L}L512` }));
  const reduced = all.slice(0, 2);

  const ppl: Record<string, Record<string, number>> = {
    1: { bptt: 100, "ft-bptt": 150, dsf: 110 },
    3: { bptt: 100, "ft-bptt": 101, dsf: 100.5 },
  };
  const calls: string[] = [];
  const runs = await trainModeSweep(reduced, ["bptt", "ft-bptt", "dsf"], (config, mode) => {
    calls.push(`${config}/${mode}`);
    const L = config === "wt-gru-1L512" ? 1 : 3;
    return Promise.resolve(fakeRun(mode, [200, ppl[L][mode]], mode === "bptt" ? 2 : 1));
  });
  assert.deepEqual(calls, [
    "wt-gru-1L512/bptt",
    "wt-gru-1L512/ft-bptt",
    "wt-gru-1L512/dsf",
    "wt-gru-3L512/bptt",
    "wt-gru-3L512/ft-bptt",
    "wt-gru-3L512/dsf",
  ]);
  const curves = sweepCurveRows(runs);
  assert.equal(curves.length, 6 * 4); // test rows left out
  assert.deepEqual(curves[1], { step: 1, ppl: 200, split: "valid", mode: "BPTT", setting: "1" });

  const ours = summarizeSweep(runs);
  assert.deepEqual(ours.map((o) => o.setting), [1, 3]);
  assert.deepEqual(ours[0].ppl, ppl[1]);
  assert.equal(ours[0].tokensPerSec.bptt, 50);
  assert.equal(ours[0].tokensPerSec.dsf, 100);

  const rows = comparisonRows(ours, { paper: PAPER_TABLE2 });
  assert.equal(rows[0]["ours gap closed"], "80%");
  assert.equal(rows[0]["paper DSF"], 37.42);
  assert.equal(rows[1]["paper gap closed"], "82%");
  assert.equal(rows[1]["ours BPTT"], 100);
  assert.equal(rows[1]["ours gap closed"], "n/a (not apart)"); // FT only 1% above BPTT

  assert.equal(
    comparisonRows([{
      setting: 1,
      ppl: { bptt: 100, "ft-bptt": 80, dsf: 120 },
      tokensPerSec: {},
    }])[0]["ours gap closed"],
    "n/a (FT-BPTT better)",
  );
});

Deno.test("baselines: Table 4 next to ours, orders compared", () => {
  const runs: SweepRun[] = [
    ["wt-gpt-3L512", "Transformer", 20],
    ["wt-ema-3L512", "bptt", 32],
    ["wt-gru-3L512", "bptt", 30],
    ["wt-gru-3L512", "ft-bptt", 50],
    ["wt-gru-3L512", "dsf", 35],
  ].map(([configName, mode, p]) => ({
    setting: String(configName),
    configName: String(configName),
    mode: String(mode),
    run: fakeRun(String(mode), [Number(p)]),
  }));
  const rows = baselineRows(runs);
  assert.deepEqual(rows.map((r) => r.model), [
    "Transformer (GPT-2 style)",
    "SSM (MEGA EMA)",
    "GRU + BPTT",
    "GRU + DSF",
    "GRU + FT-BPTT (Table 2)",
  ]);
  assert.deepEqual(rows.map((r) => r["paper ppl"]), [24.58, 33.19, 28.32, 31.54, 46.6]);
  const order = baselineOrder(rows);
  assert.equal(order.same, false); // ours: EMA (32) before GRU + DSF (35); the paper: after
  assert.match(order.paper, /^Transformer \(GPT-2 style\) < GRU \+ BPTT < GRU \+ DSF < SSM/);
  assert.equal(baselineRows(runs.slice(0, 1)).length, 1);
});

Deno.test("sweepCommands: one train command per config and mode, into the group", () => {
  const cmds = sweepCommands(["ptb-gru-1L256"], ["bptt", "dsf"], "small", "ptb-depth-width");
  assert.deepEqual(cmds, [
    "deno task train --config ptb-gru-1L256 --scale small --set mode=bptt --results ptb-depth-width",
    "deno task train --config ptb-gru-1L256 --scale small --set mode=dsf --results ptb-depth-width",
  ]);
});
