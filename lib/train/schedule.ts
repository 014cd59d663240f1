/**
 * Learning-rate schedules as plain, JSON-serialisable data, and one pure function that reads
 * them. Every position is a fraction of the run, so a `steps` budget that replaces the
 * paper's epochs scales the schedule with it (PTB's ×0.1 at epochs 10 and 20 of 30 is
 * `{ kind: "step", gamma: 0.1, milestones: [1/3, 2/3] }`).
 *
 * - `constant`: `baseLr` throughout.
 * - `step`: `baseLr · γ^k`, k = number of milestones reached (`milestones`: fractions of the
 *   run, each at step `round(f · totalSteps)`), or `k = ⌊step / round(every · totalSteps)⌋`
 *   (`every`: a fraction). Like `torch.optim.lr_scheduler.MultiStepLR` / `StepLR`.
 * - `cosine`: the reference code's warm-up + cosine: for `W = round(warmup · totalSteps)`
 *   steps a linear ramp `baseLr · (1e-6 + (1 − 1e-6) · step / W)` (`LinearLR` with
 *   `start_factor = 1e-6`), then `CosineAnnealingLR` from `baseLr` down to `floor · baseLr`
 *   at `totalSteps`.
 *
 * @module
 */

/** Constant learning rate. */
export interface ConstantSchedule {
  /** Discriminant. */
  kind: "constant";
}

/** Step decay: multiply by `gamma` at each milestone, or every `every` of the run. */
export interface StepSchedule {
  /** Discriminant. */
  kind: "step";
  /** Decay factor per milestone, in (0, 1]. */
  gamma: number;
  /** Milestones as increasing fractions of the run in (0, 1]; exclusive with `every`. */
  milestones?: number[];
  /** Period as a fraction of the run in (0, 1]; exclusive with `milestones`. */
  every?: number;
}

/** Linear warm-up then cosine decay to a floor. */
export interface CosineSchedule {
  /** Discriminant. */
  kind: "cosine";
  /** Warm-up length as a fraction of the run, in [0, 1). */
  warmup: number;
  /** Final learning rate as a fraction of `baseLr`, in [0, 1]. */
  floor: number;
}

/** A learning-rate schedule (plain data). */
export type Schedule = ConstantSchedule | StepSchedule | CosineSchedule;

/** Where in the run, for {@link learningRate}. */
export interface ScheduleAt {
  /** Updates already made (0 for the first update). */
  step: number;
  /** Total number of updates in the run. */
  totalSteps: number;
  /** The base (peak) learning rate. */
  baseLr: number;
}

/** `LinearLR`'s start factor in the reference code. */
export const WARMUP_START_FACTOR = 1e-6;

/** Allowed fields per schedule kind. */
export const SCHEDULE_FIELDS: Readonly<Record<Schedule["kind"], readonly string[]>> = {
  constant: ["kind"],
  step: ["kind", "gamma", "milestones", "every"],
  cosine: ["kind", "warmup", "floor"],
};

function fail(key: string, msg: string): never {
  throw new Error(`Invalid schedule "${key}": ${msg}`);
}

function fraction(key: string, x: unknown, lo: number, hi: number, loOpen: boolean): number {
  if (typeof x !== "number" || !Number.isFinite(x) || (loOpen ? x <= lo : x < lo) || x > hi) {
    fail(key, `must be a number in ${loOpen ? "(" : "["}${lo}, ${hi}], got ${JSON.stringify(x)}`);
  }
  return x;
}

/**
 * Checks that `value` is a well-formed {@link Schedule} and returns it (a copy). Errors name
 * the offending key, prefixed by `key` (default `"schedule"`).
 */
export function validateSchedule(value: unknown, key = "schedule"): Schedule {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(key, `must be an object like {"kind": "constant"}, got ${JSON.stringify(value)}`);
  }
  const obj = value as Record<string, unknown>;
  const kinds = Object.keys(SCHEDULE_FIELDS);
  const kind = obj.kind;
  if (typeof kind !== "string" || !kinds.includes(kind)) {
    fail(`${key}.kind`, `got ${JSON.stringify(kind)}; allowed: ${kinds.join(", ")}`);
  }
  const allowed = SCHEDULE_FIELDS[kind as Schedule["kind"]];
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      fail(`${key}.${k}`, `unknown field for kind "${kind}"; allowed: ${allowed.join(", ")}`);
    }
  }
  if (kind === "constant") return { kind };
  if (kind === "cosine") {
    const warmup = fraction(`${key}.warmup`, obj.warmup, 0, 1, false);
    if (warmup >= 1) fail(`${key}.warmup`, `must be < 1, got ${warmup}`);
    return { kind, warmup, floor: fraction(`${key}.floor`, obj.floor, 0, 1, false) };
  }
  const gamma = fraction(`${key}.gamma`, obj.gamma, 0, 1, true);
  const hasM = obj.milestones !== undefined;
  const hasE = obj.every !== undefined;
  if (hasM === hasE) fail(key, `a "step" schedule needs exactly one of "milestones" or "every"`);
  if (hasE) return { kind: "step", gamma, every: fraction(`${key}.every`, obj.every, 0, 1, true) };
  const ms = obj.milestones;
  if (!Array.isArray(ms)) fail(`${key}.milestones`, `must be an array of fractions`);
  ms.forEach((m, i) => {
    fraction(`${key}.milestones[${i}]`, m, 0, 1, true);
    if (i > 0 && m <= ms[i - 1]) fail(`${key}.milestones`, `must be strictly increasing`);
  });
  return { kind: "step", gamma, milestones: [...ms] };
}

/** The learning rate for the update numbered `at.step` (0-based) of a `totalSteps` run. */
export function learningRate(schedule: Schedule, at: ScheduleAt): number {
  const { step, totalSteps, baseLr } = at;
  if (!Number.isInteger(step) || step < 0) {
    throw new Error(`learningRate: "step" must be a non-negative integer, got ${step}`);
  }
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new Error(`learningRate: "totalSteps" must be a positive integer, got ${totalSteps}`);
  }
  if (typeof baseLr !== "number" || !(baseLr >= 0)) {
    throw new Error(`learningRate: "baseLr" must be a non-negative number, got ${baseLr}`);
  }
  switch (schedule.kind) {
    case "constant":
      return baseLr;
    case "step": {
      let k: number;
      if (schedule.every !== undefined) {
        k = Math.floor(step / Math.max(1, Math.round(schedule.every * totalSteps)));
      } else {
        k = (schedule.milestones ?? []).filter((f) => step >= Math.round(f * totalSteps)).length;
      }
      return baseLr * Math.pow(schedule.gamma, k);
    }
    case "cosine": {
      const w = Math.round(schedule.warmup * totalSteps);
      if (step < w) {
        return baseLr * (WARMUP_START_FACTOR + (1 - WARMUP_START_FACTOR) * step / w);
      }
      const low = schedule.floor * baseLr;
      const span = totalSteps - w;
      const t = span <= 0 ? 1 : Math.min(1, (step - w) / span);
      return low + (baseLr - low) * (1 + Math.cos(Math.PI * t)) / 2;
    }
    default:
      throw new Error(
        `learningRate: unknown schedule kind ${JSON.stringify((schedule as Schedule).kind)}`,
      );
  }
}
