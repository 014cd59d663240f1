import assert from "node:assert/strict";
import { join } from "node:path";

const CLI = new URL("../lib/cli/results.ts", import.meta.url).pathname;

async function runIn(cwd: string, args: string[]) {
  const o = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", CLI, ...args], cwd })
    .output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

function writeRun(dir: string, mode: string, seed: number, curve: number[]): void {
  const name = `cfg-${mode}-seed${seed}`;
  const summary = {
    config: "cfg",
    mode,
    steps: 10 * curve.length,
    minValPpl: Math.min(...curve),
    testPpl: Math.min(...curve),
    seconds: 20,
    evalSeconds: 1,
    tokens: 1e6,
    backend: "wasm",
    stopped: "done",
    feedback: "fixed",
    feedbackSeconds: 0,
    seed,
    scale: "small",
    command: `deno task train --set mode=${mode} --set seed=${seed}`,
  };
  Deno.writeTextFileSync(join(dir, `${name}.json`), JSON.stringify(summary));
  Deno.writeTextFileSync(
    join(dir, `${name}.metrics.jsonl`),
    curve.map((ppl, i) =>
      JSON.stringify({
        step: 10 * (i + 1),
        split: "valid",
        loss: Math.log(ppl),
        ppl,
        seconds: i,
        tokens: 1e5 * (i + 1),
      })
    ).join("\n") + "\n",
  );
}

Deno.test("results CLI: summary, curves and the README blocks from committed runs", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "results", "grp");
  await Deno.mkdir(dir, { recursive: true });
  for (const seed of [0, 1]) {
    writeRun(dir, "bptt", seed, [30, 20, 10 + seed]);
    writeRun(dir, "ft-bptt", seed, [25, 18, 14 + seed]);
    writeRun(dir, "dsf", seed, [28, 19, 11 + seed]);
  }
  Deno.writeTextFileSync(
    join(root, "README.md"),
    "a\n<!-- results:grp -->\nold\n<!-- /results:grp -->\nb\n<!-- results:vs-paper -->\n<!-- /results:vs-paper -->\n",
  );
  const r = await runIn(root, ["grp", "--readme"]);
  assert.equal(r.code, 0, r.err);
  const md = Deno.readTextFileSync(join(dir, "summary.md"));
  // DSF closes (14 − 11) / (14 − 10) = 75% (seed 0) and (15 − 12) / (15 − 11) = 75% (seed 1).
  assert.match(md, /\| dsf \| 0, 1 \| 11\.50 ± 0\.50 \|.*\| 75% \(75%, 75%\) \|/);
  assert.match(md, /bptt vs ft-bptt: bptt overtakes ft-bptt between updates 20 and 30/);
  assert.match(md, /deno task train --set mode=dsf --set seed=1/);
  assert.match(Deno.readTextFileSync(join(dir, "curves.svg")), /<svg/);
  const readme = Deno.readTextFileSync(join(root, "README.md"));
  assert.ok(!readme.includes("old"), "block replaced");
  // The README is written formatted (deno fmt pads the table cells).
  assert.match(
    readme,
    /\| ours: `grp` \(cfg, 30 updates, 1\.00M tokens; 2 seeds\) +\| 10\.50 +\| 14\.50 +\| 11\.50 +\| 75% +\| bptt < dsf < ft-bptt +\|/,
  );
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--check", "README.md"],
    cwd: root,
    stderr: "null",
  }).output();
  assert.ok(fmt.success, "the README the CLI wrote is deno-fmt clean");
  // A group without runs, and a README without the block, are clear errors.
  await Deno.mkdir(join(root, "results", "empty"));
  const e = await runIn(root, ["empty"]);
  assert.equal(e.code, 2);
  assert.match(e.err, /no committed runs in results\/empty/);
  Deno.writeTextFileSync(join(root, "README.md"), "nothing\n");
  const b = await runIn(root, ["grp", "--readme"]);
  assert.equal(b.code, 2);
  assert.match(b.err, /README.md has no <!-- results:grp -->/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("results CLI: with a run in progress, the methods are also compared at a common update", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "results", "grp");
  await Deno.mkdir(dir, { recursive: true });
  // BPTT and DSF finished (4 evaluations); FT-BPTT has 2. Up to update 20 FT-BPTT is best;
  // at the end BPTT is: a gap closure from the finished minima against FT-BPTT's partial one
  // would be meaningless, so the main table withholds it and a second table compares at 20.
  writeRun(dir, "bptt", 0, [30, 24, 12, 10]);
  writeRun(dir, "dsf", 0, [28, 22, 14, 12]);
  writeRun(dir, "ft-bptt", 0, [25, 20]);
  const ftPath = join(dir, "cfg-ft-bptt-seed0.json");
  const ft = JSON.parse(Deno.readTextFileSync(ftPath));
  Object.assign(ft, { stopped: "in progress", inProgress: "epoch 2 of 4 done", testPpl: null });
  Deno.writeTextFileSync(ftPath, JSON.stringify(ft));
  Deno.writeTextFileSync(join(root, "README.md"), "<!-- results:grp -->\n<!-- /results:grp -->\n");
  const r = await runIn(root, ["grp"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\| dsf \| 0 \| 12\.00 \| .* \| – \(runs of unequal length: see below\) \|/);
  assert.match(r.out, /The same runs up to update 20, the last evaluation every run has reached/);
  // At update 20: BPTT 24, FT-BPTT 20, DSF 22 — BPTT is not ahead of FT-BPTT there.
  assert.match(r.out, /\| bptt \| 0 \| 24\.00 \| – \|/);
  assert.match(r.out, /\| dsf \| 0 \| 22\.00 \| – \| .* \| no gap: BPTT not ahead of FT-BPTT \|/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("results CLI: the paper's row sits once beside the groups that share it", async () => {
  const root = await Deno.makeTempDir();
  for (const group of ["wt2", "wt2-1ep"]) {
    const dir = join(root, "results", group);
    await Deno.mkdir(dir, { recursive: true });
    writeRun(dir, "bptt", 0, [30, 20, 10]);
    writeRun(dir, "ft-bptt", 0, [25, 18, 14]);
    writeRun(dir, "dsf", 0, [28, 19, 11]);
  }
  const r = await runIn(root, ["wt2", "wt2-1ep"]);
  assert.equal(r.code, 0, r.err);
  const table = r.out.slice(r.out.indexOf("| setting |"));
  assert.deepEqual(
    table.split("\n").filter((l) => l.startsWith("| ")).map((l) => l.split(" |")[0]),
    [
      "| setting",
      "| ours: `wt2` (cfg, 30 updates, 1.00M tokens; 1 seed)",
      "| paper: Table 2, 3 layers (WikiText-103, GRU 3×512, T = 256, ~5 epochs)",
      "| ours: `wt2-1ep` (cfg, 30 updates, 1.00M tokens; 1 seed)",
    ],
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("results --at N: the methods as they stood at update N, printed, nothing written", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "results", "g");
  Deno.mkdirSync(dir, { recursive: true });
  writeRun(dir, "bptt", 0, [9, 6, 4]);
  writeRun(dir, "ft-bptt", 0, [9, 7, 6]);
  writeRun(dir, "dsf", 0, [9, 6.5, 5.5]); // at 20: (7 − 6.5) / (7 − 6) = 50%; at 30: 25%
  const before = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  const r = await runIn(root, ["g", "--at", "20"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /at update 20/);
  assert.match(r.out, /\| dsf \| 0 \| 6\.50 \|.*\| 50% \|/);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), before);
  const bad = await runIn(root, ["g", "--at", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--at 0: give an update number/);
});

Deno.test("results of a lags group: each feedback's cosine overall and by lag, top-quartile shares", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "results", "l");
  Deno.mkdirSync(dir, { recursive: true });
  const byLag = (c: number) => [{ kMin: 0, kMax: 0, cosine: 1 }, { kMin: 1, kMax: 2, cosine: c }];
  const groups = (share: number) => [
    { by: "lambda", group: 0, share: 1 - share, shareBptt: 0.75 },
    { by: "lambda", group: 3, share, shareBptt: 0.25 },
  ];
  Deno.writeTextFileSync(
    join(dir, "r-lags-last.json"),
    JSON.stringify({
      run: "runs/r",
      config: "cfg",
      mode: "bptt",
      checkpoint: "last",
      step: 7,
      rows: [[5, 4]],
      lambda: { source: "linspace(0, 1)" },
      labels: { bptt: "BPTT", dsf: "DSF" },
      diagonal: { channelQuantiles: [0, 0.1, 0.2, 0.3, 0.9], diagonalShare: 0.7, mean: 0.2 },
      feedbacks: [
        { feedback: "bptt", cosine: 1, byLag: byLag(1), groups: groups(0.25) },
        { feedback: "dsf", cosine: 0.43, byLag: byLag(0.5), groups: groups(0.67) },
      ],
      command: "deno task lags --run runs/r",
    }),
  );
  const r = await runIn(root, ["l"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /median \/ q3 \/ max: 0\.00 \/ 0\.10 \/ 0\.20 \/ 0\.30 \/ 0\.90/);
  assert.match(r.out, /\| DSF \| 0\.43 \| 0\.67 \(0\.25\) \| 1\.00 \| 0\.50 \|/);
  // The ceiling table: how diagonal J is, beside each feedback's cosine ("–" where not measured).
  assert.match(
    r.out,
    /\| cfg, trained in bptt, update 7 \| top \| 0\.70 \| – \| 0\.43 \| – \| – \|/,
  );
  assert.match(Deno.readTextFileSync(join(dir, "summary.md")), /deno task lags --run runs\/r/);
});

Deno.test("lambdaOrder: the Jacobian diagonal per λ quarter and its rank correlation with λ", async () => {
  const { lambdaOrder } = await import("../lib/cli/results_lags.ts");
  const lambda = { mean: 0.5, min: 0, max: 1 };
  const rising = Array.from({ length: 8 }, (_, i) => i / 10); // memory where λ is large
  const r = lambdaOrder({ lambda, diagonal: { channelMean: rising } })!;
  assert.deepEqual(r.quarters.map((x) => +x.toFixed(2)), [0.05, 0.25, 0.45, 0.65]);
  assert.ok(Math.abs(r.rho - 1) < 1e-12);
  const falling = lambdaOrder({ lambda, diagonal: { channelMean: [...rising].reverse() } })!;
  assert.ok(Math.abs(falling.rho + 1) < 1e-12);
  assert.equal(
    lambdaOrder({ lambda: { ...lambda, max: 0.5 }, diagonal: { channelMean: rising } }),
    null,
  );
});

Deno.test("results of a §5 group: minutes to FT-BPTT's best from its timing file, the paper beside, the README's §5 table", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "results", "wt-depth");
  await Deno.mkdir(dir, { recursive: true });
  const curves: Record<string, number[]> = { bptt: [30, 20, 10], "ft-bptt": [25, 18, 14] };
  for (const layers of [1, 3]) {
    for (const mode of ["bptt", "ft-bptt", "dsf"]) {
      const curve = curves[mode] ?? (layers === 1 ? [28, 19, 11] : [29, 22, 16]);
      writePointRun(dir, `L${layers}`, { layers }, mode, 0, curve);
    }
  }
  // One interleaved timing of the 1-layer point: FT-BPTT's best (14) is reached by BPTT at
  // update 30 (30 × 3 s = 1.5 min) and DSF at 30 (30 × 2 s = 1 min).
  Deno.writeTextFileSync(
    join(dir, "L1-dsf-feedbacks-last.json"),
    JSON.stringify({
      run: "runs/L1-dsf",
      config: "L1",
      checkpoint: "last",
      step: 30,
      batches: 2,
      backend: "wasm",
      rows: [
        { variant: "bptt", cosine: [1], ms: 3000 },
        { variant: "ft-bptt", cosine: [0.8], ms: 1000 },
        { variant: "dsf", cosine: [0.5], ms: 2000 },
      ],
      command: "deno task feedbacks --run runs/L1-dsf --results wt-depth",
    }),
  );
  const md = await depthSummary(root);
  assert.match(
    md,
    /\| `L1` \| 1 \| 10\.00 \(10\.00\) \| 14\.00 \(14\.00\) \| 11\.00 \(11\.00\) \| 75% \| 30 \(1\.5 min\) \| 30 \(0\.5 min\) \| 30 \(1\.0 min\) \|/,
  );
  assert.match(
    md,
    /\| `L3` \| 3 \| 10\.00 \(10\.00\) \| 14\.00 \(14\.00\) \| 16\.00 \(16\.00\) \| -50% \| 30 \| 30 \| not reached \|/,
  );
  assert.match(md, /The paper's Table 2 \(depth;/);
  assert.match(
    md,
    /Ours: DSF closes 1: 75%, 3: -50%; the paper's ordering BPTT < DSF < FT-BPTT holds at 1 of 2 points/,
  );
  const readme = Deno.readTextFileSync(join(root, "README.md"));
  const rows = readme.split("\n").filter((l) =>
    l.startsWith("| Table") || l.startsWith("| Figure")
  );
  assert.equal(rows.length, 6, readme);
  assert.match(
    readme,
    /\| Table 2 \(depth\) +\| `wt-depth` +\| 1: 91%, 3: 82%, 6: 74%, 12: 59% +\| 1: 75%, 3: -50% +\| 1 of 2 +\| paper falls, ours falls +\|/,
  );
  assert.match(readme, /\| Figure 3 \(cells\) +\| `wt-cells` +\| – +\| no runs +\|/);
  // Before its runs the paper's closures are there; a group's PLAN.md is named, and summarising
  // the group is no error.
  assert.match(
    readme,
    /\| Table 3 \(context length\) +\| `wt-sequence-length` +\| 256: 82%, 512: 84%/,
  );
  await Deno.mkdir(join(root, "results", "wt-cells"));
  Deno.writeTextFileSync(join(root, "results", "wt-cells", "PLAN.md"), "# plan\n");
  const planned = await runIn(root, ["wt-cells", "wt-depth"]);
  assert.equal(planned.code, 0, planned.err);
  assert.match(
    planned.err,
    /no runs in results\/wt-cells\/ yet: the commands and cost are in results\/wt-cells\/PLAN\.md/,
  );
  assert.match(
    planned.out,
    /\| Figure 3 \(cells\) \| `wt-cells` \| – \| no runs committed: commands and cost in `results\/wt-cells\/PLAN\.md` \|/,
  );
  await Deno.remove(root, { recursive: true });
});

/** `results wt-depth --readme` in `root` (its README holding the two blocks): the summary. */
async function depthSummary(root: string): Promise<string> {
  Deno.writeTextFileSync(
    join(root, "README.md"),
    "<!-- results:wt-depth -->\n<!-- /results:wt-depth -->\n" +
      "<!-- results:paper-axes -->\n<!-- /results:paper-axes -->\n",
  );
  const r = await runIn(root, ["wt-depth", "--readme"]);
  assert.equal(r.code, 0, r.err);
  return Deno.readTextFileSync(join(root, "results", "wt-depth", "summary.md"));
}

/** Writes one run of a point (config `point`, settings with the axis key) into `dir`. */
function writePointRun(
  dir: string,
  point: string,
  settings: Record<string, unknown>,
  mode: string,
  seed: number,
  curve: number[],
): void {
  writeRun(dir, mode, seed, curve);
  const from = join(dir, `cfg-${mode}-seed${seed}`);
  const to = join(dir, `${point}-${mode}-seed${seed}`);
  const s = JSON.parse(Deno.readTextFileSync(`${from}.json`));
  Object.assign(s, { config: point, settings: { name: point, mode, seed, ...settings } });
  Deno.writeTextFileSync(`${to}.json`, JSON.stringify(s));
  Deno.renameSync(`${from}.metrics.jsonl`, `${to}.metrics.jsonl`);
  Deno.removeSync(`${from}.json`);
}

Deno.test("results of a §5 group: the base point trained once in the width group joins the depth axis; seeds said per point", async () => {
  const root = await Deno.makeTempDir();
  const width = join(root, "results", "wt-model-size");
  const depth = join(root, "results", "wt-depth");
  await Deno.mkdir(width, { recursive: true });
  await Deno.mkdir(depth, { recursive: true });
  const curves: Record<string, number[]> = { bptt: [30, 20, 10], "ft-bptt": [25, 18, 14] };
  // The base (3 layers) in two seeds, in the width group; one layer in the depth group.
  for (const seed of [0, 1]) {
    for (const mode of ["bptt", "ft-bptt", "dsf"]) {
      writePointRun(width, "wt-gru-3L128", { layers: 3 }, mode, seed, curves[mode] ?? [29, 22, 16]);
    }
  }
  for (const mode of ["bptt", "ft-bptt", "dsf"]) {
    writePointRun(depth, "wt-gru-1L128", { layers: 1 }, mode, 0, curves[mode] ?? [28, 19, 11]);
  }
  const md = await depthSummary(root);
  assert.match(md, /\| `wt-gru-1L128` \| 1 \| 10\.00 \(10\.00\) \| 14\.00 \(14\.00\) \| 11\.00/);
  assert.match(md, /\| `wt-gru-3L128` \| 3 \| 10\.00 \(10\.00\) \| 14\.00 \(14\.00\) \| 16\.00/);
  assert.match(md, /The base point `wt-gru-3L128` is trained once, in `results\/wt-model-size\/`/);
  assert.match(
    md,
    /seeds 0, 1 at `wt-gru-3L128`; seed 0 elsewhere \(a point's numbers: the mean over its seeds\)/,
  );
  assert.doesNotMatch(md, /seed mean/);
  // Each of the group's own points has its curves; the base's are in the width group.
  assert.match(md, /one figure per point: \[`wt-gru-1L128`\]\(curves-wt-gru-1L128\.svg\)\./);
  assert.match(
    Deno.readTextFileSync(join(depth, "curves-wt-gru-1L128.svg")),
    /wt-gru-1L128: validation perplexity per method/,
  );
  assert.throws(() => Deno.statSync(join(depth, "curves-wt-gru-3L128.svg")));
  const readme = Deno.readTextFileSync(join(root, "README.md"));
  assert.match(
    readme,
    /\| Table 2 \(depth\) +\| `wt-depth` +\| [^|]+\| 1: 75%, 3: -50% +\| 1 of 2 +\|/,
  );
  // Without runs of its own the axis stays empty: the base alone is no answer to its question.
  const cells = join(root, "results", "wt-cells");
  await Deno.mkdir(cells);
  Deno.writeTextFileSync(join(cells, "PLAN.md"), "# plan\n");
  const planned = await runIn(root, ["wt-cells"]);
  assert.equal(planned.code, 0, planned.err);
  assert.match(planned.err, /no runs in results\/wt-cells\/ yet/);
  await Deno.remove(root, { recursive: true });
});
