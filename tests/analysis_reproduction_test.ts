import assert from "node:assert/strict";
import {
  crossingLines,
  crossings,
  meanCurves,
  methodOf,
  type ReproRun,
  summarizeMethods,
} from "../lib/analysis/reproduction.ts";
import { headline } from "../lib/analysis/headline.ts";

function run(method: string, seed: number, curve: number[], extra = 0): ReproRun {
  return {
    method,
    point: "cfg",
    seed,
    minValPpl: Math.min(...curve),
    testPpl: Math.min(...curve) + 1,
    seconds: 10,
    steps: 5,
    tokens: 1000,
    extraSeconds: extra,
    rows: curve.map((ppl, i) => ({
      step: 10 * (i + 1),
      split: "valid" as const,
      loss: Math.log(ppl),
      ppl,
      seconds: i,
      tokens: 100 * (i + 1),
    })),
  };
}

Deno.test("reproduction: gap closed per seed, spread, seconds per step with refits", () => {
  const runs = [
    run("bptt", 0, [30, 20, 10]),
    run("ft-bptt", 0, [25, 18, 14]),
    run("dsf", 0, [28, 19, 11]),
    run("bptt", 1, [30, 20, 12]),
    run("ft-bptt", 1, [25, 18, 16]),
    run("dsf", 1, [28, 19, 15]),
    run("dsf-fitted", 0, [28, 19, 12], 5),
  ];
  const s = summarizeMethods(runs, ["bptt", "ft-bptt", "dsf"]);
  assert.deepEqual(s.map((r) => r.method), ["bptt", "ft-bptt", "dsf", "dsf-fitted"]);
  const dsf = s[2];
  // Seed 0: (14 − 11) / (14 − 10) = 75%; seed 1: (16 − 15) / (16 − 12) = 25%.
  assert.deepEqual(dsf.gapClosed.values, [0.75, 0.25]);
  assert.equal(dsf.gapClosed.mean, 0.5);
  assert.equal(dsf.gapClosed.sd, 0.25);
  assert.equal(dsf.minValPpl.mean, 13);
  assert.equal(s[3].secondsPerStep.mean, 3); // (10 + 5) / 5
  assert.equal(s[3].gapClosed.values[0], 0.5);
  // No gap when BPTT is not ahead of FT-BPTT.
  const none = summarizeMethods([
    run("bptt", 0, [12]),
    run("ft-bptt", 0, [11]),
    run("dsf", 0, [11.5]),
  ]);
  assert.ok(Number.isNaN(none[2].gapClosed.mean));
});

Deno.test("reproduction: seed-mean curves and their crossings", () => {
  const runs = [
    run("bptt", 0, [30, 20, 10]),
    run("bptt", 1, [32, 22, 12]),
    run("ft-bptt", 0, [25, 18, 14]),
    run("ft-bptt", 1, [25, 18]), // shorter: only the common steps are averaged
  ];
  const c = meanCurves(runs);
  assert.deepEqual(c.filter((p) => p.method === "bptt").map((p) => p.ppl), [31, 21, 11]);
  assert.deepEqual(c.filter((p) => p.method === "ft-bptt").map((p) => p.step), [10, 20]);
  const long = meanCurves([run("bptt", 0, [30, 20, 10]), run("ft-bptt", 0, [25, 18, 14])]);
  assert.deepEqual(crossings(long, "bptt", "ft-bptt"), [
    { ahead: "bptt", behind: "ft-bptt", between: [20, 30] },
  ]);
  assert.deepEqual(crossings(long.filter((p) => p.step < 30), "bptt", "ft-bptt"), []);
  assert.equal(methodOf({ mode: "dsf", feedback: "fixed" }), "dsf");
  assert.equal(methodOf({ mode: "dsf", feedback: "fitted" }), "dsf-fitted");
  assert.equal(methodOf({ mode: "bptt" }), "bptt");
});

Deno.test("headline: the end-of-training answer, or the common horizon while a run trains", () => {
  const done = [
    run("bptt", 0, [30, 20, 10]),
    run("ft-bptt", 0, [25, 18, 14]),
    run("dsf", 0, [28, 19, 11]),
  ];
  const end = headline(done, done.map((r) => ({ method: r.method })))!;
  assert.match(
    end,
    /seed 0\): BPTT 10\.00 \(test 11\.00\), FT-BPTT 14\.00 \(test 15\.00\), DSF 11\.00/,
  );
  // (14 − 11) / (14 − 10) = 75%.
  assert.match(end, /\*\*At the end of training:\*\* BPTT < DSF < FT-BPTT; DSF closes 75% of/);
  assert.match(
    end,
    /BPTT overtakes DSF between updates 20 and 30; DSF overtakes FT-BPTT between updates 20 and 30/,
  );
  // FT-BPTT still training with two evaluations: compared at update 20, not at the end.
  const partial = [done[0], run("ft-bptt", 0, [25, 18]), done[2]];
  const progress = partial.map((r) => ({
    method: r.method,
    inProgress: r.method === "ft-bptt" ? "epoch 2 of 3 done" : undefined,
  }));
  const mid = headline(partial, progress)!;
  assert.match(mid, /FT-BPTT 18\.00 \(test 19\.00\) so far \(epoch 2 of 3 done\)/);
  assert.match(
    mid,
    /Up to update 20, .* not yet the end-of-training answer\):\*\* FT-BPTT < DSF < BPTT; BPTT is not ahead/,
  );
  assert.equal(headline(done.slice(0, 2), []), null, "no DSF run: no headline");
});

Deno.test("crossingLines: the modes with one another and each feedback against DSF only", () => {
  const runs = [
    run("bptt", 0, [30, 20, 10]),
    run("ft-bptt", 0, [25, 18, 14]),
    run("dsf", 0, [28, 19, 12]),
    run("dsf-fitted", 0, [29, 18, 11]),
    run("dsf-jacobian-diagonal", 0, [27, 19, 13]),
  ];
  const order = ["bptt", "ft-bptt", "dsf", "dsf-fitted", "dsf-jacobian-diagonal"];
  const pairs = crossingLines(runs, order).map((l) =>
    /^- (\S+) vs (\S+):/.exec(l)!.slice(1).join(" vs ")
  );
  assert.deepEqual(pairs, [
    "bptt vs ft-bptt",
    "bptt vs dsf",
    "ft-bptt vs dsf",
    "dsf vs dsf-fitted",
    "dsf vs dsf-jacobian-diagonal",
  ]);
  // dsf-fitted overtakes dsf between updates 10 and 20.
  assert.match(crossingLines(runs, order)[3], /dsf-fitted overtakes dsf between updates 10 and 20/);
});
