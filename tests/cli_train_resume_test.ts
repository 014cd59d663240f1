/**
 * `deno task train` under interruption, kills, corruption and a second process (CLI level):
 * an interrupt is handled within a step; a failed resume changes no file; a kill -9 at any
 * point of the write sequence leaves no duplicate metric rows (a locked run: io_run_lock_test.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readCheckpointFile } from "../lib/io/checkpoint_file.ts";

const CLI = new URL("../lib/cli/train.ts", import.meta.url).pathname;
const BASE = [
  "--config",
  "synthetic-recall",
  "--scale",
  "smoke",
  ...[
    "hidden=8",
    "context=8",
    "lag=2",
    "batchSize=4",
    "evalBatches=1",
    "backend=cpu",
  ].flatMap((s) => ["--set", s]),
];

function start(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { XDG_RUNTIME_DIR: "/tmp", DSF_BLAS: "off" },
  }).spawn();
}

async function finish(child: Deno.ChildProcess) {
  const o = await child.output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

async function train(args: string[]) {
  return await finish(start(args));
}

function onlyDir(runs: string): string {
  const dirs = [...Deno.readDirSync(runs)].filter((e) => e.isDirectory);
  assert.equal(dirs.length, 1);
  return join(runs, dirs[0].name);
}

/** Every file of a folder, by name. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile) {
      out.set(e.name, btoa(String.fromCharCode(...Deno.readFileSync(join(dir, e.name)))));
    }
  }
  return out;
}

/** The measured part of the curves (times differ between runs). */
function curves(dir: string): string[] {
  return Deno.readTextFileSync(join(dir, "metrics.jsonl")).trim().split("\n").map((l) => {
    const r = JSON.parse(l);
    return `${r.step} ${r.split} ${r.loss}`;
  });
}

/** A finished run of `steps` updates, evaluated every `every`; its folder. */
async function finishedRun(runs: string, steps: number, every: number): Promise<string> {
  const made = await train([
    ...BASE,
    "--runs-dir",
    runs,
    ...["--set", `steps=${steps}`, "--set", `evalEvery=${every}`],
  ]);
  assert.equal(made.code, 0, made.err);
  return onlyDir(runs);
}

/** Waits for the first checkpoint of the single run under `runs`; returns the run's folder. */
async function firstCheckpoint(runs: string): Promise<string> {
  let dir = "";
  const found = await waitFor(() => {
    try {
      dir = onlyDir(runs);
      Deno.statSync(join(dir, "last.ckpt"));
      return true;
    } catch {
      return false;
    }
  }, 60_000);
  assert.ok(found, `no first checkpoint under ${runs}`);
  return dir;
}

/** Reads a child's stderr until `pattern` appears; returns what was read. */
async function readUntil(
  err: ReadableStreamDefaultReader<string>,
  pattern: RegExp,
): Promise<string> {
  let text = "";
  while (!pattern.test(text)) {
    const { value, done } = await err.read();
    assert.ok(!done, `ended before ${pattern}: ${text}`);
    text += value;
  }
  return text;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  for (let t = 0; t < ms; t += 20) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.test(`train CLI: ${signal} is handled within a step, far from any evaluation`, async () => {
    const runs = await Deno.makeTempDir();
    const child = start([
      ...BASE,
      "--runs-dir",
      runs,
      "--set",
      "steps=200000",
      "--set",
      "evalEvery=100000",
    ]);
    const err = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = await readUntil(err, /step 1\/200000/);
    await new Promise((r) => setTimeout(r, 300)); // some more steps
    child.kill(signal);
    const exited = await Promise.race([
      child.status,
      new Promise<null>((r) => setTimeout(() => r(null), 20_000)),
    ]);
    if (exited === null) child.kill("SIGKILL");
    for (;;) {
      const { value, done } = await err.read();
      if (done) break;
      text += value;
    }
    await child.stdout.cancel();
    assert.ok(exited !== null, `still running 20 s after ${signal}`);
    assert.equal(exited.code, 130, text);
    const at = Number(/interrupt at step (\d+)/.exec(text)?.[1]);
    const ckpt = await readCheckpointFile(join(onlyDir(runs), "last.ckpt"));
    assert.ok(
      ckpt.step >= at && ckpt.step <= at + 1,
      `signal at step ${at}, checkpoint ${ckpt.step}`,
    );
    assert.ok(
      ckpt.step < 100000,
      `checkpoint at ${ckpt.step}: the signal waited for an evaluation`,
    );
    await Deno.remove(runs, { recursive: true });
  });
}

Deno.test("train CLI: a failed resume leaves every file byte-identical", async () => {
  const runs = await Deno.makeTempDir();
  const dir = await finishedRun(runs, 20, 10);
  const cases: [string, string[], RegExp, (() => void)?][] = [
    ["steps below the current step", ["--set", "steps=5"], /is at step 20: pass --set steps=N/],
    ["a finished run without a longer budget", [], /is finished \(step 20 of 20\)/],
    ["a key a resume may not change", ["--set", "lr=0.5"], /--resume takes --set steps/],
    ["--config with --resume", ["--config", "ptb-gru-1L256"], /drop --config and --scale/],
    ["--scale with --resume", ["--scale", "smoke"], /drop --config and --scale/],
    [
      "a hand-edited config.json",
      ["--set", "steps=40"],
      /config\.json differs from its checkpoint's config in lr/,
      () => {
        const path = join(dir, "config.json");
        const c = JSON.parse(Deno.readTextFileSync(path));
        Deno.writeTextFileSync(path, JSON.stringify({ ...c, lr: 0.5 }, null, 2) + "\n");
      },
    ],
    [
      "a truncated last.ckpt",
      ["--set", "steps=40"],
      /last\.ckpt.*truncated/,
      () => Deno.truncateSync(join(dir, "last.ckpt"), 100),
    ],
    [
      "a flipped header byte",
      ["--set", "steps=40"],
      /last\.ckpt.*corrupt header/,
      () => {
        const path = join(dir, "last.ckpt");
        const b = Deno.readFileSync(path);
        b[40] ^= 0x02;
        Deno.writeFileSync(path, b);
      },
    ],
  ];
  const pristine = snapshot(dir);
  for (const [what, args, message, spoil] of cases) {
    for (const [name, data] of pristine) {
      Deno.writeFileSync(join(dir, name), Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    }
    spoil?.();
    const before = snapshot(dir);
    const r = await train(["--resume", dir, ...args]);
    assert.equal(r.code, 2, `${what}: ${r.err}`);
    assert.match(r.err, message, what);
    assert.equal(r.err.trim().split("\n").filter((l) => l.startsWith("train:")).length, 1, what);
    assert.ok(!r.err.includes("Uncaught"), what);
    assert.deepEqual(snapshot(dir), before, `${what}: files changed`);
  }
  await Deno.remove(runs, { recursive: true });
});

Deno.test("train CLI: kill -9 at any point of the write sequence leaves no duplicate rows", async () => {
  const runs = await Deno.makeTempDir();
  const sets = ["--set", "steps=300", "--set", "evalEvery=10", "--set", "checkpointMinutes=0"];
  const ref = await train([...BASE, "--runs-dir", join(runs, "ref"), ...sets]);
  assert.equal(ref.code, 0, ref.err);
  const reference = curves(onlyDir(join(runs, "ref")));
  assert.equal(new Set(reference).size, reference.length);

  // Real kills at several moments after the first checkpoint, each followed by a resume.
  const killed = join(runs, "killed");
  let child = start([...BASE, "--runs-dir", killed, ...sets]);
  const dir = await firstCheckpoint(killed);
  for (const delay of [0, 37, 180, 5, 90]) {
    await new Promise((r) => setTimeout(r, delay));
    try {
      child.kill("SIGKILL");
    } catch {
      // it had finished already
    }
    await finish(child);
    child = start(["--resume", dir]);
    await new Promise((r) => setTimeout(r, 1200)); // past the start-up, into the steps
  }
  const last = await finish(child);
  if (last.code !== 0) {
    const again = await train(["--resume", dir]);
    assert.ok(again.code === 0 || /is finished/.test(again.err), again.err);
  }
  assert.deepEqual(curves(dir), reference, "after kill -9 and resumes");

  // Constructed points: rows of the next evaluation written, its checkpoints not (or only the
  // best), and a stale temporary file.
  const paused = join(runs, "paused");
  const p = await train([...BASE, "--runs-dir", paused, ...sets, "--set", "stopAfter=10"]);
  assert.equal(p.code, 0, p.err);
  const pausedDir = onlyDir(paused);
  const refRows = Deno.readTextFileSync(join(onlyDir(join(runs, "ref")), "metrics.jsonl"))
    .trim().split("\n");
  const at20 = refRows.filter((l) => JSON.parse(l).step === 20);
  for (const extra of [at20.slice(0, 1), at20]) {
    const copy = join(runs, `copy${extra.length}`);
    await Deno.mkdir(copy);
    for (const e of Deno.readDirSync(pausedDir)) {
      Deno.copyFileSync(join(pausedDir, e.name), join(copy, e.name));
    }
    Deno.writeTextFileSync(join(copy, "metrics.jsonl"), extra.join("\n") + "\n", { append: true });
    Deno.writeTextFileSync(join(copy, "last.ckpt.99999.abc.tmp"), "half a checkpoint");
    const r = await train(["--resume", copy, "--set", "stopAfter=300"]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(curves(copy), reference, `${extra.length} row(s) of step 20 written early`);
    assert.ok(!Deno.readDirSync(copy).some((e) => e.name.endsWith(".tmp")), "stale .tmp kept");
  }
  await Deno.remove(runs, { recursive: true });
});

Deno.test("train CLI: a run stopped at stopAfter and resumed equals the uninterrupted run, every schedule", async () => {
  const runs = await Deno.makeTempDir();
  for (
    const schedule of [
      ["schedule.kind=constant"],
      ["schedule.kind=step", "schedule.gamma=0.5", "schedule.milestones=[0.3,0.6]"],
      ["schedule.kind=cosine", "schedule.warmup=0.2", "schedule.floor=0.1"],
    ]
  ) {
    const sets = ["steps=30", "evalEvery=10", ...schedule].flatMap((s) => ["--set", s]);
    const name = schedule[0].split("=")[1];
    const whole = await train([...BASE, "--runs-dir", join(runs, `${name}-whole`), ...sets]);
    assert.equal(whole.code, 0, whole.err);
    const part = await train([
      ...BASE,
      "--runs-dir",
      join(runs, `${name}-parts`),
      ...sets,
      "--set",
      "stopAfter=13",
    ]);
    assert.equal(part.code, 0, part.err);
    assert.equal(JSON.parse(part.out.trim().split("\n").at(-1)!).stopped, "paused");
    const dir = onlyDir(join(runs, `${name}-parts`));
    assert.equal((await readCheckpointFile(join(dir, "last.ckpt"))).step, 13);
    const rest = await train(["--resume", dir]);
    assert.equal(rest.code, 0, rest.err);
    const rows = (d: string) =>
      Deno.readTextFileSync(join(d, "metrics.jsonl")).trim().split("\n").map((l) => {
        const r = JSON.parse(l);
        return `${r.step} ${r.split} ${r.loss} ${r.lr}`;
      });
    assert.deepEqual(rows(dir), rows(onlyDir(join(runs, `${name}-whole`))), name);
  }
  await Deno.remove(runs, { recursive: true });
});

Deno.test("train CLI: a second signal quits at once, leaving no half-written checkpoint", async () => {
  const runs = await Deno.makeTempDir();
  const child = start([
    ...BASE,
    "--runs-dir",
    runs,
    "--set",
    "steps=200000",
    "--set",
    "evalEvery=7",
  ]);
  const err = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  await readUntil(err, /valid step 7/);
  child.kill("SIGINT");
  child.kill("SIGINT");
  const exited = await Promise.race([
    child.status,
    new Promise<null>((r) => setTimeout(() => r(null), 10_000)),
  ]);
  if (exited === null) child.kill("SIGKILL");
  await err.cancel();
  await child.stdout.cancel();
  assert.ok(exited !== null && exited.code === 130, "a second SIGINT did not quit");
  const dir = onlyDir(runs);
  await readCheckpointFile(join(dir, "last.ckpt")); // complete, or the previous one
  assert.ok(!Deno.readDirSync(dir).some((e) => e.name === "run.lock"), "lock left behind");
  await Deno.remove(runs, { recursive: true });
});

const canMount = Deno.uid() === 0 && Deno.build.os === "linux";

Deno.test({
  name: "train CLI: a full disk stops the run with exit 1, naming it; the last checkpoint survives",
  ignore: !canMount,
  async fn() {
    const mnt = await Deno.makeTempDir();
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt],
      stderr: "piped",
    }).output();
    if (!mount.success) {
      console.log(
        `skipped: cannot mount a tmpfs (${new TextDecoder().decode(mount.stderr).trim()})`,
      );
      return;
    }
    try {
      const child = start([
        ...BASE,
        "--runs-dir",
        mnt,
        "--set",
        "steps=200000",
        "--set",
        "evalEvery=20",
      ]);
      const dir = await firstCheckpoint(mnt);
      // Fill the disk.
      const f = Deno.openSync(join(mnt, "filler"), { write: true, create: true });
      try {
        const block = new Uint8Array(64 * 1024);
        for (;;) f.writeSync(block);
      } catch { /* full */ }
      f.close();
      const r = await Promise.race([
        finish(child),
        new Promise<null>((res) => setTimeout(() => res(null), 30_000)),
      ]);
      if (r === null) child.kill("SIGKILL");
      assert.ok(r !== null, "still running 30 s after the disk filled");
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /No space left on device|os error 28/);
      assert.match(r.err, /the last checkpoint written is .*last\.ckpt/);
      const ckpt = await readCheckpointFile(join(dir, "last.ckpt")); // whole
      assert.ok(ckpt.step >= 20);
      // Space again: the run resumes from it.
      Deno.removeSync(join(mnt, "filler"));
      const again = await train(["--resume", dir, "--set", "stopAfter=" + (ckpt.step + 20)]);
      assert.equal(again.code, 0, again.err);
    } finally {
      await new Deno.Command("umount", { args: ["-l", mnt] }).output();
      await Deno.remove(mnt, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("snapshot CLI: a paused run goes into its results group marked paused at stopAfter", async () => {
  const root = await Deno.makeTempDir();
  const sets = ["--set", "steps=40", "--set", "evalEvery=10", "--set", "stopAfter=20"];
  for (const name of ["one", "two"]) {
    const r = await train([...BASE, "--runs-dir", join(root, name), ...sets]);
    assert.equal(r.code, 0, r.err);
  }
  const snapshotCli = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../lib/cli/snapshot.ts", import.meta.url).pathname, ...args],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
  const snap = (dir: string) => snapshotCli(["--run", dir, "--results", "g"]);
  const dir = onlyDir(join(root, "one"));
  const ok = await snap(dir);
  assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
  const files = [...Deno.readDirSync(join(root, "results", "g"))].map((e) => e.name).sort();
  assert.equal(files.length, 2, files.join());
  const summary = JSON.parse(Deno.readTextFileSync(join(root, "results", "g", files[0])));
  assert.equal(summary.stopped, "in progress");
  assert.match(
    summary.inProgress,
    /^epoch \d+ of \d+ done, paused at stopAfter \(step 20 of 40\)$/,
  );
  assert.equal(summary.run, dir);
  assert.deepEqual(
    Deno.readTextFileSync(join(root, "results", "g", files[1])),
    Deno.readTextFileSync(join(dir, "metrics.jsonl")),
  );
  // Another run under the same file name is refused.
  const other = await snap(onlyDir(join(root, "two")));
  assert.equal(other.code, 2);
  assert.match(new TextDecoder().decode(other.stderr), /holds another run/);
  // --refresh leaves a run that has not finished in progress.
  const paused = Deno.readTextFileSync(join(root, "results", "g", files[0]));
  const still = await snapshotCli(["--refresh", "g"]);
  assert.equal(still.code, 0, new TextDecoder().decode(still.stderr));
  assert.equal(Deno.readTextFileSync(join(root, "results", "g", files[0])), paused);
  // Finished: the snapshot is the run's finished summary.
  const rest = await train(["--resume", dir]);
  assert.equal(rest.code, 0, rest.err);
  assert.equal((await snap(dir)).code, 0);
  const done = JSON.parse(Deno.readTextFileSync(join(root, "results", "g", files[0])));
  assert.deepEqual(done, JSON.parse(Deno.readTextFileSync(join(dir, "summary.json"))));
  assert.equal(done.stopped, "done");
  assert.equal(done.inProgress, undefined);
  assert.equal(done.steps, 40);
  // A run snapshotted in progress whose curves end with the trainer's final test row (its
  // runs/ directory gone; this task has no test split, so the row is appended here):
  // --refresh makes its committed summary finished, test perplexity from that row.
  Deno.writeTextFileSync(join(root, "results", "g", files[0]), paused);
  const testRow = { step: 30, split: "test", loss: 2, ppl: Math.exp(2), seconds: 1, tokens: 1 };
  Deno.writeTextFileSync(join(root, "results", "g", files[1]), JSON.stringify(testRow) + "\n", {
    append: true,
  });
  const refreshed = await snapshotCli(["--refresh", "g"]);
  assert.equal(refreshed.code, 0, new TextDecoder().decode(refreshed.stderr));
  const fixed = JSON.parse(Deno.readTextFileSync(join(root, "results", "g", files[0])));
  assert.equal(fixed.stopped, "done");
  assert.equal(fixed.inProgress, undefined);
  assert.equal(fixed.testPpl, Math.exp(2));
  assert.equal(fixed.steps, 40);
  assert.equal(fixed.minValPpl, done.minValPpl);
  assert.equal((await snapshotCli(["--refresh", "nope"])).code, 2);
  await Deno.remove(root, { recursive: true });
});
