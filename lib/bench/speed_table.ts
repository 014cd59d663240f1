/**
 * The README's speed tables, made from one benchmark run's `bench.json` (written by
 * `deno task bench --out DIR`): the matMuls, the GRU layer per T, and the PTB LM step per
 * shape, each backend variant side by side with the PyTorch peers, and the ratios the
 * training-step issue sets targets for. Missing cases print as a dash.
 *
 * @module
 */
import type { BenchRow } from "./results.ts";
import { GRADIENT_MODES } from "../recurrent.ts";

/** The parts of a `bench.json` the tables read. */
export interface SpeedTableInput {
  /** Date, backend line and arguments of the run. */
  meta: { date: string; backend: string; args: string[]; deno?: string; cpu?: string };
  /** The matMul rows: variant ("wasm", "wasm+blas1"), form ("a·b", "aᵀ·b", "a·bᵀ"), ms. */
  matmul?: { variant: string; form: string; M: number; K: number; N: number; ms: number }[];
  /** The measured cases (the fields of {@link BenchRow} the tables read). */
  rows: (
    & Pick<BenchRow, "unit" | "mode" | "impl" | "backend" | "B" | "T" | "D" | "V" | "stepMs">
    & Partial<Pick<BenchRow, "forwardMs" | "seqDispatches" | "note" | "cell">>
  )[];
}

/** The backend variants of a bench run: XNNPACK, BLAS on 1 and 2 threads, PyTorch on 1 and 2. */
export const VARIANTS = {
  xnn: "wasm",
  blas1: "wasm+blas1",
  blas2: "wasm+blas2",
  torch1: "torch-cpu",
  torch2: "torch-cpu-2t",
} as const;
const { xnn: XNN, blas1: BLAS1, blas2: BLAS2, torch1: TORCH1, torch2: TORCH2 } = VARIANTS;

/** One measured case of a bench run. */
export type SpeedRow = SpeedTableInput["rows"][number];

/**
 * The DSF implementation a bench run's DSF rows are read from: the wasm kernel (`auto` on
 * wasm) when the run has it, else the Hillis–Steele scan (a run may hold others too).
 */
export function dsfImplOf(bench: SpeedTableInput): string {
  return bench.rows.some((r) => r.mode === "dsf" && r.impl === "wasm") ? "wasm" : "scan";
}

/** A lookup of one case: unit, mode, backend variant and shape (DSF: {@link dsfImplOf}'s). */
export function stepFinder(
  bench: SpeedTableInput,
): (
  unit: string,
  mode: string,
  backend: string,
  shape: Record<string, number>,
) => SpeedRow | undefined {
  const dsfImpl = dsfImplOf(bench);
  // The GRU's rows (a run may hold other cells too; rows without a cell are a GRU's).
  return (unit, mode, backend, shape) =>
    bench.rows.find((r) =>
      (r.cell ?? "gru") === "gru" &&
      r.unit === unit && r.mode === mode && r.backend === backend &&
      (mode !== "dsf" || r.impl === dsfImpl) &&
      Object.entries(shape).every(([k, v]) => (r as unknown as Record<string, number>)[k] === v)
    );
}

function ms(v: number | undefined | null): string {
  return v == null || !Number.isFinite(v) ? "–" : v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

function ratio(a: number | undefined | null, b: number | undefined | null): string {
  if (a == null || b == null || !(b > 0)) return "–";
  return `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×`;
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/**
 * The three tables and a line naming the run, as markdown.
 * @param bench a parsed `bench.json`
 * @param source the folder it was read from, named in the text
 */
export function speedTables(bench: SpeedTableInput, source: string): string {
  const dsfImpl = dsfImplOf(bench);
  const step = stepFinder(bench);
  const torch = bench.rows.map((r) => /torch ([\w.]+)/.exec(r.note ?? "")?.[1]).find((v) => v);
  const out: string[] = [];
  const args = bench.meta.args.map((a) => /[^\w.,=/+-]/.test(a) ? `'${a}'` : a).join(" ");
  const blas = /OpenBLAS [\d.]+/.exec(bench.meta.backend)?.[0] ?? "no native BLAS";
  out.push(
    `One run, ${bench.meta.date.slice(0, 10)}, ${
      bench.meta.cpu ? `CPU ${bench.meta.cpu}` : "CPU not recorded"
    }, wasm backend (SIMD), ${blas}, Deno ` +
      `${bench.meta.deno ?? "?"} (\`${source}/bench.json\`; \`deno task bench ${args}\`). ` +
      `Milliseconds, median of the timed steps; XNNPACK = tfjs-wasm's own kernels, BLAS n = ` +
      `OpenBLAS on n threads, PyTorch ${torch ?? "(version not recorded)"} on 1 and 2 ` +
      `threads; DSF = ${
        dsfImpl === "wasm"
          ? "its reverse recurrence as one kernel on the wasm heap (\`dsfImpl=wasm\`, what " +
            "\`auto\` picks on wasm)"
          : "its reverse scan (\`dsfImpl=scan\`)"
      }.`,
  );
  const mm = bench.matmul ?? [];
  if (mm.length > 0) {
    const forms = [...new Set(mm.map((r) => r.form))];
    const at = (variant: string, form: string) =>
      mm.find((r) => r.variant === variant && r.form === form)?.ms;
    const { M, K, N } = mm[0];
    out.push(table(
      [`matMul [${M},${K}]·[${K},${N}]`, "XNNPACK", "BLAS 1", "BLAS 2", "BLAS 1 vs XNNPACK"],
      forms.map((f) => [
        f,
        ms(at(XNN, f)),
        ms(at(BLAS1, f)),
        ms(at(BLAS2, f)),
        ratio(at(XNN, f), at(BLAS1, f)),
      ]),
    ));
  }
  const layers = bench.rows.filter((r) => r.unit === "layer" && r.backend === BLAS1);
  const shapes = [...new Set(layers.map((r) => `${r.B},${r.T},${r.D}`))].map((s) =>
    s.split(",").map(Number)
  ).sort((a, b) => a[1] - b[1]);
  if (shapes.length > 0) {
    out.push(table(
      [
        "GRU layer B, T, D",
        "forward",
        "BPTT",
        "FT-BPTT",
        "DSF",
        "DSF, XNNPACK",
        "DSF, BLAS 2",
        "PyTorch BPTT 1 / 2 threads",
        "PyTorch ref. DSF 1 / 2 threads",
        "BPTT / DSF",
        "DSF / forward",
        "DSF / PyTorch (1 thread)",
      ],
      shapes.map(([B, T, D]) => {
        const s = { B, T, D };
        const dsf = step("layer", "dsf", BLAS1, s);
        const bptt = step("layer", "bptt", BLAS1, s);
        const t1 = step("layer", "pytorch", TORCH1, s)?.stepMs;
        const t2 = step("layer", "pytorch", TORCH2, s)?.stepMs;
        return [
          `${B}, ${T}, ${D}`,
          ms(dsf?.forwardMs),
          ms(bptt?.stepMs),
          ms(step("layer", "ft-bptt", BLAS1, s)?.stepMs),
          ms(dsf?.stepMs),
          ms(step("layer", "dsf", XNN, s)?.stepMs),
          ms(step("layer", "dsf", BLAS2, s)?.stepMs),
          `${ms(t1)} / ${ms(t2)}`,
          `${ms(step("layer", "pytorch-dsf-ref", TORCH1, s)?.stepMs)} / ${
            ms(step("layer", "pytorch-dsf-ref", TORCH2, s)?.stepMs)
          }`,
          ratio(bptt?.stepMs, dsf?.stepMs),
          ratio(dsf?.stepMs, dsf?.forwardMs),
          ratio(dsf?.stepMs, t1),
        ];
      }),
    ));
  }
  const lms = bench.rows.filter((r) => r.unit === "ptb-lm" && r.backend === BLAS1);
  const lmShapes = [...new Set(lms.map((r) => `${r.B},${r.T},${r.D},${r.V}`))].map((s) =>
    s.split(",").map(Number)
  );
  if (lmShapes.length > 0) {
    out.push(table(
      [
        "PTB LM step B, T, D, V",
        "mode",
        "XNNPACK",
        "BLAS 1",
        "BLAS 2",
        "PyTorch 1 / 2 threads (BPTT; ref. DSF)",
        "XNNPACK / BLAS 1",
        "BLAS 1 / PyTorch 1 (same mode)",
        "BLAS 1 / BLAS 2",
      ],
      lmShapes.flatMap(([B, T, D, V]) =>
        GRADIENT_MODES.map((mode) => {
          const s = { B, T, D, V };
          const one = step("ptb-lm", mode, BLAS1, s)?.stepMs;
          // PyTorch's own BPTT beside ours; the reference code's DSF beside our DSF.
          const peer = mode === "bptt" ? "pytorch" : mode === "dsf" ? "pytorch-dsf-ref" : null;
          const t1 = peer ? step("ptb-lm", peer, TORCH1, s)?.stepMs : undefined;
          const t2 = peer ? step("ptb-lm", peer, TORCH2, s)?.stepMs : undefined;
          return [
            `${B}, ${T}, ${D}, ${V}`,
            mode.toUpperCase(),
            ms(step("ptb-lm", mode, XNN, s)?.stepMs),
            ms(one),
            ms(step("ptb-lm", mode, BLAS2, s)?.stepMs),
            peer ? `${ms(t1)} / ${ms(t2)}` : "",
            ratio(step("ptb-lm", mode, XNN, s)?.stepMs, one),
            ratio(one, t1),
            ratio(one, step("ptb-lm", mode, BLAS2, s)?.stepMs),
          ];
        })
      ),
    ));
  }
  return out.join("\n\n");
}

/**
 * The GRU layer on the webgpu backend, per T: the modes, DSF by the tf-ops scan and by the
 * custom kernel, and the backward's dependent-dispatch count of each DSF implementation.
 * @param bench a parsed `bench.json` of a webgpu run
 * @param source the folder it was read from, named in the text
 */
export function webgpuLayerTable(bench: SpeedTableInput, source: string): string {
  const rows = bench.rows.filter((r) => r.unit === "layer" && r.backend === "webgpu");
  const at = (T: number, mode: string, impl = "-") =>
    rows.find((r) => r.T === T && r.mode === mode && r.impl === impl);
  const lengths = [...new Set(rows.map((r) => r.T))].sort((a, b) => a - b);
  const { B, D } = rows[0] ?? { B: 0, D: 0 };
  const depth = (r?: { seqDispatches?: number | null }) => r?.seqDispatches ?? "–";
  return `GRU layer, B = ${B}, D = ${D}, webgpu on ${
    /adapter ([^;)]+\))/.exec(bench.meta.backend)?.[1] ?? "its adapter"
  }, ${bench.meta.date.slice(0, 10)} (\`${source}/bench.json\`); ms, and in brackets the ` +
    `backward's chain of dependent dispatches:\n\n` + table(
      ["T", "BPTT", "FT-BPTT", "DSF, tf-ops scan", "DSF, scan kernel", "BPTT / DSF (kernel)"],
      lengths.map((T) => {
        const kernel = at(T, "dsf", "webgpu");
        const bptt = at(T, "bptt");
        return [
          String(T),
          `${ms(bptt?.stepMs)} (${depth(bptt)})`,
          ms(at(T, "ft-bptt")?.stepMs),
          `${ms(at(T, "dsf", "scan")?.stepMs)} (${depth(at(T, "dsf", "scan"))})`,
          `${ms(kernel?.stepMs)} (${depth(kernel)})`,
          ratio(bptt?.stepMs, kernel?.stepMs),
        ];
      }),
    );
}
