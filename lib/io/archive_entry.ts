/**
 * The common result type of the archive readers.
 *
 * @module
 */

/** A regular file extracted from an archive. */
export interface ArchiveEntry {
  /** Path inside the archive (`/`-separated). */
  name: string;
  /** Content. */
  data: Uint8Array;
}

/** Whether archive member `name` is the file `wanted` (same path, or same trailing path). */
export function memberMatches(name: string, wanted: string): boolean {
  return name === wanted || name.endsWith("/" + wanted);
}
