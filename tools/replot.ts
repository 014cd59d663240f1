/**
 * Redraws the committed figures of `results/` whose data is committed beside them, after a change
 * to lib/plot (the method colours, the axes), without rerunning what measured them:
 *
 * - `results/**\/bench_<cell>.svg` from the `bench.json` beside it (`deno task bench`'s figure,
 *   `stepTimeFigure`), with the caption facts the figure had;
 * - `results/**\/<run>-lags-<ckpt>-{cos,norm,cos-t,groups}.svg` from the `…-lags-<ckpt>.json`
 *   beside them (`deno task lags`' figures).
 *
 * The groups' `curves.svg` are `deno task results GROUP`'s: rerun that for them.
 *
 * Usage: `deno run -A tools/replot.ts [--check]` (`--check`: write nothing, exit 1 when a figure
 * differs from what it would be redrawn as).
 *
 * @module
 */
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchFile } from "../lib/bench/bench_file.ts";
import { stepTimeFigure } from "../lib/bench/plot.ts";
import {
  groupShareChart,
  lagCosineChart,
  lagNormChart,
  stepCosineChart,
} from "../lib/analysis/lag_figures.ts";
import type { FeedbackLags } from "../lib/analysis/lag_summary.ts";
import type { Figure } from "../lib/plot/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

async function* files(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* files(path);
    else if (e.isFile) yield path;
  }
}

/** The run facts a figure's caption states ("backend: wasm · B: 32"), as a `meta` object. */
export function captionFacts(svg: string): Record<string, string> {
  const text = [...svg.matchAll(/<text class="caption"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])
    .join(" ").replace(
      /&(amp|lt|gt|quot|apos);/g,
      (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" })[e]!,
    );
  const facts: Record<string, string> = {};
  for (const part of text.split(" · ")) {
    const at = part.indexOf(": ");
    if (at > 0) facts[part.slice(0, at)] = part.slice(at + 2);
  }
  return facts;
}

/** Every figure to redraw: its path and the figure it is redrawn as. */
async function redrawn(): Promise<{ path: string; figure: Figure }[]> {
  const out: { path: string; figure: Figure }[] = [];
  for await (const path of files(join(ROOT, "results"))) {
    const name = basename(path);
    const bench = name.match(/^bench_(\w+)\.svg$/);
    if (bench) {
      const json = join(dirname(path), "bench.json");
      const text = await Deno.readTextFile(json).catch(() => null);
      if (text === null) continue;
      const meta = captionFacts(await Deno.readTextFile(path));
      const { rows } = parseBenchFile(text);
      const cell = bench[1];
      const layer = rows.filter((r) => r.cell === cell && r.unit === "layer");
      if (layer.length) out.push({ path, figure: stepTimeFigure(layer, { cell, meta }) });
      continue;
    }
    if (!/-lags-\w+\.json$/.test(name)) continue;
    const f = JSON.parse(await Deno.readTextFile(path)) as {
      run: string;
      step: number;
      layer: number;
      rows: number[][];
      backend: string;
      feedbacks: FeedbackLags[];
    };
    const meta = {
      run: basename(f.run),
      step: f.step,
      layer: f.layer,
      rows: f.rows.flat().length,
      backend: f.backend,
    };
    const stem = path.replace(/\.json$/, "");
    out.push(
      { path: `${stem}-cos.svg`, figure: lagCosineChart(f.feedbacks, meta) },
      { path: `${stem}-norm.svg`, figure: lagNormChart(f.feedbacks, meta) },
      { path: `${stem}-cos-t.svg`, figure: stepCosineChart(f.feedbacks, meta) },
      { path: `${stem}-groups.svg`, figure: groupShareChart(f.feedbacks, meta) },
    );
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  let stale = 0;
  for (const { path, figure } of await redrawn()) {
    const now = await Deno.readTextFile(path).catch(() => "");
    const next = figure.svg + "\n";
    if (now === next) continue;
    stale++;
    if (check) console.error(`replot: ${relative(ROOT, path)} is not what its data draws`);
    else {
      await Deno.writeTextFile(path, next);
      console.log(`replot: wrote ${relative(ROOT, path)}`);
    }
  }
  return check && stale ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
