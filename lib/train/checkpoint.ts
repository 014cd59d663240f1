/**
 * Training checkpoints as bytes (pure: no file system; see `lib/io/checkpoint_file.ts`).
 *
 * Layout (little-endian), format version 2:
 * ```
 * 0   8 bytes  magic "DSFCKPT\n"
 * 8   u32      format version (2)
 * 12  u32      header length H in bytes (a multiple of 4)
 * 16  u32      CRC-32 of the H header bytes (step, epoch, batch position, Adam's step, the
 *              metrics rows and the config are all in the header: a changed byte is refused)
 * 20  H bytes  UTF-8 JSON header, space-padded: the checkpoint with every Float32Array
 *              replaced by {"$f32": [offset, length]} (in floats), plus "dataBytes" and
 *              "crc32" of the data section
 * 20+H         data section: the float32 arrays, concatenated
 * ```
 * Version 1 (written before the header CRC) had no field at 16 (the header started there) and
 * still loads, its header unchecked.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { AdamState } from "./adam.ts";
import type { RngState } from "../util/rng.ts";

/** One parameter's saved value. */
export interface ParamSnapshot {
  /** Tensor shape. */
  shape: number[];
  /** Row-major values. */
  data: Float32Array;
}

/** Everything needed to resume a run exactly. */
export interface Checkpoint {
  /** Model parameters by name. */
  params: Record<string, ParamSnapshot>;
  /** Optimiser state, or null when none is saved. */
  optimizer: AdamState | null;
  /** Schedule position: updates made so far. */
  step: number;
  /** Data position: the epoch in progress (0-based). */
  epoch: number;
  /** Data position: batches of `epoch` already consumed. */
  batch: number;
  /** Generator states by role (e.g. `{ data: …, init: … }`). */
  rng: Record<string, RngState>;
  /** The resolved experiment config (plain JSON data). */
  config: unknown;
  /** Metrics recorded so far (plain JSON data). */
  metrics: unknown;
  /**
   * What the run trains on (the data's fingerprint: hashes of its files and tokenizer, JSON
   * data); absent in checkpoints written before it was kept.
   */
  data?: unknown;
}

/** The 8-byte magic string at the start of a checkpoint. */
export const CHECKPOINT_MAGIC = "DSFCKPT\n";
/** The format version written by {@link serializeCheckpoint}. */
export const CHECKPOINT_VERSION = 2;

/** Bytes before the header, by format version. */
const PREFIX: Record<number, number> = { 1: 16, 2: 20 };
const F32 = "$f32";

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE) of `bytes`. */
function crc32(bytes: Uint8Array): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const t = crcTable;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error("checkpoint: big-endian platforms are not supported");
  }
}

/** Copies every parameter's current value off the backend (asynchronously: webgpu). */
export async function captureParams(
  params: Record<string, tf.Variable>,
): Promise<Record<string, ParamSnapshot>> {
  const out: Record<string, ParamSnapshot> = {};
  for (const [name, v] of Object.entries(params)) {
    if (v.dtype !== "float32") {
      throw new Error(`captureParams: "${name}" is ${v.dtype}, not float32`);
    }
    out[name] = { shape: [...v.shape], data: Float32Array.from(await v.data() as Float32Array) };
  }
  return out;
}

/**
 * Assigns saved values to `params` in place. The names must match exactly and each shape must
 * equal the variable's; otherwise nothing is assigned and an Error names the parameter.
 */
export function restoreParams(
  params: Record<string, tf.Variable>,
  saved: Record<string, ParamSnapshot>,
): void {
  for (const name of Object.keys(saved)) {
    if (!(name in params)) {
      throw new Error(`restoreParams: checkpoint has unknown parameter "${name}"`);
    }
  }
  for (const [name, v] of Object.entries(params)) {
    const s = saved[name];
    if (s === undefined) throw new Error(`restoreParams: checkpoint lacks parameter "${name}"`);
    if (!tf.util.arraysEqual(s.shape, v.shape)) {
      throw new Error(
        `restoreParams: shape mismatch for "${name}": checkpoint [${s.shape}], model [${v.shape}]`,
      );
    }
    if (s.data.length !== v.size) {
      throw new Error(`restoreParams: "${name}" has ${s.data.length} values, expected ${v.size}`);
    }
  }
  tf.tidy(() => {
    for (const [name, v] of Object.entries(params)) {
      v.assign(tf.tensor(saved[name].data, v.shape, "float32"));
    }
  });
}

/** Encodes a checkpoint as one byte array (see the module doc for the layout). */
export function serializeCheckpoint(ckpt: Checkpoint): Uint8Array {
  assertLittleEndian();
  validateShape(ckpt);
  const arrays: Float32Array[] = [];
  let offset = 0;
  const json = JSON.stringify(ckpt, (_key, value) => {
    if (value instanceof Float32Array) {
      arrays.push(value);
      const ref = { [F32]: [offset, value.length] };
      offset += value.length;
      return ref;
    }
    if (ArrayBuffer.isView(value)) {
      throw new Error(
        `serializeCheckpoint: only Float32Array is supported, found ${value.constructor.name}`,
      );
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      // JSON has no NaN/Infinity: keep them as tagged strings.
      return { $num: String(value) };
    }
    return value;
  });
  const data = new Uint8Array(offset * 4);
  let at = 0;
  for (const a of arrays) {
    data.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  const header = `{"dataBytes":${data.length},"crc32":${crc32(data)},"body":${json}}`;
  let headerBytes = new TextEncoder().encode(header);
  const padded = Math.ceil(headerBytes.length / 4) * 4;
  if (padded !== headerBytes.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(headerBytes);
    headerBytes = p;
  }
  const prefix = PREFIX[CHECKPOINT_VERSION];
  const out = new Uint8Array(prefix + headerBytes.length + data.length);
  out.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, CHECKPOINT_VERSION, true);
  dv.setUint32(12, headerBytes.length, true);
  dv.setUint32(16, crc32(headerBytes), true);
  out.set(headerBytes, prefix);
  out.set(data, prefix + headerBytes.length);
  return out;
}

/** Decodes bytes from {@link serializeCheckpoint}; a truncated or corrupt input is an Error. */
export function deserializeCheckpoint(bytes: Uint8Array): Checkpoint {
  assertLittleEndian();
  const bad = (msg: string): never => {
    throw new Error(`deserializeCheckpoint: ${msg}`);
  };
  if (bytes.length < PREFIX[1]) {
    bad(`too short (${bytes.length} bytes): truncated or not a checkpoint`);
  }
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== CHECKPOINT_MAGIC) bad(`bad magic ${JSON.stringify(magic)}: not a checkpoint`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  const prefix = PREFIX[version];
  if (prefix === undefined) {
    bad(`unsupported version ${version} (this code reads 1 to ${CHECKPOINT_VERSION})`);
  }
  const headerLen = dv.getUint32(12, true);
  if (prefix + headerLen > bytes.length) {
    bad(`truncated: header needs ${headerLen} bytes, file has ${bytes.length - prefix}`);
  }
  const headerBytes = bytes.subarray(prefix, prefix + headerLen);
  if (version >= 2 && crc32(headerBytes) !== dv.getUint32(16, true)) {
    bad("corrupt header: CRC-32 mismatch (the step, positions, metrics or config were changed)");
  }
  let header: { dataBytes: number; crc32: number; body: unknown };
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (e) {
    return bad(`corrupt header: ${(e as Error).message}`);
  }
  if (!header || typeof header.dataBytes !== "number" || typeof header.crc32 !== "number") {
    bad("corrupt header: missing dataBytes/crc32");
  }
  const start = prefix + headerLen;
  const have = bytes.length - start;
  if (have !== header.dataBytes) {
    bad(
      `${
        have < header.dataBytes ? "truncated" : "trailing bytes"
      }: data section has ${have} bytes, header says ${header.dataBytes}`,
    );
  }
  const data = bytes.slice(start, start + header.dataBytes);
  if (crc32(data) !== header.crc32) bad("corrupt data section: CRC-32 mismatch");
  const floats = new Float32Array(data.buffer, 0, data.length / 4);
  const body = JSON.parse(JSON.stringify(header.body), (_key, value) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      if (F32 in value) {
        const [off, len] = value[F32];
        if (
          !Number.isInteger(off) || !Number.isInteger(len) || off < 0 || off + len > floats.length
        ) {
          bad(`corrupt header: array reference [${off}, ${len}] out of range`);
        }
        return floats.slice(off, off + len);
      }
      if ("$num" in value && Object.keys(value).length === 1) return Number(value.$num);
    }
    return value;
  });
  validateShape(body as Checkpoint);
  return body as Checkpoint;
}

function validateShape(c: Checkpoint): void {
  const bad = (key: string, msg: string): never => {
    throw new Error(`checkpoint: "${key}" ${msg}`);
  };
  if (c === null || typeof c !== "object") bad("(root)", "must be an object");
  for (const k of ["step", "epoch", "batch"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) bad(k, `must be a non-negative integer, got ${c[k]}`);
  }
  if (c.params === null || typeof c.params !== "object") bad("params", "must be an object");
  for (const [name, p] of Object.entries(c.params)) {
    if (!Array.isArray(p?.shape) || !(p.data instanceof Float32Array)) {
      bad(`params.${name}`, "must be {shape: number[], data: Float32Array}");
    }
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (size !== p.data.length) {
      bad(`params.${name}`, `has ${p.data.length} values for shape [${p.shape}]`);
    }
  }
  if (c.optimizer !== null) {
    const o = c.optimizer;
    if (!o || !Number.isInteger(o.step) || typeof o.m !== "object" || typeof o.v !== "object") {
      bad("optimizer", "must be null or {step, m, v}");
    }
  }
  if (c.rng === null || typeof c.rng !== "object") bad("rng", "must be an object");
}
