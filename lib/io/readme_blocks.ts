/**
 * The README's generated blocks: the text between `<!-- results:NAME -->` and
 * `<!-- /results:NAME -->`, replaced by `deno task results … --readme` and
 * `deno task speed --readme`, then the file formatted as `deno task check` expects.
 *
 * @module
 */
import { writeFileAtomic } from "./atomic_write.ts";

/**
 * `text` with the block `name` replaced by `block` (`pad` on each side of it).
 * @throws when the text has no such block, naming the markers to add
 */
export function replaceBlock(text: string, name: string, block: string, pad = "\n"): string {
  const open = `<!-- results:${name} -->`;
  const close = `<!-- /results:${name} -->`;
  const i = text.indexOf(open);
  const j = text.indexOf(close);
  if (i < 0 || j < i) throw new Error(`README.md has no ${open} … ${close} block; add one`);
  return `${text.slice(0, i + open.length)}${pad}${block}${pad}${text.slice(j)}`;
}

/** Writes `text` to the markdown file at `path` (atomically), then runs `deno fmt` on it. */
export async function writeFormattedMarkdown(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text);
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", path],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!fmt.success) {
    throw new Error(`deno fmt ${path} failed: ${new TextDecoder().decode(fmt.stderr).trim()}`);
  }
}
