/**
 * A small zip reader (stored and deflated entries, zip64 sizes), enough for the WikiText
 * archives: reads the central directory, inflates with `node:zlib` and checks each CRC-32.
 *
 * @module
 */

import { inflateRawSync } from "node:zlib";
import type { ArchiveEntry } from "./archive_entry.ts";
import { crc32 } from "./crc32.ts";

/** Options of {@link readZip}. */
export interface ReadZipOptions {
  /** Extract only the entries for which this returns true (default: all files). */
  only?: (name: string) => boolean;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Extracts the files of a zip archive held in memory. */
export function readZip(bytes: Uint8Array, opts: ReadZipOptions = {}): ArchiveEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new Error(`readZip: not a readable zip archive (${why})`);
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff); p--) {
    if (dv.getUint32(p, true) === EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw bad("no end-of-central-directory record");
  const count = dv.getUint16(eocd + 10, true);
  let p = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || p === 0xffffffff) throw bad("zip64 directory not supported");
  const dec = new TextDecoder();
  const out: ArchiveEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== CENTRAL) {
      throw bad(`central directory entry ${i} not found`);
    }
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nlen = dv.getUint16(p + 28, true);
    const xlen = dv.getUint16(p + 30, true);
    const clen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    const name = dec.decode(bytes.subarray(p + 46, p + 46 + nlen));
    // zip64 extra field: the 0xffffffff fields, in order usize, csize, local offset.
    for (let x = p + 46 + nlen; x + 4 <= p + 46 + nlen + xlen;) {
      const id = dv.getUint16(x, true);
      const size = dv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let q = x + 4;
        const next = () => {
          const v = Number(dv.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = next();
        if (csize === 0xffffffff) csize = next();
        if (local === 0xffffffff) local = next();
      }
      x += 4 + size;
    }
    p += 46 + nlen + xlen + clen;
    if (name.endsWith("/")) continue;
    if (opts.only && !opts.only(name)) continue;
    if (flags & 1) throw bad(`${name} is encrypted`);
    if (dv.getUint32(local, true) !== LOCAL) throw bad(`local header of ${name} not found`);
    const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    const raw = bytes.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = raw.slice();
    else if (method === 8) {
      const buf = inflateRawSync(raw);
      data = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } else throw bad(`${name} uses compression method ${method} (only stored/deflate)`);
    if (data.length !== usize) throw bad(`${name} has ${data.length} bytes, expected ${usize}`);
    if (crc32(data) !== crc) throw bad(`${name} fails its CRC-32 check (corrupt download?)`);
    out.push({ name, data });
  }
  return out;
}
