/**
 * Every name a command turns into a path goes through the one check (`fileName`,
 * lib/config/checks.ts): `../../x`, an absolute path, a hidden or empty name is refused with
 * exit 2 and one line, and no file is written or changed, in particular none outside
 * `results/` (the scratch tree is `<tmp>/a/b`, so `../../x` would land inside it and be seen).
 */
import { join } from "node:path";
import { badInputTest, type Case, ROW, runFolder, TINY } from "./_cli_bad_input.ts";

const ESCAPES = ["../../x", "/tmp/x", ".hidden", "a/b"];
const PLAIN = /must be a plain name \(letters, digits and \. _ \+ -/;

/** Each name option, the arguments it goes with, and the setup it needs to be reached. */
const NAMES: {
  what: string;
  cli: string;
  args: (name: string) => string[];
  setup?(root: string): void;
}[] = [
  { what: "train --results", cli: "train", args: (n) => [...TINY, "--results", n] },
  { what: "train --set name=", cli: "train", args: (n) => [...TINY, "--set", `name=${n}`] },
  {
    what: "snapshot --results",
    cli: "snapshot",
    args: (n) => ["--run", "runs/r", "--results", n],
    setup: (root) => {
      const dir = runFolder(root);
      Deno.writeTextFileSync(join(dir, "metrics.jsonl"), ROW);
    },
  },
  {
    what: "snapshot --refresh",
    cli: "snapshot",
    args: (n) => ["--refresh", n],
    setup: (root) => {
      // What `results/../../x` reaches: a group whose run in progress has finished curves,
      // which a refresh would rewrite.
      const group = join(root, "results/../../x");
      Deno.mkdirSync(group, { recursive: true });
      Deno.writeTextFileSync(
        join(group, "r.json"),
        JSON.stringify({ stopped: "in progress", steps: 2, totalSteps: 2 }),
      );
      Deno.writeTextFileSync(join(group, "r.metrics.jsonl"), ROW + ROW.replace("valid", "test"));
    },
  },
  {
    what: "feedbacks --results",
    cli: "feedbacks",
    args: (n) => ["--run", "runs/r", "--results", n],
    setup: (root) => void runFolder(root),
  },
  { what: "results GROUP", cli: "results", args: (n) => [n] },
];

const CASES: Case[] = [
  ...NAMES.flatMap(({ what, cli, args, setup }) =>
    ESCAPES.map((name): Case => ({
      what: `${what} ${name}`,
      cli,
      args: args(name),
      says: PLAIN,
      setup,
    }))
  ),
  {
    what: "feedbacks --results g with --run / (its folder name is empty)",
    cli: "feedbacks",
    args: ["--run", "/", "--results", "g"],
    says: /--run's folder name must be a plain name/,
  },
];

badInputTest("every CLI: names that would become paths outside their folder are refused", CASES);
