/**
 * Every command line with bad input: exit 2, one line on stderr saying what is wrong, no
 * "Uncaught" stack, and no file written or changed (the commands run in a scratch folder
 * whose whole tree is compared before and after).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { appliesCases, type Case, rangeCases, SMOKE } from "./cli_bad_input_config.ts";

const LIB = new URL("../lib/cli/", import.meta.url).pathname;

/** Every file under `root` with its bytes, as text. */
function tree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) {
        out.set(`${p}/`, "");
        walk(p);
      } else out.set(p, new TextDecoder().decode(Deno.readFileSync(p)));
    }
  };
  walk(root);
  return out;
}

const DATA = Deno.env.get("DSF_DATA_DIR") ?? new URL("../../shared/data", import.meta.url).pathname;

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

Deno.test("every CLI: bad input gives exit 2, one line, no stack, nothing written", async (t) => {
  for (const c of CASES) {
    await t.step(c.what, async () => {
      const root = await Deno.makeTempDir();
      const cwd = join(root, "a", "b");
      Deno.mkdirSync(join(cwd, "results"), { recursive: true });
      Deno.writeTextFileSync(join(cwd, "README.md"), "# readme\n");
      c.setup?.(cwd);
      const before = tree(root);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${LIB}${c.cli}.ts`, ...c.args],
        cwd,
        stdin: c.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
        env: { XDG_RUNTIME_DIR: "/tmp", DSF_DATA_DIR: DATA, ...c.env },
      }).spawn();
      if (c.stdin !== undefined) {
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode(c.stdin));
        await w.close();
      }
      const o = await child.output();
      const err = new TextDecoder().decode(o.stderr);
      const lines = err.split("\n").filter((l) => l.trim() !== "");
      assert.equal(o.code, 2, `${c.what}: exit ${o.code}\n${err}`);
      assert.ok(!err.includes("Uncaught"), `${c.what}: ${err}`);
      assert.equal(lines.length, 1, `${c.what}: ${lines.length} lines on stderr:\n${err}`);
      assert.match(lines[0], c.says, `${c.what}: ${lines[0]}`);
      assert.deepEqual(tree(root), before, `${c.what}: files changed`);
      await Deno.remove(root, { recursive: true });
    });
  }
});
