/**
 * The training-step issue's targets, checked against one benchmark run's `bench.json`: each
 * target as a line with the measured ratios and whether it is met, so that the README's verdicts
 * are computed from the same run as its tables (`<!-- results:speed-targets -->`).
 *
 * @module
 */
import { type SpeedTableInput, stepFinder, VARIANTS } from "./speed_table.ts";
import { GRADIENT_MODES } from "../recurrent.ts";

/** One target: what it asks, the ratios measured, and whether all of them meet it. */
export interface SpeedTarget {
  /** The target, in the words. */
  target: string;
  /** What was measured, e.g. "4.95× (a·b)". */
  measured: string[];
  /** True when every measured ratio meets it; null when the run lacks the cases. */
  met: boolean | null;
}

const x = (v: number) => `${v.toFixed(v >= 10 ? 0 : 2)}×`;

/** Checks every target the run has cases for. */
export function speedTargets(bench: SpeedTableInput): SpeedTarget[] {
  const step = stepFinder(bench);
  const { xnn, blas1, blas2, torch1, torch2 } = VARIANTS;
  const out: SpeedTarget[] = [];
  const check = (
    target: string,
    items: { label: string; value?: number; ok: (v: number) => boolean }[],
  ) => {
    const have = items.filter((i) => i.value !== undefined && Number.isFinite(i.value));
    out.push({
      target,
      measured: have.map((i) => `${x(i.value!)} ${i.label}`),
      met: have.length === 0 ? null : have.every((i) => i.ok(i.value!)),
    });
  };
  const ratio = (a?: number | null, b?: number | null) =>
    a == null || b == null || !(b > 0) ? undefined : a / b;

  const mm = bench.matmul ?? [];
  const mmAt = (variant: string, form: string) =>
    mm.find((r) => r.variant === variant && r.form === form)?.ms;
  check("matMul [2048,256]·[256,768], BLAS on 1 thread ≥ 3.5× XNNPACK", [
    { label: "(a·b)", value: ratio(mmAt(xnn, "a·b"), mmAt(blas1, "a·b")), ok: (v) => v >= 3.5 },
  ]);
  check(
    "its transposed forms ≥ 30×",
    ["aᵀ·b", "a·bᵀ"].map((f) => ({
      label: `(${f})`,
      value: ratio(mmAt(xnn, f), mmAt(blas1, f)),
      ok: (v: number) => v >= 30,
    })),
  );

  const layerTs = [...new Set(bench.rows.filter((r) => r.unit === "layer").map((r) => r.T))]
    .sort((a, b) => a - b);
  const layer = (mode: string, backend: string, T: number) =>
    step("layer", mode, backend, { B: 32, T, D: 256 });
  check(
    "GRU layer DSF step (B=32, D=256) ≤ 1.3× PyTorch's nn.GRU BPTT step at T = 64 and 256, one thread",
    [64, 256].map((T) => ({
      label: `(T = ${T})`,
      value: ratio(layer("dsf", blas1, T)?.stepMs, layer("pytorch", torch1, T)?.stepMs),
      ok: (v: number) => v <= 1.3,
    })),
  );

  const lmShapes = [
    ...new Set(
      bench.rows.filter((r) => r.unit === "ptb-lm" && r.backend === blas1).map((r) =>
        `${r.B},${r.T},${r.D},${r.V}`
      ),
    ),
  ].map((s) => s.split(",").map(Number));
  const lm = (mode: string, backend: string, [B, T, D, V]: number[]) =>
    step("ptb-lm", mode, backend, { B, T, D, V })?.stepMs;
  const modes: readonly string[] = GRADIENT_MODES;
  const each = (f: (mode: string, s: number[]) => number | undefined, ok: (v: number) => boolean) =>
    lmShapes.flatMap((s) =>
      modes.map((mode) => ({
        label: `(${mode.toUpperCase()}, B=${s[0]} T=${s[1]})`,
        value: f(mode, s),
        ok,
      }))
    );
  check(
    "PTB LM step ≥ 3× faster than XNNPACK, one thread",
    each((m, s) => ratio(lm(m, xnn, s), lm(m, blas1, s)), (v) => v >= 3),
  );
  check(
    "PTB LM step ≤ 1.5× PyTorch's LM step (BPTT), one thread",
    each((m, s) => ratio(lm(m, blas1, s), lm("pytorch", torch1, s)), (v) => v <= 1.5),
  );
  check(
    "PTB LM step, all (2) threads vs one ≥ 1.6×",
    each((m, s) => ratio(lm(m, blas1, s), lm(m, blas2, s)), (v) => v >= 1.6),
  );
  check(
    "DSF step ≤ 2.6× the forward at T = 64, 256, 1024 (GRU layer, one thread)",
    layerTs.map((T) => ({
      label: `(T = ${T})`,
      value: ratio(layer("dsf", blas1, T)?.stepMs, layer("dsf", blas1, T)?.forwardMs),
      ok: (v: number) => v <= 2.6,
    })),
  );
  out.push({
    target: "BPTT / DSF, reported at each T (GRU layer, one thread)",
    measured: layerTs.flatMap((T) => {
      const v = ratio(layer("bptt", blas1, T)?.stepMs, layer("dsf", blas1, T)?.stepMs);
      return v === undefined ? [] : [`${x(v)} (T = ${T})`];
    }),
    met: null,
  });
  const fastestTorch = (T: number) => {
    const ts = [layer("pytorch", torch1, T)?.stepMs, layer("pytorch", torch2, T)?.stepMs]
      .filter((v): v is number => v != null);
    return ts.length ? Math.min(...ts) : undefined;
  };
  check(
    "Stretch: our DSF step on all threads faster than PyTorch's BPTT step on all threads, T = 256 " +
      "(PyTorch/DSF; PyTorch's faster thread setting)",
    [{
      label: "(T = 256)",
      value: ratio(fastestTorch(256), layer("dsf", blas2, 256)?.stepMs),
      ok: (v: number) => v > 1,
    }],
  );
  return out;
}

/** The targets as Markdown lines, with the run they come from. */
export function speedTargetsMarkdown(bench: SpeedTableInput, source: string): string {
  const lines = speedTargets(bench).map((t) => {
    const verdict = t.met === null ? "" : t.met ? " — **met**" : " — **missed**";
    const measured = t.measured.length ? t.measured.join(", ") : "not in this run";
    return `- ${t.target}: ${measured}${verdict}`;
  });
  return `Against the training-step issue's targets (computed from \`${source}/bench.json\`, the ` +
    `run of the tables above):\n\n${lines.join("\n")}`;
}
