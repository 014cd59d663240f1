/**
 * GPT-2's reversible bytes → printable-characters table: the 188 printable Latin-1 bytes
 * map to themselves, the other 68 bytes to U+0100 and up, in byte order. Used to show
 * byte-level BPE tokens as readable strings (e.g. a leading space is `Ġ`, `\n` is `Ċ`).
 *
 * @module
 */

function buildTable(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCharCode(printable(b) ? b : 256 + extra++);
  }
  return table;
}

/** `BYTE_TO_CHAR[b]` is the one-character string standing for byte `b`. */
export const BYTE_TO_CHAR: readonly string[] = buildTable();

const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** Shows bytes as GPT-2 characters (e.g. `[32, 116]` → `"Ġt"`). */
export function bytesToVisible(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/** Inverse of {@link bytesToVisible}; throws on a character outside the table. */
export function visibleToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const b = CHAR_TO_BYTE.get(text[i]);
    if (b === undefined) {
      throw new Error(`visibleToBytes: ${JSON.stringify(text[i])} is not a GPT-2 byte character`);
    }
    out[i] = b;
  }
  return out;
}
