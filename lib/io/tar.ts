/**
 * A small tar reader (ustar, GNU long names, pax `path`) and gzip support for `.tgz`,
 * enough for Mikolov's `simple-examples.tgz`.
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import type { ArchiveEntry } from "./archive_entry.ts";

/** Options of {@link readTar}. */
export interface ReadTarOptions {
  /** Extract only the entries for which this returns true (default: all files). */
  only?: (name: string) => boolean;
}

/** Gunzips bytes (throws a clear error on non-gzip input). */
export function gunzip(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new Error("gunzip: not gzip data (bad magic bytes); the download may be an HTML page");
  }
  const buf = gunzipSync(bytes);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function field(block: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && block[end] !== 0) end++;
  return new TextDecoder().decode(block.subarray(start, end));
}

function octal(block: Uint8Array, start: number, len: number): number {
  const s = field(block, start, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`readTar: bad octal field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

/** Extracts the regular files of an (uncompressed) tar archive held in memory. */
export function readTar(bytes: Uint8Array, opts: ReadTarOptions = {}): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  let p = 0;
  let longName: string | null = null;
  while (p + 512 <= bytes.length) {
    const h = bytes.subarray(p, p + 512);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (sum !== octal(h, 148, 8)) throw new Error(`readTar: bad header checksum at byte ${p}`);
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30);
    const body = bytes.subarray(p + 512, p + 512 + size);
    if (body.length < size) throw new Error("readTar: archive is truncated");
    p += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = field(body, 0, body.length);
      continue;
    }
    if (type === "x") {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(body));
      if (m) longName = m[1];
      continue;
    }
    let name = longName ?? field(h, 0, 100);
    longName = null;
    const magic = field(h, 257, 6);
    const prefix = magic.startsWith("ustar") ? field(h, 345, 155) : "";
    if (prefix && name === field(h, 0, 100)) name = `${prefix}/${name}`;
    name = name.replace(/^\.\//, "");
    if (type !== "0" && type !== "\0") continue;
    if (opts.only && !opts.only(name)) continue;
    out.push({ name, data: body.slice() });
  }
  return out;
}

/** Extracts the files of a gzip-compressed tar archive. */
export function readTgz(bytes: Uint8Array, opts: ReadTarOptions = {}): ArchiveEntry[] {
  return readTar(gunzip(bytes), opts);
}
