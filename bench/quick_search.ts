/**
 * The notebooks issue's search for a quick scale that teaches: real-text settings (width,
 * context, character or word level, learning rate) where BPTT, FT-BPTT and DSF come apart within
 * a few minutes a run on this machine. "Apart": the same ordering of the three modes in both
 * seeds, and each gap between neighbours in that ordering larger than 2 standard deviations
 * (over the seeds) of either mode. Every run is the `ptb-gru-1L256` or `ptb-char-gru-1L256`
 * preset at `quick` with the setting's overrides and a fixed number of updates (so a rerun
 * repeats it exactly); the metric is the validation perplexity at the end, on the first
 * `evalBatches` batches of the validation split.
 *
 *     DSF_THREADS=1 deno run -A bench/quick_search.ts [--settings A,B] [--seeds 0,1]
 *       [--out results/quick-search]
 *
 * Each finished run is appended to `OUT/results.jsonl` (a rerun skips what is there), and
 * `OUT/README.md` is rewritten from all of them.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { resolveConfig } from "../lib/config/resolve.ts";
import { DataCache, prepareRun, trainRun } from "../lib/run.ts";
import {
  QUICK_SEARCH_SETTINGS,
  searchReport,
  type SearchRow,
} from "../lib/analysis/quick_search.ts";
import { GRADIENT_MODES } from "../lib/recurrent.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    settings: { type: "string", default: QUICK_SEARCH_SETTINGS.map((s) => s.id).join(",") },
    seeds: { type: "string", default: "0,1" },
    out: { type: "string", default: "results/quick-search" },
  },
});
const ids = values.settings.split(",");
const unknown = ids.filter((id) => !QUICK_SEARCH_SETTINGS.some((s) => s.id === id));
const seeds = values.seeds.split(",").map(Number);
if (unknown.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  console.error(
    `quick_search: --settings takes ids of ${QUICK_SEARCH_SETTINGS.map((s) => s.id).join(", ")} ` +
      `(got ${unknown.join(", ") || "-"}); --seeds non-negative integers, e.g. 0,1`,
  );
  Deno.exit(2);
}
await Deno.mkdir(values.out, { recursive: true });
const rowsPath = join(values.out, "results.jsonl");
const read =
  async () => ((await Deno.readTextFile(rowsPath).catch(() => "")).split("\n").filter((l) =>
    l.trim()
  )
    .map((l) => JSON.parse(l) as SearchRow));
const done = await read();
const cache = new DataCache();
const command = `DSF_THREADS=1 deno run -A bench/quick_search.ts --settings ${ids.join(",")} ` +
  `--seeds ${seeds.join(",")} --out ${values.out}`;
for (const setting of QUICK_SEARCH_SETTINGS.filter((s) => ids.includes(s.id))) {
  for (const seed of seeds) {
    for (const mode of GRADIENT_MODES) {
      if (done.some((r) => r.setting === setting.id && r.seed === seed && r.mode === mode)) {
        continue;
      }
      const patch = { ...setting.patch, mode, seed, backend: "wasm" } as const;
      const config = resolveConfig(setting.preset, { scale: "quick", patch });
      const run = await prepareRun(config, { data: cache, quiet: true });
      const t0 = performance.now();
      try {
        const summary = await trainRun(run, { skipTest: true });
        const row: SearchRow = {
          setting: setting.id,
          mode,
          seed,
          steps: summary.steps,
          valPpl: summary.valPpl,
          minValPpl: summary.minValPpl,
          seconds: (performance.now() - t0) / 1000,
          backend: run.backend.line,
          command,
        };
        await Deno.writeTextFile(rowsPath, JSON.stringify(row) + "\n", { append: true });
        console.log(
          `${setting.id} ${mode} seed ${seed}: valid ${row.valPpl.toFixed(2)} ` +
            `(${row.steps} updates, ${row.seconds.toFixed(0)} s)`,
        );
      } finally {
        run.model.dispose();
      }
    }
  }
}
await Deno.writeTextFile(join(values.out, "README.md"), searchReport(await read()));
console.log(`wrote ${join(values.out, "README.md")}`);
