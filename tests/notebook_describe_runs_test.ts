/**
 * Tests of lib/notebook/describe_runs.ts's data lines (for `claimThenData`): runs compared by a
 * value with stated tolerances, the claimed order, the plain loop's tail means, the last
 * evaluation interval, the committed quick-scale search and a committed group.
 */
import assert from "node:assert/strict";
import type { SearchVerdict } from "../lib/analysis/quick_search.ts";
import type { ReproRun } from "../lib/analysis/reproduction.ts";
import { runStats } from "../lib/analysis/run_stats.ts";
import {
  compareLines,
  describeRunLines,
  describeRuns,
  groupLines,
  lastIntervalLine,
  searchLines,
  tailLosses,
  tailMean,
} from "../lib/notebook/describe_runs.ts";
import { runLike } from "./_util.ts";

const run = runLike;

const three = [
  runStats(run("bptt", [1.0], 4)),
  runStats(run("ft-bptt", [2.0], 1)),
  runStats(run("dsf", [1.25], 2)),
];

Deno.test("describeRunLines: lines without a list marker, tolerances stated", () => {
  const lines = describeRunLines(three, { chance: 2.0, chanceLabel: "ln K" });
  assert.ok(lines.every((l) => !l.startsWith("- ") && /\.$/.test(l)));
  assert.match(lines[0], /^Ordering by lowest validation loss \(nats; "≈" = within 0\.01\)/);
  // The share is of perplexity: (e² − e^1.25) / (e² − e¹) = 83%, not 75% of the nats.
  assert.ok(
    lines.some((l) => l.includes("(perplexity 7.39 → 2.72): dsf **83%**")),
    lines.join("\n"),
  );
  const chance = lines.find((l) => l.startsWith("Against ln K"))!;
  assert.equal(
    chance,
    'Against ln K (2.000 nats; "at" = within 0.01): bptt 1.000 below; ft-bptt at ln K; ' +
      "dsf 0.750 below.",
  );
  // describeRuns is the same lines as one Markdown list.
  assert.equal(describeRuns(three), describeRunLines(three).map((l) => `- ${l}`).join("\n"));
});

Deno.test("compareLines: the claimed order, neighbour by neighbour, with counts", () => {
  const lines = compareLines(three.map((s) => ({ label: s.label, value: s.minValidLoss })), {
    claimed: ["bptt", "dsf", "ft-bptt"],
  });
  assert.ok(lines.includes(
    "Along the claimed order bptt < dsf < ft-bptt: dsf − bptt = +0.250, ft-bptt − dsf = " +
      "+0.750 nats; 2 of 2 in the claimed direction by at least 0.01, 0 within ±0.01, 0 reversed.",
  ));
  const reversed = compareLines([
    { label: "bptt", value: 2 },
    { label: "dsf", value: 1.005 },
    { label: "ft-bptt", value: 1 },
  ], { claimed: ["bptt", "dsf", "ft-bptt"] });
  assert.ok(reversed.some((l) =>
    l.endsWith(
      "0 of 2 in the claimed direction by at least " +
        "0.01, 1 within ±0.01, 1 reversed.",
    )
  ));
  // A claimed label that is not among the runs is skipped; no time line without times.
  const two = compareLines([{ label: "a", value: 1 }, { label: "b", value: 1.004 }], {
    claimed: ["a", "x", "b"],
    unit: "ppl",
    digits: 2,
  });
  assert.ok(two.some((l) => l.startsWith("Along the claimed order a < b: b − a = 0.00 ppl")));
  assert.ok(two.includes("All runs within 0.00 ppl of each other: a tie at tolerance 0.01."));
  assert.ok(!two.some((l) => l.startsWith("Time")));
  // refs: null drops the gap line.
  const noRefs = compareLines(three.map((s) => ({ label: s.label, value: s.minValidLoss })), {
    refs: null,
  });
  assert.ok(!noRefs.some((l) => l.includes("gap")));
});

Deno.test("tailMean / tailLosses: the mean of the last updates per series", () => {
  assert.equal(tailMean([5, 1, 2, 3], 2), 2.5);
  assert.equal(tailMean([4, 2], 10), 3);
  assert.ok(Number.isNaN(tailMean([], 3)));
  const rows = [
    ...[3, 2, 1].map((loss) => ({ series: "bptt", loss })),
    ...[3, 3, 2.5].map((loss) => ({ series: "dsf", loss })),
  ];
  assert.deepEqual(tailLosses(rows, 2), [
    { label: "bptt", value: 1.5 },
    { label: "dsf", value: 2.75 },
  ]);
});

Deno.test("lastIntervalLine: the change over the last evaluation interval", () => {
  const line = lastIntervalLine([run("bptt", [2, 1.5, 1.25]), run("dsf", [2])]);
  assert.equal(
    line,
    "Change of the validation loss over the last evaluation interval (nats; negative: still " +
      "falling): bptt −0.250 (updates 20 → 30); dsf n/a (fewer than 2 evaluations). Trained on " +
      "1,000 targets per run.",
  );
});

const verdict = (setting: string, orderings: string[], apart: boolean, separation: number) =>
  ({ setting, seeds: [0, 1], stats: {}, orderings, apart, separation }) as SearchVerdict;

Deno.test("searchLines: settings apart, the best, and pairwise orders in every seed", () => {
  const lines = searchLines([
    verdict("A", ["bptt < ft-bptt < dsf", "ft-bptt < bptt < dsf"], false, 0.1),
    verdict("B", ["bptt < dsf < ft-bptt", "bptt < dsf < ft-bptt"], true, 2.5),
    verdict("E", ["dsf < ft-bptt < bptt", "dsf < ft-bptt < bptt"], true, 3.4),
  ]);
  assert.deepEqual(lines, [
    "2 of 3 settings apart (the same ordering in every seed, each neighbouring gap > 2 sd): " +
    "B, E; seeds 0, 1.",
    "Best separated: E, dsf < ft-bptt < bptt, smallest neighbouring gap 3.40 sd.",
    "In every seed: BPTT < FT-BPTT in 1 of 3 (B); DSF < FT-BPTT in 2 of 3 (B, E); the paper's " +
    "BPTT < DSF < FT-BPTT in 1 of 3 (B).",
  ]);
  assert.deepEqual(searchLines([]), ["No committed search rows."]);
});

const repro = (method: string, seed: number, minValPpl: number, curve: number[]): ReproRun => ({
  method,
  point: "cfg",
  seed,
  minValPpl,
  testPpl: null,
  seconds: 10,
  steps: 100,
  tokens: 1000,
  extraSeconds: 0,
  rows: curve.map((ppl, i) => ({
    step: 50 * (i + 1),
    split: "valid",
    loss: Math.log(ppl),
    ppl,
    seconds: i,
    tokens: 500 * (i + 1),
  })),
});

Deno.test("groupLines: seeds, seed-mean order, claimed order per seed, gap per seed", () => {
  const runs = [
    repro("bptt", 0, 4.0, [5, 4]),
    repro("bptt", 1, 4.2, [5, 4.2]),
    repro("ft-bptt", 0, 4.6, [4.8, 4.6]),
    repro("ft-bptt", 1, 4.6, [4.8, 4.6]),
    repro("dsf", 0, 4.8, [4.9, 4.8]),
    repro("dsf", 1, 4.4, [4.9, 4.4]),
    repro("dsf-fitted", 0, 4.3, [4.9, 4.3]),
  ];
  const lines = groupLines(runs, { claimed: ["bptt", "dsf", "ft-bptt"] });
  assert.equal(lines[0], "Seeds: 0, 1 for bptt, ft-bptt, dsf; 0 for dsf-fitted.");
  assert.match(lines[1], /perplexity; "≈" = within 0\.01\): bptt 4\.10 < dsf-fitted 4\.30 </);
  assert.ok(lines.includes(
    "The claimed order bptt < dsf < ft-bptt in 1 of 2 seeds (seed 0: bptt < ft-bptt < dsf; " +
      "seed 1: bptt < dsf < ft-bptt).",
  ));
  // (4.6 − 4.8)/(4.6 − 4.0) = −33%, (4.6 − 4.4)/(4.6 − 4.2) = 50%, (4.6 − 4.3)/0.6 = 50%.
  assert.ok(lines.includes(
    "Share of the ft-bptt→bptt gap closed, per seed (as in the table): dsf −33%, 50%; " +
      "dsf-fitted 50%.",
  ));
  assert.ok(
    lines.some((l) =>
      l.startsWith("- bptt vs dsf: bptt overtakes dsf between updates 50 and 100.")
    ),
  );
  assert.ok(lines.some((l) => l.startsWith("- ft-bptt vs dsf: no crossing.")));
  assert.ok(!lines.some((l) => l.startsWith("Share of the ft-bptt→bptt gap closed (")));
  assert.deepEqual(groupLines([]), ["No committed runs."]);
});
