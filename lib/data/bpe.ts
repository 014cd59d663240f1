/**
 * A byte-level BPE tokenizer (GPT-2 style) with a fixed id layout:
 *
 * - id 0: `<|endoftext|>` (never produced by {@link BpeTokenizer.encode}; the pad id),
 * - ids 1..256: the 256 bytes (id = 1 + byte),
 * - ids 257..: one per merge, in the order learned (merge r creates id 257 + r).
 *
 * So `vocabSize = 257 + merges`; the project's 16,000 = 1 special + 256 bytes + 15,743
 * merges, the layout of the reference's tokenizer (which also puts `<|endoftext|>` at 0).
 * Encoding pre-tokenizes line by line with GPT-2's pattern and applies merges by rank
 * inside each pre-token; decoding concatenates the tokens' bytes, so it inverts encoding
 * for every string.
 *
 * @module
 */

import { bytesToVisible } from "./byte_unicode.ts";
import { GPT2_PATTERN, linesKeepingNewline } from "./pretokenize.ts";

/** The one special token, id 0. */
export const ENDOFTEXT = "<|endoftext|>";
/** Id of {@link ENDOFTEXT}, also used as padding. */
export const ENDOFTEXT_ID = 0;
/** Id of byte 0 (byte b has id `FIRST_BYTE_ID + b`). */
export const FIRST_BYTE_ID = 1;
/** Id created by the first merge. */
export const FIRST_MERGE_ID = 257;
/** Largest vocabulary this layout supports (ids must fit a Uint16Array and pair keys). */
export const MAX_BPE_VOCAB = 65_536;

/** Serialized form of a {@link BpeTokenizer} (the cache file's JSON). */
export interface BpeJson {
  /** Format tag. */
  format: "dsf-bpe-v1";
  /** Number of ids. */
  vocabSize: number;
  /** Special tokens, from id 0. */
  specials: string[];
  /** Merges as a flat list of id pairs: merge r joins `merges[2r]` and `merges[2r+1]`. */
  merges: number[];
  /** Free-form provenance (dataset, training-file hash, timing). */
  meta?: Record<string, unknown>;
}

const encoder = new TextEncoder();

/** A trained byte-level BPE tokenizer. */
export class BpeTokenizer {
  /** Merges as a flat list of id pairs (see {@link BpeJson.merges}). */
  readonly merges: Int32Array;
  /** Provenance stored with the tokenizer. */
  readonly meta: Record<string, unknown>;
  readonly #rank = new Map<number, number>();
  readonly #cache = new Map<string, Int32Array>();
  #bytes: Uint8Array[] | null = null;

  /** Builds a tokenizer from its merges (flat pairs of ids, each < the id it creates). */
  constructor(merges: ArrayLike<number>, opts: { meta?: Record<string, unknown> } = {}) {
    if (merges.length % 2 !== 0) throw new Error("BpeTokenizer: merges must be id pairs");
    this.merges = Int32Array.from(merges);
    this.meta = opts.meta ?? {};
    const n = merges.length / 2;
    if (FIRST_MERGE_ID + n > MAX_BPE_VOCAB) {
      throw new Error(`BpeTokenizer: ${FIRST_MERGE_ID + n} ids exceed ${MAX_BPE_VOCAB}`);
    }
    for (let r = 0; r < n; r++) {
      const a = this.merges[2 * r];
      const b = this.merges[2 * r + 1];
      const limit = FIRST_MERGE_ID + r;
      if (!(a >= FIRST_BYTE_ID && a < limit && b >= FIRST_BYTE_ID && b < limit)) {
        throw new Error(`BpeTokenizer: merge ${r} (${a}, ${b}) uses an id not yet defined`);
      }
      const key = a * MAX_BPE_VOCAB + b;
      if (!this.#rank.has(key)) this.#rank.set(key, r);
    }
  }

  /** Number of ids: 257 + number of merges. */
  get vocabSize(): number {
    return FIRST_MERGE_ID + this.merges.length / 2;
  }

  /** The bytes that id `id` stands for (the special's UTF-8 text for id 0). */
  tokenBytes(id: number): Uint8Array {
    const table = this.#byteTable();
    const t = table[id];
    if (t === undefined) throw new Error(`BpeTokenizer: id ${id} outside [0, ${this.vocabSize})`);
    return t;
  }

  /** A readable form of id `id`, GPT-2 style (`Ġthe` for " the"). */
  tokenString(id: number): string {
    return id === ENDOFTEXT_ID ? ENDOFTEXT : bytesToVisible(this.tokenBytes(id));
  }

  /** Encodes one pre-token (no pattern splitting) into ids. */
  encodePiece(piece: string): Int32Array {
    const cached = this.#cache.get(piece);
    if (cached) return cached;
    const bytes = encoder.encode(piece);
    let syms: number[] = Array.from(bytes, (b) => b + FIRST_BYTE_ID);
    while (syms.length > 1) {
      let best = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = this.#rank.get(syms[i] * MAX_BPE_VOCAB + syms[i + 1]);
        if (r !== undefined && r < best) best = r;
      }
      if (best === Infinity) break;
      const a = this.merges[2 * best];
      const b = this.merges[2 * best + 1];
      const z = FIRST_MERGE_ID + best;
      const out: number[] = [];
      for (let i = 0; i < syms.length;) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          out.push(z);
          i += 2;
        } else out.push(syms[i++]);
      }
      syms = out;
    }
    const ids = Int32Array.from(syms);
    if (this.#cache.size >= 2_000_000) this.#cache.clear();
    this.#cache.set(piece, ids);
    return ids;
  }

  /** Encodes text: line by line, GPT-2 pre-tokenization, merges by rank. */
  encode(text: string): Int32Array {
    let out = new Int32Array(Math.max(16, text.length >> 1));
    let n = 0;
    const re = new RegExp(GPT2_PATTERN);
    for (const line of linesKeepingNewline(text)) {
      re.lastIndex = 0;
      for (let m = re.exec(line); m !== null; m = re.exec(line)) {
        const ids = this.encodePiece(m[0]);
        if (n + ids.length > out.length) {
          const grown = new Int32Array(Math.max(out.length * 2, n + ids.length));
          grown.set(out.subarray(0, n));
          out = grown;
        }
        out.set(ids, n);
        n += ids.length;
      }
    }
    return out.slice(0, n);
  }

  /** Decodes ids back to text (invalid UTF-8, e.g. a cut multi-byte char, becomes U+FFFD). */
  decode(ids: ArrayLike<number>): string {
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += this.tokenBytes(ids[i]).length;
    const buf = new Uint8Array(total);
    let p = 0;
    for (let i = 0; i < ids.length; i++) {
      const t = this.tokenBytes(ids[i]);
      buf.set(t, p);
      p += t.length;
    }
    return new TextDecoder().decode(buf);
  }

  /** The serializable form (see {@link BpeJson}). */
  toJSON(): BpeJson {
    return {
      format: "dsf-bpe-v1",
      vocabSize: this.vocabSize,
      specials: [ENDOFTEXT],
      merges: Array.from(this.merges),
      meta: this.meta,
    };
  }

  /** Restores a tokenizer saved with {@link BpeTokenizer.toJSON}. */
  static fromJSON(json: BpeJson): BpeTokenizer {
    if (json?.format !== "dsf-bpe-v1" || !Array.isArray(json.merges)) {
      throw new Error(
        "BpeTokenizer.fromJSON: not a dsf-bpe-v1 tokenizer file; delete it to retrain",
      );
    }
    const tok = new BpeTokenizer(json.merges, { meta: json.meta });
    if (tok.vocabSize !== json.vocabSize) {
      throw new Error(
        `BpeTokenizer.fromJSON: file says vocabSize ${json.vocabSize} but has ` +
          `${json.merges.length / 2} merges (${tok.vocabSize} ids); delete it to retrain`,
      );
    }
    return tok;
  }

  #byteTable(): Uint8Array[] {
    if (this.#bytes) return this.#bytes;
    const table: Uint8Array[] = [encoder.encode(ENDOFTEXT)];
    for (let b = 0; b < 256; b++) table.push(Uint8Array.of(b));
    for (let r = 0; r < this.merges.length / 2; r++) {
      const a = table[this.merges[2 * r]];
      const b = table[this.merges[2 * r + 1]];
      const ab = new Uint8Array(a.length + b.length);
      ab.set(a);
      ab.set(b, a.length);
      table.push(ab);
    }
    this.#bytes = table;
    return table;
  }
}
