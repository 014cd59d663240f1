/**
 * tools/prose_numbers.ts: which numbers of the README's prose count as measured, and that each
 * is found in the files its paragraph cites or in its section's generated blocks (rounded,
 * ranges by endpoint), so that a stale one fails `--check`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkProse,
  citations,
  matches,
  measuredNumbers,
  notebookText,
  proseUnits,
  sourceNumbers,
} from "../tools/prose_numbers.ts";

const TOOL = new URL("../tools/prose_numbers.ts", import.meta.url).pathname;
const raws = (text: string) => measuredNumbers(text).map((m) => m.raw);

/** A temporary repository: `files` (relative path → text) written under it. */
async function repo(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "prose_numbers_" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

Deno.test("prose_numbers: measured numbers, with their kinds and ranges", () => {
  const m = measuredNumbers("BPTT 141.35, closes 59% (−53% on characters); 1.8× faster");
  assert.deepEqual(m.map((x) => [x.raw, x.kind, x.value]), [
    ["141.35", "decimal", 141.35],
    ["59%", "percent", 59],
    ["−53%", "percent", -53],
    ["1.8×", "ratio", 1.8],
  ]);
  assert.deepEqual(raws("0.93–1.17× DSF's and 1.4–1.8 s an update"), [
    "0.93×",
    "1.17×",
    "1.4 s",
    "1.8 s",
  ]);
  const [suite] = measuredNumbers("the suite takes 2 min 40 s");
  assert.equal(suite.kind, "duration");
  assert.equal(suite.value * suite.scale, 160);
  assert.deepEqual(raws("391 ms, 12.9 s, 118×, 3.9 GiB, 2.4M tokens, 1.5e-5"), [
    "391 ms",
    "12.9 s",
    "118×",
    "3.9 GiB",
    "2.4M",
    "1.5e-5",
  ]);
  assert.equal(measuredNumbers("one\ntwo 0.79").at(0)?.line, 2, "the line of the number");
});

Deno.test("prose_numbers: settings, names and code are not measurements", () => {
  const text = "Deno 2.9.6, PyTorch 1.13, Adam 1e-3 and 5e-4, arXiv:2503.23104, §5.2–§5.7, " +
    "`deno task bench --runs 0.5`, GRU 1×256 and 3 × 512, 256 units, exit 2, 4 GiB, 16k, " +
    "2⁻¹⁷, AVX-512, float32, lr ×0.1, λ = 0.5, 6,826 × 10,002 = 260.4 MiB, " +
    "[link](https://x.org/1.5), 1 / (0.20 + 0.80 / 1.8) ≈ 1.55×, a goal of ≥ 90% at ≤ 1.1×";
  assert.deepEqual(raws(text), []);
  assert.deepEqual(raws("0.20 / 0.80 and 55.1% + 24.7%"), ["0.20", "0.80", "55.1%", "24.7%"]);
});

Deno.test("prose_numbers: generated blocks, code fences and headings are not prose", () => {
  const md = [
    "## Section 1.5",
    "",
    "Prose 0.79, line 3.",
    "",
    "<!-- results:x -->",
    "Generated 9.99.",
    "<!-- /results:x -->",
    "",
    "```sh",
    "echo 8.88",
    "```",
    "",
    "- an item 0.42",
    "- another 0.43",
    "",
    "| a | b |",
    "| 1.25 | 2 |",
  ].join("\n");
  const { units, generated } = proseUnits(md);
  assert.deepEqual(units.map((u) => [u.start, u.table]), [
    [3, false],
    [13, false],
    [14, false],
    [16, true],
  ]);
  assert.equal(units[3].lead, units[2], "a table takes the paragraph before it as its lead");
  assert.equal(generated.get("## Section 1.5"), "Generated 9.99.\n");
  const all = units.flatMap((u) => measuredNumbers(u.lines.join("\n"), u.start));
  assert.deepEqual(all.map((n) => [n.raw, n.line]), [
    ["0.79", 3],
    ["0.42", 13],
    ["0.43", 14],
    ["1.25", 17],
  ]);
});

Deno.test("prose_numbers: matching rounds the source to the prose, by kind", () => {
  const [p79] = measuredNumbers("0.79");
  assert.ok(matches(p79, sourceNumbers('{"cos": 0.7912}', true)), "rounded");
  assert.ok(!matches(p79, sourceNumbers('{"cos": 0.7962}', true)), "another value");
  assert.ok(!matches(p79, sourceNumbers("cos 0.8")), "markdown with fewer decimals");
  const [p59] = measuredNumbers("59%");
  assert.ok(matches(p59, sourceNumbers('{"closed": 0.5893}', true)), "a JSON fraction");
  assert.ok(matches(p59, sourceNumbers("| dsf | 59% |")), "a percentage");
  assert.ok(!matches(p59, sourceNumbers("| cos | 0.59 | 59 |")), "bare markdown numbers");
  const [neg] = measuredNumbers("−20%");
  assert.ok(matches(neg, sourceNumbers("| -20% |")), "− and - are one sign");
  assert.ok(!matches(neg, sourceNumbers("| 20% |")), "the sign counts");
  assert.ok(matches(p79, sourceNumbers("ptb-0.79")), "a hyphen after a letter is no sign");
  assert.ok(!matches(measuredNumbers("−0.79")[0], sourceNumbers("ptb-0.79")));
  const [d] = measuredNumbers("12.9 s");
  assert.ok(matches(d, sourceNumbers('{"evalSeconds": 12.936}', true)), "seconds");
  assert.ok(matches(d, sourceNumbers("| 12936 |")), "a bare number read as ms");
  assert.ok(matches(d, sourceNumbers("took 0.215 min")), "a unit converted");
  const [s] = measuredNumbers("3.9 GiB");
  assert.ok(matches(s, sourceNumbers("| heap MiB | 3947 |")), "MiB");
  const [r] = measuredNumbers("1.5e-5");
  assert.ok(matches(r, sourceNumbers("| 1.53e-5 |")) && !matches(r, sourceNumbers("1.6e-5")));
});

Deno.test("prose_numbers: cited files, the section's blocks, stale numbers caught", async () => {
  const root = await repo({
    "results/g/summary.md": "| dsf | 146.59 | 59% |",
    "results/g/run.json": '{"cos": 0.7912, "seconds": 11124.3}',
    "results/g/curves.svg": "<svg/>",
    "results/other/summary.md": "| x | 0.93 | 1.17× |",
    "lib/config/presets.ts": "schedule: { warmup: 0.1, floor: 0.1 }",
  });
  const md = [
    "## Speed",
    "",
    "<!-- results:speed -->",
    "| BPTT / DSF | 1.58× | 1.85× |",
    "<!-- /results:speed -->",
    "",
    "DSF is 1.58–1.85× faster than BPTT here.",
    "",
    "DSF is 1.16–1.38× faster on wasm.",
    "",
    "## Runs",
    "",
    "Seed 0 (`results/g/`): DSF 146.59, closing 59%, cosine 0.79, 3.09 h; 10% warm-up.",
    "",
    "The same (results/g/curves.svg): 146.59 and 0.80.",
    "",
    "Uncited here: 0.93–1.17×, and 1.58× from another section.",
  ].join("\n");
  const { measured, findings } = await checkProse(root, md);
  assert.equal(measured, 14);
  assert.deepEqual(findings.map((f) => [f.line, f.raw]), [
    [9, "1.16×"],
    [9, "1.38×"],
    [15, "0.80"],
    [17, "0.93×"],
    [17, "1.17×"],
    [17, "1.58×"],
  ]);
  assert.deepEqual(findings[2].sources, ["results/g"], "a figure stands for its group");
  assert.deepEqual(
    await citations(root, "`other` and results/<x>/summary.md and results/o<x>/summary.md"),
    ["results/other/summary.md", "results/other"],
  );
  const fixed = md.replace("0.80", "0.79").replace("1.16–1.38×", "1.58×").replace(
    "Uncited here: 0.93–1.17×, and 1.58× from another section.",
    "Cited: 0.93–1.17× (`results/other/`).",
  );
  assert.deepEqual((await checkProse(root, fixed)).findings, []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("prose_numbers: a file at a commit, read with git show", async () => {
  const root = await repo({ "results/g/old.md": "| old | 85.2 ms |" });
  const git = (...args: string[]) =>
    new Deno.Command("git", { args, cwd: root, stdout: "piped", stderr: "piped" }).output();
  await git("init", "-q");
  await git("add", ".");
  await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "old");
  const head = new TextDecoder().decode((await git("rev-parse", "--short", "HEAD")).stdout).trim();
  await Deno.remove(join(root, "results/g/old.md"));
  const md = `It took 85.2 ms then (\`${head}:results/g/old.md\`), and 85.3 ms.\n`;
  const { findings } = await checkProse(root, md);
  assert.deepEqual(findings.map((f) => f.raw), ["85.3 ms"]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("prose_numbers: --check exits 1 on a stale number, a plain run reports it", async () => {
  const root = await repo({
    "README.md": "# T\n\n<!-- results:a -->\n1.58×\n<!-- /results:a -->\n\nDSF is 1.16× faster.\n",
  });
  const run = (...args: string[]) =>
    new Deno.Command(Deno.execPath(), { args: ["run", "-A", TOOL, ...args, root] }).output();
  const dec = (b: Uint8Array) => new TextDecoder().decode(b);
  const check = await run("--check");
  assert.equal(check.code, 1);
  assert.match(dec(check.stdout), /README\.md:7: 1\.16× not found in its section's generated/);
  assert.match(dec(check.stderr), /1 measured numbers in the README's prose, 1 not found/);
  const plain = await run();
  assert.equal(plain.code, 0);
  await Deno.writeTextFile(
    join(root, "README.md"),
    "# T\n\n<!-- results:a -->\n1.58×\n" +
      "<!-- /results:a -->\n\nDSF is 1.58× faster.\n",
  );
  assert.equal((await run("--check")).code, 0);
  await Deno.remove(root, { recursive: true });
});

Deno.test("prose_numbers: a notebook's markdown cells and outputs", () => {
  const nb = JSON.stringify({
    cells: [
      { cell_type: "markdown", source: ["# A\n", "DSF 0.79\n"] },
      { cell_type: "code", source: "x", outputs: [{ text: ["cos 0.7912"] }] },
    ],
  });
  const { cells, outputs } = notebookText(nb);
  assert.deepEqual(cells, ["# A\nDSF 0.79\n"]);
  assert.ok(matches(measuredNumbers("0.79")[0], sourceNumbers(outputs, true)));
});
