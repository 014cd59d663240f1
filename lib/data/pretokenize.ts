/**
 * GPT-2's pre-tokenization: text is split into pieces (words with their leading space,
 * number runs, punctuation runs, whitespace) before byte-level BPE; merges never cross a
 * piece. Lines are pre-tokenized one at a time (each keeps its `\n`), as the reference's
 * Hugging Face pipeline tokenizes WikiText one line (row) at a time.
 *
 * @module
 */

/** GPT-2's pre-tokenization pattern (with the Unicode flag, as in the `regex` module). */
export const GPT2_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Splits text into lines, each keeping its trailing `\n` (the last one may lack it). */
export function linesKeepingNewline(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) break;
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** The pre-tokens of one piece of text (a line), in order; their concatenation is the text. */
export function pretokenize(text: string): string[] {
  return text.match(new RegExp(GPT2_PATTERN)) ?? [];
}

/** Counts each distinct pre-token of a text, line by line (the BPE training table). */
export function countPretokens(text: string, into: Map<string, number> = new Map()): Map<
  string,
  number
> {
  const re = new RegExp(GPT2_PATTERN);
  for (const line of linesKeepingNewline(text)) {
    re.lastIndex = 0;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      into.set(m[0], (into.get(m[0]) ?? 0) + 1);
    }
  }
  return into;
}
