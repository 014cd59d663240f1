/**
 * Absolute paths of the machine that made a file (`/work/main/runs`, `/home/me/…`, `/tmp/x`):
 * a committed result or the README that names one names what a reader cannot get. The pattern,
 * and the files it is checked on: everything committed under `results/`, and the README.
 *
 * @module
 */
import { join } from "node:path";

/**
 * An absolute path under a machine's own folders, where a path starts (after a space, a quote,
 * a backtick, `(`, `=`, `:`, `,` or `[`; not a URL's path, `https://host/home/…`), up to a
 * space, a quote, a backtick, `)`, `,`, `;` or `]`.
 */
export const MACHINE_PATH =
  /(?<=^|[\s"'`(=:,[])\/(?:work|root|home|tmp|Users|mnt|scratch|var\/tmp|var\/folders)\/[^\s"'`),;\]]*/g;

/** Each machine path in `text`, with its line number (1-based). */
export function findMachinePaths(text: string): { line: number; path: string }[] {
  const out: { line: number; path: string }[] = [];
  text.split("\n").forEach((l, i) => {
    for (const m of l.matchAll(MACHINE_PATH)) out.push({ line: i + 1, path: m[0] });
  });
  return out;
}

/** The committed files checked (relative to `root`): `git ls-files results README.md`. */
export async function checkedFiles(root: string): Promise<string[]> {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--", "results", "README.md"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`git ls-files failed in ${root}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout).split("\0").filter((f) => f !== "");
}

/** The text files among `files` (by extension: the SVGs hold figures, not commands, but are text too). */
export function isText(file: string): boolean {
  return /\.(md|json|jsonl|txt|csv|svg|html|tsv)$/.test(file) || !/\.[^/]+$/.test(file);
}

/** Every machine path in the checked files of `root`. */
export async function machinePathsIn(
  root: string,
): Promise<{ file: string; line: number; path: string }[]> {
  const found: { file: string; line: number; path: string }[] = [];
  for (const file of (await checkedFiles(root)).filter(isText)) {
    let text: string;
    try {
      text = await Deno.readTextFile(join(root, file));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // deleted, not yet committed
      throw err;
    }
    for (const f of findMachinePaths(text)) found.push({ file, ...f });
  }
  return found;
}

/** Git tags the README names ("the tag `campaign-1`"), with their line numbers. */
export function namedTags(text: string): { line: number; tag: string }[] {
  const out: { line: number; tag: string }[] = [];
  text.split("\n").forEach((l, i) => {
    for (const m of l.matchAll(/\btags?\s+`([\w./-]+)`/g)) out.push({ line: i + 1, tag: m[1] });
  });
  return out;
}

/** Whether the repository at `root` holds tag `tag`. */
export async function hasTag(root: string, tag: string): Promise<boolean> {
  const out = await new Deno.Command("git", {
    args: ["rev-parse", "-q", "--verify", `refs/tags/${tag}`],
    cwd: root,
    stdout: "null",
    stderr: "null",
  }).output();
  return out.success;
}
