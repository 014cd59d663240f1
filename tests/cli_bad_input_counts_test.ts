/**
 * Every count option of every command has a stated range, checked before anything runs: a
 * negative value (`--tokens -5`, which the option parser took for an option), zero, a fraction,
 * a huge value and a word each get exit 2 and one line naming the option and its range, and
 * an option given without its value says so (the harness: tests/_cli_bad_input.ts).
 */
import { badInputTest, type Case } from "./_cli_bad_input.ts";

/** One count option: its command, the arguments it needs beside it, its range. */
interface Count {
  cli: string;
  option: string;
  /** What the line says of the range, as a pattern. */
  range: string;
  /** Other arguments (a run folder that need not exist: counts are checked first). */
  with?: string[];
  /** Values outside the range (default: -5, 0, 2.5, 1e9, abc). */
  bad?: string[];
}

const COUNTS: Count[] = [
  {
    cli: "sample",
    option: "tokens",
    range: "a whole number from 1 to 100000",
    with: ["--run", "x"],
  },
  {
    cli: "sample",
    option: "seed",
    range: "a whole number from 0 to 2147483648",
    with: ["--run", "x"],
    bad: ["-5", "2.5", "1e12", "abc"],
  },
  {
    cli: "sample",
    option: "temperature",
    range: "a number from 0 to 100",
    with: ["--run", "x"],
    bad: ["-5", "1e9", "abc"],
  },
  {
    cli: "feedbacks",
    option: "batches",
    range: "a whole number from 1 to 1000",
    with: ["--run", "x"],
  },
  {
    cli: "feedbacks",
    option: "rounds",
    range: "a whole number from 1 to 100",
    with: ["--run", "x"],
  },
  { cli: "parity", option: "steps", range: "a whole number from 1 to 1000" },
  { cli: "parity", option: "fixture-steps", range: "a whole number from 1 to 50" },
  ...[["warmup", 0, 100], ["runs", 1, 1000]].map(([option, min, max]): Count => ({
    cli: "bench",
    option: option as string,
    range: `expected a whole number from ${min} to ${max}`,
    bad: [...(min === 1 ? ["0"] : []), "-5", "2.5", "1e9", "abc"],
  })),
  ...[["budget-min", 10080], ["max-case-min", 1440], ["max-mem-gb", 1024]].map((
    [option, max],
  ): Count => ({
    cli: "bench",
    option: option as string,
    range: `expected a number from 0 to ${max}`,
    bad: ["-5", "1e9", "abc"],
  })),
  ...[["T", 65536], ["D", 8192], ["B", 4096], ["threads", 256]].map(([option, max]): Count => ({
    cli: "bench",
    option: option as string,
    range: `expected whole numbers from 1 to ${max}`,
  })),
  {
    cli: "bench",
    option: "matmul",
    range: "expected whole numbers from 1 to 65536",
    bad: ["-5,1,1", "2048,0,768", "2048,256,1e9", "1.5,2,3"],
  },
  {
    cli: "bench",
    option: "ptb",
    range: "(expected whole numbers from 1 to 1000000|B is at most 4096)",
    bad: ["-5,64,256,10000", "32,64,256,1e9", "1e6,64,256,10000"],
  },
  {
    cli: "bench",
    option: "blas",
    range: "expected off or thread counts from 1 to 256",
    bad: ["-5", "0", "2.5", "1e9"],
  },
];

const CASES: Case[] = COUNTS.flatMap((c) =>
  (c.bad ?? ["-5", "0", "2.5", "1e9", "abc"]).map((value): Case => ({
    what: `${c.cli} --${c.option} ${value}`,
    cli: c.cli,
    args: [...(c.with ?? []), `--${c.option}`, value],
    says: new RegExp(`--${c.option}:? (takes )?${c.range}`),
  }))
);

const MISSING: Case[] = [
  ["sample", "tokens", ["--run", "x"]],
  ["feedbacks", "batches", ["--run", "x"]],
  ["parity", "steps", []],
  ["bench", "runs", []],
  ["export", "out", ["--run", "x"]],
  ["snapshot", "run", ["--results", "g"]],
].map(([cli, option, before]) => ({
  what: `${cli} --${option} without its value`,
  cli: cli as string,
  args: [...before as string[], `--${option}`],
  says: new RegExp(`--${option} needs a value`),
}));

badInputTest("every CLI: count options outside their stated range, one line, nothing run", [
  ...CASES,
  ...MISSING,
]);
