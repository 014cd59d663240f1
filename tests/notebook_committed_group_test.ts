// committedGroup: a committed results group as a notebook shows it (curves and table), and the
// commands when the group is empty.
import assert from "node:assert/strict";
import {
  checkVerdict,
  committedAxis,
  committedClosure,
  committedConfirmation,
  committedGroup,
  meanMinPpl,
  planNote,
  seedsPhrase,
} from "../lib/notebook/committed_group.ts";
import { type ReproRun, stepsPerEpochOf } from "../lib/analysis/reproduction.ts";

const bundle = (d: unknown) =>
  (d as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();

Deno.test("committedGroup: the committed PTB character runs, per method", async () => {
  const g = await committedGroup("ptb-char-5ep");
  assert.ok(g.runs.length >= 3, "runs of three modes at least");
  assert.ok(g.figure, "a figure");
  assert.match(g.figure.svg, /ptb-char-gru-1L256: validation perplexity/);
  const text = bundle(g.table)["text/plain"];
  for (const m of ["bptt", "ft-bptt", "dsf"]) assert.match(text, new RegExp(`^${m} `, "m"));
  assert.doesNotMatch(text, /NaN/);
  assert.match(text, /^bptt .* – *$/m, "BPTT's gap cell is a dash");
});

Deno.test("committedGroup: an empty group says which command makes it", async () => {
  const g = await committedGroup("no-such-group", { commands: ["deno task train --config x"] });
  assert.equal(g.figure, null);
  assert.match(
    bundle(g.table)["text/plain"],
    /No committed runs under `results\/no-such-group\/`.*deno task train --config x/s,
  );
});

Deno.test("committedGroup: no NaN where a group has no test split or no gap", async () => {
  for (const group of ["recall", "wt2"]) {
    const text = bundle((await committedGroup(group)).table)["text/plain"];
    assert.doesNotMatch(text, /NaN/, group);
  }
});

Deno.test("committedGroup: whole-epoch runs are drawn against the epoch, one seed said as such", async () => {
  const g = await committedGroup("ptb-word-30ep");
  assert.ok(g.figure);
  const svg = g.figure.svg;
  assert.match(svg, /epoch →/);
  assert.doesNotMatch(svg, /tokens/);
  // One seed: no "seed mean", and the caption names the seed.
  assert.doesNotMatch(svg, /seed mean|mean over seeds/);
  assert.match(svg, /results\/ptb-word-30ep\/, seed 0;/);
  // The lowest perplexity (BPTT 141) lies above the lowest labelled tick.
  const ticks = [
    ...svg.matchAll(/<text transform="translate\(60,[\d.]+\)" y="0.32em">(\d+)<\/text>/g),
  ]
    .map((m) => Number(m[1]));
  assert.ok(Math.min(...ticks) <= 141, `ticks ${ticks}`);
  // Runs set to a number of updates are drawn against the update; several seeds, a mean.
  const recall = (await committedGroup("recall")).figure!.svg;
  assert.match(recall, /update →/);
  assert.match(recall, /seed mean/);
  assert.match(recall, /mean over seeds 0, 1, 2/);
});

Deno.test("seedsPhrase: one seed, a mean over seeds, or per method where they differ", () => {
  const r = (method: string, seed: number) => ({ method, seed }) as unknown as ReproRun;
  assert.equal(seedsPhrase([r("bptt", 0), r("dsf", 0)]), "seed 0");
  assert.equal(seedsPhrase([r("bptt", 0), r("bptt", 1)]), "mean over seeds 0, 1");
  assert.equal(
    seedsPhrase([r("bptt", 0), r("bptt", 1), r("dsf-fitted", 0)]),
    "mean over seeds 0, 1 for bptt; seed 0 for dsf-fitted",
  );
});

Deno.test("stepsPerEpochOf: from the settings, the command, or the config at its scale", () => {
  assert.equal(stepsPerEpochOf({ totalSteps: 1645, settings: { epochs: 5, steps: null } }), 329);
  assert.equal(
    stepsPerEpochOf({ totalSteps: 596, command: "deno task train --set epochs=1 --set x=2" }),
    596,
  );
  assert.equal(
    stepsPerEpochOf({
      totalSteps: 9870,
      config: "ptb-gru-1L256",
      scale: "paper",
      command: "deno task train --config ptb-gru-1L256 --scale paper --set mode=bptt",
    }),
    329,
  );
  assert.equal(stepsPerEpochOf({ totalSteps: 80, command: "… --set steps=80" }), undefined);
  assert.equal(stepsPerEpochOf({ steps: 80 }), undefined);
});

Deno.test("committedGroup: ours and the PyTorch twin's runs of one config, never averaged together", async () => {
  const g = await committedGroup("twin-smoke");
  const methods = g.runs.map((r) => r.method).sort();
  // Each method once per engine: a mean over the two engines would hide a difference.
  assert.deepEqual(methods, [
    "bptt",
    "bptt · pytorch-twin",
    "dsf",
    "dsf · pytorch-twin",
    "ft-bptt",
    "ft-bptt · pytorch-twin",
  ]);
  const text = bundle(g.table)["text/plain"];
  assert.match(text, /^tfjs \(wasm\) +dsf /m);
  assert.match(text, /^pytorch-twin \(2 × cpu, gloo\) +dsf /m);
  assert.ok(g.figure);
  assert.match(g.figure.svg, /pytorch-twin&apos;s dashed/);
  assert.match(g.figure.svg, /stroke-dasharray="6,3"/);
});

Deno.test("committedAxis: a group varying one setting, as its summary.md shows it", async () => {
  const g = await committedAxis("why-char-T");
  assert.ok(g.runs.length >= 9);
  assert.ok(g.figure, "the closure along T");
  assert.match(g.figure.svg, /why-char-T: share of the gap closed, by context length T/);
  const md = bundle(g.table)["text/markdown"];
  const summary = await Deno.readTextFile(
    new URL("../results/why-char-T/summary.md", import.meta.url),
  );
  // The notebook's table is the summary's, line for line.
  const table = md.split("\n").filter((l) => l.startsWith("| `"));
  assert.ok(table.length >= 3);
  for (const line of table) assert.ok(summary.includes(line), line);
  const empty = await committedAxis("no-such-group", { commands: ["deno task train x"] });
  assert.equal(empty.figure, null);
  assert.match(bundle(empty.table)["text/plain"], /deno task train x/);
});

Deno.test("committedAxis: a §5 group with no runs yet shows its PLAN.md", async () => {
  const note = planNote(
    "wt-x",
    "# wt-x: plan\n\nWhy.\n\n## Cost\n\n```sh\ndeno task train y\n```\n",
  );
  assert.match(note, /^No committed runs under `results\/wt-x\/` yet\..*`results\/wt-x\/PLAN\.md`/);
  assert.doesNotMatch(note, /wt-x: plan/);
  assert.match(note, /^##### Cost$/m);
  assert.match(note, /deno task train y/);
  // Any group of results/ that has its plan and no run yet shows it in place of a table.
  const root = new URL("../results/", import.meta.url);
  for (const e of Deno.readDirSync(root)) {
    const files = e.isDirectory ? [...Deno.readDirSync(new URL(`${e.name}/`, root))] : [];
    if (!files.some((f) => f.name === "PLAN.md") || files.some((f) => f.name.endsWith(".json"))) {
      continue;
    }
    const g = await committedAxis(e.name);
    assert.equal(g.runs.length, 0);
    assert.match(bundle(g.table)["text/markdown"], new RegExp(`results/${e.name}/PLAN\\.md`));
    assert.match(bundle(g.table)["text/markdown"], /```sh\n/);
  }
});

Deno.test("committedAxis of some points of a group, and committedClosure at one point", async () => {
  const width = ["recall-D16", "recall-base", "recall-D64"];
  const g = await committedAxis("recall-sweeps", { points: width });
  assert.deepEqual([...new Set(g.runs.map((r) => r.point))].sort(), [...width].sort());
  assert.ok(g.figure, "one numeric axis: the closure along the hidden size");
  assert.match(g.figure.svg, /share of the gap closed, by hidden size/);
  assert.doesNotMatch(bundle(g.table)["text/markdown"], /recall-lstm/);
  // The closure of one point equals the table's (seed mean over the seeds with all three modes).
  const c = await committedClosure("recall-sweeps", "dsf", "recall-D64");
  assert.ok(c > 0 && c < 1, `${c}`);
  const row = bundle(g.table)["text/markdown"].split("\n").find((l) =>
    l.startsWith("| `recall-D64`")
  )!;
  assert.ok(row.includes(`${(100 * c).toFixed(0)}%`), row);
  await assert.rejects(
    () => committedClosure("recall-sweeps", "dsf", "no-such-point"),
    /no dsf run at/,
  );
});

Deno.test("meanMinPpl and checkVerdict: a verdict's facts, listed or refused", async () => {
  const g = await committedAxis("recall-sweeps", { points: ["recall-base"] });
  const seeds = g.runs.filter((r) => r.method === "dsf").map((r) => r.minValPpl);
  assert.ok(seeds.length >= 2);
  const mean = meanMinPpl(g.runs, "recall-base", "dsf");
  assert.ok(Math.abs(mean - seeds.reduce((a, b) => a + b) / seeds.length) < 1e-12);
  assert.throws(() => meanMinPpl(g.runs, "recall-base", "no-such-method"), /no committed/);
  const ok = { fact: "DSF between", measured: "61%", holds: true };
  const md = bundle(checkVerdict([ok], ["wt-depth: not judged yet"]))["text/markdown"];
  assert.equal(md, "- DSF between: 61% ✓\n- wt-depth: not judged yet");
  assert.throws(
    () => checkVerdict([ok, { fact: "DSF ahead", measured: "−5%", holds: false }]),
    /^Error: the verdict above no longer holds: DSF ahead \(−5%\)$/,
  );
});

Deno.test("committedConfirmation: a confirmation group's methods at its update, as its summary.md", async () => {
  const rows = await committedConfirmation("why-word-10ep");
  assert.deepEqual(rows.map((r) => r.method).slice(0, 3), ["bptt", "ft-bptt", "dsf"]);
  const summary = await Deno.readTextFile(
    new URL("../results/why-word-10ep/summary.md", import.meta.url),
  );
  for (const r of rows.filter((x) => x.method !== "bptt" && x.method !== "ft-bptt")) {
    const line = summary.split("\n").find((l) => l.startsWith(`| ${r.method} |`))!;
    assert.ok(line.includes(`${(100 * r.gapClosed.mean).toFixed(0)}%`), line);
    assert.ok(line.includes(r.minValPpl.mean.toFixed(2)), line);
  }
  await assert.rejects(() => committedConfirmation("recall-sweeps"), /no compare\.json/);
});
