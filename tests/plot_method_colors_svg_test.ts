/**
 * Every committed figure — `notebooks/figures/*.svg`, `results/**\/*.svg` and the SVG outputs
 * kept in the notebooks — draws each method its legend names in the method's one colour of
 * `lib/plot/method_colors.ts`, gives two series of one figure two colours, and gives no
 * training method's colour to a series that is no method.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { METHOD_COLORS, methodKey } from "../lib/plot/method_colors.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A colour legend entry of a figure: its label and its swatch colour. */
export interface LegendEntry {
  label: string;
  color: string;
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

/** The legend entries of a figure drawn by lib/plot (`<g class="legend-item">`). */
export function legendEntries(svg: string): LegendEntry[] {
  return [...svg.matchAll(/<g class="legend-item">(.*?)<\/g>/gs)].map((m) => {
    const color = m[1].match(/(?:stroke|fill)="([^"]+)"/)?.[1] ?? "";
    const text = m[1].match(/<text[^>]*>([^<]*)<\/text>/)?.[1] ?? "";
    return {
      label: text.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]),
      color: color.toUpperCase(),
    };
  });
}

/** Line-style and reference-line entries: grey by construction, no series colour. */
const STYLE_GREYS = new Set(["#555", "#555555", "#666666"]);

/** A method named anywhere in a label (as the runs, tables and figures spell them). */
const MENTION = /(?:^|[^a-z0-9-])(ft-bptt|bptt|dsf|transformer|gpt|ema|pytorch)(?![a-z0-9])/i;

/** The colours only the training methods, their feedbacks and the baselines may take. */
const RESERVED = new Map(
  ["bptt", "ft-bptt", "dsf", "dsf-fitted", "dsf-jacobian-diagonal", "dsf-capped", "gpt", "ema"]
    .map((m) => [METHOD_COLORS[m].toUpperCase(), m]),
);

/** What is wrong with one figure's legend (empty: nothing). */
export function legendProblems(entries: readonly LegendEntry[]): string[] {
  const series = entries.filter((e) => !STYLE_GREYS.has(e.color));
  const problems: string[] = [];
  for (const e of series) {
    const key = methodKey(e.label);
    if (key !== undefined) {
      const want = METHOD_COLORS[key].toUpperCase();
      if (e.color !== want) problems.push(`"${e.label}" is ${e.color}, its method ${key} ${want}`);
    } else if (MENTION.test(e.label)) {
      problems.push(
        `"${e.label}" names a method but not as method_colors.ts reads it (start with the name)`,
      );
    } else if (RESERVED.has(e.color)) {
      problems.push(`"${e.label}" is no method but takes ${RESERVED.get(e.color)}'s ${e.color}`);
    }
  }
  const byColor = new Map<string, string[]>();
  for (const e of series) byColor.set(e.color, [...(byColor.get(e.color) ?? []), e.label]);
  for (const [color, labels] of byColor) {
    // One method trained by two engines (`dsf`, `dsf · pytorch-twin`) is one colour, two dashes.
    const distinct = [...new Set(labels.map((l) => l.split(" · ")[0]))];
    if (distinct.length > 1) problems.push(`${distinct.join(", ")} share ${color}`);
  }
  return problems;
}

async function* svgFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* svgFiles(path);
    else if (e.isFile && e.name.endsWith(".svg")) yield path;
  }
}

/** Every committed figure: its name and SVG text. */
async function committedFigures(): Promise<{ name: string; svg: string }[]> {
  const out: { name: string; svg: string }[] = [];
  for (const dir of ["notebooks/figures", "results"]) {
    for await (const path of svgFiles(join(ROOT, dir))) {
      out.push({ name: relative(ROOT, path), svg: await Deno.readTextFile(path) });
    }
  }
  for await (const e of Deno.readDir(join(ROOT, "notebooks"))) {
    if (!e.name.endsWith(".ipynb")) continue;
    const nb = JSON.parse(await Deno.readTextFile(join(ROOT, "notebooks", e.name)));
    (nb.cells ?? []).forEach(
      (cell: { outputs?: { data?: Record<string, unknown> }[] }, i: number) => {
        for (const o of cell.outputs ?? []) {
          const svg = o.data?.["image/svg+xml"];
          if (svg !== undefined) {
            out.push({
              name: `notebooks/${e.name} cell ${i + 1}`,
              svg: Array.isArray(svg) ? svg.join("") : String(svg),
            });
          }
        }
      },
    );
  }
  return out;
}

Deno.test("legendProblems: a method in another colour, a method not read as one, a shared colour", () => {
  assert.deepEqual(legendProblems([{ label: "dsf", color: METHOD_COLORS.dsf }]), []);
  assert.equal(legendProblems([{ label: "DSF (fitted λ)", color: METHOD_COLORS.dsf }]).length, 1);
  assert.match(legendProblems([{ label: "[0, 0] = FT-BPTT", color: "#123456" }])[0], /names a/);
  assert.match(legendProblems([{ label: "layer0", color: METHOD_COLORS.bptt }])[0], /no method/);
  assert.match(
    legendProblems([{ label: "a", color: "#44AA99" }, {
      label: "b",
      color: "#44aa99".toUpperCase(),
    }])[0],
    /share/,
  );
  assert.deepEqual(
    legendProblems([{ label: "dsf", color: METHOD_COLORS.dsf }, {
      label: "dsf · pytorch-twin",
      color: METHOD_COLORS.dsf,
    }]),
    [],
  );
  // Line styles and reference lines are grey and name no series.
  assert.deepEqual(legendProblems([{ label: "1: the norm of BPTT's δ_t", color: "#666666" }]), []);
});

Deno.test("every committed figure draws each method its legend names in the method's colour", async () => {
  const figures = await committedFigures();
  assert.ok(figures.length > 50, `only ${figures.length} figures found`);
  const problems = figures.flatMap((f) =>
    legendProblems(legendEntries(f.svg)).map((p) => `${f.name}: ${p}`)
  );
  assert.deepEqual(problems, []);
});
