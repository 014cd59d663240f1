/**
 * A small seeded pseudo-random generator (SplitMix32-style mixing over a 32-bit counter)
 * whose whole state is one number, so that it can be saved in a checkpoint and restored.
 *
 * @module
 */

/** Serializable state of an {@link Rng}. */
export interface RngState {
  /** The 32-bit counter. */
  state: number;
}

/** A deterministic random generator with a saveable state. */
export class Rng {
  #state: number;

  /** Creates a generator from an integer seed. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    this.#state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniform float in [a, b). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** A standard normal sample (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** The generator's state, for checkpoints. */
  getState(): RngState {
    return { state: this.#state };
  }

  /** Restores a state saved by {@link Rng.getState}. */
  setState(s: RngState): void {
    this.#state = s.state >>> 0;
  }
}
