/**
 * safetensors files (the format PyTorch's ecosystem reads): an 8-byte little-endian header
 * length N, N bytes of JSON (`{name: {dtype, shape, data_offsets: [begin, end]}, …,
 * "__metadata__": {string: string}}`), then the raw little-endian tensor bytes. Written: F32,
 * and the integer dtypes I32, U16, U8 (token ids and masks of `deno task twin-export`); read: F32.
 *
 * @module
 */
import { writeFileAtomic } from "./atomic_write.ts";
import { cannotRead, MAX_WEIGHTS_BYTES, readInputFile } from "./bounded_file.ts";
import type { NamedTensor } from "../models/torch_names.ts";

export type { NamedTensor } from "../models/torch_names.ts";

/** A tensor of any dtype this module writes: the dtype follows the array's type. */
export interface RawTensor {
  /** The shape, outermost first. */
  shape: number[];
  /** The values, row-major: Float32Array → F32, Int32Array → I32, Uint16Array → U16, Uint8Array → U8. */
  data: Float32Array | Int32Array | Uint16Array | Uint8Array;
}

/** The safetensors dtype of a typed array. */
function dtypeOf(data: RawTensor["data"]): string {
  if (data instanceof Float32Array) return "F32";
  if (data instanceof Int32Array) return "I32";
  if (data instanceof Uint16Array) return "U16";
  return "U8";
}

/** Encodes tensors (and string metadata) as safetensors bytes; names in the given order. */
export function encodeSafetensors(
  tensors: Record<string, RawTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) {
      throw new Error(`safetensors: ${name} has ${t.data.length} values for shape [${t.shape}]`);
    }
    const bytes = t.data.byteLength;
    header[name] = {
      dtype: dtypeOf(t.data),
      shape: t.shape,
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // keeps the data 8-byte aligned
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** One tensor's header entry, checked. */
interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const isCount = (x: unknown): x is number =>
  typeof x === "number" && Number.isSafeInteger(x) && x >= 0;

/** Checks one header entry's fields (types and values). @throws Error naming the field */
function headerEntry(name: string, h: unknown): HeaderEntry {
  const field = (key: string, wants: string, got: unknown): never => {
    throw new Error(
      `safetensors: ${JSON.stringify(name)}.${key} must be ${wants}, got ${
        JSON.stringify(got) ?? String(got)
      }`,
    );
  };
  if (h === null || typeof h !== "object" || Array.isArray(h)) {
    field("(entry)", "an object {dtype, shape, data_offsets}", h);
  }
  const e = h as Record<string, unknown>;
  if (typeof e.dtype !== "string") field("dtype", 'a string such as "F32"', e.dtype);
  if (!Array.isArray(e.shape) || !e.shape.every(isCount)) {
    field("shape", "an array of whole numbers ≥ 0", e.shape);
  }
  const o = e.data_offsets;
  if (!Array.isArray(o) || o.length !== 2 || !o.every(isCount) || o[0] > o[1]) {
    field("data_offsets", "[begin, end], whole numbers with begin ≤ end", o);
  }
  return e as unknown as HeaderEntry;
}

/**
 * Decodes safetensors bytes (F32 tensors only).
 * @throws Error naming what is wrong (truncated, bad header or field, another dtype)
 */
export function decodeSafetensors(
  bytes: Uint8Array,
): { tensors: Record<string, NamedTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error("not a safetensors file: shorter than 8 bytes");
  const big = new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true);
  if (big === 0n || 8n + big > BigInt(bytes.length)) {
    // The length as read (a u64, printed exactly: a Number would round it).
    throw new Error(
      `not a safetensors file: header of ${big} bytes in a ${bytes.length}-byte file`,
    );
  }
  const n = Number(big);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw new Error(`not a safetensors file: its header is not JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw new Error("not a safetensors file: its header is not a JSON object");
  }
  const raw = header as Record<string, unknown>;
  const meta = raw.__metadata__ ?? {};
  if (
    meta === null || typeof meta !== "object" || Array.isArray(meta) ||
    !Object.values(meta).every((v) => typeof v === "string")
  ) {
    throw new Error("safetensors: __metadata__ must be an object of strings");
  }
  const metadata = meta as Record<string, string>;
  const data = bytes.subarray(8 + n);
  const tensors: Record<string, NamedTensor> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(raw)) {
    if (name === "__metadata__") continue;
    const h = headerEntry(name, entry);
    if (h.dtype !== "F32") throw new Error(`safetensors: ${name} is ${h.dtype}; only F32 is read`);
    const [begin, end] = h.data_offsets;
    const size = h.shape.reduce((a, b) => a * b, 1);
    if (!(end <= data.length && end - begin === 4 * size)) {
      throw new Error(
        `safetensors: ${name}'s data [${begin}, ${end}) does not fit its shape or the file`,
      );
    }
    tensors[name] = { shape: h.shape, data: new Float32Array(data.slice(begin, end).buffer) };
    spans.push([begin, end, name]);
  }
  // The format lays the tensors out one after another: two that share bytes are a corrupt file.
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) {
      throw new Error(
        `safetensors: ${spans[i - 1][2]}'s data [${spans[i - 1][0]}, ${spans[i - 1][1]}) and ` +
          `${spans[i][2]}'s [${spans[i][0]}, ${spans[i][1]}) overlap: the file is corrupt`,
      );
    }
  }
  return { tensors, metadata };
}

/** Writes a safetensors file atomically. */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, RawTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a safetensors file. @throws Error naming the file */
export async function readSafetensors(
  path: string,
): Promise<{ tensors: Record<string, NamedTensor>; metadata: Record<string, string> }> {
  let bytes: Uint8Array;
  try {
    bytes = await readInputFile(path, {
      what: "a .safetensors weights file",
      maxBytes: MAX_WEIGHTS_BYTES,
    });
  } catch (err) {
    throw cannotRead(path, err);
  }
  try {
    return decodeSafetensors(bytes);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
