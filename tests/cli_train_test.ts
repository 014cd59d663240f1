import assert from "node:assert/strict";
import { join } from "node:path";

const CLI = new URL("../lib/cli/train.ts", import.meta.url).pathname;
const SETS = [
  "hidden=8",
  "context=8",
  "lag=2",
  "batchSize=4",
  "steps=400",
  "evalEvery=50",
  "evalBatches=1",
  "backend=cpu",
];

function start(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { XDG_RUNTIME_DIR: "/tmp" },
  }).spawn();
}

async function finish(
  child: Deno.ChildProcess,
): Promise<{ code: number; out: string; err: string }> {
  const o = await child.output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

Deno.test("train CLI: SIGINT saves a checkpoint and exits 130; --resume finishes the run", async () => {
  const runs = await Deno.makeTempDir();
  const child = start([
    "--config",
    "synthetic-recall",
    "--scale",
    "smoke",
    "--runs-dir",
    runs,
    ...SETS.flatMap((s) => ["--set", s]),
  ]);
  // Interrupt once the first checkpoint exists (after the first evaluation).
  let dir = "";
  for (let i = 0; i < 600 && !dir; i++) {
    await new Promise((r) => setTimeout(r, 50));
    for (const e of Deno.readDirSync(runs)) {
      try {
        Deno.statSync(join(runs, e.name, "last.ckpt"));
        dir = join(runs, e.name);
      } catch { /* not yet */ }
    }
  }
  assert.ok(dir, "no checkpoint appeared");
  child.kill("SIGINT");
  const first = await finish(child);
  assert.equal(first.code, 130, first.err);
  const s1 = JSON.parse(first.out.trim().split("\n").at(-1)!);
  assert.equal(s1.stopped, "interrupted");
  assert.ok(s1.steps < 400);
  const second = await finish(start(["--resume", dir]));
  assert.equal(second.code, 0, second.err);
  const s2 = JSON.parse(second.out.trim().split("\n").at(-1)!);
  assert.equal(s2.stopped, "done");
  assert.equal(s2.steps, 400);
  for (
    const key of [
      "config",
      "mode",
      "steps",
      "trainPpl",
      "valPpl",
      "minValPpl",
      "testPpl",
      "seconds",
      "evalSeconds",
      "backend",
      "stopped",
    ]
  ) {
    assert.ok(key in s2, `summary lacks ${key}`);
  }
  const rows = (await Deno.readTextFile(join(dir, "metrics.jsonl"))).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.equal(rows.filter((r) => r.split === "valid").length, 8, "each evaluation recorded once");
  // A finished run continues to a larger budget; other keys are refused.
  const refused = await finish(start(["--resume", dir, "--set", "lr=0.1"]));
  assert.equal(refused.code, 2);
  assert.match(
    refused.err,
    /--resume takes --set steps, evalEvery, stopAfter, checkpointMinutes only \(got lr\)/,
  );
  const shorter = await finish(start(["--resume", dir, "--set", "steps=300"]));
  assert.equal(shorter.code, 2);
  assert.match(shorter.err, /is at step 400: pass --set steps=N with N > 400/);
  const third = await finish(start(["--resume", dir, "--set", "steps=450"]));
  assert.equal(third.code, 0, third.err);
  const s3 = JSON.parse(third.out.trim().split("\n").at(-1)!);
  assert.equal(s3.steps, 450);
  assert.equal(JSON.parse(await Deno.readTextFile(join(dir, "config.json"))).steps, 450);
  const all = (await Deno.readTextFile(join(dir, "metrics.jsonl"))).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepEqual(all.filter((r) => r.split === "valid").map((r) => r.step).slice(-2), [
    400,
    450,
  ]);
  await Deno.remove(runs, { recursive: true });
});

Deno.test("train CLI: a bad config key is rejected before any work, naming the key", async () => {
  const r = await finish(
    start(["--config", "ptb-gru-1L256", "--scale", "smoke", "--set", "hiddn=3"]),
  );
  assert.equal(r.code, 2);
  assert.match(r.err, /hiddn/);
  const r2 = await finish(start(["--config", "nope"]));
  assert.equal(r2.code, 2);
  assert.match(r2.err, /Unknown config "nope"/);
});

Deno.test("train CLI on your own text, then sample from the run", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "poem.txt");
  const verse = ["the rain falls on the plain", "the plain is wide and green", "rain again"];
  await Deno.writeTextFile(file, Array.from({ length: 30 }, (_, i) => verse[i % 3]).join("\n"));
  const run = await finish(start([
    "--config",
    "ptb-gru-1L256",
    "--scale",
    "smoke",
    "--runs-dir",
    join(dir, "runs"),
    "--set",
    "dataset=text",
    "--set",
    `data.path=${file}`,
    "--set",
    "backend=cpu",
  ]));
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /data: text .*poem\.txt: char \d+ ids, lines/);
  const summary = JSON.parse(run.out.trim().split("\n").at(-1)!);
  const sample = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../lib/cli/sample.ts", import.meta.url).pathname,
      "--run",
      summary.run,
      "--prompt",
      "the",
      "--tokens",
      "20",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(sample.stdout).trim();
  assert.equal(sample.code, 0, new TextDecoder().decode(sample.stderr));
  assert.ok(out.startsWith("the"), out);
  assert.ok(/^[a-z \n]*$/.test(out), `only the text's characters: ${JSON.stringify(out)}`);
  await Deno.remove(dir, { recursive: true });
});
