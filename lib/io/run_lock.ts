/**
 * One process per run directory: `run.lock` names the process training it (its pid, and on
 * Linux its start time and the boot it started in, so that a pid the system has since given to
 * another process is not taken for the trainer). A lock whose process is gone (killed with
 * SIGKILL, a crashed or rebooted machine) is stale and taken over.
 *
 * Taking the lock is atomic: the whole check-and-take (create it if absent, else read it, and
 * remove and re-create it if stale) runs under an OS lock (`flock`) on the run directory, so of
 * several processes racing for one stale lock exactly one gets it, and none reads a lock file
 * another is still writing. (Reading the pid and then removing the file without it let two
 * racers each remove the other's fresh lock, and both train.) The OS lock is held for
 * microseconds, and is released by the kernel if its process dies.
 *
 * @module
 */
import { join } from "node:path";

/** A held lock; `release()` removes it (idempotent). */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/** What a lock file says of its holder. */
export interface LockHolder {
  pid: number;
  /** The process's start time in clock ticks after boot (`/proc/<pid>/stat` field 22). */
  start?: string;
  /** The boot it started in (`/proc/sys/kernel/random/boot_id`). */
  boot?: string;
  /** Its command line, for the message. */
  command?: string;
}

function readProc(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** Process `pid`'s start time (`/proc/<pid>/stat` field 22), or null without /proc or process. */
export function processStart(pid: number): string | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // Fields after the command name (in parentheses, which may hold spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19] ?? null;
}

/** Process `pid`'s command line (`/proc/<pid>/cmdline`), or null. */
function processCommand(pid: number): string | null {
  const raw = readProc(`/proc/${pid}/cmdline`);
  return raw === null ? null : raw.split("\0").filter((a) => a !== "").join(" ");
}

const bootId = () => readProc("/proc/sys/kernel/random/boot_id")?.trim() ?? null;

/** This process as a lock names it. */
function thisProcess(): LockHolder {
  const start = processStart(Deno.pid);
  const boot = bootId();
  return {
    pid: Deno.pid,
    ...(start ? { start } : {}),
    ...(boot ? { boot } : {}),
    command: (processCommand(Deno.pid) ?? ["deno", ...Deno.args].join(" ")).slice(0, 300),
  };
}

/**
 * Parses a lock file: JSON `{pid, start, boot, command}`, or a bare pid (locks written before
 * the start time was recorded). @returns null when it names no process
 */
export function parseLock(text: string): LockHolder | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { pid: Number(t) };
  try {
    const h = JSON.parse(t);
    return Number.isSafeInteger(h?.pid) && h.pid > 0 ? h as LockHolder : null;
  } catch {
    return null;
  }
}

function signalable(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT"); // no effect on a running process; fails when there is none
    return true;
  } catch (err) {
    return !(err instanceof Deno.errors.NotFound) &&
      !/ESRCH|No such process/i.test((err as Error).message);
  }
}

/**
 * Whether the holder still runs: its pid exists and, where the lock recorded them, the process
 * with that pid started when the holder did, in this boot. A bare-pid lock (older code) counts
 * only while that pid runs a deno process (its trainer was one).
 */
export function holderAlive(h: LockHolder): boolean {
  if (h.pid === Deno.pid) return true;
  if (!signalable(h.pid)) return false;
  const start = processStart(h.pid);
  if (start === null) return true; // no /proc: the pid is all there is to go on
  if (h.start !== undefined) return h.start === start && (h.boot ?? bootId()) === bootId();
  return /\bdeno\b/.test(processCommand(h.pid) ?? "deno");
}

/** Runs `f` holding an exclusive OS lock on `dir` (released when it returns or throws). */
function underDirLock<T>(dir: string, f: () => T): T {
  using handle = Deno.openSync(dir, { read: true });
  handle.lockSync(true);
  try {
    return f();
  } finally {
    handle.unlockSync();
  }
}

/** Creates `path` with `text` unless it exists (then false); call under {@link underDirLock}. */
function createNew(path: string, text: string): boolean {
  try {
    Deno.writeTextFileSync(path, text, { createNew: true });
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return false;
    throw err;
  }
}

/**
 * Takes `dir/run.lock` for this process; a stale lock is taken over.
 * @throws Error (one line) naming the process that holds it and what to do
 */
export function lockRun(dir: string): RunLock {
  const path = join(dir, "run.lock");
  const me = thisProcess();
  const text = JSON.stringify(me) + "\n";
  underDirLock(dir, () => {
    if (createNew(path, text)) return;
    let held: string;
    try {
      held = Deno.readTextFileSync(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      held = ""; // removed meanwhile by its own holder, who finished
    }
    const holder = parseLock(held);
    if (holder && holderAlive(holder)) {
      const what = holder.command ?? processCommand(holder.pid);
      throw new Error(
        `${dir} is being trained by process ${holder.pid}${what ? ` (${what})` : ""} ` +
          `(${path}); wait for it, or stop it first`,
      );
    }
    // Stale: its process is gone. No other taker can be between this read and this removal.
    Deno.removeSync(path);
    if (!createNew(path, text)) throw new Error(`cannot take ${path}: it reappeared`);
  });
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      try {
        // Only this process's own lock (a lock taken over from it, wrongly, stays).
        if (parseLock(Deno.readTextFileSync(path))?.pid === Deno.pid) Deno.removeSync(path);
      } catch {
        // already gone
      }
    },
  };
}

/** Removes temporary files (`*.tmp`) an interrupted write left in `dir`; call under the lock. */
export function removeStaleTemporaries(dir: string): string[] {
  const removed: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile && e.name.endsWith(".tmp")) {
      Deno.removeSync(join(dir, e.name));
      removed.push(e.name);
    }
  }
  return removed;
}
