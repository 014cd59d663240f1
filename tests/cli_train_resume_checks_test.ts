/**
 * What a resume checks and carries (CLI level): λ taken from `--init` is in every checkpoint
 * (a resume equals the uninterrupted run row for row, `export` writes the trained λ); a data
 * file edited between stop and resume is refused before anything is written; a hand edit of
 * `config.json` is refused while a resume's own `--set`, interrupted, resumes; a run stopped
 * during its final test evaluation is resumed to the same summary.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readSafetensors, writeSafetensors } from "../lib/io/safetensors.ts";

const LIB = new URL("../lib/cli/", import.meta.url).pathname;
/** A small DSF GRU on a text file (it has a test split), on the cpu backend. */
const BASE = [
  "--config",
  "ptb-gru-1L256",
  "--scale",
  "smoke",
  ...[
    "backend=cpu",
    "mode=dsf",
    "dataset=text",
    "data.path=my.txt",
    "hidden=8",
    "context=16",
    "batchSize=4",
    "steps=6",
    "evalEvery=2",
    "schedule.kind=cosine",
    "schedule.warmup=0.2",
    "schedule.floor=0.1",
  ].flatMap((s) => ["--set", s]),
];

async function cli(name: string, args: string[], cwd: string) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(LIB, `${name}.ts`), ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { XDG_RUNTIME_DIR: "/tmp", DSF_BLAS: "off", DSF_CACHE_DIR: join(cwd, ".cache") },
  }).output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

/** A scratch folder with a text file of `n` lines. */
function scratch(n = 200): string {
  const root = Deno.makeTempDirSync();
  const lines = Array.from({ length: n }, (_, i) => `line ${i}: the cat sat on mat ${i % 7}`);
  Deno.writeTextFileSync(join(root, "my.txt"), lines.join("\n") + "\n");
  return root;
}

/** The run folder `code 0` made under `root/runs` (the newest). */
function newest(root: string): string {
  const dirs = [...Deno.readDirSync(join(root, "runs"))].map((e) => e.name).sort();
  return join(root, "runs", dirs.at(-1)!);
}

/** The measured part of the curves (times differ between runs). */
function curves(dir: string): string[] {
  return Deno.readTextFileSync(join(dir, "metrics.jsonl")).trim().split("\n").map((l) => {
    const r = JSON.parse(l);
    return `${r.step} ${r.split} ${r.loss}`;
  });
}

/** Every file of a folder tree with its bytes. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) walk(p);
      else out.set(p, Array.from(Deno.readFileSync(p)).join(","));
    }
  };
  walk(dir);
  return out;
}

async function run(root: string, args: string[]) {
  const r = await cli("train", [...args, "--runs-dir", "runs"], root);
  assert.equal(r.code, 0, r.err);
  return newest(root);
}

Deno.test("resume after --init with λ: the uninterrupted run's rows, and export writes that λ", async () => {
  const root = scratch();
  const first = await run(root, [...BASE, "--set", "steps=1"]);
  assert.equal((await cli("export", ["--run", first, "--out", "w.safetensors"], root)).code, 0);
  const file = await readSafetensors(join(root, "w.safetensors"));
  const lambda = file.tensors["layers.0.feedback"];
  assert.ok(lambda, "the export holds λ");
  lambda.data = lambda.data.map((_, i) => 0.9 - 0.8 * ((i * 7) % 8) / 8); // not linspace(0, 1)
  await writeSafetensors(join(root, "init.safetensors"), file.tensors);
  const init = ["--init", "init.safetensors"];
  const whole = await run(root, [...BASE, ...init]);
  const paused = await run(root, [...BASE, ...init, "--set", "stopAfter=3"]);
  const resumed = await cli("train", ["--resume", paused], root);
  assert.equal(resumed.code, 0, resumed.err);
  assert.deepEqual(curves(paused), curves(whole));
  assert.equal((await cli("export", ["--run", paused, "--out", "out.safetensors"], root)).code, 0);
  const out = await readSafetensors(join(root, "out.safetensors"));
  assert.deepEqual(Array.from(out.tensors["layers.0.feedback"].data), Array.from(lambda.data));
  // Weights that are not finite are bad input: refused before a run folder exists.
  for (const bad of [NaN, Infinity]) {
    const name = Object.keys(file.tensors)[0];
    file.tensors[name].data[1] = bad;
    await writeSafetensors(join(root, "bad.safetensors"), file.tensors);
    const before = tree(join(root, "runs"));
    const r = await cli(
      "train",
      [...BASE, "--init", "bad.safetensors", "--runs-dir", "runs"],
      root,
    );
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err,
      new RegExp(`tensor ${name.replaceAll(".", "\\.")} holds ${bad} at index 1`),
    );
    assert.deepEqual(tree(join(root, "runs")), before);
  }
});

Deno.test("a resume refuses a data file edited since the stop, before writing anything", async () => {
  const root = scratch();
  const paused = await run(root, [...BASE, "--set", "stopAfter=2"]);
  const text = Deno.readTextFileSync(join(root, "my.txt")).split("\n");
  for (
    const edit of [
      [...text].reverse().join("\n"), // the same lines, in another order
      text.join("\n").replaceAll("cat", "cät"), // a new character: another vocabulary
    ]
  ) {
    Deno.writeTextFileSync(join(root, "my.txt"), edit);
    const before = tree(join(root, "runs"));
    const r = await cli("train", ["--resume", paused], root);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err.trim().split("\n").filter((l) => l.startsWith("train:")).length, 1, r.err);
    assert.match(r.err, /was trained on other data: my\.txt has changed/);
    assert.deepEqual(tree(join(root, "runs")), before);
  }
});

Deno.test("config.json edited by hand is refused; an interrupted resume's own --set is not", async () => {
  const root = scratch();
  const paused = await run(root, [...BASE, "--set", "stopAfter=2"]);
  const path = join(paused, "config.json");
  const original = Deno.readTextFileSync(path);
  for (const [key, value] of [["steps", 4], ["evalEvery", 1], ["lr", 0.5]] as const) {
    const edited = JSON.parse(original);
    edited[key] = value;
    Deno.writeTextFileSync(path, JSON.stringify(edited, null, 2));
    const before = tree(paused);
    const r = await cli("train", ["--resume", paused], root);
    assert.equal(r.code, 2, `${key}: ${r.err}`);
    assert.match(r.err, new RegExp(`differs from its checkpoint's config in ${key}:.*restore`));
    assert.deepEqual(tree(paused), before);
  }
  Deno.writeTextFileSync(path, original);
  // A resume that changes steps records it; stopped before its first checkpoint (stopAfter at
  // the checkpoint's own step), the next resume accepts the recorded change.
  const set = await cli(
    "train",
    ["--resume", paused, "--set", "steps=8", "--set", "stopAfter=2"],
    root,
  );
  assert.equal(set.code, 0, set.err);
  assert.equal(JSON.parse(Deno.readTextFileSync(path)).environment.resumeSet.steps, 8);
  const again = await cli("train", ["--resume", paused], root);
  assert.equal(again.code, 0, again.err);
  assert.equal(JSON.parse(again.out.trim().split("\n").at(-1)!).steps, 8);
});

for (const signal of ["SIGKILL", "SIGINT"] as const) {
  Deno.test(`a run stopped (${signal}) during its final test evaluation resumes to the same summary`, async () => {
    const root = scratch(3000); // a test split of many batches
    const args = [...BASE, "--set", "evalBatchSize=1"];
    const whole = await run(root, args);
    const summary = JSON.parse(Deno.readTextFileSync(join(whole, "summary.json")));
    assert.equal(typeof summary.testPpl, "number");
    // The same run, stopped once the test evaluation has begun.
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(LIB, "train.ts"), ...args, "--runs-dir", "runs2"],
      cwd: root,
      stdout: "null",
      stderr: "piped",
      env: { XDG_RUNTIME_DIR: "/tmp", DSF_BLAS: "off", DSF_CACHE_DIR: join(root, ".cache") },
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/valid step 6:/.test(text)) {
      const { value, done } = await reader.read();
      assert.ok(!done, text);
      text += value;
    }
    await new Promise((r) => setTimeout(r, 300)); // into the test split
    child.kill(signal);
    const status = await child.status;
    await reader.cancel();
    if (signal === "SIGINT") assert.equal(status.code, 130, "an interrupt stops the test");
    const dirs = [...Deno.readDirSync(join(root, "runs2"))].map((e) => join(root, "runs2", e.name));
    assert.equal(dirs.length, 1);
    const early = await Deno.readTextFile(join(dirs[0], "summary.json")).then(
      JSON.parse,
      () => null,
    );
    assert.notEqual(early?.stopped, "done", "stopped before the end");
    const resumed = await cli("train", ["--resume", dirs[0]], root);
    assert.equal(resumed.code, 0, resumed.err);
    const after = JSON.parse(Deno.readTextFileSync(join(dirs[0], "summary.json")));
    for (const k of ["testPpl", "minValPpl", "valPpl", "trainPpl", "steps", "tokens", "stopped"]) {
      assert.deepEqual(after[k], summary[k], k);
    }
    assert.deepEqual(curves(dirs[0]), curves(whole));
    const refused = await cli("train", ["--resume", dirs[0]], root);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /is finished/);
  });
}

Deno.test("a summary that cannot be written: exit 1, the lock released, a resume writes it", async () => {
  const root = scratch();
  const paused = await run(root, [...BASE, "--set", "stopAfter=2"]);
  Deno.mkdirSync(join(paused, "summary.json.d"));
  Deno.removeSync(join(paused, "summary.json"));
  Deno.renameSync(join(paused, "summary.json.d"), join(paused, "summary.json")); // a folder
  const blocked = await cli("train", ["--resume", paused], root);
  assert.equal(blocked.code, 1, blocked.err);
  assert.match(
    blocked.err,
    /summary could not be written: .*deno task train --resume .* writes it/,
  );
  assert.throws(() => Deno.statSync(join(paused, "run.lock")), "the lock is released");
  Deno.removeSync(join(paused, "summary.json"));
  const again = await cli("train", ["--resume", paused], root);
  assert.equal(again.code, 0, again.err);
  const summary = JSON.parse(Deno.readTextFileSync(join(paused, "summary.json")));
  assert.equal(summary.stopped, "done");
  assert.equal(summary.steps, 6);
  const refused = await cli("train", ["--resume", paused], root);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /is finished/);
});

Deno.test("a NaN before the first checkpoint names none: exit 3, and what to do", async () => {
  const root = scratch();
  const r = await cli("train", [
    ...BASE,
    ...["--set", "lr=1e30", "--set", "evalEvery=6", "--runs-dir", "runs"],
  ], root);
  assert.equal(r.code, 3, r.err);
  assert.match(r.err, /loss is NaN\/Inf at step \d+; no checkpoint was written before it: lower/);
  assert.doesNotMatch(r.err, /last good checkpoint/);
});
