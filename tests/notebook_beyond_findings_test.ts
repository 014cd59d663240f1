/**
 * Tests of lib/notebook/beyond_findings.ts: the statements under notebook 06's figures and
 * tables (claim, then signed numbers; no verdict words of the old template), computed from known
 * runs, and their checks on wrong input.
 */
import assert from "node:assert/strict";
import type { AlignmentRow } from "../lib/analysis/alignment.ts";
import { toBundle } from "../lib/notebook/display.ts";
import {
  committedAlignmentLines,
  feedbackCostFinding,
  feedbackGapFinding,
  type FeedbackRuns,
  fittedLambdaFinding,
  gapFinding,
  runAlignmentFinding,
  sameWeightsFinding,
} from "../lib/notebook/beyond_findings.ts";

const text = async (d: unknown) => (await toBundle(d))["text/markdown"] as string;
const run = (label: string, minValPpl: number, seconds: number, cosine?: number) => ({
  label,
  summary: { minValPpl, steps: 100, seconds },
  cosine,
});
// Gap FT − BPTT = 10: fixed λ closes 60%, fitted 70%, diagonal 50%.
const runs: FeedbackRuns = {
  bptt: run("BPTT", 2, 5, 1),
  ft: run("FT-BPTT", 12, 2, 0.7),
  fixed: run("DSF (linspace λ)", 6, 2, 0.5),
  adapted: [
    { ...run("DSF (fitted λ)", 5, 2.2, 0.65), overheadSeconds: 0.1 },
    run("DSF (Jacobian diagonal)", 7, 2.5, 0.8),
  ],
};
const shape =
  /^\*\*Claim\*\* \((the paper's|computed from the paper's|ours)[^)]*\): [^\n]+\.\n\n\*\*Data\*\* \([^\n]+\):\n\n(- [^\n]+\.(\n|$))+$/;
const oldWords = /\b(better|worse|apart|went|did not go|well|clearly|hint)\b/;

const row = (step: number, group: string, mode: "dsf" | "ft-bptt", cosine: number) => ({
  step,
  group,
  mode,
  cosine,
});
const alignment: AlignmentRow[] = [
  row(1, "recurrent", "dsf", 0.6),
  row(1, "recurrent", "ft-bptt", 0.9),
  row(1, "layer0", "dsf", 0.5),
  row(1, "layer0", "ft-bptt", 0.8),
  row(25, "recurrent", "dsf", 0.5),
  row(25, "recurrent", "ft-bptt", 0.3),
  row(25, "layer0", "dsf", 0.7),
  row(25, "layer0", "ft-bptt", 0.2),
];

Deno.test("feedback findings: each is a claim, whose, then data lines; no template words", async () => {
  const all = [
    sameWeightsFinding(alignment),
    gapFinding(runs),
    feedbackGapFinding(runs),
    runAlignmentFinding(runs),
    fittedLambdaFinding([{ step: 1, layers: [{ mean: 0.5, min: 0.1, max: 0.9, change: 0.4 }] }]),
    feedbackCostFinding(runs, { label: "DSF (fitted λ)", count: 4, seconds: 0.1, every: 25 }),
  ];
  for (const d of all) {
    const t = await text(d);
    assert.match(t, shape, t);
    assert.doesNotMatch(t, oldWords, t);
  }
});

Deno.test("sameWeightsFinding: means, first and last, per layer, all signed", async () => {
  const t = await text(sameWeightsFinding(alignment));
  assert.match(t, /^\*\*Claim\*\* \(the paper's premise, §3; it reports perplexities, not/);
  assert.match(t, /- mean over 2 measurements: DSF 0\.55, FT-BPTT 0\.60 \(−0\.05\)\./);
  assert.match(t, /- DSF's cosine is the higher in 1 of 2 measurements\./);
  assert.match(t, /after step 1: DSF 0\.60, FT-BPTT 0\.90 \(−0\.30\); after step 25: DSF 0\.50, /);
  assert.match(t, /FT-BPTT 0\.30 \(\+0\.20\)\./);
  assert.match(t, /- mean per layer: layer0 DSF 0\.60, FT-BPTT 0\.50 \(\+0\.10\)\./);
  assert.throws(
    () => sameWeightsFinding(alignment.filter((r) => r.mode === "dsf")),
    /needs dsf and ft-bptt rows/,
  );
});

Deno.test("gapFinding: the paper's range, the ordering, the gap and the fixed λ's share", async () => {
  const t = await text(gapFinding(runs));
  assert.match(
    t,
    /\(computed from the paper's Table 2, WikiText-103\): DSF closes 59–91% of the FT-BPTT/,
  );
  assert.match(t, /\*\*Data\*\* \(one seed, 100 training steps; minimum validation perplexity\)/);
  assert.match(
    t,
    /- ordering: BPTT 2\.00 < DSF \(fitted λ\) 5\.00 < DSF \(linspace λ\) 6\.00 < DSF \(Jacobian diagonal\) 7\.00 < FT-BPTT 12\.00\./,
  );
  assert.match(t, /- FT-BPTT − BPTT = \+10\.00 \(\+500% of BPTT; tolerance for a gap: 2%\)\./);
  assert.match(
    t,
    /- DSF \(linspace λ\) closes 60% of it \(DSF \(linspace λ\) − BPTT = \+4\.00\)\./,
  );
  // Within the tolerance: no share, said so.
  const level = { ...runs, ft: run("FT-BPTT", 2.02, 2, 0.7) };
  const u = await text(gapFinding(level, { tolerance: 0.05 }));
  assert.match(u, /\+1% of BPTT; tolerance for a gap: 5%\): within the tolerance, so no gap/);
  assert.doesNotMatch(u, /closes \d+% of it/);
  // FT-BPTT ahead of BPTT: said so; ties to the shown digits are "≈", zero has no sign.
  const tied = { ...runs, ft: run("FT-BPTT", 1.8, 2), fixed: run("DSF (linspace λ)", 2.001, 2) };
  const v = await text(gapFinding(tied));
  assert.match(v, /= −0\.20 \(−10% of BPTT; .*\): FT-BPTT is below BPTT, so no gap share/);
  assert.match(v, /ordering: FT-BPTT 1\.80 < BPTT 2\.00 ≈ DSF \(linspace λ\) 2\.00 < DSF \(fitted/);
  const w = await text(feedbackGapFinding(tied));
  assert.match(w, /min valid ppl 5\.00 against 2\.00 \(\+3\.00\)/);
  const zero = await text(feedbackGapFinding({ ...tied, adapted: [run("A", 2.0001, 2)] }));
  assert.match(zero, /- A: min valid ppl 2\.00 against 2\.00 \(0\.00\)\./);
});

Deno.test("feedbackGapFinding: ours, per adapted feedback, points and ppl signed", async () => {
  const t = await text(feedbackGapFinding(runs));
  assert.match(t, /^\*\*Claim\*\* \(ours, beyond the paper\): a feedback adapted/);
  assert.match(
    t,
    /\(DSF \(fitted λ\) or DSF \(Jacobian diagonal\)\) closes more of the FT-BPTT → BPTT gap than the fixed λ of DSF \(linspace λ\)\./,
  );
  assert.match(t, /- DSF \(fitted λ\): 70% closed against 60% \(\+10\.0 points\); min valid ppl/);
  assert.match(t, /5\.00 against 6\.00 \(−1\.00\)\./);
  assert.match(t, /- DSF \(Jacobian diagonal\): 50% closed against 60% \(−10\.0 points\);/);
  const level = { ...runs, ft: run("FT-BPTT", 1.9, 2, 0.7) };
  const u = await text(feedbackGapFinding(level));
  assert.doesNotMatch(u, /closed against/);
  assert.match(u, /- DSF \(Jacobian diagonal\): min valid ppl 7\.00 against 6\.00 \(\+1\.00\)\./);
  assert.throws(() => feedbackGapFinding({ ...runs, adapted: [] }), /no adapted feedback run/);
});

Deno.test("runAlignmentFinding: cosines against the fixed λ's, two orderings", async () => {
  const t = await text(runAlignmentFinding(runs));
  assert.match(
    t,
    /- DSF \(fitted λ\) 0\.65 \(\+0\.15\); DSF \(Jacobian diagonal\) 0\.80 \(\+0\.30\)\./,
  );
  assert.match(t, /- FT-BPTT 0\.70 \(\+0\.20\)\./);
  assert.match(
    t,
    /by mean cosine: DSF \(Jacobian diagonal\) 0\.80 > DSF \(fitted λ\) 0\.65 > DSF \(linspace λ\) 0\.50; by min valid ppl: DSF \(fitted λ\) 5\.00 < /,
  );
  const noCos = { ...runs, ft: run("FT-BPTT", 12, 2) };
  assert.throws(() => runAlignmentFinding(noCos), /no cosine for FT-BPTT/);
});

Deno.test("fittedLambdaFinding: first and last refresh per layer", async () => {
  const t = await text(fittedLambdaFinding([
    { step: 1, layers: [{ mean: 0.5, min: 0.45, max: 0.55, change: 0.4 }, null] },
    { step: 25, layers: [{ mean: 0.3, min: 0, max: 0.8, change: 0.05 }, null] },
  ]));
  assert.match(t, /- after step 1: layer0 mean 0\.50 \(0\.45 to 0\.55\), layer1 not fitted\./);
  assert.match(t, /- after step 25: layer0 mean 0\.30 \(0\.00 to 0\.80\), layer1 not fitted; mean/);
  assert.match(t, /\|change\| at that refresh: layer0 0\.05\./);
  assert.throws(() => fittedLambdaFinding([{ step: 1, layers: [null] }]), /no refresh fitted/);
});

Deno.test("feedbackCostFinding: refreshes in % of training, ms/step against the fixed λ", async () => {
  const refresh = { label: "DSF (fitted λ)", count: 4, seconds: 0.1, every: 25 };
  const t = await text(feedbackCostFinding(runs, refresh));
  // 25 ms a refresh against 22 ms a step; 0.1 s of 2.2 s.
  assert.match(t, /- 4 refreshes of DSF \(fitted λ\), one every 25 steps: 25\.00 ms each \(1\.14 /);
  assert.match(t, /training steps' worth\), 4\.5% of its training time\./);
  assert.match(
    t,
    /- DSF \(fitted λ\): 23\.00 ms\/step \(22\.00 training \+ 1\.00 of refreshes\), /,
  );
  assert.match(t, /\+15\.0% against DSF \(linspace λ\)'s 20\.00\./);
  assert.match(t, /- DSF \(Jacobian diagonal\): 25\.00 ms\/step, \+25\.0% against/);
  assert.match(t, /- BPTT 50\.00, FT-BPTT 20\.00 ms\/step\./);
  assert.throws(
    () => feedbackCostFinding(runs, { ...refresh, label: "BPTT" }),
    /no adapted run labelled "BPTT"/,
  );
});

Deno.test("runAlignmentFinding: FT-BPTT closer to BPTT than the fixed λ is said, with the committed why", async () => {
  const ahead = {
    ...runs,
    ft: run("FT-BPTT", 12, 2, 0.76),
    fixed: run("DSF (linspace λ)", 6, 2, 0.48),
  };
  const committed = await committedAlignmentLines();
  assert.ok(committed.length >= 2, "results/why-feedbacks/ and results/why-lags/ are read");
  assert.match(committed[0], /\(results\/why-feedbacks\/\).* FT-BPTT 0\.77, DSF 0\.48;/);
  assert.match(committed[1], /\(results\/why-lags\/\).* DSF's δ̃ puts \d+% of its squared norm/);
  const t = await text(runAlignmentFinding(ahead, { committed }));
  assert.match(t, shape, t);
  assert.match(
    t,
    /- FT-BPTT's gradient stays closer to BPTT's than DSF \(linspace λ\)'s \(0\.76 against 0\.48\): the fixed λ puts most of DSF's state gradient in the channels with λ near 1, whose true memory is short, as the committed measurements on BPTT's weights show: on /,
  );
  // FT-BPTT behind the fixed λ: no such line.
  const behind = { ...runs, ft: run("FT-BPTT", 12, 2, 0.4) };
  assert.doesNotMatch(await text(runAlignmentFinding(behind, { committed })), /stays closer/);
});
