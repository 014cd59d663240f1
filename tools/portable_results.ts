/**
 * Rewrites the committed records that name absolute paths of the machine that made them
 * (tools/machine_paths.ts) so that they name what a reader of the repository can get. Run once
 * over the files committed before `taskCommand` wrote portable paths (lib/cli/command_line.ts);
 * a second run changes nothing.
 *
 * What it rewrites, and how:
 * - A run's `command` and `run` (results/<group>/*.json, and the same commands in the group's
 *   summary.md): the campaign's runs trained from a git worktree at their commit with
 *   `--runs-dir /work/main/runs` (the main checkout's runs/), the bench-blas recipe runs with a
 *   scratch `--runs-dir /tmp/measureN`. The runs folder becomes the checkout's `runs`
 *   (`runs/<dir>` for a run), and the command says where its code was instead of a path:
 *   "from a checkout at commit X: deno task train …" (X from the run's `environment.commit`;
 *   "with uncommitted changes" where `environment.dirty`).
 * - Any other path under the repository's checkout on that machine (`/work/main/…`, e.g. a
 *   bench.json's `meta.results`) becomes relative to the repository.
 * - The README's `campaign-N` git tags, which the repository does not hold, become the commits
 *   they named (the notes of the stops that made them: campaign-1 = 892ae00, campaign-2 =
 *   a8ab222, campaign-4 = 11a1b78; campaign-3's runs were lost and nothing names it).
 *
 *     deno run -A tools/portable_results.ts [ROOT]
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkedFiles, MACHINE_PATH, machinePathsIn } from "./machine_paths.ts";
import { writeFormattedMarkdown } from "../lib/io/readme_blocks.ts";

/** The repository's checkout on the machine that made the committed runs. */
export const MACHINE_CHECKOUTS = ["/work/main"];

const isMachinePath = (p: string) => new RegExp(`^${MACHINE_PATH.source}$`).test(p);

/** `path` with a machine's checkout prefix removed, and a runs folder `from` as `runs`. */
export function portableRunPath(path: string, runsDir?: string): string {
  if (runsDir && (path === runsDir || path.startsWith(`${runsDir}/`))) {
    return `runs${path.slice(runsDir.length)}`;
  }
  for (const root of MACHINE_CHECKOUTS) {
    if (path === root) return ".";
    if (path.startsWith(`${root}/`)) return path.slice(root.length + 1);
  }
  return path;
}

/**
 * A recorded command with its machine paths made portable, said to be run from a checkout at
 * `commit` (when it named any). Idempotent.
 */
export function portableCommand(command: string, commit?: string | null, dirty = false): string {
  const runsDir = /--runs-dir[= ]([^\s;]+)/.exec(command)?.[1];
  const machineRuns = runsDir && isMachinePath(runsDir) ? runsDir : undefined;
  const out = command.replace(MACHINE_PATH, (p) => portableRunPath(p, machineRuns));
  if (out === command || commit == null) return out;
  const where = `from a checkout at commit ${commit.slice(0, 7)}${
    dirty ? " with uncommitted changes" : ""
  }: `;
  return out.startsWith("from a checkout at commit ") ? out : where + out;
}

/** The README's `campaign-N` tags as the commits they named. */
export function untagReadme(text: string): string {
  const tag = String.raw`the\s+tag\s+\x60campaign-\d+\x60`;
  const commit = String.raw`\x60?([0-9a-f]{7,40})\x60?`;
  return text
    .replace(new RegExp(String.raw`${tag}\s+\(commit\s+${commit}\)`, "g"), "commit `$1`")
    .replace(new RegExp(String.raw`${tag}\s+=\s+${commit}`, "g"), "commit `$1`")
    .replace(new RegExp(String.raw`${tag}\s+\(${commit}\)`, "g"), "commit `$1`");
}

/** Replaces each JSON string value `from` by `to` in JSON text (formatting kept). */
function replaceJsonString(text: string, from: string, to: string): string {
  return text.split(JSON.stringify(from)).join(JSON.stringify(to));
}

/** Rewrites one committed run summary's text; the command changes, for its summary.md. */
export function rewriteRunJson(
  text: string,
): { text: string; command?: { from: string; to: string } } {
  const d = JSON.parse(text) as {
    command?: unknown;
    run?: unknown;
    environment?: { commit?: string | null; dirty?: boolean };
  };
  let out = text;
  let command: { from: string; to: string } | undefined;
  if (typeof d.command === "string") {
    const to = portableCommand(d.command, d.environment?.commit, d.environment?.dirty);
    if (to !== d.command) {
      out = replaceJsonString(out, d.command, to);
      command = { from: d.command, to };
    }
  }
  if (typeof d.run === "string" && isMachinePath(d.run)) {
    const runsDir = typeof d.command === "string"
      ? /--runs-dir[= ]([^\s;]+)/.exec(d.command)?.[1]
      : undefined;
    out = replaceJsonString(out, d.run, portableRunPath(d.run, runsDir ?? dirname(d.run)));
  }
  // Any other path under the machine's checkout (a bench.json's meta.results).
  out = out.replace(MACHINE_PATH, (p) => portableRunPath(p));
  return { text: out, command };
}

/** Rewrites the committed files under `root`; returns the files changed. */
export async function rewriteCommitted(root: string): Promise<string[]> {
  const files = await checkedFiles(root);
  const changed: string[] = [];
  const write = async (file: string, before: string, after: string) => {
    if (after === before) return;
    await Deno.writeTextFile(join(root, file), after);
    changed.push(file);
  };
  const commands = new Map<string, { from: string; to: string }[]>(); // by folder
  for (const file of files.filter((f) => f.startsWith("results/") && f.endsWith(".json"))) {
    const before = await Deno.readTextFile(join(root, file));
    const { text, command } = rewriteRunJson(before);
    if (command) commands.set(dirname(file), [...commands.get(dirname(file)) ?? [], command]);
    await write(file, before, text);
  }
  for (const file of files.filter((f) => basename(f) === "summary.md")) {
    const before = await Deno.readTextFile(join(root, file));
    let after = before;
    for (const c of commands.get(dirname(file)) ?? []) after = after.split(c.from).join(c.to);
    await write(file, before, after);
  }
  if (files.includes("README.md")) {
    const before = await Deno.readTextFile(join(root, "README.md"));
    const after = untagReadme(before);
    if (after !== before) {
      await writeFormattedMarkdown(join(root, "README.md"), after); // rewrapped as check wants
      changed.push("README.md");
    }
  }
  return changed;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? fileURLToPath(new URL("../", import.meta.url));
  const changed = await rewriteCommitted(root);
  for (const f of changed) console.log(`rewrote ${f}`);
  const left = await machinePathsIn(root);
  for (const f of left) console.error(`${f.file}:${f.line}: ${f.path} (left: rewrite it by hand)`);
  console.log(`portable_results: ${changed.length} file(s) rewritten, ${left.length} path(s) left`);
  if (left.length > 0) Deno.exit(1);
}
