/**
 * What a run trains on, as hashes: each data file it read and its tokenizer. Every checkpoint
 * keeps it (`data`), and a resume refuses data whose fingerprint differs (an edited text file,
 * another tokenizer), before anything is written.
 *
 * @module
 */
import { hashBytes } from "./verify.ts";

/** The data's fingerprint (JSON data). */
export interface DataFingerprint {
  /** SHA-256 (hex) of each file's content, by its name (PTB, WikiText: path in the data folder). */
  files: Record<string, string>;
  /** SHA-256 (hex) of the tokenizer as JSON (synthetic data: of the task's parameters). */
  tokenizer: string;
}

/** SHA-256 (hex) of a text's UTF-8 bytes. */
export function textSha256(text: string): string {
  return hashBytes(new TextEncoder().encode(text));
}

/** The fingerprint of `files` (name → sha256) and a tokenizer (or task) given as JSON data. */
export function dataFingerprint(
  files: Record<string, string>,
  tokenizer: unknown,
): DataFingerprint {
  return { files: { ...files }, tokenizer: textSha256(JSON.stringify(tokenizer ?? null)) };
}

const short = (h: unknown) => typeof h === "string" ? `${h.slice(0, 12)}…` : "none";

/**
 * How `now` differs from a checkpoint's `saved` fingerprint, in a few words (null: the same
 * data). `saved` undefined (a checkpoint older than fingerprints) is not compared.
 */
export function fingerprintChange(saved: unknown, now: DataFingerprint): string | null {
  if (saved === undefined) return null;
  const s = saved as Partial<DataFingerprint> | null;
  if (!s || typeof s !== "object" || typeof s.files !== "object" || s.files === null) {
    return "the checkpoint's data record is malformed";
  }
  const names = new Set([...Object.keys(s.files), ...Object.keys(now.files)]);
  for (const name of names) {
    const then = (s.files as Record<string, unknown>)[name];
    const here = now.files[name];
    if (then === here) continue;
    if (then === undefined) return `${name} was not part of it`;
    if (here === undefined) return `${name} is no longer read`;
    return `${name} has changed (sha256 ${short(then)} then, ${short(here)} now)`;
  }
  if (s.tokenizer !== now.tokenizer) {
    return `the tokenizer has changed (sha256 ${short(s.tokenizer)} then, ${
      short(now.tokenizer)
    } now)`;
  }
  return null;
}
