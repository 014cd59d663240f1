import assert from "node:assert/strict";
import { learningRate, type Schedule, validateSchedule } from "../lib/train/schedule.ts";

const near = (a: number, b: number) =>
  assert.ok(Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b), `${a} vs ${b}`);

Deno.test("schedule: constant", () => {
  for (const step of [0, 7, 99]) {
    assert.equal(learningRate({ kind: "constant" }, { step, totalSteps: 100, baseLr: 3e-4 }), 3e-4);
  }
});

Deno.test("schedule: PTB step milestones at 1/3 and 2/3 (epochs 10, 20 of 30)", () => {
  const s: Schedule = { kind: "step", gamma: 0.1, milestones: [1 / 3, 2 / 3] };
  // 30 epochs of 10 batches: the reference's StepLR(step_size = 10 epochs) decays at 100, 200.
  const lr = (step: number) => learningRate(s, { step, totalSteps: 300, baseLr: 1e-3 });
  near(lr(0), 1e-3);
  near(lr(99), 1e-3);
  near(lr(100), 1e-4);
  near(lr(199), 1e-4);
  near(lr(200), 1e-5);
  near(lr(299), 1e-5);
  // A 60-step budget scales the milestones: 20 and 40.
  const b = (step: number) => learningRate(s, { step, totalSteps: 60, baseLr: 1e-3 });
  near(b(19), 1e-3);
  near(b(20), 1e-4);
  near(b(40), 1e-5);
});

Deno.test("schedule: step every fraction of the run", () => {
  const s: Schedule = { kind: "step", gamma: 0.5, every: 0.25 };
  const lr = (step: number) => learningRate(s, { step, totalSteps: 100, baseLr: 2 });
  near(lr(24), 2);
  near(lr(25), 1);
  near(lr(50), 0.5);
  near(lr(99), 0.25);
});

Deno.test("schedule: warm-up + cosine to 0.1×lr (hand values)", () => {
  const s: Schedule = { kind: "cosine", warmup: 0.1, floor: 0.1 };
  const lr = (step: number) => learningRate(s, { step, totalSteps: 100, baseLr: 1 });
  near(lr(0), 1e-6); // LinearLR start_factor
  near(lr(5), 1e-6 + (1 - 1e-6) * 0.5);
  near(lr(10), 1); // end of warm-up = peak
  near(lr(25), 0.1 + 0.9 * (1 + Math.sqrt(3) / 2) / 2); // t = 15/90 = 1/6
  near(lr(55), 0.55); // t = 1/2
  near(lr(100), 0.1);
  near(lr(150), 0.1); // clamped past the end
  // No warm-up: starts at the peak.
  near(
    learningRate({ kind: "cosine", warmup: 0, floor: 0 }, { step: 0, totalSteps: 4, baseLr: 1 }),
    1,
  );
  near(
    learningRate({ kind: "cosine", warmup: 0, floor: 0 }, { step: 2, totalSteps: 4, baseLr: 1 }),
    0.5,
  );
});

Deno.test("schedule: validation names the key", () => {
  assert.deepEqual(validateSchedule({ kind: "constant" }), { kind: "constant" });
  assert.throws(
    () => validateSchedule({ kind: "linear" }),
    /"schedule\.kind".*constant, step, cosine/,
  );
  assert.throws(() => validateSchedule({ kind: "step", gamma: 0.1 }), /exactly one of/);
  assert.throws(
    () => validateSchedule({ kind: "step", gamma: 0.1, milestones: [0.5, 0.3] }),
    /"schedule\.milestones".*increasing/,
  );
  assert.throws(
    () => validateSchedule({ kind: "step", gamma: 2, every: 0.5 }),
    /"schedule\.gamma"/,
  );
  assert.throws(
    () => validateSchedule({ kind: "cosine", warmup: 1, floor: 0.1 }),
    /"schedule\.warmup"/,
  );
  assert.throws(() => validateSchedule({ kind: "cosine", warmup: 0.1 }), /"schedule\.floor"/);
  assert.throws(
    () => validateSchedule({ kind: "constant", gamma: 1 }),
    /"schedule\.gamma".*unknown field/,
  );
  assert.throws(
    () => learningRate({ kind: "constant" }, { step: -1, totalSteps: 1, baseLr: 1 }),
    /"step"/,
  );
  // JSON round trip keeps a schedule usable.
  const s = validateSchedule(
    JSON.parse(JSON.stringify({ kind: "step", gamma: 0.1, milestones: [0.5] })),
  );
  near(learningRate(s, { step: 5, totalSteps: 10, baseLr: 1 }), 0.1);
});
