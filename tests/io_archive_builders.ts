/**
 * Test-only archive writers (zip and tar), written independently of the readers under
 * test (own bitwise CRC-32), to build small archives in memory.
 *
 * @module
 */

import { deflateRawSync } from "node:zlib";

/** Bitwise CRC-32 (no table), the test's own reference. */
export function crc32Bitwise(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A file to put into a test archive. */
export interface TestFile {
  /** Path inside the archive. */
  name: string;
  /** Content. */
  data: Uint8Array;
  /** Zip method: 0 stored, 8 deflated (default 8). */
  method?: 0 | 8;
}

class Writer {
  parts: Uint8Array[] = [];
  size = 0;
  bytes(b: Uint8Array) {
    this.parts.push(b);
    this.size += b.length;
  }
  u16(v: number) {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, true);
    this.bytes(b);
  }
  u32(v: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.bytes(b);
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.size);
    let p = 0;
    for (const part of this.parts) {
      out.set(part, p);
      p += part.length;
    }
    return out;
  }
}

/** Builds a zip archive (with a directory entry first). */
export function buildZip(files: TestFile[], opts: { corruptCrc?: boolean } = {}): Uint8Array {
  const enc = new TextEncoder();
  const w = new Writer();
  const central = new Writer();
  const entries = [{ name: "top/", data: new Uint8Array(0), method: 0 as const }, ...files];
  for (const f of entries) {
    const name = enc.encode(f.name);
    const method = f.method ?? 8;
    const body = method === 8 ? new Uint8Array(deflateRawSync(f.data)) : f.data;
    const crc = crc32Bitwise(f.data) ^ (opts.corruptCrc && f.data.length > 0 ? 1 : 0);
    const offset = w.size;
    w.u32(0x04034b50);
    for (const v of [20, 0, method, 0, 0]) w.u16(v);
    w.u32(crc);
    w.u32(body.length);
    w.u32(f.data.length);
    w.u16(name.length);
    w.u16(0);
    w.bytes(name);
    w.bytes(body);
    central.u32(0x02014b50);
    for (const v of [20, 20, 0, method, 0, 0]) central.u16(v);
    central.u32(crc);
    central.u32(body.length);
    central.u32(f.data.length);
    for (const v of [name.length, 0, 0, 0, 0]) central.u16(v);
    central.u32(0);
    central.u32(offset);
    central.bytes(name);
  }
  const cdOffset = w.size;
  const cd = central.concat();
  w.bytes(cd);
  w.u32(0x06054b50);
  for (const v of [0, 0, entries.length, entries.length]) w.u16(v);
  w.u32(cd.length);
  w.u32(cdOffset);
  w.u16(0);
  return w.concat();
}

function header(name: string, size: number, type: string, prefix = ""): Uint8Array {
  const h = new Uint8Array(512);
  const enc = new TextEncoder();
  const put = (s: string, at: number) => h.set(enc.encode(s), at);
  put(name.slice(0, 100), 0);
  put("0000644\0", 100);
  put("0000000\0", 108);
  put("0000000\0", 116);
  put(size.toString(8).padStart(11, "0") + "\0", 124);
  put("00000000000\0", 136);
  put("        ", 148);
  put(type, 156);
  put("ustar\0", 257);
  put("00", 263);
  put(prefix, 345);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

/**
 * Builds a tar archive: names up to 100 chars go in the header, longer ones with a slash
 * in the ustar prefix when possible, else a GNU long-name (`L`) record.
 */
export function buildTar(files: TestFile[]): Uint8Array {
  const w = new Writer();
  const pad = (n: number) => w.bytes(new Uint8Array((512 - (n % 512)) % 512));
  for (const f of files) {
    let name = f.name;
    let prefix = "";
    if (name.length > 100) {
      const cut = name.lastIndexOf("/", 155);
      if (cut > 0 && name.length - cut - 1 <= 100) {
        prefix = name.slice(0, cut);
        name = name.slice(cut + 1);
      } else {
        const long = new TextEncoder().encode(f.name + "\0");
        w.bytes(header("././@LongLink", long.length, "L"));
        w.bytes(long);
        pad(long.length);
        name = f.name.slice(0, 100);
      }
    }
    w.bytes(header(name, f.data.length, "0", prefix));
    w.bytes(f.data);
    pad(f.data.length);
  }
  w.bytes(new Uint8Array(1024));
  return w.concat();
}
