/**
 * Byte-level BPE training (GPT-2 / Hugging Face style) in O(work touched per merge):
 * a frequency table of distinct pre-tokens, pair counts kept up to date incrementally
 * (only words containing the merged pair are revisited), and a lazy max-heap of pairs.
 *
 * Each step merges the most frequent adjacent pair; ties go to the smaller (left id,
 * right id) pair, so training is deterministic. Pairs are counted within pre-tokens only.
 *
 * @module
 */

import { BpeTokenizer, FIRST_BYTE_ID, FIRST_MERGE_ID, MAX_BPE_VOCAB } from "./bpe.ts";
import { countPretokens } from "./pretokenize.ts";

/** Options of {@link trainBpe}. */
export interface BpeTrainOptions {
  /** Total number of ids wanted: 257 + merges (e.g. 16,000 → 15,743 merges). */
  vocabSize: number;
  /** Provenance stored in the tokenizer. */
  meta?: Record<string, unknown>;
  /** Called every 1000 merges with (merges done, merges wanted). */
  onProgress?: (done: number, total: number) => void;
}

/** Max-heap of (count, pair key): higher count first, then smaller key. */
class PairHeap {
  #count: number[] = [];
  #key: number[] = [];

  get size(): number {
    return this.#count.length;
  }

  #above(i: number, j: number): boolean {
    const ci = this.#count[i];
    const cj = this.#count[j];
    return ci > cj || (ci === cj && this.#key[i] < this.#key[j]);
  }

  #swap(i: number, j: number): void {
    const c = this.#count[i];
    this.#count[i] = this.#count[j];
    this.#count[j] = c;
    const k = this.#key[i];
    this.#key[i] = this.#key[j];
    this.#key[j] = k;
  }

  push(count: number, key: number): void {
    this.#count.push(count);
    this.#key.push(key);
    let i = this.#count.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#above(i, p)) break;
      this.#swap(i, p);
      i = p;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.#count[0], this.#key[0]];
    const lastC = this.#count.pop()!;
    const lastK = this.#key.pop()!;
    if (this.#count.length > 0) {
      this.#count[0] = lastC;
      this.#key[0] = lastK;
      let i = 0;
      const n = this.#count.length;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n && this.#above(l, m)) m = l;
        if (r < n && this.#above(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/**
 * Learns merges from a pre-token frequency table (see `countPretokens`) until the
 * vocabulary has `vocabSize` ids. Throws when the corpus runs out of pairs first.
 */
export function trainBpe(counts: Map<string, number>, opts: BpeTrainOptions): BpeTokenizer {
  const { vocabSize } = opts;
  if (!Number.isInteger(vocabSize) || vocabSize < FIRST_MERGE_ID || vocabSize > MAX_BPE_VOCAB) {
    throw new Error(
      `trainBpe: vocabSize must be an integer in [${FIRST_MERGE_ID}, ${MAX_BPE_VOCAB}] ` +
        `(257 = <|endoftext|> + 256 bytes), got ${vocabSize}`,
    );
  }
  const K = MAX_BPE_VOCAB;
  const enc = new TextEncoder();
  const words: Int32Array[] = [];
  const freq: number[] = [];
  for (const [piece, c] of counts) {
    const bytes = enc.encode(piece);
    const syms = new Int32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) syms[i] = bytes[i] + FIRST_BYTE_ID;
    words.push(syms);
    freq.push(c);
  }
  const pairCount = new Map<number, number>();
  const where = new Map<number, number[]>();
  for (let w = 0; w < words.length; w++) {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i] * K + s[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + freq[w]);
      const list = where.get(key);
      if (list === undefined) where.set(key, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  }
  const heap = new PairHeap();
  for (const [key, c] of pairCount) heap.push(c, key);

  const want = vocabSize - FIRST_MERGE_ID;
  const merges = new Int32Array(2 * want);
  const stamp = new Int32Array(words.length).fill(-1);
  const touched = new Set<number>();
  for (let r = 0; r < want; r++) {
    let key = -1;
    while (heap.size > 0) {
      const [c, k] = heap.pop();
      const now = pairCount.get(k) ?? 0;
      if (now === c && c > 0) {
        key = k;
        break;
      }
      if (now > 0 && now < c) heap.push(now, k);
    }
    if (key < 0) {
      throw new Error(
        `trainBpe: the corpus has no pairs left after ${r} merges (vocabulary ` +
          `${FIRST_MERGE_ID + r}); ask for vocabSize <= ${
            FIRST_MERGE_ID + r
          } or train on more text`,
      );
    }
    const a = Math.floor(key / K);
    const b = key % K;
    const z = FIRST_MERGE_ID + r;
    merges[2 * r] = a;
    merges[2 * r + 1] = b;
    touched.clear();
    for (const w of where.get(key) ?? []) {
      if (stamp[w] === r) continue;
      stamp[w] = r;
      const s = words[w];
      let hit = false;
      for (let i = 0; i + 1 < s.length; i++) {
        if (s[i] === a && s[i + 1] === b) {
          hit = true;
          break;
        }
      }
      if (!hit) continue;
      const f = freq[w];
      for (let i = 0; i + 1 < s.length; i++) {
        const k = s[i] * K + s[i + 1];
        pairCount.set(k, pairCount.get(k)! - f);
        touched.add(k);
      }
      const out: number[] = [];
      for (let i = 0; i < s.length;) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(z);
          i += 2;
        } else out.push(s[i++]);
      }
      const t = Int32Array.from(out);
      words[w] = t;
      for (let i = 0; i + 1 < t.length; i++) {
        const k = t[i] * K + t[i + 1];
        pairCount.set(k, (pairCount.get(k) ?? 0) + f);
        touched.add(k);
        if (t[i] === z || t[i + 1] === z) {
          const list = where.get(k);
          if (list === undefined) where.set(k, [w]);
          else if (list[list.length - 1] !== w) list.push(w);
        }
      }
    }
    pairCount.delete(key);
    where.delete(key);
    for (const k of touched) {
      const c = pairCount.get(k);
      if (c === undefined) continue;
      if (c <= 0) {
        pairCount.delete(k);
        where.delete(k);
      } else heap.push(c, k);
    }
    if (opts.onProgress && (r + 1) % 1000 === 0) opts.onProgress(r + 1, want);
  }
  return new BpeTokenizer(merges, { meta: opts.meta });
}

/** Convenience: counts the pre-tokens of `text` and trains on them. */
export function trainBpeOnText(text: string, opts: BpeTrainOptions): BpeTokenizer {
  return trainBpe(countPretokens(text), opts);
}
