/**
 * Command-line options of `deno task bench` (parsed here, without Deno APIs, so that they can
 * be tested and reused).
 *
 * @module
 */
import { CELL_KINDS, type CellKind } from "../cells/mod.ts";
import type { ReverseScanImpl } from "../ops/reverse_scan.ts";
import type { GradientMode } from "../recurrent.ts";
import { PEER_MODES, type PeerMode } from "./results.ts";
import { BENCH_IMPLS, BENCH_MODES } from "./sweep.ts";
import type { PtbShape } from "./ptb_lm.ts";

/** The parsed options. */
export interface BenchArgs {
  /** tfjs backend: cpu, wasm, webgpu or auto. */
  backend: "cpu" | "wasm" | "webgpu" | "auto";
  /** Cell kinds. */
  cells: CellKind[];
  /** Sequence lengths. */
  Ts: number[];
  /** Hidden widths. */
  Ds: number[];
  /** Batch. */
  B: number;
  /** The project's modes. */
  modes: GradientMode[];
  /** DSF scan algorithms. */
  impls: ReverseScanImpl[];
  /** Peers. */
  peers: PeerMode[];
  /** PTB LM step shapes (empty: none). */
  ptb: PtbShape[];
  /** Untimed steps per case. */
  warmup: number;
  /** Timed steps per case. */
  runs: number;
  /** Wall-clock budget of the whole sweep, minutes (Infinity: none). */
  budgetMin: number;
  /** Longest a single case may take, minutes. */
  maxCaseMin: number;
  /** Peak tensor memory limit, GiB (undefined: the backend's default). */
  maxMemGb?: number;
  /** Results JSONL file (undefined: the default under .cache/bench). */
  results?: string;
  /** Folder of the JSON and SVG outputs (undefined: the results file's folder). */
  out?: string;
  /** Re-measure cases recorded as skipped. */
  retrySkipped: boolean;
  /** Python interpreter for the PyTorch peers (undefined: DSF_PYTHON, /usr/bin/python3, python3). */
  python?: string;
  /** Torch thread counts, one PyTorch peer each. */
  threads: number[];
  /** The matMul product to time in its three forms first, or null for none. */
  matmul: { M: number; K: number; N: number } | null;
  /** wasm matMul variants to measure: "off" (XNNPACK) and BLAS thread counts; [] = as started. */
  blas: ("off" | number)[];
  /** The small CI subset. */
  quick: boolean;
  /** Print the usage and exit. */
  help: boolean;
}

/** The usage text. */
export const BENCH_USAGE = `deno task bench [options]

Measures one recurrent layer [B,T,D] + Linear(S→16) readout (MSE vs a fixed random target)
per cell, mode and backend: plain forward, its matMul floor, a training step (forward +
backward + Adam) for bptt, ft-bptt and dsf (sequential / scan / fft), peak tensor memory and
the backward's dependent-dispatch count; plus peers (tfjs-layers model.fit, PyTorch nn.GRU,
PyTorch reference-style DSF) and a full PTB LM step (GRU 1L256, 10k head) per mode.
Results are appended to a JSONL file; a rerun skips what is already there.

  --backend NAME       cpu | wasm | webgpu | auto (default auto)
  --cells LIST         rnn,gru,lstm (default gru)
  --T LIST             sequence lengths (default 16,64,256,1024)
  --D LIST             hidden widths (default 128,256,512)
  --B N                batch (default 32)
  --modes LIST         bptt,ft-bptt,dsf (default all)
  --impls LIST         dsf scan algorithms (default sequential,scan,fft, and the backend's own
                       kernel: wasm on wasm, webgpu on webgpu)
  --peers LIST         tfjs-layers,pytorch,pytorch-dsf-ref or none (default all)
  --ptb SHAPES         PTB LM steps as B,T,D,V, several joined by ";" (default 32,64,256,10000)
                       or off
  --warmup N           untimed steps per case (default 1)
  --runs N             timed steps per case (default 5; fewer when a case is slow)
  --budget-min M       stop starting cases after M minutes (default: no limit)
  --max-case-min M     skip a case estimated to take longer (default 10)
  --max-mem-gb G       skip a case estimated to need more tensor memory
                       (default: wasm 3 (its heap stops at 4), webgpu 2, cpu 8)
  --results FILE       JSONL results (default .cache/bench/results.jsonl; quick: quick.jsonl)
  --out DIR            folder of the JSON and SVG outputs (default: the results file's)
  --retry-skipped      measure cases recorded as skipped again
  --python PATH        interpreter with torch (default $DSF_PYTHON, /usr/bin/python3, python3)
  --threads LIST       torch thread counts, each a peer ("torch-cpu" at 1, "torch-cpu-Nt";
                       default 1)
  --matmul M,K,N|off  the plain and transposed matMul [M,K]·[K,N] on each variant first
                       (default 2048,256,768; off with --quick)
  --blas LIST          wasm only: the matMul kernels to measure side by side, "off" (XNNPACK)
                       and/or native-BLAS thread counts, e.g. off,1,2 (default: as started,
                       i.e. DSF_BLAS / DSF_THREADS)
  --quick              CI subset: T 16,64, D 64, 1 run, PTB 8,16,64,1000
  -h, --help           this text

Output: progress on stderr; on stdout the table, the output paths, and as the LAST line the
JSON array of rows {cell, mode, impl, backend, B, T, D, forwardMs, matmulFloorMs, stepMs,
stepMinMs, stepMaxMs, peakBytes, seqDispatches, ...}.`;

function list(v: string): string[] {
  return v.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** The largest value each count option takes (the smallest is 1; 0 where said). */
export const BENCH_LIMITS = {
  T: 65536,
  D: 8192,
  B: 4096,
  V: 1_000_000,
  matmul: 65536,
  threads: 256,
  warmup: 100,
  runs: 1000,
  "budget-min": 10080,
  "max-case-min": 1440,
  "max-mem-gb": 1024,
} as const;

function ints(name: string, v: string, max: number = BENCH_LIMITS[name as "T"]): number[] {
  const out = list(v).map(Number);
  if (out.length === 0 || !out.every((n) => Number.isInteger(n) && n >= 1 && n <= max)) {
    throw new Error(
      `--${name}: expected whole numbers from 1 to ${max} separated by commas, got "${v}"`,
    );
  }
  return out;
}

/** A list with repeats dropped, first occurrences kept in order (a repeat is the same case). */
function distinct(values: number[]): number[] {
  return [...new Set(values)];
}

function num(name: keyof typeof BENCH_LIMITS, v: string, min: number, integer = false): number {
  const n = Number(v);
  const max = BENCH_LIMITS[name];
  if (
    v.trim() === "" || !Number.isFinite(n) || n < min || n > max ||
    (integer && !Number.isInteger(n))
  ) {
    throw new Error(
      `--${name}: expected ${integer ? "a whole number" : "a number"} from ${min} to ${max}, ` +
        `got "${v}"`,
    );
  }
  return n;
}

function oneOf<T extends string>(name: string, values: string[], allowed: readonly T[]): T[] {
  for (const v of values) {
    if (!(allowed as readonly string[]).includes(v)) {
      throw new Error(`--${name}: "${v}" is not one of ${allowed.join(", ")}`);
    }
  }
  return values as T[];
}

const VALUE_FLAGS = new Set([
  "backend",
  "cells",
  "T",
  "D",
  "B",
  "modes",
  "impls",
  "peers",
  "ptb",
  "warmup",
  "runs",
  "budget-min",
  "max-case-min",
  "max-mem-gb",
  "results",
  "out",
  "python",
  "threads",
  "blas",
  "matmul",
]);
const BOOL_FLAGS = new Set(["retry-skipped", "quick", "help"]);

/**
 * Parses the command line. `--quick` sets the CI subset first; explicit options override it.
 * @throws Error naming the bad option
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const given = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h") {
      flags.add("help");
      continue;
    }
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}" (see --help)`);
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (BOOL_FLAGS.has(name)) {
      if (eq >= 0) throw new Error(`--${name} takes no value`);
      flags.add(name);
    } else if (VALUE_FLAGS.has(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      given.set(name, value);
    } else {
      throw new Error(`unknown option --${name} (see --help)`);
    }
  }
  const quick = flags.has("quick");
  const args: BenchArgs = {
    backend: "auto",
    cells: ["gru"],
    Ts: quick ? [16, 64] : [16, 64, 256, 1024],
    Ds: quick ? [64] : [128, 256, 512],
    B: 32,
    modes: [...BENCH_MODES],
    impls: [...BENCH_IMPLS],
    peers: [...PEER_MODES],
    ptb: quick ? [{ B: 8, T: 16, D: 64, V: 1000 }] : [{ B: 32, T: 64, D: 256, V: 10000 }],
    warmup: 1,
    runs: quick ? 1 : 5,
    budgetMin: Infinity,
    maxCaseMin: 10,
    retrySkipped: flags.has("retry-skipped"),
    threads: [1],
    blas: [],
    matmul: quick ? null : { M: 2048, K: 256, N: 768 },
    quick,
    help: flags.has("help"),
  };
  for (const [name, v] of given) {
    switch (name) {
      case "backend":
        args.backend = oneOf(name, [v], [
          "cpu",
          "wasm",
          "webgpu",
          "auto",
        ])[0] as BenchArgs["backend"];
        break;
      case "cells":
        args.cells = oneOf(name, list(v), CELL_KINDS);
        break;
      case "T":
        args.Ts = distinct(ints(name, v));
        break;
      case "D":
        args.Ds = distinct(ints(name, v));
        break;
      case "B":
        [args.B] = ints(name, v);
        if (list(v).length > 1) throw new Error(`--B: one batch size, got "${v}"`);
        break;
      case "modes":
        args.modes = oneOf(name, list(v), BENCH_MODES);
        break;
      case "impls":
        args.impls = oneOf(name, list(v), BENCH_IMPLS);
        break;
      case "peers":
        args.peers = v === "none" ? [] : oneOf(name, list(v), PEER_MODES) as PeerMode[];
        break;
      case "ptb": {
        if (v === "off" || v === "none") {
          args.ptb = [];
          break;
        }
        args.ptb = v.split(";").map((shape) => {
          const [B, T, D, V, extra] = ints(name, shape, BENCH_LIMITS.V);
          const within = [["B", B], ["T", T], ["D", D]] as const;
          for (const [k, x] of within) {
            if (x > BENCH_LIMITS[k]) {
              throw new Error(`--ptb: ${k} is at most ${BENCH_LIMITS[k]}, got ${x} in "${shape}"`);
            }
          }
          if (V === undefined || extra !== undefined) {
            throw new Error(`--ptb: expected B,T,D,V[;B,T,D,V…] or off, got "${v}"`);
          }
          return { B, T, D, V };
        });
        break;
      }
      case "warmup":
        args.warmup = num(name, v, 0, true);
        break;
      case "runs":
        args.runs = num(name, v, 1, true);
        break;
      case "budget-min":
        args.budgetMin = num(name, v, 0);
        break;
      case "max-case-min":
        args.maxCaseMin = num(name, v, 0);
        break;
      case "max-mem-gb":
        args.maxMemGb = num(name, v, 0);
        break;
      case "results":
        args.results = v;
        break;
      case "out":
        args.out = v;
        break;
      case "python":
        args.python = v;
        break;
      case "threads":
        args.threads = distinct(ints(name, v));
        break;
      case "matmul": {
        if (v === "off" || v === "none") {
          args.matmul = null;
          break;
        }
        const [M, K, N] = ints(name, v, BENCH_LIMITS.matmul);
        if (N === undefined) throw new Error(`--matmul: expected M,K,N or off, got "${v}"`);
        args.matmul = { M, K, N };
        break;
      }
      case "blas":
        args.blas = list(v).map((x) => {
          if (x === "off") return x;
          const n = Number(x);
          if (!Number.isInteger(n) || n < 1 || n > BENCH_LIMITS.threads) {
            throw new Error(
              `--blas: expected off or thread counts from 1 to ${BENCH_LIMITS.threads} ` +
                `(e.g. off,1,2), got "${x}"`,
            );
          }
          return n;
        });
        break;
    }
  }
  return args;
}
