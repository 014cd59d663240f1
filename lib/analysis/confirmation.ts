/**
 * A confirmation group: a new method's run (e.g. DSF with the Jacobian-diagonal feedback) trained
 * at a later commit, set beside a committed group's runs at one update, with a reproduction point
 * that shows the two commits train alike (the "rerun them, or show on one point that the
 * committed ones are reproduced").
 *
 * The group's `compare.json` names the reference groups and the update: `{"with":
 * ["ptb-word-30ep"], "at": 3290}`. A run of the group whose config, method and seed a reference
 * run shares is a reproduction point: their validation losses are compared at every update both
 * evaluated at.
 *
 * @module
 */
import type { ReproRun } from "./reproduction.ts";

/** What a group's `compare.json` declares. */
export interface CompareSpec {
  /** Reference groups under `results/`. */
  with: string[];
  /** The update at which the methods are compared. */
  at: number;
}

/** Parses and checks a `compare.json` (one line naming the fault when it is wrong). */
export function parseCompareSpec(value: unknown, path: string): CompareSpec {
  const v = value as Partial<CompareSpec> | null;
  const ok = v !== null && typeof v === "object" && Array.isArray(v.with) && v.with.length > 0 &&
    v.with.every((g) => typeof g === "string" && /^[A-Za-z0-9][\w.-]*$/.test(g)) &&
    Number.isInteger(v.at) && (v.at as number) >= 1;
  if (!ok) {
    throw new Error(
      `${path}: expected {"with": ["GROUP", …], "at": UPDATE} (groups under results/, an ` +
        `update ≥ 1): fix the file`,
    );
  }
  return { with: [...v!.with!], at: v!.at! };
}

/** One run with where it came from (its group and the commit its command names). */
export interface SourcedRun {
  run: ReproRun;
  group: string;
  commit: string;
}

/** A reproduction point: the same config, method and seed at two commits. */
export interface Reproduction {
  point: string;
  method: string;
  seed: number;
  here: SourcedRun;
  reference: SourcedRun;
  /** Updates both evaluated on the validation split. */
  steps: number[];
  /** Largest |loss_here − loss_reference| / loss_reference over those updates. */
  maxRelDiff: number;
}

const validLoss = (r: ReproRun) =>
  new Map(r.rows.filter((x) => x.split === "valid").map((x) => [x.step, x.loss]));

/**
 * The commit a committed run trained at: its recorded environment's (runs since the environment
 * was kept; `+dirty` when files differed from it), else the one its command names (`from a
 * checkout at commit abc1234: …`), shortened to 7 digits.
 */
export function commitOf(summary: Readonly<Record<string, unknown>>): string {
  const env = summary.environment as { commit?: unknown; dirty?: unknown } | undefined;
  if (env && typeof env.commit === "string") {
    return env.commit.slice(0, 7) + (env.dirty === true ? "+dirty" : "");
  }
  return /at commit ([0-9a-f]{7,40})/.exec(String(summary.command ?? ""))?.[1]?.slice(0, 7) ??
    "unknown";
}

/** Every run here that a reference run matches in config, method and seed. */
export function reproductions(here: SourcedRun[], refs: SourcedRun[]): Reproduction[] {
  const out: Reproduction[] = [];
  for (const h of here) {
    const r = refs.find((x) =>
      x.run.point === h.run.point && x.run.method === h.run.method && x.run.seed === h.run.seed
    );
    if (!r) continue;
    const a = validLoss(h.run), b = validLoss(r.run);
    const steps = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
    const diffs = steps.map((s) => Math.abs(a.get(s)! - b.get(s)!) / Math.abs(b.get(s)!));
    out.push({
      point: h.run.point,
      method: h.run.method,
      seed: h.run.seed,
      here: h,
      reference: r,
      steps,
      maxRelDiff: diffs.length ? Math.max(...diffs) : NaN,
    });
  }
  return out;
}

/**
 * The runs to compare at update `at`: those evaluated there, the group's own first; a method
 * and seed that both have is taken from the group (the reference's is the older commit).
 */
export function runsEvaluatedAt(here: SourcedRun[], refs: SourcedRun[], at: number): SourcedRun[] {
  const reaches = (s: SourcedRun) => s.run.rows.some((x) => x.split === "valid" && x.step === at);
  const mine = here.filter(reaches);
  const taken = new Set(mine.map((s) => `${s.run.method}/${s.run.seed}`));
  return [
    ...mine,
    ...refs.filter((s) => reaches(s) && !taken.has(`${s.run.method}/${s.run.seed}`)),
  ];
}

/** Relative differences below this are float32 rounding carried through training (≈ 2⁻¹⁷). */
export const REPRODUCED_BELOW = 1e-4;
