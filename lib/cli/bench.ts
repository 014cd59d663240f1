/**
 * `deno task bench`: the training-step benchmark of DSF against BPTT, FT-BPTT and peers
 * (see `--help`, lib/bench/args.ts). Measurement is lib/bench; this file owns the files (the
 * JSONL results, the JSON and SVG outputs) and the PyTorch subprocess (bench/pytorch_peer.py,
 * kept running in `--serve` mode so that torch is imported once).
 *
 * ```sh
 * deno task bench --quick                      # CI subset, seconds
 * deno task bench --backend wasm --budget-min 60
 * deno task bench --cells rnn,gru,lstm --T 64,256 --D 256 --peers none --ptb off
 * ```
 *
 * @module
 */
import { runCommand } from "./command_line.ts";
import {
  cannotRead,
  checkOutputDir,
  checkOutputFile,
  MAX_JSONL_BYTES,
  readInputText,
} from "../io/bounded_file.ts";
import { portableArg, portablePath } from "../io/portable_path.ts";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BackendInfo, initBackend } from "../backend.ts";
import { BENCH_USAGE, type BenchArgs, parseBenchArgs } from "../bench/args.ts";
import { stepTimeFigure } from "../bench/plot.ts";
import { formatMatMulTable, type MatMulRow, timeMatMuls } from "../bench/matmul.ts";
import {
  type BenchCase,
  type BenchRow,
  caseKey,
  formatTable,
  isSkip,
  methodLabel,
  outputRow,
  parseResults,
  type SkipRecord,
  torchThreads,
} from "../bench/results.ts";
import { planCases, type PytorchRunner, runBenchSweep } from "../bench/sweep.ts";
import { resolveCacheDir } from "../io/dirs.ts";
import { REVERSE_SCAN_IMPLS } from "../ops/reverse_scan.ts";
import { saveFigure } from "../io/figures.ts";

const PEER_SCRIPT = fileURLToPath(new URL("../../bench/pytorch_peer.py", import.meta.url));

/** Default peak-memory limits per backend, GiB. */
const DEFAULT_MAX_MEM_GB: Record<string, number> = { wasm: 3, webgpu: 2, cpu: 8 };

function log(line: string): void {
  console.error(line);
}

/** Reads lines from a byte stream. */
class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  async next(): Promise<string | null> {
    while (true) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) {
        const rest = this.#buffer;
        this.#buffer = "";
        return rest === "" ? null : rest;
      }
      this.#buffer += value;
    }
  }

  cancel(): void {
    this.#reader.cancel().catch(() => {});
  }
}

/** The PyTorch peer process, started once; null with a reason when torch is not available. */
async function startPytorch(
  args: BenchArgs,
): Promise<{ run: PytorchRunner; close(): Promise<void> } | { missing: string }> {
  let python = args.python ?? Deno.env.get("DSF_PYTHON");
  if (!python) python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(python, {
      args: [PEER_SCRIPT, "--serve"],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    return { missing: `cannot run ${python}: ${(err as Error).message}` };
  }
  const writer = child.stdin.getWriter();
  const lines = new LineReader(child.stdout);
  const encoder = new TextEncoder();
  const ask = async (request: unknown): Promise<unknown> => {
    await writer.write(encoder.encode(JSON.stringify(request) + "\n"));
    const line = await lines.next();
    if (line === null) throw new Error("the PyTorch peer process ended");
    return JSON.parse(line);
  };
  const close = async () => {
    await writer.close().catch(() => {});
    lines.cancel();
    await child.status;
  };
  try {
    const hello = await ask({ cases: [] });
    if (!Array.isArray(hello)) {
      const why = (hello as { error?: string })?.error ?? JSON.stringify(hello);
      await close();
      return { missing: why };
    }
  } catch (err) {
    await close();
    const status = await child.status.catch(() => null);
    return {
      missing: `${python} ${PEER_SCRIPT} did not answer (${(err as Error).message}` +
        (status ? `, exit ${status.code}` : "") + `); is python3-torch installed?`,
    };
  }
  const run: PytorchRunner = async (c, opts) => {
    const rows = await ask({
      cases: [{ unit: c.unit, cell: c.cell, mode: c.mode, B: c.B, T: c.T, D: c.D, V: c.V }],
      warmup: opts.warmup,
      runs: opts.runs,
      threads: torchThreads(c.backend),
    }) as (BenchRow | { error: string })[];
    const row = rows[0];
    if (!row) return { error: "no row returned" };
    return "error" in row ? row : { ...row, backend: c.backend }; // the peer says "torch-cpu"
  };
  return { run, close };
}

/**
 * The wasm variants of `--blas` ("off" → "wasm", n → "wasm+blasN"), with the switch between
 * them; undefined where `--blas` is not given (then cases carry the plain backend name).
 * @throws Error when BLAS variants are asked for but no BLAS is in use
 */
async function blasVariants(
  blas: BenchArgs["blas"],
  info: BackendInfo,
): Promise<{ labels: string[]; prepare(c: BenchCase): void } | undefined> {
  if (blas.length === 0) {
    return info.blas ? { labels: [`wasm+blas${info.blas.threads}`], prepare() {} } : undefined;
  }
  if (info.name !== "wasm") throw new Error(`--blas applies to the wasm backend, not ${info.name}`);
  if (blas.some((b) => b !== "off") && !info.blas) {
    throw new Error(`--blas ${blas.join(",")}: no native BLAS is in use (${info.noBlas})`);
  }
  const native = await import("../native/mod.ts");
  const labels = blas.map((b) => b === "off" ? "wasm" : `wasm+blas${b}`);
  return {
    labels,
    prepare(c) {
      const m = c.backend.match(/^wasm\+blas(\d+)$/);
      native.setBlasMatMul(m !== null);
      if (m !== null) native.blasMatMul()!.setThreads(Number(m[1]));
    },
  };
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(Deno.args);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    return 2;
  }
  if (args.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const resultsPath = resolve(
    args.results ?? join(resolveCacheDir(), "bench", args.quick ? "quick.jsonl" : "results.jsonl"),
  );
  const outDir = resolve(args.out ?? dirname(resultsPath));
  try {
    await checkOutputFile(resultsPath, "the JSONL results file (--results)");
    await checkOutputDir(outDir, "the outputs (--out)");
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    return 2;
  }
  let info: BackendInfo;
  let variants: Awaited<ReturnType<typeof blasVariants>>;
  try {
    info = await initBackend({
      backend: args.backend,
      allowSoftwareGpu: args.backend === "webgpu",
      quiet: true,
    });
    variants = await blasVariants(args.blas, info);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    return 2;
  }
  log(info.line);
  const stem = args.quick ? "quick" : "bench";
  await Deno.mkdir(dirname(resultsPath), { recursive: true });
  await Deno.mkdir(outDir, { recursive: true });

  let text = "";
  try {
    text = await readInputText(resultsPath, {
      what: "a JSONL results file of deno task bench",
      maxBytes: MAX_JSONL_BYTES,
      tooBig: "start a new one with --results FILE",
    });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw cannotRead(resultsPath, err);
  }
  const { records: done, bad } = parseResults(text);
  if (bad > 0) log(`note: ${bad} unreadable line(s) in ${resultsPath} ignored`);

  const cases = planCases({
    cells: args.cells,
    Ts: args.Ts,
    Ds: args.Ds,
    B: args.B,
    backend: info.name,
    variants: variants?.labels,
    modes: args.modes,
    impls: args.impls,
    available: REVERSE_SCAN_IMPLS,
    peers: args.peers,
    ptb: args.ptb,
    torchThreads: args.threads,
  });
  const pending = (c: BenchCase) => {
    const rec = done.get(caseKey(c));
    return !rec || (isSkip(rec) && args.retrySkipped);
  };
  const reusedRows = cases.filter((c) => !pending(c));
  if (reusedRows.length > 0) {
    const skippedEarlier = reusedRows.map((c) => done.get(caseKey(c))!).filter(isSkip);
    console.log(
      `resuming ${resultsPath}: ${reusedRows.length} of ${cases.length} cases already recorded, ` +
        `not run again (${reusedRows.length - skippedEarlier.length} measured, ` +
        `${skippedEarlier.length} recorded as skipped${
          skippedEarlier.length && !args.retrySkipped ? "; --retry-skipped runs those" : ""
        })`,
    );
    for (const s of skippedEarlier) {
      console.log(
        `  skipped earlier: ${s.unit} ${s.cell} ${methodLabel(s)} T=${s.T} D=${s.D}: ${s.skipped}`,
      );
    }
  }

  let matmul: MatMulRow[] = [];
  if (args.matmul) {
    const labels = variants?.labels ?? [info.name];
    matmul = await timeMatMuls(args.matmul, {
      variants: labels,
      prepare: (v) => variants?.prepare({ backend: v } as BenchCase),
      runs: args.runs,
    });
    console.log(formatMatMulTable(matmul));
  }

  let torch: Awaited<ReturnType<typeof startPytorch>> | null = null;
  if (cases.some((c) => c.mode.startsWith("pytorch") && pending(c))) {
    torch = await startPytorch(args);
    if ("missing" in torch) log(`note: PyTorch peers skipped: ${torch.missing}`);
  }

  const file = await Deno.open(resultsPath, { append: true, create: true, write: true });
  const encoder = new TextEncoder();
  let result;
  try {
    result = await runBenchSweep(cases, {
      warmup: args.warmup,
      runs: args.runs,
      budgetMs: Number.isFinite(args.budgetMin) ? args.budgetMin * 60_000 : undefined,
      maxCaseMs: args.maxCaseMin * 60_000,
      maxBytes: (args.maxMemGb ?? DEFAULT_MAX_MEM_GB[info.name] ?? 8) * 2 ** 30,
      retrySkipped: args.retrySkipped,
      note: info.name === "webgpu" && info.adapter ? `adapter ${info.adapter}` : undefined,
    }, {
      done,
      save: async (rec) => {
        await file.write(encoder.encode(JSON.stringify(rec) + "\n"));
      },
      log,
      prepare: variants?.prepare,
      pytorch: torch && "run" in torch ? torch.run : undefined,
      pytorchMissing: torch && "missing" in torch ? torch.missing : undefined,
    });
  } finally {
    file.close();
    if (torch && "close" in torch) await torch.close();
  }

  const ordered: (BenchRow | SkipRecord)[] = [];
  const byKey = new Map([...result.rows, ...result.skipped].map((r) => [caseKey(r), r]));
  for (const c of cases) {
    const r = byKey.get(caseKey(c));
    if (r) ordered.push(r);
  }
  console.log(formatTable(ordered));
  const notRun = result.notRun;
  if (notRun.length > 0) {
    const budget = notRun.filter((n) => n.why === "budget").length;
    if (budget > 0) console.log(`budget reached: ${budget} case(s) not started; rerun to continue`);
    const other = notRun.filter((n) => n.why !== "budget");
    if (other.length > 0) console.log(`left out: ${other.length} case(s): ${other[0].why}`);
  }
  const meta = {
    backend: info.line,
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    cpu: await cpuModel(),
    args: Deno.args.map((a) => portableArg(a)),
    results: portablePath(resultsPath),
  };
  const jsonPath = join(outDir, `${stem}.json`);
  await Deno.writeTextFile(
    jsonPath,
    JSON.stringify(
      {
        meta,
        matmul,
        rows: result.rows.map(outputRow),
        skipped: result.skipped,
        notRun: notRun.map((n) => ({ ...n.c, why: n.why })),
      },
      null,
      1,
    ) + "\n",
  );
  const written = [jsonPath];
  for (const cell of args.cells) {
    const rows = result.rows.filter((r) => r.cell === cell && r.unit === "layer");
    if (rows.length === 0) continue;
    const fig = stepTimeFigure(rows, { cell, meta: { backend: info.name, B: args.B } });
    written.push(await saveFigure(fig, join(outDir, `${stem}_${cell}.svg`)));
  }
  console.log(
    `measured now: ${result.measuredNow}; wrote ${written.join(", ")}; results ${resultsPath}`,
  );
  console.log(JSON.stringify(result.rows.map(outputRow)));
  return 0;
}

await runCommand("bench", main);

/** The CPU's model name (Linux `/proc/cpuinfo`), or "unknown": a bench names its machine. */
async function cpuModel(): Promise<string> {
  const info = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim();
  return `${model ?? "unknown"}, ${navigator.hardwareConcurrency} cores`;
}
