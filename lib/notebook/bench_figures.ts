/**
 * The committed benchmark files as the complexity notebook (§4) shows them: step-time figures
 * per backend variant with what each file records of its run ({@link benchProvenance}), the
 * variants in words, and the speed ratios of several files side by side. The measurements are
 * lib/bench's (`bench_file.ts`); the log-log chart is {@link scalingChart}'s.
 *
 * @module
 */
import { type BenchFile, stepTimingRows } from "../bench/bench_file.ts";
import type { BenchRow } from "../bench/results.ts";
import type { Figure } from "../plot/mod.ts";
import { scalingChart } from "./complexity.ts";

/** One figure of {@link benchFileFigures}: the backend variant it shows, and the figure. */
export interface BenchFileFigure {
  /** The backend variant of its rows (e.g. "wasm+blas2", "torch-cpu"). */
  backend: string;
  /** The figure (its title names the variant, its subtitle the file). */
  figure: Figure;
  /** A file-name stem for it: the file's path under results/bench and the variant. */
  slug: string;
}

/**
 * The step-time figures of a committed benchmark file (`deno task bench`'s `bench.json`): its
 * layer rows of one cell (default gru) at the hidden width with the most sequence lengths,
 * log-log against T, one figure per backend variant (XNNPACK, BLAS threads, PyTorch threads:
 * one colour per method within each), each naming the file it comes from and captioned with
 * what the file records of its run and of that variant ({@link benchProvenance}). Empty when
 * the file has no such rows at two T or more.
 */
export function benchFileFigures(
  file: BenchFile,
  options: { name: string; cell?: string; height?: number },
): BenchFileFigure[] {
  const cell = options.cell ?? "gru";
  const layer = file.rows.filter((r) => (r.unit ?? "layer") === "layer" && r.cell === cell);
  const ts = new Map<number, Set<number>>();
  for (const r of layer) ts.set(r.D, (ts.get(r.D) ?? new Set()).add(r.T));
  const best = [...ts].sort((a, b) => b[1].size - a[1].size || b[0] - a[0])[0];
  if (!best || best[1].size < 2) return [];
  const D = best[0];
  const atD = layer.filter((r) => r.D === D);
  const backends = [...new Set(atD.map((r) => r.backend))];
  return backends.flatMap((backend) => {
    const mine = atD.filter((r) => r.backend === backend);
    if (new Set(mine.map((r) => r.T)).size < 2) return [];
    const notes = [...new Set(mine.map((r) => r.note).filter((n) => n))];
    const figure = scalingChart(stepTimingRows(mine), {
      x: "T",
      laws: [{ label: "∝ T", slope: 1 }],
      height: options.height,
      title: `Training step vs T: ${backend}, one ${cell.toUpperCase()} layer, D = ${D}`,
      subtitle: `committed sweep, from ${options.name}; B = ` +
        `${[...new Set(mine.map((r) => r.B))].join(", ")}; fastest of the timed runs`,
      caption: benchProvenance(file, options.name, [backend]) +
        (notes.length ? ` Rows' notes: ${notes.join("; ")}.` : ""),
    });
    const stem = options.name.replace(/^results\/bench\//, "").replace(/\.json$/, "");
    return [{ backend, figure, slug: `${stem}_${backend}`.replace(/[^\w-]+/g, "_") }];
  });
}

/** The methods of the PyTorch peers, in words. */
const PEER_WORDS: Readonly<Record<string, string>> = {
  pytorch: "PyTorch's own BPTT (nn.GRU with autograd)",
  "pytorch-dsf-ref": "the paper's reference DSF code in PyTorch (the feedback applied by a hook, " +
    "in a Python loop over time)",
};

/**
 * A backend variant of a committed benchmark file in words, from its name and what the file
 * records: `wasm` (tfjs's XNNPACK kernels), `wasm+blasN` (the matrix products in the BLAS
 * library the file names, on N threads), `torch-cpu` / `torch-cpu-Nt` (PyTorch, the version its
 * rows' notes name, on 1 or N threads), `webgpu` (the adapter its rows' notes name).
 */
export function benchVariantWords(file: BenchFile, backend: string): string {
  const notes = file.rows.filter((r) => r.backend === backend).map((r) => r.note ?? "");
  const text = `${file.meta.backend ?? ""} ${file.note ?? ""}`;
  const threads = (n: number) => `${n} thread${n === 1 ? "" : "s"}`;
  if (backend === "wasm") return "tfjs's wasm backend with its own XNNPACK kernels (no BLAS)";
  const blas = /^wasm\+blas(\d+)$/.exec(backend);
  if (blas) {
    const lib = /OpenBLAS(?: [\d.]+)?/.exec(text)?.[0] ??
      (/OPENBLAS/.test(text) ? "OpenBLAS" : "a BLAS library");
    const kernels = /\((\w+) kernels/.exec(text)?.[1] ?? /OPENBLAS_CORETYPE=(\w+)/.exec(text)?.[1];
    return `tfjs's wasm backend, its matrix products in ${lib}` +
      `${kernels ? ` (${kernels} kernels)` : ""} on ${threads(Number(blas[1]))}`;
  }
  const torch = /^torch-cpu(?:-(\d+)t)?$/.exec(backend);
  if (torch) {
    const version = notes.map((n) => /torch ([\w.]+)/.exec(n)?.[1]).find((v) => v);
    return `PyTorch${version ? ` ${version}` : ""} on the CPU, ${threads(Number(torch[1] ?? 1))}`;
  }
  if (backend === "webgpu") {
    const adapter = notes.map((n) => /adapter (.*)/.exec(n)?.[1]).find((v) => v);
    const soft = /llvmpipe/.test(`${adapter} ${text}`)
      ? " — Mesa's software renderer, which runs the shaders on the CPU: no GPU"
      : "";
    return `tfjs's webgpu backend${adapter ? ` through ${adapter}` : ""}${soft}`;
  }
  return backend;
}

/**
 * What a committed benchmark file records of its run, as a figure's caption or a table's note
 * says it: the file, when it was measured (`meta.date`, else a date in the file's note), the
 * CPU and Deno version — each fact the file does not record said so, once — and each backend
 * variant shown in words ({@link benchVariantWords}).
 */
export function benchProvenance(
  file: BenchFile,
  name: string,
  backends: readonly string[],
): string {
  const m = file.meta;
  const noted = file.note?.match(
    /\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?: to \d{2}:\d{2}(?::\d{2})?)?(?: UTC)?/,
  )?.[0];
  const when = m.date
    ? `${m.date.slice(0, 16).replace("T", " ")} UTC`
    : noted
    ? `${noted}${/UTC$/.test(noted) ? "" : " UTC"} (the file's note)`
    : undefined;
  const facts = [
    when ? `measured ${when}` : "",
    m.cpu ? `on ${m.cpu}` : "",
    m.deno ? `Deno ${m.deno}` : "",
  ].filter((f) => f);
  const unrecorded = [
    when ? "" : "the date",
    m.cpu ? "" : "the machine",
    m.deno ? "" : "Deno's version",
  ]
    .filter((f) => f);
  const variants = backends.map((b) => `${b}: ${benchVariantWords(file, b)}`);
  return `${name}: ${facts.join(", ") || "no facts of the run recorded"}` +
    (facts.length && unrecorded.length
      ? ` (${unrecorded.join(", ")} not recorded in the file)`
      : "") +
    `. ${variants.join("; ")}.`;
}

/** Options of {@link benchStepFigure}. */
export interface BenchStepFigureOptions {
  /** The file's path, as the caption names it. */
  name: string;
  /** The backend variants drawn together (e.g. our best one-thread variant and PyTorch's). */
  backends: readonly string[];
  /** The hidden width. */
  D: number;
  /** The cell (default gru). */
  cell?: string;
  /** Height of the plot area in px. */
  height?: number;
}

/**
 * One figure of a committed benchmark file's layer step against T at one width, for several
 * backend variants at once (a method is named plainly when only one variant has it, else
 * `method · variant`), log-log with a slope-1 reference, captioned with the file's run facts,
 * each variant and each PyTorch peer in words. Null when fewer than two T were measured.
 */
export function benchStepFigure(file: BenchFile, options: BenchStepFigureOptions): Figure | null {
  const cell = options.cell ?? "gru";
  const mine = file.rows.filter((r) =>
    (r.unit ?? "layer") === "layer" && r.cell === cell && r.D === options.D &&
    options.backends.includes(r.backend)
  );
  if (new Set(mine.map((r) => r.T)).size < 2) return null;
  const plain = (r: BenchRow) => (r.mode === "dsf" ? `dsf-${r.impl}` : r.mode);
  const shared = new Set(
    mine.filter((r) => mine.some((o) => plain(o) === plain(r) && o.backend !== r.backend)).map(
      plain,
    ),
  );
  const rows = stepTimingRows(mine).map((t, i) => ({
    ...t,
    method: shared.has(plain(mine[i])) ? `${plain(mine[i])} · ${mine[i].backend}` : plain(mine[i]),
  }));
  const peers = [...new Set(mine.map(plain))].filter((m) => PEER_WORDS[m]);
  return scalingChart(rows, {
    x: "T",
    laws: [{ label: "∝ T", slope: 1 }],
    height: options.height,
    title: `Training step of one ${cell.toUpperCase()} layer vs T, D = ${options.D}`,
    subtitle: `${options.backends.join(" and ")}; ${options.name}; B = ` +
      `${[...new Set(mine.map((r) => r.B))].join(", ")}; fastest of the timed steps`,
    caption: benchProvenance(file, options.name, options.backends) +
      (peers.length ? ` ${peers.map((p) => `${p}: ${PEER_WORDS[p]}`).join("; ")}.` : ""),
  });
}

/** A committed benchmark file and the short name its columns take (e.g. "earlier run"). */
export interface LabelledBenchFile {
  /** Column suffix; "" for the file the table is read from first. */
  label: string;
  /** The parsed file. */
  file: BenchFile;
}

/**
 * The speed ratios of committed benchmark files side by side, at one width: per step (the GRU
 * layer, then the PTB LM step), shape (B, T) and backend variant, the first file's median BPTT
 * step and fastest DSF implementation's, then in each file BPTT's step over that DSF's and DSF's
 * over FT-BPTT's (median steps). Shapes and variants are the first file's; NaN where a file
 * lacks the row.
 */
export function benchSpeedRows(
  files: readonly LabelledBenchFile[],
  options: { D: number; backends: readonly string[] },
): Record<string, string | number>[] {
  const out: Record<string, string | number>[] = [];
  const first = files[0]?.file.rows ?? [];
  const col = (name: string, label: string) => (label ? `${name}, ${label}` : name);
  for (const unit of ["layer", "ptb-lm"]) {
    for (const backend of options.backends) {
      const here = (rows: readonly BenchRow[]) =>
        rows.filter((r) =>
          (r.unit ?? "layer") === unit && r.backend === backend && r.D === options.D
        );
      const shapes = [...new Set(here(first).map((r) => `${r.B}|${r.T}`))];
      for (const shape of shapes) {
        const [B, T] = shape.split("|").map(Number);
        const at = (rows: readonly BenchRow[]) => here(rows).filter((r) => r.B === B && r.T === T);
        const pick = (rows: readonly BenchRow[], mode: string) =>
          at(rows).filter((r) => r.mode === mode).sort((a, b) => a.stepMs - b.stepMs)[0];
        const row: Record<string, string | number> = {
          step: unit === "layer" ? "GRU layer" : "PTB LM",
          "B, T": `${B}, ${T}`,
          variant: backend,
        };
        const [bptt0, dsf0] = [pick(first, "bptt"), pick(first, "dsf")];
        row["BPTT ms"] = bptt0?.stepMs ?? NaN;
        row["DSF ms (fastest impl.)"] = dsf0
          ? `${Number(dsf0.stepMs.toPrecision(3))} (${dsf0.impl})`
          : "–";
        for (const f of files) {
          const [b, d] = [pick(f.file.rows, "bptt"), pick(f.file.rows, "dsf")];
          row[col("BPTT / DSF", f.label)] = b && d ? b.stepMs / d.stepMs : NaN;
        }
        for (const f of files) {
          const [d, ft] = [pick(f.file.rows, "dsf"), pick(f.file.rows, "ft-bptt")];
          row[col("DSF / FT-BPTT", f.label)] = d && ft ? d.stepMs / ft.stepMs : NaN;
        }
        out.push(row);
      }
    }
  }
  return out;
}

/**
 * The PyTorch peers' median layer steps of a committed benchmark file at one width, per T: its
 * BPTT and the reference DSF code, on each thread count measured (`torch-cpu`, `torch-cpu-2t`).
 */
export function benchPeerRows(file: BenchFile, D: number): Record<string, number>[] {
  const rows = file.rows.filter((r) =>
    (r.unit ?? "layer") === "layer" && r.D === D && /^torch-cpu/.test(r.backend)
  );
  const backends = [...new Set(rows.map((r) => r.backend))].sort();
  const Ts = [...new Set(rows.map((r) => r.T))].sort((a, b) => a - b);
  const threads = (b: string) => Number(/-(\d+)t$/.exec(b)?.[1] ?? 1);
  return Ts.map((T) => {
    const out: Record<string, number> = { T };
    for (const mode of ["pytorch", "pytorch-dsf-ref"]) {
      for (const b of backends) {
        const n = threads(b);
        out[`${mode}, ${n} thread${n === 1 ? "" : "s"} (ms)`] = rows.find((r) =>
          r.T === T && r.mode === mode && r.backend === b
        )?.stepMs ?? NaN;
      }
    }
    return out;
  });
}
