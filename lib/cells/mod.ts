/**
 * The built-in cells and a factory by name.
 *
 * @module
 */
import type { Cell, CellOptions } from "./cell.ts";
import { gru } from "./gru.ts";
import { lstm } from "./lstm.ts";
import { vanilla } from "./vanilla.ts";

export * from "./cell.ts";
export { gru, lstm, vanilla };

/** The built-in cell kinds (`rnn` is the vanilla tanh cell). */
export type CellKind = "rnn" | "gru" | "lstm";

/** The built-in cell kinds, for validation and iteration. */
export const CELL_KINDS: readonly CellKind[] = ["rnn", "gru", "lstm"];

/**
 * Creates a built-in cell by name.
 * @param kind "rnn" | "gru" | "lstm"
 * @param sizes input width E and hidden width D (an LSTM's state is 2·D)
 */
export function createCell(
  kind: CellKind,
  sizes: { input: number; hidden: number },
  options: CellOptions = {},
): Cell {
  switch (kind) {
    case "rnn":
      return vanilla(sizes.input, sizes.hidden, options);
    case "gru":
      return gru(sizes.input, sizes.hidden, options);
    case "lstm":
      return lstm(sizes.input, sizes.hidden, options);
    default:
      throw new Error(`cell "${kind}" is unknown; use one of ${CELL_KINDS.join(", ")}`);
  }
}
