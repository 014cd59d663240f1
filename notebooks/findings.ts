/**
 * Collects what the committed notebooks found into one page, `notebooks/FINDINGS.md`: per
 * notebook its run line (scale, backend, seed), how long its last refresh took
 * (`notebooks/refresh.json`, written by `deno task notebooks:refresh`), and the facts its verdict
 * states — the Markdown list its last code cell (the verdict's check) printed, each fact with the
 * number it was checked against, copied from the executed notebook, never retyped.
 *
 * Usage: `deno run -A notebooks/findings.ts [--check]` (`--check`: exit 1 when FINDINGS.md is
 * not what the notebooks say now).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = dirname(fileURLToPath(import.meta.url));

/** One notebook's last refresh, as `run.ts --timings` records it. */
export interface RefreshTiming {
  /** Wall seconds of the notebook's execution. */
  seconds: number;
  /** Whether every cell ran. */
  ok: boolean;
  /** When it ran (ISO). */
  date: string;
  /** DSF_SCALE. */
  scale: string;
  /** DSF_THREADS, or "default". */
  threads: string;
}

interface Output {
  data?: Record<string, string | string[]>;
}
interface Cell {
  cell_type: string;
  outputs?: Output[];
}

const text = (v: string | string[] | undefined) => Array.isArray(v) ? v.join("") : v ?? "";

/**
 * The findings of one executed notebook: its run line (the first output naming the scale) and
 * the Markdown its last code cell printed (the verdict's checked facts).
 */
export function notebookFindings(nb: { cells: Cell[] }): { run: string; findings: string[] } {
  const outputs = (c: Cell) => (c.outputs ?? []).map((o) => o.data ?? {});
  const codes = nb.cells.filter((c) => c.cell_type === "code");
  let run = "";
  for (const d of codes.flatMap(outputs)) {
    const t = text(d["text/markdown"]) || text(d["text/plain"]);
    const m = t.match(/scale: [^\n"*]+/);
    if (m) {
      run = m[0].trim();
      break;
    }
  }
  const found: string[] = [];
  for (const d of codes.length ? outputs(codes[codes.length - 1]) : []) {
    const md = text(d["text/markdown"]).trim();
    if (md && !found.includes(md)) found.push(md);
  }
  return { run, findings: found };
}

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.round(seconds)} s`;
}

/** The page: a header with the refresh's total time, then one section per notebook. */
export function findingsReport(
  notebooks: { name: string; nb: { cells: Cell[] } }[],
  timings: Record<string, RefreshTiming>,
): string {
  const timed = notebooks.map((n) => timings[`${n.name}.ipynb`]).filter((t) => t);
  const total = timed.reduce((s, t) => s + t.seconds, 0);
  const dates = [...new Set(timed.map((t) => t.date.slice(0, 10)))].sort();
  const lines = [
    "# What the notebooks found",
    "",
    "Made by `deno task notebooks:findings` from the committed notebooks' outputs (each block is " +
    "what its cell computed and printed; nothing here is typed by hand). Refresh the notebooks " +
    "with `deno task notebooks:refresh` (`./dsf.sh notebooks:refresh`), then rerun this.",
    "",
    timed.length
      ? `Last refresh: ${timed.length} of ${notebooks.length} notebooks timed, ${
        duration(total)
      } in all (sum of each notebook's wall time; ${dates.join(", ")}).`
      : "No refresh timings recorded (`notebooks/refresh.json`).",
    "",
  ];
  for (const { name, nb } of notebooks) {
    const { run, findings } = notebookFindings(nb);
    const t = timings[`${name}.ipynb`];
    const when = t
      ? ` — ${duration(t.seconds)}, ${t.date.slice(0, 16).replace("T", " ")} UTC, ` +
        `DSF_THREADS=${t.threads}${t.ok ? "" : ", **a cell failed**"}`
      : "";
    lines.push(`## \`${name}\``, "", `*${run || "run line not found"}${when}*`, "");
    for (const f of findings) lines.push(f, "");
  }
  return lines.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

async function main(args: string[]): Promise<number> {
  const names: string[] = [];
  for await (const e of Deno.readDir(DIR)) {
    if (e.isFile && e.name.endsWith(".ipynb")) names.push(e.name.replace(/\.ipynb$/, ""));
  }
  names.sort();
  const notebooks = await Promise.all(
    names.map(async (name) => ({
      name,
      nb: JSON.parse(await Deno.readTextFile(join(DIR, `${name}.ipynb`))),
    })),
  );
  const timings = await Deno.readTextFile(join(DIR, "refresh.json"))
    .then((t) => JSON.parse(t).notebooks ?? {}).catch(() => ({}));
  const page = findingsReport(notebooks, timings);
  const path = join(DIR, "FINDINGS.md");
  if (args.includes("--check")) {
    const now = await Deno.readTextFile(path).catch(() => "");
    if (now !== page) {
      console.error("findings: notebooks/FINDINGS.md is stale; run deno task notebooks:findings");
      return 1;
    }
    return 0;
  }
  await Deno.writeTextFile(path, page);
  console.log(`wrote ${path}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
