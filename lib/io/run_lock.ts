/**
 * One process per run directory: `run.lock` holds the pid of the process training it. A lock
 * whose process is gone (killed with SIGKILL, a crashed machine) is stale and taken over.
 *
 * @module
 */
import { join } from "node:path";

/** A held lock; `release()` removes it (idempotent). */
export interface RunLock {
  readonly path: string;
  release(): void;
}

function alive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    Deno.kill(pid, "SIGCONT"); // no effect on a running process; fails when there is none
    return true;
  } catch (err) {
    return !(err instanceof Deno.errors.NotFound) &&
      !/ESRCH|No such process/i.test((err as Error).message);
  }
}

/**
 * Takes `dir/run.lock` for this process.
 * @throws Error (one line) naming the pid that holds it
 */
export function lockRun(dir: string): RunLock {
  const path = join(dir, "run.lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = Deno.openSync(path, { write: true, createNew: true });
      file.writeSync(new TextEncoder().encode(`${Deno.pid}\n`));
      file.close();
      let held = true;
      return {
        path,
        release() {
          if (!held) return;
          held = false;
          try {
            Deno.removeSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    const pid = Number(Deno.readTextFileSync(path).trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new Error(
        `${dir} is being trained by process ${pid} (${path}); wait for it, or stop it first`,
      );
    }
    Deno.removeSync(path); // stale: its process is gone
  }
  throw new Error(`cannot take ${path}: it keeps reappearing`);
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
