/**
 * safetensors files (the format PyTorch's ecosystem reads): an 8-byte little-endian header
 * length N, N bytes of JSON (`{name: {dtype, shape, data_offsets: [begin, end]}, …,
 * "__metadata__": {string: string}}`), then the raw little-endian tensor bytes. Only F32.
 *
 * @module
 */
import { writeFileAtomic } from "./atomic_write.ts";
import type { NamedTensor } from "../models/torch_names.ts";

export type { NamedTensor } from "../models/torch_names.ts";

/** Encodes tensors (and string metadata) as safetensors bytes; names in the given order. */
export function encodeSafetensors(
  tensors: Record<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) {
      throw new Error(`safetensors: ${name} has ${t.data.length} values for shape [${t.shape}]`);
    }
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
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

/**
 * Decodes safetensors bytes (F32 tensors only).
 * @throws Error naming what is wrong (truncated, bad header, another dtype)
 */
export function decodeSafetensors(
  bytes: Uint8Array,
): { tensors: Record<string, NamedTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error("not a safetensors file: shorter than 8 bytes");
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (n <= 0 || 8 + n > bytes.length) {
    throw new Error(`not a safetensors file: header of ${n} bytes in a ${bytes.length}-byte file`);
  }
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw new Error(`not a safetensors file: its header is not JSON (${(err as Error).message})`);
  }
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  const data = bytes.subarray(8 + n);
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, h] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (h.dtype !== "F32") throw new Error(`safetensors: ${name} is ${h.dtype}; only F32 is read`);
    const [begin, end] = h.data_offsets;
    const size = h.shape.reduce((a, b) => a * b, 1);
    if (!(begin >= 0 && end <= data.length && end - begin === 4 * size)) {
      throw new Error(
        `safetensors: ${name}'s data [${begin}, ${end}) does not fit its shape or the file`,
      );
    }
    tensors[name] = { shape: h.shape, data: new Float32Array(data.slice(begin, end).buffer) };
  }
  return { tensors, metadata };
}

/** Writes a safetensors file atomically. */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, NamedTensor>,
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
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new Error(`${path} cannot be read: ${(err as Error).message}`);
  }
  try {
    return decodeSafetensors(bytes);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
