/**
 * Reading data files with a hash check, and the errors that say what to do when a file is
 * missing or differs from the expected version.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { type DataFileSpec, datasetFiles, type DatasetName } from "./manifest.ts";
import { cannotRead, readInputFile } from "./bounded_file.ts";

/** Largest data file read (WikiText-103's training split is about 0.5 GiB): 2 GiB. */
export const MAX_DATA_BYTES = 2 * 2 ** 30;

/** Hex digest of bytes ("sha256" or "sha1"). */
export function hashBytes(bytes: Uint8Array, algorithm: "sha256" | "sha1" = "sha256"): string {
  return createHash(algorithm).update(bytes).digest("hex");
}

/** The command that fetches a dataset into a folder. */
export function fetchCommand(dataset: DatasetName | "all", dir?: string): string {
  const d = dir ? ` --dir ${JSON.stringify(dir)}` : "";
  return `deno task fetch --dataset ${dataset}${d}` +
    ` (or: deno run -A data/fetch.ts --dataset ${dataset}${d})`;
}

/** A data file that is missing or does not have the expected hash. */
export class DataFileError extends Error {
  /** Absolute path of the file. */
  readonly file: string;
  /** The file's spec (expected hashes). */
  readonly spec: DataFileSpec;
  /** "missing" or "mismatch". */
  readonly kind: "missing" | "mismatch";

  /** Builds the error and its message (file, expected hash, fix). */
  constructor(
    spec: DataFileSpec,
    opts: { dataDir: string; kind: "missing" | "mismatch"; actual?: string },
  ) {
    const file = join(opts.dataDir, spec.path);
    const expected = spec.sha256 ? `sha256 ${spec.sha256}` : spec.sha1 ? `sha1 ${spec.sha1}` : "";
    const what = opts.kind === "missing"
      ? `Data file ${spec.path} is missing: ${file} does not exist (expected ${expected}).`
      : `Data file ${file} is not the expected version: ${
        spec.sha256 ? "sha256" : "sha1"
      } ${opts.actual}, expected ${expected}.`;
    const fix = opts.kind === "missing"
      ? `Fix: set DSF_DATA_DIR to a folder holding the verified copies (e.g. the workspace's ` +
        `shared/data), or run \`${fetchCommand(spec.dataset, opts.dataDir)}\`.`
      : `Fix: point DSF_DATA_DIR at a folder with the verified copies, or delete the file and ` +
        `run \`${fetchCommand(spec.dataset, opts.dataDir)}\`.`;
    super(`${what}\n${fix}`);
    this.name = "DataFileError";
    this.file = file;
    this.spec = spec;
    this.kind = opts.kind;
  }
}

/** A verified file's bytes and hash. */
export interface VerifiedFile {
  /** Absolute path. */
  file: string;
  /** Content. */
  bytes: Uint8Array;
  /** SHA-256 of the content (hex), computed whatever the spec's check is. */
  sha256: string;
}

/**
 * Checks bytes against a spec: returns the actual hash when it differs, `null` when it
 * matches. A spec without any hash matches anything.
 */
export function checkBytes(spec: DataFileSpec, bytes: Uint8Array): string | null {
  if (spec.sha256) {
    const h = hashBytes(bytes, "sha256");
    return h === spec.sha256 ? null : h;
  }
  if (spec.sha1) {
    const h = hashBytes(bytes, "sha1");
    return h === spec.sha1 ? null : h;
  }
  return null;
}

/** Reads `<dataDir>/<spec.path>` and checks its hash; throws {@link DataFileError}. */
export async function readVerified(spec: DataFileSpec, dataDir: string): Promise<VerifiedFile> {
  const file = join(dataDir, spec.path);
  let bytes: Uint8Array;
  try {
    bytes = await readInputFile(file, {
      what: `the data file ${spec.path} (${fetchCommand(spec.dataset)} writes it)`,
      maxBytes: MAX_DATA_BYTES,
    });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataFileError(spec, { dataDir, kind: "missing" });
    }
    throw cannotRead(file, e);
  }
  const actual = checkBytes(spec, bytes);
  if (actual !== null) throw new DataFileError(spec, { dataDir, kind: "mismatch", actual });
  return { file, bytes, sha256: spec.sha256 ?? hashBytes(bytes) };
}

/** Result of {@link verifyDataset}. */
export interface DatasetCheck {
  /** Paths (relative) that are present and match. */
  ok: string[];
  /** One error per missing or mismatching file. */
  problems: DataFileError[];
}

/** Checks every file of a dataset without throwing. */
export async function verifyDataset(dataset: DatasetName, dataDir: string): Promise<DatasetCheck> {
  const out: DatasetCheck = { ok: [], problems: [] };
  for (const spec of datasetFiles(dataset)) {
    try {
      await readVerified(spec, dataDir);
      out.ok.push(spec.path);
    } catch (e) {
      if (e instanceof DataFileError) out.problems.push(e);
      else throw e;
    }
  }
  return out;
}
