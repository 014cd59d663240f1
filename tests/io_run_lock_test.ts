/**
 * `run.lock`: several processes racing for one stale lock, exactly one wins (every trial); a
 * lock whose pid now belongs to another process is stale; a live holder is named; and the same
 * at the CLI (`deno task train --resume` on a locked run).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { holderAlive, lockRun, parseLock, processStart } from "../lib/io/run_lock.ts";

const TAKER = new URL("./fixtures/lock_taker.ts", import.meta.url).pathname;
const TRAIN = new URL("../lib/cli/train.ts", import.meta.url).pathname;
const TINY = [
  "--config",
  "synthetic-recall",
  "--scale",
  "smoke",
  ...["hidden=8", "context=8", "lag=2", "batchSize=4", "evalBatches=1", "backend=cpu"]
    .flatMap((s) => ["--set", s]),
];
const enc = new TextEncoder();

/** `deno task train ARGS`: its exit code and stderr. */
async function train(args: string[]): Promise<{ code: number; err: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TRAIN, ...args],
    stdout: "null",
    stderr: "piped",
    env: { XDG_RUNTIME_DIR: "/tmp", DSF_BLAS: "off" },
  }).output();
  return { code: o.code, err: new TextDecoder().decode(o.stderr) };
}

/** Every file of a folder, by name. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile) out.set(e.name, new TextDecoder().decode(Deno.readFileSync(join(dir, e.name))));
  }
  return out;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

/** Reads one line from a child's stdout. */
async function line(r: ReadableStreamDefaultReader<string>, buf: { s: string }): Promise<string> {
  while (!buf.s.includes("\n")) {
    const { value, done } = await r.read();
    if (done) break;
    buf.s += value;
  }
  const i = buf.s.indexOf("\n");
  const out = i < 0 ? buf.s : buf.s.slice(0, i);
  buf.s = i < 0 ? "" : buf.s.slice(i + 1);
  return out;
}

/** One race: `n` processes take `dir`'s (stale) lock at once; their answers. */
async function race(dir: string, n: number): Promise<string[]> {
  const kids = Array.from({ length: n }, () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", TAKER, dir],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn());
  const readers = kids.map((k) => ({
    r: k.stdout.pipeThrough(new TextDecoderStream()).getReader(),
    buf: { s: "" },
  }));
  const writers = kids.map((k) => k.stdin.getWriter());
  for (const { r, buf } of readers) assert.equal(await line(r, buf), "ready");
  await Promise.all(writers.map((w) => w.write(enc.encode("go\n")))); // all at once
  const answers = await Promise.all(readers.map(({ r, buf }) => line(r, buf)));
  await Promise.all(writers.map((w) => w.close())); // the winner releases and exits
  await Promise.all(kids.map((k) => k.status));
  for (const { r } of readers) await r.cancel();
  return answers;
}

Deno.test("run.lock: of several processes taking one stale lock, exactly one wins, every trial", async () => {
  const dir = await Deno.makeTempDir();
  const trials = 12;
  for (let t = 0; t < trials; t++) {
    const stale = t % 2 === 0
      ? `${await deadPid()}\n` // a bare pid (older locks)
      : JSON.stringify({ pid: await deadPid(), start: "1", boot: "x" }) + "\n";
    Deno.writeTextFileSync(join(dir, "run.lock"), stale);
    const answers = await race(dir, 4);
    const won = answers.filter((a) => a === "won").length;
    assert.equal(won, 1, `trial ${t}: ${won} winners\n${answers.join("\n")}`);
    for (const a of answers.filter((a) => a !== "won")) {
      assert.match(a, /^refused: .* is being trained by process \d+ \(.*lock_taker/, a);
    }
    assert.ok(!Deno.readDirSync(dir).some((e) => e.name === "run.lock"), "lock left behind");
    assert.deepEqual([...Deno.readDirSync(dir)], [], "files left behind");
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("run.lock: a pid that now belongs to another process is stale; a live holder is named", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "run.lock");
  const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const start = processStart(sleeper.pid)!;
    assert.ok(start, "no /proc/<pid>/stat");
    // The pid runs, but a process started at another time: the holder is gone.
    const reused = { pid: sleeper.pid, start: String(Number(start) + 1), command: "deno train" };
    assert.equal(holderAlive(reused), false);
    // A bare pid (older locks) that now runs something other than deno: gone too.
    assert.equal(holderAlive({ pid: sleeper.pid }), false);
    for (const text of [JSON.stringify(reused), `${sleeper.pid}`, "1"]) {
      Deno.writeTextFileSync(path, text);
      const lock = lockRun(dir);
      assert.equal(parseLock(Deno.readTextFileSync(path))?.pid, Deno.pid, text);
      lock.release();
      assert.ok(!Deno.readDirSync(dir).some((e) => e.name === "run.lock"), text);
    }
    // The same pid and start time: the holder runs; refused, naming it and its command.
    Deno.writeTextFileSync(path, JSON.stringify({ pid: sleeper.pid, start, command: "sleep 30" }));
    const before = Deno.readTextFileSync(path);
    assert.throws(
      () => lockRun(dir),
      new RegExp(`being trained by process ${sleeper.pid} \\(sleep 30\\) .*wait for it`),
    );
    assert.equal(Deno.readTextFileSync(path), before, "a held lock was changed");
  } finally {
    sleeper.kill("SIGKILL");
    await sleeper.status;
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("train CLI: a second process on a run is refused with the holder's pid", async () => {
  const runs = await Deno.makeTempDir();
  const made = await train([
    ...TINY,
    "--runs-dir",
    runs,
    "--set",
    "steps=10",
    "--set",
    "evalEvery=5",
  ]);
  assert.equal(made.code, 0, made.err);
  const dir = join(runs, [...Deno.readDirSync(runs)][0].name);
  const holder = new Deno.Command("sleep", { args: ["30"] }).spawn();
  // A lock as lockRun writes it: the holder's pid and start time (a bare pid running something
  // other than deno would be taken for a reused pid: tests/io_run_lock_test.ts).
  const start = processStart(holder.pid);
  Deno.writeTextFileSync(
    join(dir, "run.lock"),
    JSON.stringify({ pid: holder.pid, start, command: "sleep 30" }) + "\n",
  );
  const before = snapshot(dir);
  const r = await train(["--resume", dir, "--set", "steps=20"]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, new RegExp(`being trained by process ${holder.pid} \\(sleep 30\\)`));
  assert.deepEqual(snapshot(dir), before);
  // The lock's pid runs, but a process that started at another time (the pid was reused): its
  // holder is gone, the lock is stale and taken over (it used to say to stop that process).
  Deno.writeTextFileSync(
    join(dir, "run.lock"),
    JSON.stringify({ pid: holder.pid, start: `${Number(start) + 1}`, command: "deno" }) + "\n",
  );
  const r2 = await train(["--resume", dir, "--set", "steps=20"]);
  assert.equal(r2.code, 0, r2.err);
  assert.ok(!Deno.readDirSync(dir).some((e) => e.name === "run.lock"), "lock left behind");
  // The holder is gone: its lock is stale and taken over.
  Deno.writeTextFileSync(
    join(dir, "run.lock"),
    JSON.stringify({ pid: holder.pid, start, command: "sleep 30" }) + "\n",
  );
  holder.kill("SIGKILL");
  await holder.status;
  const r3 = await train(["--resume", dir, "--set", "steps=30"]);
  assert.equal(r3.code, 0, r3.err);
  assert.ok(!Deno.readDirSync(dir).some((e) => e.name === "run.lock"), "lock left behind");
  await Deno.remove(runs, { recursive: true });
});
