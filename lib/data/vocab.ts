/**
 * A token ↔ id table whose first four ids are the special tokens shared by every
 * sentence-level dataset of the project (the reference implementation's `Dictionary`).
 *
 * @module
 */

/** Id of `<pad>`: fills rows after a sentence ends; never a real target. */
export const PAD_ID = 0;
/** Id of `<bos>`: first token of every sentence. */
export const BOS_ID = 1;
/** Id of `<eos>`: last token of every sentence. */
export const EOS_ID = 2;
/** Id of `<unk>`: out-of-vocabulary tokens (PTB's own `<unk>` maps here too). */
export const UNK_ID = 3;
/** The special tokens, in id order. */
export const SPECIAL_TOKENS: readonly string[] = ["<pad>", "<bos>", "<eos>", "<unk>"];

/** An immutable token ↔ id table: the specials first, then tokens in first-seen order. */
export class Vocab {
  readonly #tokens: string[];
  readonly #index: Map<string, number>;

  private constructor(tokens: string[]) {
    this.#tokens = tokens;
    this.#index = new Map(tokens.map((t, i) => [t, i]));
    if (this.#index.size !== tokens.length) {
      throw new Error("Vocab: duplicate tokens in the token list; build it with Vocab.build()");
    }
  }

  /**
   * Builds a vocabulary: {@link SPECIAL_TOKENS} get ids 0..3, then every new token of
   * `tokens` in first-seen order (a token equal to a special, e.g. PTB's `<unk>`, keeps the
   * special's id instead of getting a duplicate).
   */
  static build(tokens: Iterable<string>): Vocab {
    const list = [...SPECIAL_TOKENS];
    const seen = new Set(list);
    for (const t of tokens) {
      if (!seen.has(t)) {
        seen.add(t);
        list.push(t);
      }
    }
    return new Vocab(list);
  }

  /** Restores a vocabulary saved by {@link Vocab.toJSON} (the full token list, in id order). */
  static fromJSON(tokens: readonly string[]): Vocab {
    for (let i = 0; i < SPECIAL_TOKENS.length; i++) {
      if (tokens[i] !== SPECIAL_TOKENS[i]) {
        throw new Error(
          `Vocab.fromJSON: token ${i} is ${JSON.stringify(tokens[i])}, expected ` +
            `${SPECIAL_TOKENS[i]}; the list must start with ${SPECIAL_TOKENS.join(", ")}`,
        );
      }
    }
    return new Vocab([...tokens]);
  }

  /** Number of ids (specials included). */
  get size(): number {
    return this.#tokens.length;
  }

  /** The id of `token`, or {@link UNK_ID} when it is not in the vocabulary. */
  id(token: string): number {
    return this.#index.get(token) ?? UNK_ID;
  }

  /** The id of `token`, or `undefined` when it is not in the vocabulary. */
  lookup(token: string): number | undefined {
    return this.#index.get(token);
  }

  /** Whether `token` has its own id. */
  has(token: string): boolean {
    return this.#index.has(token);
  }

  /** The token of `id`; throws for an id outside [0, size). */
  token(id: number): string {
    const t = this.#tokens[id];
    if (t === undefined) throw new Error(`Vocab.token: id ${id} outside [0, ${this.size})`);
    return t;
  }

  /** The token list in id order (JSON-serializable). */
  toJSON(): string[] {
    return [...this.#tokens];
  }
}
