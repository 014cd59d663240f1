/**
 * Every command line with bad input: exit 2, one line on stderr saying what is wrong, no
 * "Uncaught" stack, and no file written or changed (the commands run in a scratch folder
 * whose whole tree is compared before and after).
 */
import { join } from "node:path";
import { badInputTest, type Case, ROW, runFolder, TINY, tinyStem } from "./_cli_bad_input.ts";
import { appliesCases, handEditCases, rangeCases, SMOKE } from "./cli_bad_input_config.ts";

/** `dataset=text` with a file the setup writes (bytes, or text). */
function textCases(): Case[] {
  const text = (
    what: string,
    body: Uint8Array | string,
    says: RegExp,
    sets: string[] = [],
  ): Case => ({
    what: `text: ${what}`,
    cli: "train",
    args: [
      ...SMOKE,
      "--set",
      "dataset=text",
      "--set",
      "data.path=my.txt",
      ...sets.flatMap((x) => ["--set", x]),
    ],
    says,
    setup(root) {
      if (typeof body === "string") Deno.writeTextFileSync(join(root, "my.txt"), body);
      else Deno.writeFileSync(join(root, "my.txt"), body);
    },
  });
  const lines = Array.from({ length: 40 }, (_, i) => `a line of text number ${i}`).join("\n");
  return [
    text("an empty file", "", /my\.txt is empty/),
    text(
      "a binary file",
      new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]),
      /my\.txt looks binary/,
    ),
    text("not UTF-8", new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]), /my\.txt is not UTF-8 text/),
    text("too few lines for the splits", "one line\ntwo lines\n", /too few for a valid split/),
    text(
      "too small for the context",
      lines,
      /the train split has \d+ tokens, fewer than context \+ 1 = 1001/,
      ["data.framing=chunks", "context=1000"],
    ),
    text("over the size limit", lines, /over the 0.0001 MB limit: raise data.maxMB/, [
      "data.maxMB=0.0001",
    ]),
    {
      what: "text: a missing file",
      cli: "train",
      args: [...SMOKE, "--set", "dataset=text", "--set", "data.path=nofile.txt"],
      says: /nofile\.txt does not exist: give the path of a UTF-8 text file/,
    },
    {
      what: "text: no file named",
      cli: "train",
      args: [...SMOKE, "--set", "dataset=text"],
      says: /dataset "text" needs data.path=FILE/,
    },
  ];
}

const CASES: Case[] = [
  { what: "unknown flag", cli: "train", args: ["--nonsense"], says: /Unknown option '--nonsense'/ },
  { what: "no config", cli: "train", args: [], says: /--config is required/ },
  {
    what: "a model too big for the machine",
    cli: "train",
    args: [...SMOKE, "--set", "hidden=1000000"],
    says: /the model would need about .* GiB to train .* make hidden/,
  },
  ...rangeCases(),
  ...appliesCases(),
  {
    what: "a results group that leaves results/",
    cli: "train",
    args: [...SMOKE, "--results", "../../x"],
    says: /--results.*must be a plain name/,
  },
  {
    what: "a results file another run holds",
    cli: "train",
    args: [...SMOKE, "--results", "g"],
    says: /results\/g\/ptb-gru-1L256-dsf-seed0\.json holds another run \(runs\/other\)/,
    setup(root) {
      Deno.mkdirSync(join(root, "results/g"), { recursive: true });
      Deno.writeTextFileSync(
        join(root, "results/g/ptb-gru-1L256-dsf-seed0.json"),
        '{"run":"runs/other"}',
      );
    },
  },
  {
    what: "a run name that leaves the runs folder",
    cli: "train",
    args: [...SMOKE, "--set", "name=../../x"],
    says: /"name": must be a plain name/,
  },
  {
    what: "DSF_DATA_DIR is a file",
    cli: "train",
    args: SMOKE,
    env: { DSF_DATA_DIR: "/etc/hostname" },
    says: /hostname/,
  },
  {
    what: "DSF_DATA_DIR without PTB",
    cli: "train",
    args: SMOKE,
    env: { DSF_DATA_DIR: "." },
    says: /ptb/i,
  },
  {
    what: "an empty PTB file",
    cli: "train",
    args: SMOKE,
    env: { DSF_DATA_DIR: "data" },
    says: /ptb\.(train|valid|test)\.txt is not the expected version/,
    setup(root) {
      Deno.mkdirSync(join(root, "data/ptb"), { recursive: true });
      for (const s of ["train", "valid", "test"]) {
        Deno.writeTextFileSync(join(root, `data/ptb/ptb.${s}.txt`), "");
      }
    },
  },
  {
    what: "an unwritable runs folder",
    cli: "train",
    args: [...SMOKE, "--runs-dir", "/proc/no/such/dir"],
    says: /\/proc\/no\/such\/dir/,
  },
  ...textCases(),
  {
    what: "train --init with a missing file",
    cli: "train",
    args: [...SMOKE, "--init", "none.safetensors"],
    says: /none\.safetensors cannot be read/,
  },
  {
    what: "train --init with --resume",
    cli: "train",
    args: ["--resume", "runs/x", "--init", "w.safetensors"],
    says: /--init starts a new run/,
  },
  {
    what: "export without --out",
    cli: "export",
    args: ["--run", "runs/x"],
    says: /--run and --out are required/,
  },
  {
    what: "export to another format",
    cli: "export",
    args: ["--run", "runs/x", "--out", "w.pt"],
    says: /name the file FILE\.safetensors/,
  },
  {
    what: "export of a missing run",
    cli: "export",
    args: ["--run", "runs/x", "--out", "w.safetensors"],
    says: /runs\/x/,
  },
  { what: "sample without --run", cli: "sample", args: [], says: /--run DIR is required/ },
  {
    what: "sample of a missing run",
    cli: "sample",
    args: ["--run", "runs/none"],
    says: /runs\/none/,
  },
  {
    what: "sample --temperature abc",
    cli: "sample",
    args: ["--run", "runs/none", "--temperature", "abc"],
    says: /--temperature takes a number from 0 to 100, got "abc"/,
  },
  {
    what: "sample --tokens abc",
    cli: "sample",
    args: ["--run", "runs/none", "--tokens", "abc"],
    says: /--tokens takes a whole number/,
  },
  {
    what: "sample --tokens 1e9",
    cli: "sample",
    args: ["--run", "runs/none", "--tokens", "1e9"],
    says: /--tokens takes a whole number from 1 to 100000/,
  },
  {
    what: "feedbacks of a missing run",
    cli: "feedbacks",
    args: ["--run", "runs/none"],
    says: /runs\/none/,
  },
  {
    what: "lags of a missing run",
    cli: "lags",
    args: ["--run", "runs/none"],
    says: /runs\/none/,
  },
  {
    what: "lags with --rows 0",
    cli: "lags",
    args: ["--run", "runs/none", "--rows", "0"],
    says: /--rows takes a whole number from 1/,
  },
  {
    what: "results of a missing group",
    cli: "results",
    args: ["nogroup"],
    says: /results\/nogroup\/ does not exist/,
  },
  {
    what: "results outside results/",
    cli: "results",
    args: ["../../x"],
    says: /must be a plain name/,
  },
  {
    what: "grads with 1e999",
    cli: "grads",
    args: [],
    stdin: Deno.readTextFileSync(new URL("./fixtures/gru_dsf.json", import.meta.url))
      .replace(/("x": \[\s*\[\s*\[)\s*-?[0-9.e-]+/, "$11e999"),
    says: /x\[0\]\[0\]\[0\]: expected a finite number, got Infinity/,
  },
  { what: "bench unknown flag", cli: "bench", args: ["--nope"], says: /unknown option --nope/ },
  {
    what: "snapshot of a missing run",
    cli: "snapshot",
    args: ["--run", "runs/none", "--results", "g"],
    says: /runs\/none/,
  },
];

/** safetensors bytes: an 8-byte header length (the JSON's, unless given), the JSON, `data`. */
function safetensors(header: unknown, options: { length?: bigint; data?: number } = {}) {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + (options.data ?? 4));
  new DataView(out.buffer).setBigUint64(0, options.length ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

/** Messages that named nothing or leaked internals (a stack's words, an OS error number). */
const MESSAGES: Case[] = [
  ...[
    [{ w: { dtype: "F32", shape: "abc", data_offsets: [0, 4] } }, /"w"\.shape must be an array/],
    [{ w: { dtype: "F32", shape: [1] } }, /"w"\.data_offsets must be \[begin, end\]/],
    [{ w: { dtype: 7, shape: [1], data_offsets: [0, 4] } }, /"w"\.dtype must be a string/],
    [{ __metadata__: { a: 1 } }, /__metadata__ must be an object of strings/],
    [[1, 2], /its header is not a JSON object/],
    [
      {
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
      },
      /a's data \[0, 8\) and b's \[4, 8\) overlap: the file is corrupt/,
    ],
  ].map(([header, says]): Case => ({
    what: `train --init: a safetensors header ${JSON.stringify(header)}`,
    cli: "train",
    args: [...TINY, "--init", "w.safetensors"],
    says: says as RegExp,
    setup: (root) =>
      Deno.writeFileSync(join(root, "w.safetensors"), safetensors(header, { data: 8 })),
  })),
  {
    what: "train --init: a header length past 2^53 (printed exactly, not rounded)",
    cli: "train",
    args: [...TINY, "--init", "w.safetensors"],
    says: /header of 1152921504606846979 bytes in a 14-byte file/,
    setup: (root) =>
      Deno.writeFileSync(
        join(root, "w.safetensors"),
        safetensors({}, { length: 2n ** 60n + 3n, data: 4 }),
      ),
  },
  ...[
    ["sample", ["--run", "runs/r"]],
    ["export", ["--run", "runs/r", "--out", "w.safetensors"]],
    ["feedbacks", ["--run", "runs/r"]],
    ["snapshot", ["--run", "runs/r", "--results", "g"]],
    ["train", ["--resume", "runs/r"]],
  ].flatMap(([cli, args]) => [
    {
      what: `${cli}: config.json with environment.commit a number`,
      cli: cli as string,
      args: args as string[],
      says: /config\.json: "environment\.commit" must be a git commit .* got 12: .*correct/,
      setup: (root: string) => void runFolder(root, { environment: { commit: 12 } }),
    },
    {
      what: `${cli}: config.json not an object`,
      cli: cli as string,
      args: args as string[],
      says: /runs\/r\/config\.json is not a JSON object/,
      setup: (root: string) => {
        runFolder(root);
        Deno.writeTextFileSync(join(root, "runs/r/config.json"), "[1]");
      },
    },
  ]),
  ...handEditCases(),
  ...[
    ["export", ["--run", "runs/r", "--out", "w.safetensors"], "last"],
    ["export", ["--run", "runs/r", "--best", "--out", "w.safetensors"], "best"],
    ["feedbacks", ["--run", "runs/r"], "last"],
    ["snapshot", ["--run", "runs/r", "--results", "g"], "last"],
  ].map(([cli, args, which]): Case => ({
    what: `${cli} ${(args as string[]).slice(2).join(" ")}: no ${which}.ckpt`,
    cli: cli as string,
    args: args as string[],
    says: new RegExp(`runs/r/${which}\\.ckpt": it does not exist .*name a checkpoint`),
    setup: (root) => Deno.writeTextFileSync(join(runFolder(root), "metrics.jsonl"), ROW),
  })),
  {
    what: "train --resume: a run that saved no checkpoint (advice, not an OS error)",
    cli: "train",
    args: ["--resume", "runs/r"],
    says: /runs\/r has no last\.ckpt to resume from: .*start the run again with the command in/,
    setup: (root) => void runFolder(root),
  },
  {
    what: "train --runs-dir: a regular file",
    cli: "train",
    args: [...TINY, "--runs-dir", "README.md"],
    says: /README\.md is a regular file, not a folder: give a folder for the runs/,
  },
  // A malformed committed result: the line names the file, for every command that reads it.
  ...[
    ["results", ["g"], "results/g/x.json"],
    ["snapshot", ["--refresh", "g"], "results/g/x.json"],
    ["train", [...TINY, "--results", "g"], `${tinyStem()}.json`],
    ["snapshot", ["--run", "runs/r", "--results", "g"], `${tinyStem()}.json`],
  ].map(([cli, args, file]): Case => ({
    what: `${cli} ${(args as string[]).at(-1)}: ${file} is not JSON`,
    cli: cli as string,
    args: args as string[],
    says: new RegExp(
      `${(file as string).replaceAll(".", "\\.")} is not valid JSON \\(.*\\): restore`,
    ),
    setup: (root) => {
      runFolder(root);
      Deno.mkdirSync(join(root, "results/g"));
      Deno.writeTextFileSync(join(root, file as string), '{"run": ');
    },
  })),
  ...[["results", ["g"]], ["snapshot", ["--refresh", "g"]]].map(([cli, args]): Case => ({
    what: `${cli}: a curves line that is not JSON`,
    cli: cli as string,
    args: args as string[],
    says: /results\/g\/x\.metrics\.jsonl: line 2 is not JSON/,
    setup: (root) => {
      Deno.mkdirSync(join(root, "results/g"));
      Deno.writeTextFileSync(join(root, "results/g/x.json"), '{"stopped": "in progress"}');
      Deno.writeTextFileSync(join(root, "results/g/x.metrics.jsonl"), `${ROW}{"step": 3,\n`);
    },
  })),
  {
    what: "results: a group that is a file",
    cli: "results",
    args: ["g"],
    says: /results\/g is not a folder/,
    setup: (root) => Deno.writeTextFileSync(join(root, "results/g"), "x"),
  },
];

badInputTest("every CLI: bad input gives exit 2, one line, no stack, nothing written", CASES);
badInputTest("every CLI: messages name the file and what to do, not internals", MESSAGES);
