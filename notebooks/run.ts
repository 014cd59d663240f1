/**
 * Executes Jupyter notebooks (Deno kernel) headless with `jupyter nbconvert`, one after the
 * other, and fails naming the notebook and cell if any cell fails.
 *
 * Usage: `deno run -A notebooks/run.ts [options] [notebook ...]` (default: notebooks/*.ipynb,
 * sorted; a bare name is looked up in notebooks/).
 *
 *   --out DIR       folder for the executed notebooks (default out/notebooks)
 *   --in-place      overwrite the notebooks themselves with their fresh outputs
 *   --scale NAME    DSF_SCALE for the notebooks (default: env DSF_SCALE, else "quick")
 *   --timeout SEC   limit per cell (default 86400)
 *   --verbose       show nbconvert's and the kernel's own log lines
 *   --timings FILE  also write each notebook's wall time (and the scale, date, total) as JSON
 *   --no-late-outputs  plain `--execute` (see below)
 *
 * Environment passed to the kernel: DSF_SCALE, DSF_BACKEND, DSF_DATA_DIR (made absolute) and
 * DSF_NOTEBOOK_OUT (where notebooks save figures; default: the output folder, or
 * notebooks/figures/ with --in-place), and NO_COLOR=1 (plain text results). The kernel runs in the notebook's own folder
 * (nbconvert's default, also with --out), so `../lib/mod.ts` imports and the deno.json import map
 * resolve as when the notebook is opened in Jupyter.
 *
 * Late outputs: Deno's kernel can publish a cell's "idle" status before the cell's last outputs
 * (stdout, displays, even the cell's result), and nbclient then drops them. So by default the
 * notebook runs through a small subclass of nbconvert's ExecutePreprocessor (written to a temp
 * folder, put on PYTHONPATH) that keeps reading the cell's messages until none came for 0.15 s.
 *
 * @module
 */

import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** How to install what this script needs. */
export const INSTALL_HINT: string = [
  "Jupyter with the Deno kernel is needed to run notebooks. Install it with:",
  "  apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client jupyter-core",
  "  deno jupyter --install",
].join("\n");

/** Python module: ExecutePreprocessor that also collects a cell's outputs published after idle. */
const LATE_OUTPUTS_PY = `
"""Written by notebooks/run.ts. ExecutePreprocessor that keeps reading a cell's IOPub
messages after its 'idle' status, until none arrived for quiet_seconds: Deno's kernel can
publish idle before the cell's last outputs, which nbclient would otherwise drop."""
from queue import Empty
from time import monotonic

from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async
from nbconvert.preprocessors import ExecutePreprocessor
from traitlets import Float


class LateOutputsExecutePreprocessor(ExecutePreprocessor):
    quiet_seconds = Float(0.15).tag(config=True)
    max_late_seconds = Float(3.0).tag(config=True)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        assert self.kc is not None
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    break
        deadline = monotonic() + self.max_late_seconds
        while True:
            wait = min(self.quiet_seconds, deadline - monotonic())
            if wait <= 0:
                return
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=wait))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] == "status":
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass
`;

/** Parsed command line. */
export interface RunArgs {
  /** Notebooks to run (absolute paths). */
  notebooks: string[];
  /** Output folder (absolute), unless in place. */
  out: string;
  /** Overwrite the notebooks. */
  inPlace: boolean;
  /** DSF_SCALE value. */
  scale: string;
  /** Per-cell timeout in seconds. */
  timeout: number;
  /** Show nbconvert's log. */
  verbose: boolean;
  /** Use the late-outputs preprocessor. */
  lateOutputs: boolean;
  /** Where to write the run's timings as JSON (absolute), if anywhere. */
  timings?: string;
}

/** Parses run.ts arguments (`--out`, `--in-place`, `--scale`, `--timeout`, `--verbose`). */
export function parseArgs(args: string[], options: { cwd?: string } = {}): RunArgs {
  const cwd = options.cwd ?? Deno.cwd();
  const parsed: RunArgs = {
    notebooks: [],
    out: join(ROOT, "out", "notebooks"),
    inPlace: false,
    scale: Deno.env.get("DSF_SCALE") || "quick",
    timeout: 86400,
    verbose: false,
    lateOutputs: true,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] = a.startsWith("--") && a.includes("=")
      ? a.split(/=(.*)/s)
      : [a, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--out") parsed.out = resolve(cwd, value());
    else if (flag === "--in-place" || flag === "--inplace") parsed.inPlace = true;
    else if (flag === "--scale") parsed.scale = value();
    else if (flag === "--timeout") {
      parsed.timeout = Number(value());
      if (!(parsed.timeout > 0)) throw new Error("--timeout needs a positive number of seconds");
    } else if (flag === "--verbose" || flag === "-v") parsed.verbose = true;
    else if (flag === "--no-late-outputs") parsed.lateOutputs = false;
    else if (flag === "--timings") parsed.timings = resolve(cwd, value());
    else if (flag.startsWith("-")) throw new Error(`unknown option ${flag}`);
    else {
      const withExt = a.endsWith(".ipynb") ? a : `${a}.ipynb`;
      parsed.notebooks.push(
        a.includes("/") ? resolve(cwd, withExt) : join(ROOT, "notebooks", withExt),
      );
    }
  }
  return parsed;
}

async function capture(
  cmd: string,
  args: string[],
): Promise<{ ok: boolean; stdout: string; text: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    const stdout = dec.decode(out.stdout);
    return { ok: out.success, stdout, text: stdout + dec.decode(out.stderr) };
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return { ok: false, stdout: "", text };
  }
}

/**
 * Checks that `jupyter nbconvert` and the Deno kernel are installed; returns a problem
 * description with the install hint, or undefined when all is there.
 */
export async function checkJupyter(): Promise<string | undefined> {
  const nbconvert = await capture("jupyter", ["nbconvert", "--version"]);
  if (!nbconvert.ok) {
    return `jupyter nbconvert is not available (${
      nbconvert.text.trim().split("\n").pop()
    }).\n${INSTALL_HINT}`;
  }
  const specs = await capture("jupyter", ["kernelspec", "list", "--json"]);
  try {
    const json = JSON.parse(specs.stdout);
    if (json?.kernelspecs?.deno) return undefined;
  } catch {
    // fall through
  }
  return `the Deno Jupyter kernel is not installed (no "deno" in \`jupyter kernelspec list\`).\n${INSTALL_HINT}`;
}

/** The failing cell found in nbconvert's error output. */
export interface CellFailure {
  /** 1-based cell index in the notebook, when the cell's source was found. */
  cell?: number;
  /** Error text (name, message, traceback). */
  error: string;
}

/**
 * Finds the failing cell in nbconvert's stderr (`CellExecutionError`: the cell's source between
 * dashed lines, then the error) by matching the source against the notebook's cells.
 */
export function parseFailure(stderr: string, cells: string[]): CellFailure {
  const text = stderr.replace(new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g"), "");
  const at = text.lastIndexOf("An error occurred while executing the following cell:");
  if (at < 0) {
    const tail = text.trim().split("\n").filter((l) => !/^\s*$/.test(l)).slice(-15);
    return { error: tail.join("\n") };
  }
  const rest = text.slice(at);
  const parts = rest.split(/^-{18}\s*$/m);
  const source = (parts[1] ?? "").replace(/^\n/, "").replace(/\n$/, "");
  const error = (parts.slice(2).join("\n").trim() || rest).split("\n").slice(0, 30).join("\n");
  const index = cells.findIndex((c) => c.trim() === source.trim());
  return { cell: index >= 0 ? index + 1 : undefined, error };
}

function cellSources(notebook: { cells?: { source: string | string[] }[] }): string[] {
  return (notebook.cells ?? []).map((c) => Array.isArray(c.source) ? c.source.join("") : c.source);
}

function show(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

/** Result of running one notebook. */
export interface NotebookRun {
  /** The source notebook. */
  notebook: string;
  /** The executed notebook written. */
  output: string;
  /** Seconds taken. */
  seconds: number;
  /** Failure, if any. */
  failure?: CellFailure;
}

/** Runs one notebook through nbconvert. */
async function runOne(
  path: string,
  args: RunArgs,
  env: Record<string, string>,
): Promise<NotebookRun> {
  const output = args.inPlace ? path : join(args.out, basename(path));
  const exec = args.lateOutputs
    ? [
      `--NotebookExporter.preprocessors=["dsf_late_outputs.LateOutputsExecutePreprocessor"]`,
      "--LateOutputsExecutePreprocessor.enabled=True",
    ]
    : ["--execute"];
  const cmd = [
    "nbconvert",
    "--to",
    "notebook",
    ...exec,
    "--ExecutePreprocessor.kernel_name=deno",
    `--ExecutePreprocessor.timeout=${Math.round(args.timeout)}`,
    "--ExecutePreprocessor.record_timing=False",
    ...(args.inPlace ? ["--inplace"] : ["--output-dir", args.out]),
    path,
  ];
  const start = performance.now();
  const child = new Deno.Command("jupyter", {
    args: cmd,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>, echo: boolean) => {
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      chunks.push(text);
      if (echo) await Deno.stderr.write(chunk);
    }
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, args.verbose),
    pump(child.stderr, args.verbose),
  ]);
  const seconds = (performance.now() - start) / 1000;
  if (status.success) return { notebook: path, output, seconds };
  const notebook = JSON.parse(await Deno.readTextFile(path));
  return {
    notebook: path,
    output,
    seconds,
    failure: parseFailure(chunks.join(""), cellSources(notebook)),
  };
}

async function listNotebooks(): Promise<string[]> {
  const dir = join(ROOT, "notebooks");
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".ipynb")) names.push(e.name);
  }
  return names.sort().map((n) => join(dir, n));
}

/** Runs the notebooks; returns the exit status (0 all ran, 1 a notebook failed, 2 setup). */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(
      "usage: deno run -A notebooks/run.ts [--out DIR | --in-place] [--scale NAME] [--timeout SEC] [--verbose] [notebook ...]",
    );
    return 0;
  }
  let args: RunArgs;
  try {
    args = parseArgs(argv);
    if (args.notebooks.length === 0) args.notebooks = await listNotebooks();
    for (const nb of args.notebooks) await Deno.stat(nb);
  } catch (err) {
    console.error(`run: ${err instanceof Error ? err.message : err}`);
    return 2;
  }
  if (args.notebooks.length === 0) {
    console.log("run: no notebooks to run");
    return 0;
  }
  const problem = await checkJupyter();
  if (problem) {
    console.error(`run: ${problem}`);
    return 2;
  }
  const tmp = await Deno.makeTempDir({ prefix: "dsf_nbrun_" });
  try {
    await Deno.writeTextFile(join(tmp, "dsf_late_outputs.py"), LATE_OUTPUTS_PY);
    if (!args.inPlace) await Deno.mkdir(args.out, { recursive: true });
    const base = Deno.env.toObject();
    const absolute = (v: string | undefined) => v ? resolve(v) : undefined;
    const runs: NotebookRun[] = [];
    for (const nb of args.notebooks) {
      const env: Record<string, string> = {
        ...base,
        DSF_SCALE: args.scale,
        DSF_NOTEBOOK_OUT: absolute(base.DSF_NOTEBOOK_OUT) ??
          (args.inPlace ? join(dirname(nb), "figures") : args.out),
        NO_COLOR: "1",
        PYTHONPATH: [tmp, base.PYTHONPATH].filter((p) => p).join(":"),
      };
      const dataDir = absolute(base.DSF_DATA_DIR);
      if (dataDir) env.DSF_DATA_DIR = dataDir;
      console.log(
        `run   ${show(nb)} (DSF_SCALE=${args.scale}${
          base.DSF_BACKEND ? `, DSF_BACKEND=${base.DSF_BACKEND}` : ""
        })`,
      );
      const run = await runOne(nb, args, env);
      runs.push(run);
      if (run.failure) {
        const where = run.failure.cell ? `cell ${run.failure.cell}` : "a cell (not identified)";
        console.log(`FAIL  ${show(nb)} after ${run.seconds.toFixed(1)}s: ${where} failed:`);
        console.log(run.failure.error.replace(/^/gm, "      "));
      } else {
        console.log(`ok    ${show(nb)} ${run.seconds.toFixed(1)}s -> ${show(run.output)}`);
      }
    }
    const failed = runs.filter((r) => r.failure);
    const total = runs.reduce((s, r) => s + r.seconds, 0);
    if (args.timings) {
      // Merged into the file: a refresh of some notebooks keeps the others' last timings.
      const previous = await Deno.readTextFile(args.timings).then(JSON.parse).catch(() => ({}));
      const date = new Date().toISOString();
      const entries: Record<string, unknown> = { ...previous.notebooks };
      for (const r of runs) {
        entries[basename(r.notebook)] = {
          seconds: Math.round(r.seconds),
          ok: !r.failure,
          date,
          scale: args.scale,
          threads: base.DSF_THREADS ?? "default",
        };
      }
      const timings = { notebooks: entries };
      await Deno.writeTextFile(args.timings, JSON.stringify(timings, null, 2) + "\n");
    }
    console.log(
      `${runs.length} notebook(s) in ${total.toFixed(1)}s: ${runs.length - failed.length} ok` +
        (failed.length
          ? `, ${failed.length} failed (${failed.map((r) => basename(r.notebook)).join(", ")})`
          : ""),
    );
    return failed.length > 0 ? 1 : 0;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
