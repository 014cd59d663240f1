/**
 * The command a CLI was run with, shell-quoted, for the records that say how a result was made.
 *
 * @module
 */

/** `deno task <task> <args>`, each argument single-quoted unless it is plainly safe. */
export function taskCommand(task: string, args: readonly string[] = Deno.args): string {
  const quoted = args.map((a) => (/^[\w=.,:/@+-]+$/.test(a) ? a : `'${a}'`));
  return [`deno task ${task}`, ...quoted].join(" ");
}
