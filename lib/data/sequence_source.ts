/**
 * The common view that batch iterators take of a dataset: a list of examples, each a pair
 * of equally long input and target id sequences, built lazily (views, not copies).
 *
 * @module
 */

import { type PackedSentences, sentenceAt } from "./sentences.ts";
import { PAD_ID } from "./vocab.ts";

/** A dataset of (inputs, targets) examples that a batch iterator reads one at a time. */
export interface SequenceSource {
  /** Number of examples. */
  readonly size: number;
  /** Id written into padded positions of `x` and `y` (their mask is 0). */
  readonly pad: number;
  /** Number of prediction steps of example `i` (length of its inputs and targets). */
  steps(i: number): number;
  /** Input ids of example `i` (length `steps(i)`). */
  inputs(i: number): ArrayLike<number>;
  /** Target ids of example `i` (length `steps(i)`): the inputs shifted by one. */
  targets(i: number): ArrayLike<number>;
}

/**
 * A source over packed sentences: example i has x = s[:-1], y = s[1:] for sentence s
 * (already cut to context + 1 ids), padded with `<pad>` (id 0) in batches.
 */
export function sentenceSource(set: PackedSentences): SequenceSource {
  const { ids, offsets } = set;
  for (let i = 0; i < set.size; i++) {
    if (offsets[i + 1] - offsets[i] < 2) {
      throw new Error(
        `sentenceSource: sentence ${i} has fewer than 2 ids; frame lines with frameSentences()`,
      );
    }
  }
  return {
    size: set.size,
    pad: PAD_ID,
    steps: (i) => offsets[i + 1] - offsets[i] - 1,
    inputs: (i) => ids.subarray(offsets[i], offsets[i + 1] - 1),
    targets: (i) => sentenceAt(set, i).subarray(1),
  };
}
