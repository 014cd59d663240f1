/**
 * The harness of the bad-input tests (tests/cli_bad_input*_test.ts): each case runs one CLI in a
 * scratch folder `<tmp>/a/b` (with `results/` and a README), and must exit 2 with one line on
 * stderr saying what is wrong, no "Uncaught" stack, within a time limit (a special file must
 * not hang it), and leave every file of the scratch tree as it was.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveConfig } from "../lib/config/resolve.ts";
import type { Config } from "../lib/config/schema.ts";
import { resultsStem } from "../lib/io/results_files.ts";

const LIB = new URL("../lib/cli/", import.meta.url).pathname;
export const DATA = Deno.env.get("DSF_DATA_DIR") ??
  new URL("../../shared/data", import.meta.url).pathname;

/** One bad command line. */
export interface Case {
  what: string;
  cli: string;
  args: string[];
  /** What the one line must say. */
  says: RegExp;
  env?: Record<string, string>;
  /** Text on stdin (default: none, /dev/null). */
  stdin?: string;
  /** Or a file (e.g. /dev/zero) streamed to stdin. */
  stdinFrom?: string;
  /** Prepares the scratch folder (runs inside it). */
  setup?(root: string): void;
}

/** Every entry under `root`: a regular file's bytes, or what else it is (never opened). */
export function tree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const p = join(dir, e.name);
      const info = Deno.lstatSync(p);
      if (info.isSymlink) out.set(p, `-> ${Deno.readLinkSync(p)}`);
      else if (info.isDirectory) {
        out.set(`${p}/`, "");
        walk(p);
      } else if (info.isFile) out.set(p, new TextDecoder().decode(Deno.readFileSync(p)));
      else out.set(p, `(special ${info.mode})`);
    }
  };
  walk(root);
  return out;
}

/** Special files, each made at `path` by the setup: the kinds an input must refuse. */
export const SPECIAL: Record<string, (path: string) => void> = {
  "a FIFO": (p) => mkfifo(p),
  "a folder": (p) => Deno.mkdirSync(p),
  "/dev/zero": (p) => Deno.symlinkSync("/dev/zero", p),
  "/dev/stdin": (p) => Deno.symlinkSync("/dev/stdin", p),
  "a socket": (p) => {
    // Bound and left (Deno's listener removes its socket file when closed).
    const code = "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])";
    const r = new Deno.Command("python3", { args: ["-c", code, p] }).outputSync();
    if (!r.success) throw new Error(`cannot make a socket at ${p}`);
  },
};

/** What the line says of each kind of {@link SPECIAL}. */
export const SPECIAL_SAYS: Record<string, string> = {
  "a FIFO": "is a FIFO \\(named pipe\\), not a regular file",
  "a folder": "is a folder, not a regular file",
  "/dev/zero": "is a character device, not a regular file",
  "/dev/stdin": "is a character device, not a regular file",
  "a socket": "is a socket, not a regular file",
};

export function mkfifo(path: string): void {
  const r = new Deno.Command("mkfifo", { args: [path] }).outputSync();
  if (!r.success) throw new Error(`mkfifo ${path} failed`);
}

/** The `--set` items of a tiny run (synthetic task, cpu). */
export const TINY_SETS = [
  "hidden=8",
  "context=8",
  "lag=2",
  "batchSize=4",
  "evalBatches=1",
  "backend=cpu",
];
/** `train` arguments of a tiny run. */
export const TINY = [
  "--config",
  "synthetic-recall",
  "--scale",
  "smoke",
  ...TINY_SETS.flatMap((s) => ["--set", s]),
];

/** The tiny run's config (what its config.json holds). */
export function tinyConfig(): Config {
  return resolveConfig("synthetic-recall", { scale: "smoke", set: TINY_SETS });
}

/** The results stem (`results/g/<config>-<method>-seed0`) of the tiny run in group `group`. */
export function tinyStem(group = "g"): string {
  return resultsStem(group, tinyConfig());
}

/** A metric row, as a line of metrics.jsonl. */
export const ROW = JSON.stringify({
  step: 2,
  split: "valid",
  loss: 1,
  ppl: 2.7,
  seconds: 1,
  tokens: 64,
}) + "\n";

/** Writes `runs/r/` with a valid config.json (and `extra` applied to it) and a command.txt. */
export function runFolder(root: string, extra: Record<string, unknown> = {}): string {
  const dir = join(root, "runs/r");
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(join(dir, "config.json"), JSON.stringify({ ...tinyConfig(), ...extra }));
  Deno.writeTextFileSync(join(dir, "command.txt"), "deno task train --config synthetic-recall\n");
  return dir;
}

/** Runs one case; asserts exit 2, one line matching `says`, no stack, no file changed. */
export async function runCase(c: Case, timeoutMs = 90_000): Promise<void> {
  const root = await Deno.makeTempDir();
  const cwd = join(root, "a", "b");
  Deno.mkdirSync(join(cwd, "results"), { recursive: true });
  Deno.writeTextFileSync(join(cwd, "README.md"), "# readme\n");
  c.setup?.(cwd);
  const before = tree(root);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${LIB}${c.cli}.ts`, ...c.args],
    cwd,
    stdin: c.stdin === undefined && c.stdinFrom === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { XDG_RUNTIME_DIR: "/tmp", DSF_DATA_DIR: DATA, ...c.env },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    if (c.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(c.stdin));
      await w.close();
    }
    if (c.stdinFrom !== undefined) {
      // Streams until the child stops reading (a broken pipe then ends it).
      Deno.openSync(c.stdinFrom).readable.pipeTo(child.stdin).catch(() => {});
    }
    const o = await child.output();
    const err = new TextDecoder().decode(o.stderr);
    const lines = err.split("\n").filter((l) => l.trim() !== "");
    assert.ok(o.signal === null, `${c.what}: killed after ${timeoutMs} ms (it hung)\n${err}`);
    assert.equal(o.code, 2, `${c.what}: exit ${o.code}\n${err}`);
    assert.ok(!err.includes("Uncaught"), `${c.what}: ${err}`);
    assert.equal(lines.length, 1, `${c.what}: ${lines.length} lines on stderr:\n${err}`);
    assert.match(lines[0], c.says, `${c.what}: ${lines[0]}`);
    assert.deepEqual(tree(root), before, `${c.what}: files changed`);
  } finally {
    clearTimeout(timer);
    await Deno.remove(root, { recursive: true });
  }
}

/** Registers one test of `cases`, a step each. */
export function badInputTest(name: string, cases: Case[]): void {
  Deno.test(name, async (t) => {
    for (const c of cases) await t.step(c.what, () => runCase(c));
  });
}
