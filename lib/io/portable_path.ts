/**
 * Paths as a committed record names them: relative to the project's root, never an absolute
 * path of the machine that made the record (`/work/…`, `/home/…`, `/tmp/…`), which a reader
 * cannot get. `deno task` runs every task in the project's root, so a path relative to it is
 * what the reader's own command takes.
 *
 * @module
 */
import { basename, dirname, isAbsolute, join, relative } from "node:path";
import { projectRoot } from "./dirs.ts";

/**
 * `path` relative to the project's root when it is absolute and inside the root's parent folder
 * (`/w/dsf/runs/x` → `runs/x`; a sibling checkout's `/w/main/runs` → `../main/runs`); a relative
 * path, or a system path elsewhere (`/usr/bin/python3`), as it is.
 */
export function portablePath(path: string, root: string = projectRoot()): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(root, path);
  if (rel.startsWith("../..") || isAbsolute(rel)) return path;
  return rel || ".";
}

/**
 * A run folder as its record names it: {@link portablePath}, except that a run of another
 * checkout (a pinned worktree beside this one: `../dsf-pin/runs/x`) is named as its own training
 * command made it, relative to that checkout (`runs/x`); the record's commit says which.
 */
export function runRecordPath(dir: string, root: string = projectRoot()): string {
  const p = portablePath(isAbsolute(dir) ? dir : join(Deno.cwd(), dir), root);
  if (!p.startsWith("../")) return p;
  return join(basename(dirname(p)), basename(p));
}

/**
 * A command-line argument with its absolute paths made portable: the whole argument
 * (`/r/runs`), or the value of a `key=/r/file` item (`--set data.path=/r/my.txt`).
 */
export function portableArg(arg: string, root: string = projectRoot()): string {
  if (isAbsolute(arg)) return portablePath(arg, root);
  const eq = arg.indexOf("=");
  if (eq > 0 && isAbsolute(arg.slice(eq + 1))) {
    return `${arg.slice(0, eq + 1)}${portablePath(arg.slice(eq + 1), root)}`;
  }
  return arg;
}

/** `text` (a recorded command) with every absolute path under `root` made relative to it. */
export function portableText(text: string, root: string = projectRoot()): string {
  return text.split(`${root}/`).join("").split(new RegExp(`(?<=[\\s=])${escape(root)}(?=\\s|$)`))
    .join(".");
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
