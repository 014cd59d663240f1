/**
 * Downloads and verifies the datasets: `deno run -A data/fetch.ts [--dataset
 * ptb|wikitext-2|wikitext-103|all] [--dir D] [--force]`. The folder defaults to
 * `$DSF_DATA_DIR`, else `<project>/.cache/data`. Sources and hashes: data/README.md.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolveDataDir } from "../lib/io/dirs.ts";
import { fetchDataset } from "../lib/io/fetch_dataset.ts";
import { type DatasetName, DATASETS } from "../lib/io/manifest.ts";

const USAGE = `usage: deno run -A data/fetch.ts [--dataset ptb|wikitext-2|wikitext-103|all] \
[--dir DIR] [--force]
  --dataset  which dataset (default all; wikitext-103 is a ~180 MB download)
  --dir      data folder (default $DSF_DATA_DIR, else <project>/.cache/data)
  --force    replace files that are present but have a different hash`;

/** Parses the command line and fetches; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        dataset: { type: "string", default: "all" },
        dir: { type: "string" },
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : e}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const which = values.dataset === "all" ? [...DATASETS] : [values.dataset as DatasetName];
  if (!which.every((d) => DATASETS.includes(d))) {
    console.error(`unknown dataset ${JSON.stringify(values.dataset)}\n${USAGE}`);
    return 2;
  }
  const dir = resolveDataDir({ dataDir: values.dir, forWriting: true });
  let failed = 0;
  for (const dataset of which) {
    try {
      await fetchDataset(dataset, { dir, force: values.force, log: (l) => console.log(l) });
    } catch (e) {
      console.error(e instanceof Error ? e.message : e);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
