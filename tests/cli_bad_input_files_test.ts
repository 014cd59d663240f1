/**
 * Inputs that are not regular files, or not bounded, for every command that reads them: a FIFO,
 * a folder, /dev/zero, /dev/stdin or a socket where a weights file, a data file, a run folder,
 * its config.json, a checkpoint, its curves, a committed result or a bench file belongs. Each
 * is refused before it is opened (nothing hangs, nothing grows): exit 2, one line naming the
 * file and what it is, nothing changed (the harness: tests/_cli_bad_input.ts).
 */
import { join } from "node:path";
import {
  badInputTest,
  type Case,
  mkfifo,
  ROW,
  runFolder,
  SPECIAL,
  SPECIAL_SAYS,
  TINY,
  tinyStem,
} from "./_cli_bad_input.ts";

const KINDS = Object.keys(SPECIAL);
/** The kinds that hang (FIFO) or grow (/dev/zero) when read unchecked. */
const WORST = ["a FIFO", "/dev/zero"];

const says = (file: string, kind: string) =>
  new RegExp(`${file.replaceAll(".", "\\.")} ${SPECIAL_SAYS[kind]}`);

/** A run folder `runs/r` whose `file` is of `kind` (the other files valid). */
function runWith(file: string, kind: string, curves = false) {
  return (root: string) => {
    const dir = runFolder(root);
    if (curves) Deno.writeTextFileSync(join(dir, "metrics.jsonl"), ROW);
    const path = join(dir, file);
    if (file === "config.json") Deno.removeSync(path);
    SPECIAL[kind](path);
  };
}

/** Commands that read a run folder (`--run DIR`, `--resume DIR`). */
const RUN_READERS: { cli: string; args: string[] }[] = [
  { cli: "sample", args: ["--run", "runs/r"] },
  { cli: "export", args: ["--run", "runs/r", "--out", "w.safetensors"] },
  { cli: "feedbacks", args: ["--run", "runs/r"] },
  { cli: "snapshot", args: ["--run", "runs/r", "--results", "g"] },
  { cli: "train", args: ["--resume", "runs/r"] },
];

/** Commands that read a checkpoint, and which one. */
const CKPT_READERS: { cli: string; args: string[]; file: string }[] = [
  { cli: "sample", args: ["--run", "runs/r"], file: "best.ckpt" },
  { cli: "export", args: ["--run", "runs/r", "--out", "w.safetensors"], file: "last.ckpt" },
  {
    cli: "export",
    args: ["--run", "runs/r", "--best", "--out", "w.safetensors"],
    file: "best.ckpt",
  },
  { cli: "feedbacks", args: ["--run", "runs/r"], file: "last.ckpt" },
  { cli: "feedbacks", args: ["--run", "runs/r", "--ckpt", "best"], file: "best.ckpt" },
  { cli: "snapshot", args: ["--run", "runs/r", "--results", "g"], file: "last.ckpt" },
  { cli: "train", args: ["--resume", "runs/r"], file: "last.ckpt" },
];

/** A run on your own text: a smoke PTB config (the synthetic task's keys do not apply to text). */
const TEXT_BASE = ["--config", "ptb-gru-1L256", "--scale", "smoke", "--set", "backend=cpu"];

const CASES: Case[] = [
  ...KINDS.map((kind): Case => ({
    what: `train --init: ${kind}`,
    cli: "train",
    args: [...TINY, "--init", "w.safetensors"],
    says: says("w.safetensors", kind),
    setup: (root) => SPECIAL[kind](join(root, "w.safetensors")),
  })),
  ...KINDS.map((kind): Case => ({
    what: `train data.path: ${kind}`,
    cli: "train",
    args: [...TEXT_BASE, "--set", "dataset=text", "--set", "data.path=my.txt"],
    says: says("my.txt", kind),
    setup: (root) => SPECIAL[kind](join(root, "my.txt")),
  })),
  {
    what: "train data.train/valid/test: a FIFO",
    cli: "train",
    args: [
      ...TEXT_BASE,
      ...["dataset=text", "data.train=a.txt", "data.valid=b.txt", "data.test=a.txt"]
        .flatMap((s) => ["--set", s]),
    ],
    says: says("b.txt", "a FIFO"),
    setup: (root) => {
      Deno.writeTextFileSync(join(root, "a.txt"), "some text\n".repeat(50));
      mkfifo(join(root, "b.txt"));
    },
  },
  {
    what: "train on PTB: a data file that is a FIFO (DSF_DATA_DIR)",
    cli: "train",
    args: ["--config", "ptb-gru-1L256", "--scale", "smoke", "--set", "backend=cpu"],
    env: { DSF_DATA_DIR: "data" },
    says: new RegExp(`ptb\\.(train|valid|test)\\.txt ${SPECIAL_SAYS["a FIFO"]}`),
    setup: (root) => {
      Deno.mkdirSync(join(root, "data/ptb"), { recursive: true });
      for (const s of ["train", "valid", "test"]) mkfifo(join(root, `data/ptb/ptb.${s}.txt`));
    },
  },
  // The run folder itself, its config.json, its checkpoints.
  ...RUN_READERS.flatMap(({ cli, args }) => [
    ...WORST.map((kind): Case => ({
      what: `${cli}: the run folder is ${kind}`,
      cli,
      args,
      says: new RegExp(`runs/r ${SPECIAL_SAYS[kind].split(",")[0]}, not a folder`),
      setup: (root) => {
        Deno.mkdirSync(join(root, "runs"));
        SPECIAL[kind](join(root, "runs/r"));
      },
    })),
    ...WORST.map((kind): Case => ({
      what: `${cli}: config.json is ${kind}`,
      cli,
      args,
      says: says("runs/r/config.json", kind),
      setup: runWith("config.json", kind),
    })),
  ]),
  ...CKPT_READERS.flatMap(({ cli, args, file }) =>
    WORST.map((kind): Case => ({
      what: `${cli} ${args.join(" ")}: ${file} is ${kind}`,
      cli,
      args,
      says: says(`runs/r/${file}`, kind),
      setup: runWith(file, kind, true),
    }))
  ),
  ...["metrics.jsonl", "summary.json"].map((file): Case => ({
    what: `snapshot --run: ${file} is a FIFO`,
    cli: "snapshot",
    args: ["--run", "runs/r", "--results", "g"],
    says: says(`runs/r/${file}`, "a FIFO"),
    setup: (root) => {
      runWith(file, "a FIFO", file !== "metrics.jsonl")(root);
    },
  })),
  // Committed results: a summary, its curves, the target of a new run or a snapshot.
  ...[["results", ["g"]], ["snapshot", ["--refresh", "g"]]].flatMap(([cli, args]) =>
    ["x.json", "x.metrics.jsonl"].map((file): Case => ({
      what: `${cli} ${(args as string[]).join(" ")}: results/g/${file} is a FIFO`,
      cli: cli as string,
      args: args as string[],
      says: says(`results/g/${file}`, "a FIFO"),
      setup: (root) => {
        Deno.mkdirSync(join(root, "results/g"));
        if (file === "x.json") mkfifo(join(root, "results/g/x.json"));
        else {
          Deno.writeTextFileSync(join(root, "results/g/x.json"), '{"stopped":"in progress"}');
          mkfifo(join(root, "results/g", file));
        }
      },
    }))
  ),
  ...[
    { cli: "train", args: [...TINY, "--results", "g"] },
    { cli: "snapshot", args: ["--run", "runs/r", "--results", "g"] },
  ].map(({ cli, args }): Case => ({
    what: `${cli} --results g: the results file it would replace is a FIFO`,
    cli,
    args,
    says: says(`${tinyStem()}.json`, "a FIFO"),
    setup: (root) => {
      runFolder(root);
      Deno.mkdirSync(join(root, "results/g"));
      mkfifo(join(root, `${tinyStem()}.json`));
    },
  })),
  // Benchmark files, outputs, stdin.
  {
    what: "speed DIR: bench.json is a FIFO",
    cli: "speed",
    args: ["out"],
    says: says("out/bench.json", "a FIFO"),
    setup: (root) => {
      Deno.mkdirSync(join(root, "out"));
      mkfifo(join(root, "out/bench.json"));
    },
  },
  {
    what: "speed DIR: DIR is a FIFO",
    cli: "speed",
    args: ["out"],
    says: /out is a FIFO \(named pipe\), not a folder/,
    setup: (root) => mkfifo(join(root, "out")),
  },
  ...WORST.map((kind): Case => ({
    what: `bench --results: ${kind}`,
    cli: "bench",
    args: ["--quick", "--results", "r.jsonl"],
    says: new RegExp(`r\\.jsonl ${SPECIAL_SAYS[kind].split(",")[0]}: give the path`),
    setup: (root) => SPECIAL[kind](join(root, "r.jsonl")),
  })),
  {
    what: "bench --out: a regular file",
    cli: "bench",
    args: ["--quick", "--out", "README.md"],
    says: /README\.md is a regular file, not a folder/,
  },
  {
    what: "export --out: a folder",
    cli: "export",
    args: ["--run", "runs/r", "--out", "w.safetensors"],
    says: /w\.safetensors is a folder: give the path of the \.safetensors file/,
    setup: (root) => {
      runFolder(root);
      Deno.mkdirSync(join(root, "w.safetensors"));
    },
  },
  {
    what: "parity --out: a regular file",
    cli: "parity",
    args: ["--out", "README.md"],
    says: /README\.md is a regular file, not a folder/,
  },
  {
    what: "parity --fixture: a folder",
    cli: "parity",
    args: ["--fixture", "results"],
    says: /results is a folder: give the path of the fixture/,
  },
  {
    what: "grads < /dev/zero (unbounded stdin)",
    cli: "grads",
    args: [],
    stdinFrom: "/dev/zero",
    says: /stdin is over the 16 MiB limit for a gradient-inspection spec/,
  },
];

badInputTest(
  "every CLI: special files and unbounded inputs are refused, one line, nothing written",
  CASES,
);
