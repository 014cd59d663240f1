/**
 * A results group that varies one setting (an axis: T, width, depth, cell…) across several
 * configs, each trained in several methods: per point the minimum validation perplexity of each
 * method (seed mean), each method's share of the FT-BPTT → BPTT gap, the ordering, and how many
 * updates each method needs to reach FT-BPTT's best (the common target); the axis itself is read
 * from the runs' resolved configs (the keys whose values differ between points).
 *
 * ```ts
 * const axis = axisSummary(runs, METHOD_ORDER);   // runs: ReproRun[] of one group
 * console.log(axisTable(axis));
 * ```
 *
 * @module
 */
import { gapClosed } from "./compare.ts";
import type { ReproRun } from "./reproduction.ts";

/** Keys that name a run rather than place it on an axis. */
const NOT_AXIS = new Set(["name", "mode", "feedback", "seed", "description", "stopAfter"]);

/** One point of the axis. */
export interface AxisPoint {
  /** The config name. */
  point: string;
  /** The axis keys' values at this point (from the resolved config), e.g. `{ context: 64 }`. */
  at: Record<string, unknown>;
  /**
   * Per method: seed-mean minimum validation perplexity, the seed-mean test perplexity at each
   * run's best validation checkpoint (null unless every seed has one), and the seeds.
   */
  methods: Record<string, { ppl: number; test: number | null; seeds: number[] }>;
  /** Per method other than the two ends: the share of the gap closed (seed mean), or NaN. */
  closed: Record<string, number>;
  /**
   * Per method: the first evaluated update at which the seed-mean validation perplexity reaches
   * FT-BPTT's minimum (null: never within the run).
   */
  updatesToTarget: Record<string, number | null>;
  /**
   * Per method: milliseconds of one loss + gradient on this point's model, from one interleaved
   * timing run (`deno task feedbacks` on one of its runs; empty without one).
   */
  msPerUpdate: Record<string, number>;
  /** The methods from best to worst. */
  ordering: string[];
}

/** Per point (config name): per method, ms of one loss + gradient from one interleaved run. */
export type StepTimes = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** The axis of a group: its keys and its points in axis order. */
export interface AxisSummary {
  /** The config keys whose values differ between points (dotted for nested keys). */
  keys: string[];
  /** The methods present, in the given order. */
  methods: string[];
  points: AxisPoint[];
}

/** Flattens a config into dotted keys (arrays as JSON). */
function flat(o: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (o !== null && typeof o === "object" && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) flat(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = Array.isArray(o) ? JSON.stringify(o) : o;
  return out;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Seed-mean validation curve of some runs: [step, ppl] at steps every run has. */
function meanCurve(runs: readonly ReproRun[]): [number, number][] {
  const curves = runs.map((r) =>
    new Map(r.rows.filter((x) => x.split === "valid").map((x) => [x.step, x.ppl]))
  );
  const steps = [...curves[0].keys()].filter((s) => curves.every((c) => c.has(s)));
  return steps.sort((a, b) => a - b).map((s) => [s, mean(curves.map((c) => c.get(s)!))]);
}

/**
 * Summarises a group's runs along the axis its configs differ on (see the module doc).
 * @param order the methods in the order tables name them (others follow)
 * @param stepTimes per point, each method's ms per loss + gradient (for the time to the target)
 * @param primary the key the points are sorted by and named by, first among the keys whenever
 *   the configs have it (default: the first differing key)
 */
export function axisSummary(
  runs: readonly ReproRun[],
  order: readonly string[],
  stepTimes: StepTimes = {},
  primary?: string,
): AxisSummary {
  const names = [...new Set(runs.map((r) => r.point))];
  const settings = new Map(names.map((n) => {
    const s = runs.find((r) => r.point === n && r.settings)?.settings;
    return [n, s ? flat(s) : {}];
  }));
  const allKeys = [...new Set([...settings.values()].flatMap((s) => Object.keys(s)))];
  // A key that only some configs record (one added to the schema after older runs) differs
  // only if the configs that have it disagree.
  const differing = allKeys.filter((k) =>
    !NOT_AXIS.has(k.split(".")[0]) &&
    new Set(
        names.map((n) => settings.get(n)![k]).filter((v) => v !== undefined).map((v) =>
          JSON.stringify(v)
        ),
      ).size > 1
  );
  // The primary key leads, and is a column even while every point shares its value (one point).
  const keys = primary !== undefined && allKeys.includes(primary)
    ? [primary, ...differing.filter((k) => k !== primary)]
    : differing;
  const methods = [
    ...new Set([
      ...order.filter((m) => runs.some((r) => r.method === m)),
      ...runs.map((r) => r.method),
    ]),
  ];
  const points = names.map((point): AxisPoint => {
    const mine = runs.filter((r) => r.point === point);
    const by: AxisPoint["methods"] = {};
    for (const m of methods) {
      const rs = mine.filter((r) => r.method === m);
      if (rs.length) {
        const tests = rs.map((r) => r.testPpl);
        by[m] = {
          ppl: mean(rs.map((r) => r.minValPpl)),
          test: tests.every((t) => typeof t === "number") ? mean(tests as number[]) : null,
          seeds: rs.map((r) => r.seed),
        };
      }
    }
    const closed: Record<string, number> = {};
    const updatesToTarget: Record<string, number | null> = {};
    // The target: the minimum of FT-BPTT's seed-mean curve (with one seed, its minimum), so
    // that FT-BPTT reaches its own best whatever its seeds' minima are.
    const ftRuns = mine.filter((r) => r.method === "ft-bptt");
    const ftCurve = ftRuns.length ? meanCurve(ftRuns) : [];
    const target = by["ft-bptt"] && ftCurve.length
      ? Math.min(...ftCurve.map(([, p]) => p))
      : undefined;
    for (const m of Object.keys(by)) {
      const gaps = mine.filter((r) => r.method === m).map((r) => {
        const end = (e: string) => mine.find((x) => x.method === e && x.seed === r.seed)?.minValPpl;
        const ft = end("ft-bptt");
        const bptt = end("bptt");
        return ft === undefined || bptt === undefined ? NaN : gapClosed(ft, r.minValPpl, bptt);
      });
      if (m !== "bptt" && m !== "ft-bptt") closed[m] = mean(gaps);
      if (target !== undefined) {
        const hit = meanCurve(mine.filter((r) => r.method === m)).find(([, p]) =>
          p <= target * (1 + 1e-9)
        );
        updatesToTarget[m] = hit ? hit[0] : null;
      }
    }
    const at = Object.fromEntries(keys.map((k) => [k, settings.get(point)![k]]));
    const ordering = Object.keys(by).sort((a, b) => by[a].ppl - by[b].ppl);
    const msPerUpdate = Object.fromEntries(
      Object.keys(by).filter((m) => stepTimes[point]?.[m] !== undefined).map((m) => [
        m,
        stepTimes[point][m],
      ]),
    );
    return { point, at, methods: by, closed, updatesToTarget, msPerUpdate, ordering };
  });
  const first = keys[0];
  const numeric = first !== undefined && points.every((p) => typeof p.at[first] === "number");
  if (numeric) points.sort((a, b) => (a.at[first] as number) - (b.at[first] as number));
  return { keys, methods, points };
}

/**
 * The seeds behind an axis's numbers, as a table's heading says them: "seed 0" when every point
 * and method has the same one seed, "mean over seeds 0, 1" when every point has the same several,
 * else per point ("seeds 0, 1 at `base`; seed 0 elsewhere (a point's numbers: the mean over its
 * seeds)").
 */
export function axisSeeds(a: AxisSummary): string {
  const at = a.points.map((p) => {
    const seeds = [...new Set(Object.values(p.methods).flatMap((m) => m.seeds))].sort((x, y) =>
      x - y
    );
    return { point: p.point, phrase: `seed${seeds.length > 1 ? "s" : ""} ${seeds.join(", ")}` };
  });
  const phrases = [...new Set(at.map((x) => x.phrase))];
  if (phrases.length <= 1) {
    const one = phrases[0] ?? "no runs";
    return one.startsWith("seeds ") ? `mean over ${one}` : one;
  }
  // "Elsewhere" is the phrase most points share; on a tie, the one with fewer seeds.
  const count = (p: string) => at.filter((x) => x.phrase === p).length;
  const common = phrases.sort((x, y) => count(y) - count(x) || x.length - y.length)[0];
  const others = at.filter((x) => x.phrase !== common).map((x) => `${x.phrase} at \`${x.point}\``);
  return `${others.join("; ")}; ${common} elsewhere (a point's numbers: the mean over its seeds)`;
}

const f2 = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(2) : "–");
const pct = (x: number | undefined) =>
  x !== undefined && Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : "–";

/**
 * Minutes a method needs to reach the target at one point: its updates to FT-BPTT's best times
 * its measured ms per update; null when it never reaches it or the point has no timing.
 */
export function minutesToTarget(p: AxisPoint, method: string): number | null {
  const updates = p.updatesToTarget[method];
  const ms = p.msPerUpdate[method];
  return updates === null || updates === undefined || ms === undefined
    ? null
    : (updates * ms) / 60_000;
}

/**
 * The axis as a Markdown table: a row per point, perplexities (minimum validation, with the test
 * perplexity at the best checkpoint in brackets where the runs have one), gap closures, updates
 * to target (with the minutes they take where the point's step times were measured).
 */
export function axisTable(a: AxisSummary): string {
  const others = a.methods.filter((m) => m !== "bptt" && m !== "ft-bptt");
  const head = [
    "point",
    ...(a.keys.length ? [a.keys.join(", ")] : []),
    ...a.methods.map((m) => `${m} ppl`),
    ...others.map((m) => `${m} closes`),
    ...a.methods.map((m) => `${m} updates to FT-BPTT's best`),
    "ordering",
  ];
  const rows = a.points.map((p) => [
    `\`${p.point}\``,
    ...(a.keys.length ? [a.keys.map((k) => String(p.at[k])).join(", ")] : []),
    ...a.methods.map((m) => {
      const t = p.methods[m]?.test;
      return f2(p.methods[m]?.ppl) + (t === null || t === undefined ? "" : ` (${f2(t)})`);
    }),
    ...others.map((m) => pct(p.closed[m])),
    ...a.methods.map((m) => {
      if (!(m in p.updatesToTarget)) return "–";
      const u = p.updatesToTarget[m];
      const min = minutesToTarget(p, m);
      return u === null ? "not reached" : min === null ? String(u) : `${u} (${min.toFixed(1)} min)`;
    }),
    p.ordering.join(" < "),
  ]);
  return [head, head.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/**
 * The gap closure of each method along the axis, as chart rows `{ x, closed, method }` (x: the
 * first axis key's value; only when it is numeric).
 */
export function closureRows(a: AxisSummary): { x: number; closed: number; method: string }[] {
  const key = a.keys[0];
  if (key === undefined || !a.points.every((p) => typeof p.at[key] === "number")) return [];
  return a.points.flatMap((p) =>
    Object.entries(p.closed).filter(([, c]) => Number.isFinite(c)).map(([method, c]) => ({
      x: p.at[key] as number,
      closed: 100 * c,
      method,
    }))
  );
}
