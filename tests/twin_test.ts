/**
 * The PyTorch twin trainer (twin/) on a tiny run (GRU D = 16, a character-level text of a few KB,
 * 10 updates with an evaluation after each, clipping on, the smoke preset's step schedule),
 * exported by lib/io/twin_export.ts (what `deno task twin-export` writes):
 *
 * - its parallel reverse scan equals the sequential loop, its schedule lib/train/schedule.ts;
 * - two ranks (gloo, each half of every batch) make the same run as one process, to float32
 *   rounding (losses and final weights), in BPTT and DSF;
 * - its losses, learning rates and token counts equal our trainer's on the same export;
 * - a run paused at `stopAfter` and resumed ends bit-equal to one never stopped;
 * - its run folder goes through `deno task snapshot`, `results`, `sample --run` and
 *   `train --init`.
 *
 * Ranks are launched by twin/launch.py (Debian's torchrun fails at start on Python 3.11). Needs
 * /usr/bin/python3 with torch (Debian python3-torch): skipped with a note where it is missing,
 * a failure with DSF_REQUIRE_TORCH=1 (CI).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveConfig } from "../lib/config/resolve.ts";
import type { Config } from "../lib/config/schema.ts";
import { modelPart } from "../lib/config/parts.ts";
import { loadRunData } from "../lib/io/datasets.ts";
import { readSafetensors } from "../lib/io/safetensors.ts";
import { writeTwinExport } from "../lib/io/twin_export.ts";
import { createModel } from "../lib/models/mod.ts";
import { loadTorchState, torchState } from "../lib/models/torch_names.ts";
import { parseMetricRows } from "../lib/io/committed_runs.ts";
import { prepareRun, trainRun } from "../lib/run.ts";
import { learningRate, type Schedule } from "../lib/train/schedule.ts";
import type { MetricRow } from "../lib/train/trainer.ts";
import { evaluate } from "../lib/train/step.ts";
import { useBackend } from "./_util.ts";

const PYTHON = Deno.env.get("DSF_PYTHON") ?? "/usr/bin/python3";
const ROOT = new URL("..", import.meta.url).pathname;
const DENO = Deno.execPath();

function hasTorch(): boolean {
  try {
    return new Deno.Command(PYTHON, { args: ["-c", "import torch"], stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}
const torch = hasTorch();
if (!torch) {
  if (Deno.env.get("DSF_REQUIRE_TORCH") === "1") {
    throw new Error(
      `DSF_REQUIRE_TORCH=1 but ${PYTHON} cannot import torch (apt-get install python3-torch)`,
    );
  }
  console.log(
    `twin_test: skipped, ${PYTHON} cannot import torch (apt-get install python3-torch; ` +
      "DSF_REQUIRE_TORCH=1 makes this a failure)",
  );
}

const dec = new TextDecoder();

/** Runs a command in `cwd`; returns stdout; fails the test with its stderr's tail. */
async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { PYTHONPATH: ROOT, DSF_DEBUG: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = dec.decode(out.stderr);
  assert.ok(out.success, `${cmd} ${args.join(" ")} failed:\n${err.slice(-2000)}`);
  return dec.decode(out.stdout);
}

const twin = (args: string[], cwd: string) => run(PYTHON, ["-m", "twin", ...args], cwd);
const twoRanks = (args: string[], cwd: string) =>
  run(PYTHON, ["-m", "twin.launch", "--nproc", "2", "--", ...args], cwd);

/** A small text: 300 lines of 2–7 words of a 20-word vocabulary (deterministic). */
function text(): string {
  const words = "the cat sat on a mat and dog ran to big red house of small tree in park by me"
    .split(" ");
  let s = 7;
  const next = (n: number) => (s = (s * 1103515245 + 12345) % 2 ** 31) % n;
  return Array.from(
    { length: 300 },
    () => Array.from({ length: 2 + next(6) }, () => words[next(words.length)]).join(" "),
  ).join("\n") + "\n";
}

interface Prepared {
  dir: string;
  configs: Record<string, Config>;
  /** One process's run folder per mode (made with --results g, in `dir`). */
  one: Record<string, string>;
}

let prepared: Promise<Prepared> | null = null;

/** The exports (bptt, dsf) and one process's run of each, once for every test below. */
function prepare(): Promise<Prepared> {
  prepared ??= (async () => {
    await useBackend("cpu");
    const dir = await Deno.makeTempDir({ prefix: "twin_test_" });
    await Deno.writeTextFile(join(dir, "t.txt"), text());
    const configs: Record<string, Config> = {};
    const one: Record<string, string> = {};
    for (const mode of ["bptt", "dsf"]) {
      const config = resolveConfig("ptb-gru-1L256", {
        scale: "smoke",
        set: [
          `mode=${mode}`,
          "dataset=text",
          `data.path=${join(dir, "t.txt")}`,
          "steps=10",
          "evalEvery=1",
          "evalBatches=null",
          "clip=0.5",
          "backend=cpu",
        ],
      });
      configs[mode] = config;
      const data = await loadRunData(config);
      const model = createModel(modelPart(config), data.vocabSize);
      await writeTwinExport(join(dir, mode), config, data, await torchState(model), "test");
      model.dispose();
      const out = await twin(
        ["--export", mode, "--runs-dir", "one", "--results", "g", "--no-verify"],
        dir,
      );
      one[mode] = join(dir, JSON.parse(out.trim().split("\n").at(-1)!).run);
    }
    return { dir, configs, one };
  })();
  return prepared;
}

const rowsOf = async (run: string) =>
  parseMetricRows(await Deno.readTextFile(join(run, "metrics.jsonl")));
const weightsOf = async (run: string) =>
  (await readSafetensors(join(run, "last.safetensors"))).tensors;

/** max |a − b| over every tensor of two weight files (same names). */
async function maxWeightDiff(a: string, b: string): Promise<number> {
  const [wa, wb] = [await weightsOf(a), await weightsOf(b)];
  assert.deepEqual(Object.keys(wa).sort(), Object.keys(wb).sort());
  let max = 0;
  for (const k of Object.keys(wa)) {
    wa[k].data.forEach((x, i) => (max = Math.max(max, Math.abs(x - wb[k].data[i]))));
  }
  return max;
}

/** max relative difference of the losses of two runs' rows (same steps, splits and tokens). */
function maxLossDiff(a: MetricRow[], b: MetricRow[]): number {
  assert.equal(a.length, b.length);
  let max = 0;
  a.forEach((r, i) => {
    assert.deepEqual([r.step, r.split, r.tokens, r.lr], [
      b[i].step,
      b[i].split,
      b[i].tokens,
      b[i].lr,
    ]);
    max = Math.max(max, Math.abs(r.loss - b[i].loss) / Math.abs(b[i].loss));
  });
  return max;
}

const SCHEDULES: Schedule[] = [
  { kind: "constant" },
  { kind: "step", gamma: 0.1, milestones: [1 / 3, 2 / 3] },
  { kind: "step", gamma: 0.5, every: 0.25 },
  { kind: "cosine", warmup: 0.1, floor: 0.1 },
  { kind: "cosine", warmup: 0, floor: 0 },
];

Deno.test({
  name: "twin: its parallel scan is the sequential loop, its schedule lib/train/schedule.ts",
  ignore: !torch,
  async fn() {
    const total = 37;
    const code = `
import json, sys, torch
from twin.dsf import reverse_scan, sequential_reverse_scan
from twin.schedule import learning_rate
torch.manual_seed(0)
worst = 0.0
for T in (1, 2, 3, 5, 8, 64, 100):
    e, lam = torch.randn(T, 3, 16), torch.rand(16)
    want = sequential_reverse_scan(e, lam)
    worst = max(worst, ((reverse_scan(e, lam) - want).abs().max() / want.abs().max()).item())
cases = json.loads(sys.argv[1])
print(json.dumps({"scan": worst, "lr": [[learning_rate(s, k, ${total}, 3e-3) for k in range(${total})] for s in cases]}))`;
    const out = JSON.parse(await run(PYTHON, ["-c", code, JSON.stringify(SCHEDULES)], ROOT));
    console.log(`twin: parallel vs sequential scan, max relative difference ${out.scan}`);
    assert.ok(out.scan < 1e-6, `scan differs by ${out.scan}`);
    SCHEDULES.forEach((s, i) => {
      const ours = Array.from(
        { length: total },
        (_, step) => learningRate(s, { step, totalSteps: total, baseLr: 3e-3 }),
      );
      assert.deepEqual(out.lr[i], ours, `schedule ${JSON.stringify(s)}`);
    });
  },
});

Deno.test({
  name: "twin: two ranks with half of each batch equal one process (bptt, dsf; 10 updates)",
  ignore: !torch,
  async fn() {
    const { dir, one } = await prepare();
    for (const mode of ["bptt", "dsf"]) {
      const out = await twoRanks(["--export", mode, "--runs-dir", "two", "--no-verify"], dir);
      const two = join(dir, JSON.parse(out.trim().split("\n").at(-1)!).run);
      const env = JSON.parse(await Deno.readTextFile(join(two, "config.json"))).environment;
      assert.deepEqual([env.engine, env.world_size, env.backend], ["pytorch-twin", 2, "gloo"]);
      const loss = maxLossDiff(await rowsOf(two), await rowsOf(one[mode]));
      const w = await maxWeightDiff(two, one[mode]);
      console.log(
        `twin ${mode}: 2 ranks vs 1, losses within ${loss.toExponential(1)} relative, ` +
          `weights within ${w.toExponential(1)}`,
      );
      assert.ok(loss < 1e-6 && w < 1e-6, `${mode}: losses ${loss}, weights ${w}`);
    }
  },
});

Deno.test({
  name: "twin: its losses, learning rates and tokens equal our trainer's on the same export",
  ignore: !torch,
  async fn() {
    const { configs, one } = await prepare();
    await useBackend("cpu");
    for (const mode of ["bptt", "dsf"]) {
      const ours: MetricRow[] = [];
      const prepared = await prepareRun(configs[mode], { quiet: true });
      await trainRun(prepared, { callbacks: { onMetric: (r) => void ours.push(r) } });
      prepared.model.dispose();
      const theirs = await rowsOf(one[mode]);
      const loss = maxLossDiff(theirs, ours);
      console.log(
        `twin ${mode} vs ours: first loss ${theirs[0].loss} vs ${ours[0].loss}, ` +
          `every row within ${loss.toExponential(1)} relative`,
      );
      assert.ok(loss < 1e-5, `${mode}: ${loss}`);
    }
  },
});

Deno.test({
  name: "twin: a run paused at stopAfter and resumed ends bit-equal to one never stopped",
  ignore: !torch,
  async fn() {
    const { dir, one } = await prepare();
    const out = await twin(
      ["--export", "dsf", "--runs-dir", "paused", "--set", "stopAfter=5", "--no-verify"],
      dir,
    );
    const paused = JSON.parse(out.trim().split("\n").at(-1)!);
    assert.equal(paused.stopped, "paused");
    const runDir = join(dir, paused.run);
    // deno task snapshot takes the paused run (its progress.json) under the engine's stem.
    await run(DENO, [
      "run",
      "-A",
      join(ROOT, "lib/cli/snapshot.ts"),
      "--run",
      runDir,
      "--results",
      "s",
    ], dir);
    const snap = JSON.parse(
      await Deno.readTextFile(join(dir, "results/s/ptb-gru-1L256-dsf-seed0-pytorch-twin.json")),
    );
    assert.match(snap.inProgress, /paused at stopAfter \(step 5 of 10\)/);
    await twin(["--resume", runDir, "--set", "stopAfter=null", "--no-verify"], dir);
    const strip = (rows: MetricRow[]) => rows.map(({ seconds: _, evalSeconds: __, ...r }) => r);
    assert.deepEqual(strip(await rowsOf(runDir)), strip(await rowsOf(one.dsf)));
    assert.equal(await maxWeightDiff(runDir, one.dsf), 0);
  },
});

Deno.test({
  name: "twin: its run folder goes through deno task results, sample --run and train --init",
  ignore: !torch,
  async fn() {
    const { dir, configs, one } = await prepare();
    const cli = (name: string, args: string[]) =>
      run(DENO, ["run", "-A", join(ROOT, "lib/cli", name), ...args], dir);
    const md = await cli("results.ts", ["g"]);
    assert.match(md, /ptb-gru-1L256, scale smoke, backend pytorch-cpu/);
    assert.match(
      md,
      /`ptb-gru-1L256-dsf-seed0-pytorch-twin`: `test && python3 -m twin --export dsf/,
    );
    assert.match(md, /\| dsf \| 0 \| 2\d\.\d\d \| 2\d\.\d\d \|/);
    const sample = await cli("sample.ts", ["--run", one.dsf, "--prompt", "the", "--tokens", "5"]);
    assert.ok(sample.startsWith("the "), sample);
    // train --init reads the twin's weights; ours evaluates them as the twin did.
    const best = join(one.dsf, "best.safetensors");
    await cli("train.ts", [
      "--config",
      "ptb-gru-1L256",
      "--scale",
      "smoke",
      ...["mode=dsf", "dataset=text", `data.path=${join(dir, "t.txt")}`, "steps=1"]
        .flatMap((s) => ["--set", s]),
      "--init",
      best,
      "--runs-dir",
      "init",
    ]);
    await useBackend("cpu");
    const data = await loadRunData(configs.dsf);
    const model = createModel(modelPart(configs.dsf), data.vocabSize);
    loadTorchState(model, (await readSafetensors(best)).tensors);
    const ppl = Math.exp((await evaluate(model, data.valid())).loss);
    model.dispose();
    const summary = JSON.parse(await Deno.readTextFile(join(one.dsf, "summary.json")));
    assert.ok(Math.abs(ppl - summary.minValPpl) <= 1e-5 * ppl, `${ppl} vs ${summary.minValPpl}`);
    await Deno.remove(dir, { recursive: true });
  },
});
