/**
 * Binary token files: a 20-byte header (`DSFTOK02`, bytes per id, count, CRC-32 of the ids)
 * then the ids, little-endian, as Uint16 (vocabularies up to 65,536) or Int32. A file that
 * fails any check (an older `DSFTOK01` cache too) reads as absent, so the caller rebuilds it.
 *
 * @module
 */

import { writeFileAtomic } from "./atomic_write.ts";
import { crc32 } from "./crc32.ts";

const MAGIC = "DSFTOK02";
const HEADER = 20;

if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
  throw new Error("token_file: big-endian hosts are not supported");
}

/** Writes ids to `path` (atomically). */
export async function writeTokenFile(
  path: string,
  tokens: Uint16Array | Int32Array,
): Promise<void> {
  const width = tokens instanceof Uint16Array ? 2 : 4;
  const out = new Uint8Array(HEADER + tokens.length * width);
  out.set(new TextEncoder().encode(MAGIC));
  const dv = new DataView(out.buffer);
  dv.setUint32(8, width, true);
  dv.setUint32(12, tokens.length, true);
  const body = new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength);
  dv.setUint32(16, crc32(body), true);
  out.set(body, HEADER);
  await writeFileAtomic(path, out);
}

/**
 * Reads a token file; `null` when it does not exist or is not a valid token file (wrong magic
 * or size, or ids that fail the CRC: then `onCorrupt` hears why).
 */
export async function readTokenFile(
  path: string,
  onCorrupt: (why: string) => void = () => {},
): Promise<Uint16Array | Int32Array | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  if (bytes.length < HEADER || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    onCorrupt(`${path} is not a ${MAGIC} token file`);
    return null;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = dv.getUint32(8, true);
  const count = dv.getUint32(12, true);
  if ((width !== 2 && width !== 4) || bytes.length !== HEADER + count * width) {
    onCorrupt(`${path} has the wrong size (truncated?)`);
    return null;
  }
  const body = bytes.slice(HEADER);
  if (crc32(body) !== dv.getUint32(16, true)) {
    onCorrupt(`${path} fails its CRC-32 (corrupt)`);
    return null;
  }
  return width === 2
    ? new Uint16Array(body.buffer, 0, count)
    : new Int32Array(body.buffer, 0, count);
}
