/**
 * Reading an input file with a bound: it must be a regular file (a folder, FIFO, socket or
 * device such as `/dev/zero` or `/dev/stdin` is refused before it is opened, so nothing hangs or
 * grows) of at most `maxBytes` bytes, checked before reading, and read no further than that
 * bound (a file that grows while it is read is refused too). Each refusal is one line naming
 * the file, what it is and what to give instead.
 *
 * @module
 */

/** Largest JSON record the CLIs read (a run's config.json, a committed summary): 16 MiB. */
export const MAX_JSON_BYTES = 16 * 2 ** 20;
/** Largest curves file (`metrics.jsonl`) or benchmark results file read: 256 MiB. */
export const MAX_JSONL_BYTES = 256 * 2 ** 20;
/** Largest weights or checkpoint file read (the wasm backend's heap is 4 GiB at most): 2 GiB. */
export const MAX_WEIGHTS_BYTES = 2 * 2 ** 30;

/** What a file that is not a regular file is, in words. */
export function fileKind(info: Deno.FileInfo): string {
  if (info.isFile) return "a regular file";
  if (info.isDirectory) return "a folder";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  return "not a regular file";
}

/** Sizes in words: "812 bytes", "3.2 MiB", "2 GiB". */
export function sizeWords(bytes: number): string {
  if (bytes < 2 ** 10) return `${bytes} bytes`;
  const [unit, scale] = bytes < 2 ** 20
    ? ["KiB", 2 ** 10]
    : bytes < 2 ** 30
    ? ["MiB", 2 ** 20]
    : ["GiB", 2 ** 30];
  const x = bytes / scale;
  return `${Number.isInteger(x) ? x : x.toFixed(1)} ${unit}`;
}

/**
 * The error to throw for a failed read of `path`: the bound's own one-line errors as they are,
 * a system error (permission, a path through a file, …) as "PATH cannot be read: why".
 */
export function cannotRead(path: string, err: unknown): Error {
  if (err instanceof Error && err.name === "Error") return err;
  return new Error(`${path} cannot be read: ${(err as Error).message}`, { cause: err });
}

/** Options of {@link checkInputFile} and {@link readInputFile}. */
export interface InputFileOptions {
  /** What the file should be, for the messages: "a UTF-8 text file", "a checkpoint". */
  what: string;
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** The limit in words (default: {@link sizeWords} of `maxBytes`). */
  limit?: string;
  /** What to do about a file over the limit (default: "give a smaller file"). */
  tooBig?: string;
}

/**
 * Checks that `path` is a regular file within `options.maxBytes`, without opening it.
 * @returns its size
 * @throws Deno.errors.NotFound (and other system errors) as they are, so callers can word a
 *   missing file their own way; Error (one line) for a file that is not regular or too big
 */
export async function checkInputFile(path: string, options: InputFileOptions): Promise<number> {
  const info = await Deno.stat(path);
  return checkInfo(path, info, options);
}

function checkInfo(path: string, info: Deno.FileInfo, options: InputFileOptions): number {
  if (!info.isFile) {
    throw new Error(`${path} is ${fileKind(info)}, not a regular file: give ${options.what}`);
  }
  if (info.size > options.maxBytes) {
    throw new Error(
      `${path} is ${sizeWords(info.size)}, over the ${
        options.limit ?? sizeWords(options.maxBytes)
      } limit: ${options.tooBig ?? `give ${options.what} of at most that size`}`,
    );
  }
  return info.size;
}

/**
 * Reads `path` after {@link checkInputFile}'s checks, never more than `maxBytes` bytes.
 * @throws as {@link checkInputFile}
 */
export async function readInputFile(path: string, options: InputFileOptions): Promise<Uint8Array> {
  await checkInputFile(path, options); // before opening: opening a FIFO would block
  using file = await Deno.open(path, { read: true });
  const size = checkInfo(path, await file.stat(), options); // the file opened is the one checked
  const out = new Uint8Array(size + 1); // one byte more: a file that grew is seen to have
  let done = 0;
  while (done < out.length) {
    const n = await file.read(out.subarray(done));
    if (n === null) break;
    done += n;
  }
  if (done > size) {
    throw new Error(
      `${path} grew while it was read (past its ${sizeWords(size)}): give a file that is not ` +
        `being written`,
    );
  }
  return out.subarray(0, done);
}

/** {@link readInputFile} decoded as UTF-8 text (invalid bytes replaced, as `readTextFile`). */
export async function readInputText(path: string, options: InputFileOptions): Promise<string> {
  return new TextDecoder().decode(await readInputFile(path, options));
}

/**
 * Parses JSON text read from `path`.
 * @throws Error (one line) naming the file and where the JSON breaks
 */
export function parseJsonFile(path: string, text: string, fix = "restore or remove it"): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}): ${fix}`);
  }
}

/**
 * Reads standard input up to `maxBytes` bytes (a stream has no size to check first).
 * @throws Error (one line) when there is more
 */
export async function readStdinBounded(maxBytes: number, what: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of Deno.stdin.readable) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new Error(`stdin is over the ${sizeWords(maxBytes)} limit for ${what}`);
    }
    chunks.push(chunk);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

/**
 * Checks an output path before any work: absent, or a regular file (that is replaced). A folder,
 * FIFO or device there is refused, as a path through a file is.
 * @throws Error (one line) naming the path
 */
export async function checkOutputFile(path: string, what: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw new Error(`${path} cannot be written: ${(err as Error).message}`);
  }
  if (!info.isFile) throw new Error(`${path} is ${fileKind(info)}: give the path of ${what}`);
}

/**
 * Checks an output folder before any work: absent (it is made), or a folder.
 * @throws Error (one line) naming the path
 */
export async function checkOutputDir(path: string, what: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw new Error(`${path} cannot be used as ${what}: ${(err as Error).message}`);
  }
  if (!info.isDirectory) {
    throw new Error(`${path} is ${fileKind(info)}, not a folder: give a folder for ${what}`);
  }
}

/**
 * Checks an input folder: it exists and is a folder (not a file, FIFO or device, through which
 * every path would fail with an OS message).
 * @throws Deno.errors.NotFound as it is; Error (one line) naming the path otherwise
 */
export async function checkInputDir(path: string, what: string): Promise<void> {
  const info = await Deno.stat(path);
  if (!info.isDirectory) {
    throw new Error(`${path} is ${fileKind(info)}, not a folder: give ${what}`);
  }
}
