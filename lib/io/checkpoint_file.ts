/**
 * Checkpoint files: atomic write (temporary file in the same folder, fsync, rename) and read.
 *
 * @module
 */
import {
  type Checkpoint,
  deserializeCheckpoint,
  serializeCheckpoint,
} from "../train/checkpoint.ts";
import { MAX_WEIGHTS_BYTES, readInputFile } from "./bounded_file.ts";

function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/**
 * Writes `ckpt` to `path` atomically: a reader sees either the old file or the complete new
 * one, never a partial write. The temporary file `<path>.<pid>.<n>.tmp` is removed on failure.
 */
export async function writeCheckpointFile(path: string, ckpt: Checkpoint): Promise<void> {
  const bytes = serializeCheckpoint(ckpt);
  const tmp = `${path}.${Deno.pid}.${Date.now().toString(36)}${
    Math.floor(Math.random() * 1e6).toString(36)
  }.tmp`;
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let done = 0;
      while (done < bytes.length) done += await file.write(bytes.subarray(done));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`writeCheckpointFile: cannot write "${path}": ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    // Persist the rename itself; not possible on every platform, so best effort.
    const dir = await Deno.open(dirOf(path), { read: true });
    try {
      await dir.sync();
    } finally {
      dir.close();
    }
  } catch {
    // ignore
  }
}

/** Reads and decodes a checkpoint file; a missing, truncated or corrupt file is an Error. */
export async function readCheckpointFile(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readInputFile(path, {
      what: "a checkpoint (.ckpt) written by `deno task train`",
      maxBytes: MAX_WEIGHTS_BYTES,
    });
  } catch (e) {
    if (e instanceof Error && e.name === "Error") throw e; // not a regular file, too big
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `cannot read "${path}": it does not exist (a run writes last.ckpt at its first ` +
          `checkpoint, best.ckpt at its first evaluation): name a checkpoint the run has`,
        { cause: e },
      );
    }
    throw new Error(`cannot read "${path}": ${(e as Error).message}`, { cause: e });
  }
  try {
    return deserializeCheckpoint(bytes);
  } catch (e) {
    const why = (e as Error).message.replace(/^deserializeCheckpoint: /, "");
    throw new Error(`checkpoint "${path}": ${why}`, { cause: e });
  }
}
