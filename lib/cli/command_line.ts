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

/**
 * Runs a command's `main` and exits with its status. An error that escapes `main` is bad input
 * (a missing or corrupt file, a value out of range): one line `name: message` on stderr and
 * status 2; the stack only with `DSF_DEBUG=1`.
 */
export async function runCommand(name: string, main: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await main();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`${name}: ${message.split("\n")[0]}`);
    if (Deno.env.get("DSF_DEBUG") === "1" && err instanceof Error) console.error(err.stack);
    code = 2;
  }
  Deno.exit(code);
}

/**
 * A number option: finite, within [min, max], an integer when `integer`.
 * @throws Error (one line) naming the option and what it takes
 */
export function numberOption(
  name: string,
  text: string,
  range: { min: number; max: number; integer?: boolean },
): number {
  const x = Number(text);
  const whole = range.integer === true;
  if (
    text.trim() === "" || !Number.isFinite(x) || x < range.min || x > range.max ||
    (whole && !Number.isInteger(x))
  ) {
    throw new Error(
      `--${name} takes ${whole ? "a whole number" : "a number"} from ${range.min} to ` +
        `${range.max}, got "${text}"`,
    );
  }
  return x;
}
