/**
 * Every integer key of a config, with the inclusive range it may take: the one place the
 * ranges live. A number outside it is refused, naming the key and the range, instead of being
 * taken and aliased (a seed of 2³² is seed 0 to the 32-bit generators; a BPE id over 65,535 does
 * not fit the uint16 token files) or overflowing a count.
 *
 * - seeds: `[0, 2³¹ − 1]`: the generators mix seeds as 32-bit integers (`seed | 0`, `>>> 0`),
 *   and a run's seed has offsets added (`DSF_SEED`, `feedback.seed + layer`);
 * - sizes (`hidden`, `embed`, `context`, batch sizes, `microBatches`): `[1, 2²⁰]`; what the
 *   machine can hold is checked after (lib/models/size.ts), `microBatches <= batchSize` by
 *   the schema;
 * - `vocabSize`: the byte-level BPE's `[257, 65536]` (lib/data/bpe.ts);
 * - counts of updates (`steps`, `stopAfter`, `evalEvery`, `evalBatches`, `feedback.every`):
 *   up to 10⁹; `epochs` and `evals` up to 10⁶; `layers`, `heads`, `emaDim` up to 1024;
 * - synthetic recall: `lag` below `context`, `alphabet` in `[2, 65535]`.
 *
 * @module
 */
import { FIRST_MERGE_ID, MAX_BPE_VOCAB } from "../data/bpe.ts";
import { fail, show } from "./checks.ts";

/** An integer key's inclusive range, and whether `null` is allowed ("none", "= hidden"). */
export interface IntRange {
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Whether `null` is a value of the key. */
  nullable?: boolean;
}

const SEED: IntRange = { min: 0, max: 2 ** 31 - 1 };
const SIZE = 2 ** 20;
const UPDATES = 1_000_000_000;

/** The integer keys (dotted for nested ones) and their ranges. */
export const INT_KEYS = {
  layers: { min: 1, max: 1024 },
  hidden: { min: 1, max: SIZE },
  embed: { min: 1, max: SIZE, nullable: true },
  context: { min: 1, max: SIZE },
  batchSize: { min: 1, max: SIZE },
  evalBatchSize: { min: 1, max: SIZE },
  microBatches: { min: 1, max: SIZE },
  epochs: { min: 1, max: 1_000_000 },
  steps: { min: 1, max: UPDATES, nullable: true },
  stopAfter: { min: 1, max: UPDATES, nullable: true },
  evalEvery: { min: 0, max: UPDATES },
  evals: { min: 1, max: 1_000_000 },
  evalBatches: { min: 1, max: UPDATES, nullable: true },
  seed: SEED,
  vocabSize: { min: FIRST_MERGE_ID, max: MAX_BPE_VOCAB },
  heads: { min: 1, max: 1024 },
  emaDim: { min: 1, max: 1024 },
  lag: { min: 1, max: SIZE - 1 },
  alphabet: { min: 2, max: 65_535 },
  "feedback.seed": SEED,
  "feedback.every": { min: 1, max: UPDATES },
} as const satisfies Record<string, IntRange>;

/** An integer key. */
export type IntKey = keyof typeof INT_KEYS;

/** Whether `key` (dotted) is an integer key. */
export function isIntKey(key: string): key is IntKey {
  return Object.hasOwn(INT_KEYS, key);
}

/** `[min, max]`, with thousands unseparated (as a value would be typed). */
export function rangeText(key: IntKey): string {
  const r: IntRange = INT_KEYS[key];
  return `${r.nullable ? "null or " : ""}an integer in [${r.min}, ${r.max}]`;
}

/**
 * Checks an integer key's value against its range.
 * @returns the value (`null` for a nullable key given `null`)
 * @throws Error `Invalid config key "KEY": must be an integer in [MIN, MAX], got X`
 */
export function intKey<K extends IntKey>(
  key: K,
  x: unknown,
): (typeof INT_KEYS)[K] extends { nullable: true } ? number | null : number {
  const r: IntRange = INT_KEYS[key];
  if (x === null && r.nullable) return null as never;
  if (typeof x !== "number" || !Number.isInteger(x) || x < r.min || x > r.max) {
    fail(key, `must be ${rangeText(key)}, got ${show(x)}`);
  }
  return x as never;
}
