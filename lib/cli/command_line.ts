/**
 * The command a CLI was run with, shell-quoted, for the records that say how a result was made.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { projectRoot } from "../io/dirs.ts";
import { portableArg } from "../io/portable_path.ts";

/**
 * `deno task <task> <args>`, each argument single-quoted unless it is plainly safe, and absolute
 * paths written relative to the project's root ({@link portableArg}): the record names what a
 * reader of a checkout can run, not the folders of the machine that ran it.
 */
export function taskCommand(
  task: string,
  args: readonly string[] = Deno.args,
  root: string = projectRoot(),
): string {
  const quoted = args.map((a) => portableArg(a, root)).map((a) =>
    /^[\w=.,:/@+-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`
  );
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

/** The options of {@link parseCommandArgs}: node's `parseArgs` options. */
export type CommandOptions = Record<
  string,
  {
    type: "string" | "boolean";
    short?: string;
    multiple?: boolean;
    default?: string | boolean | string[];
  }
>;

/**
 * `parseArgs` (strict) with the errors a user can act on: a value that starts with `-`
 * (`--tokens -5`) is taken as the value (its own check then says what the option takes), an
 * option given without its value says so, and every error is one line.
 * @throws Error (one line) naming the option
 */
export function parseCommandArgs<T extends CommandOptions>(
  args: readonly string[],
  options: T,
  allowPositionals = false,
) {
  const known = new Set(
    Object.entries(options).flatMap(([n, o]) => [`--${n}`, ...(o.short ? [`-${o.short}`] : [])]),
  );
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith("--") ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string") {
      const value = args[i + 1];
      if (value === undefined || known.has(value.split("=")[0])) {
        throw new Error(`--${name} needs a value${value === undefined ? "" : ` (got ${value})`}`);
      }
      joined.push(`--${name}=${value}`);
      i++;
    } else joined.push(a);
  }
  try {
    return parseArgs({ args: joined, options, strict: true, allowPositionals });
  } catch (err) {
    throw new Error(`${(err as Error).message.split("\n")[0]} (see --help)`);
  }
}
