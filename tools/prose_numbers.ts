/**
 * Every measured number in the README's hand-written prose must be found in the file it comes
 * from, so that a number typed once cannot go stale (as "1.16–1.38×" once did against the
 * tables' 1.58–1.85×). Generated blocks (`<!-- NAME -->` … `<!-- /NAME -->`, written by tools),
 * code fences and headings are skipped; every other paragraph, list item and table is checked.
 *
 *     deno run -A tools/prose_numbers.ts [--check] [--notebooks] [ROOT]
 *
 * **What counts as measured**: a decimal (`141.35`, `0.79`, `2.4M`), a percentage (`59%`,
 * `−53%`), a ratio (`1.8×`, also an integer one: `118×`), a duration (`12.9 s`, `391 ms`,
 * `27 min`, `4 h`, `2 min 40 s`), a decimal size (`3.9 GiB`) and scientific notation with a
 * decimal mantissa (`1.5e-5`). A range's first number takes the unit of its end (`0.93–1.17×`);
 * both are checked. **Not measured**: an integer without one of those units (sizes, counts,
 * steps, years, exit codes; `16k`, `4 GiB`), scientific notation with an integer mantissa
 * (`1e-3`, `5e-4`: settings and bounds), a number after `×` (a multiplier or dimension:
 * `lr ×0.1`, `3 × 512`), after `≥` or `≤` (a bound: a target, a tolerance, an at-least), after
 * `=` (a setting or a formula's value: `λ = 0.5`, `= 260.4 MiB`) or after `) ≈` (a formula's
 * value), the bare numbers of a formula with `+` or parentheses
 * (`1 / (0.20 + 0.80 / 1.8)`: derived from numbers stated beside it), versions (`2.9.6`, or a
 * number after a software name: `PyTorch 1.13`), section numbers (`§5.2`), arXiv ids, link
 * targets, anything in backticks (commands, keys, names) and numbers glued to a word
 * (`AVX-512`, `float32`, `3L128`).
 *
 * **Where it is looked for**: the generated blocks of the paragraph's own section (the tables
 * beside it), the files the paragraph cites (a table also takes the citations of the paragraph
 * right before it), and the presets' settings (lib/config/presets.ts, for a percentage or a
 * ratio only: `warmup: 0.1` is a 10% warm-up). A citation is a repository path the paragraph
 * names (`results/bench/`, `results/parity/summary.md`; `results/parity-<case>/summary.md` is
 * a glob; a figure `results/wt2/curves.svg` stands for its group's folder; a folder gives its
 * `*.md`, `*.json`, `*.jsonl`, `*.txt`, `*.csv` files, recursively), the same at a commit
 * (`8c956df:results/bench-profile/README.md`, read with `git show`), or a results group named
 * alone in backticks (`ptb-word-30ep`). An uncited paragraph is not looked up in other
 * sections' blocks or all of `results/`: their thousands of two-decimal numbers would match
 * most stale values (measured: two in three numbers changed by 10–25% still matched).
 *
 * **How it matches**: a source number rounded to the prose's decimals (`0.79` matches 0.7912;
 * a markdown source needs at least the prose's decimals); a percentage matches a `%` or a JSON
 * fraction (`59%`: `59%` or 0.5893); a ratio a bare number, a `×` or JSON; a decimal those or
 * one written with a time or size unit; a duration or size one written with a unit, converted,
 * or a bare or JSON number read as ms or s (bytes or MiB); `−` and `-` are the same sign.
 *
 * `--check` exits 1 when a README number is unmatched. `--notebooks` also reports the markdown
 * cells of `notebooks/*.ipynb` (looked up in what they cite and in that notebook's outputs),
 * never failing on them.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  matches,
  type Measured,
  measuredNumbers,
  proseUnits,
  type SourceNumber,
  sourceNumbers,
  type Unit,
} from "./prose_numbers_parse.ts";

export * from "./prose_numbers_parse.ts";

/** The configuration presets: their numbers are settings, not measurements. */
export const SETTINGS = "lib/config/presets.ts";
const DATA = /\.(md|json|jsonl|txt|csv|tsv)$/;
const AT_COMMIT = /^([0-9a-f]{7,40}):(.*)$/;

async function stat(path: string): Promise<Deno.FileInfo | null> {
  return await Deno.stat(path).catch(() => null);
}

/** `git show COMMIT:PATH` in `root`, or null when git does not have it. */
async function gitShow(root: string, spec: string): Promise<string | null> {
  const out = await new Deno.Command("git", { args: ["show", spec], cwd: root, stderr: "null" })
    .output().catch(() => null);
  return out?.success ? new TextDecoder().decode(out.stdout) : null;
}

async function dataFiles(root: string, rel: string): Promise<string[]> {
  if (AT_COMMIT.test(rel)) return DATA.test(rel) ? [rel] : [];
  const info = await stat(join(root, rel));
  if (info?.isFile) return DATA.test(rel) ? [rel] : [];
  if (!info?.isDirectory) return [];
  const out: string[] = [];
  for await (const e of Deno.readDir(join(root, rel))) {
    out.push(...await dataFiles(root, join(rel, e.name)));
  }
  return out.sort();
}

/** Expands `*` in one path segment at a time (a whole-group `*` is too broad: skipped). */
async function expand(root: string, path: string): Promise<string[]> {
  let paths = [""];
  for (const [i, part] of path.split("/").filter((p) => p !== "").entries()) {
    if (!part.includes("*")) {
      paths = paths.map((p) => (p ? `${p}/${part}` : part));
      continue;
    }
    if (part === "*" && i <= 1) return [];
    const re = new RegExp(`^${part.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    const next: string[] = [];
    for (const p of paths) {
      if (!(await stat(join(root, p)))?.isDirectory) continue;
      for await (const e of Deno.readDir(join(root, p))) {
        if (re.test(e.name)) next.push(p ? `${p}/${e.name}` : e.name);
      }
    }
    paths = next.sort();
  }
  return paths;
}

/** The repository paths a text cites: named paths (globs expanded, at a commit) and groups. */
export async function citations(root: string, text: string): Promise<string[]> {
  const joined = text.replace(/\n\s*/g, " ");
  const out = new Set<string>();
  const path =
    /(?<![\w\/.:-])(?:([0-9a-f]{7,40}):)?((?:results|notebooks|bench|tests|lib|data|tools|twin)\/[\w.*<>\/-]*)/g;
  for (const m of joined.matchAll(path)) {
    const p = m[2].replace(/[.,]+$/, "").replace(/<[^>]*>/g, "*");
    if (m[1] !== undefined) {
      if (await gitShow(root, `${m[1]}:${p}`) !== null) out.add(`${m[1]}:${p}`);
      continue;
    }
    for (const e of await expand(root, p)) {
      const info = await stat(join(root, e));
      const group = /^results\/[^/]+/.exec(e)?.[0];
      if (group && info?.isFile && !DATA.test(e)) out.add(group); // a figure: its group
      else if (info) out.add(e);
    }
  }
  for (const m of joined.matchAll(/`([\w.-]+)\/?`/g)) {
    if ((await stat(join(root, "results", m[1])))?.isDirectory) out.add(`results/${m[1]}`);
  }
  return [...out];
}

const numbersCache = new Map<string, SourceNumber[]>();
async function fileNumbers(root: string, rel: string): Promise<SourceNumber[]> {
  const key = `${root}\0${rel}`;
  if (!numbersCache.has(key)) {
    const text = AT_COMMIT.test(rel)
      ? await gitShow(root, rel) ?? ""
      : await Deno.readTextFile(join(root, rel));
    numbersCache.set(key, sourceNumbers(text, /\.jsonl?$/.test(rel)));
  }
  return numbersCache.get(key)!;
}

/** A prose unit's measured numbers and what they are looked up in. */
export interface Lookup {
  unit: Unit;
  numbers: Measured[];
  values: SourceNumber[];
  sources: string[];
}

/**
 * Each prose unit of `markdown` with measured numbers, and its sources under `root`; `extra`
 * (a notebook's outputs, as JSON) is looked in by every unit.
 */
export async function lookups(root: string, markdown: string, extra = ""): Promise<Lookup[]> {
  const { units, generated } = proseUnits(markdown);
  const presets = await Deno.readTextFile(join(root, SETTINGS)).catch(() => "");
  const settings = sourceNumbers(presets).map((s) => ({ ...s, unit: "setting" as const }));
  const out: Lookup[] = [];
  for (const unit of units) {
    const numbers = measuredNumbers(unit.lines.join("\n"), unit.start);
    if (numbers.length === 0) continue;
    const cited = await citations(root, [unit.lead?.lines ?? [], unit.lines].flat().join("\n"));
    const values = [...settings, ...sourceNumbers(generated.get(unit.section) ?? "")];
    for (const c of cited) {
      for (const f of await dataFiles(root, c)) values.push(...await fileNumbers(root, f));
    }
    if (extra) values.push(...sourceNumbers(extra, true));
    const sources = [...cited];
    if (generated.has(unit.section)) sources.push("its section's generated blocks");
    if (extra) sources.push("the notebook's outputs");
    if (sources.length === 0) sources.push("nothing: it cites no file, its section has no block");
    out.push({ unit, numbers, values, sources });
  }
  return out;
}

/** A number of the prose that none of its sources holds. */
export interface Finding {
  line: number;
  raw: string;
  section: string;
  sources: string[];
}

/** Checks every measured number of `markdown`'s prose against its sources under `root`. */
export async function checkProse(
  root: string,
  markdown: string,
  extra = "",
): Promise<{ measured: number; findings: Finding[] }> {
  const findings: Finding[] = [];
  let measured = 0;
  for (const { unit, numbers, values, sources } of await lookups(root, markdown, extra)) {
    measured += numbers.length;
    for (const n of numbers) {
      if (!matches(n, values)) {
        findings.push({ line: n.line, raw: n.raw, section: unit.section, sources });
      }
    }
  }
  return { measured, findings };
}

/** A notebook's markdown cells (their sources) and the text of its outputs. */
export function notebookText(json: string): { cells: string[]; outputs: string } {
  const nb = JSON.parse(json) as {
    cells: { cell_type: string; source: string | string[]; outputs?: unknown[] }[];
  };
  const cells = nb.cells.filter((c) => c.cell_type === "markdown")
    .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []).map((o) => JSON.stringify(o));
  return { cells, outputs: outputs.join("\n") };
}

const print = (where: string, f: Finding) =>
  console.log(
    `${where}:${f.line}: ${f.raw} not found in ${f.sources.join(", ")}` +
      (f.section ? ` (under "${f.section}")` : ""),
  );

if (import.meta.main) {
  const root = Deno.args.find((a) => !a.startsWith("--")) ??
    fileURLToPath(new URL("../", import.meta.url));
  const { measured, findings } = await checkProse(
    root,
    await Deno.readTextFile(join(root, "README.md")),
  );
  for (const f of findings) print("README.md", f);
  if (Deno.args.includes("--notebooks")) {
    const dir = join(root, "notebooks");
    const names = [];
    for await (const e of Deno.readDir(dir)) if (e.name.endsWith(".ipynb")) names.push(e.name);
    for (const name of names.sort()) {
      const { cells, outputs } = notebookText(await Deno.readTextFile(join(dir, name)));
      let [n, unmatched] = [0, 0];
      for (const [i, cell] of cells.entries()) {
        const r = await checkProse(root, cell, outputs);
        for (const f of r.findings) print(`notebooks/${name} markdown cell ${i + 1}`, f);
        [n, unmatched] = [n + r.measured, unmatched + r.findings.length];
      }
      console.log(
        `notebooks/${name}: ${n} measured numbers in its markdown, ${unmatched} unmatched`,
      );
    }
  }
  const summary = `prose_numbers: ${measured} measured numbers in the README's prose, ` +
    `${findings.length} not found in the files they come from`;
  if (Deno.args.includes("--check") && findings.length > 0) {
    console.error(summary);
    Deno.exit(1);
  }
  console.log(summary);
}
