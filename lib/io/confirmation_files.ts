/**
 * A confirmation group as `results/<group>/` holds it (`lib/analysis/confirmation.ts`): its
 * `compare.json` and the committed runs of the group and of the reference groups it names, each
 * with its group and the commit it trained at.
 *
 * @module
 */
import { join } from "node:path";
import { reproRunOf } from "../analysis/reproduction.ts";
import {
  commitOf,
  type CompareSpec,
  parseCompareSpec,
  type SourcedRun,
} from "../analysis/confirmation.ts";
import { type CommittedRun, readCommittedJson, readCommittedRuns } from "./committed_runs.ts";
import { projectRoot } from "./dirs.ts";

/** What {@link readConfirmation} found. */
export interface Confirmation {
  spec: CompareSpec;
  /** The group's own runs (training runs only). */
  committed: CommittedRun[];
  here: SourcedRun[];
  /** The reference groups' runs. */
  refs: SourcedRun[];
}

async function sourced(group: string, root: string): Promise<[CommittedRun[], SourcedRun[]]> {
  const committed = (await readCommittedRuns(group, join(root, "results", group))).filter((r) =>
    typeof r.summary.mode === "string" && typeof r.summary.minValPpl === "number"
  );
  return [
    committed,
    committed.map((c) => ({ run: reproRunOf(c), group, commit: commitOf(c.summary) })),
  ];
}

/**
 * Reads a confirmation group; null when `results/<group>/compare.json` does not exist.
 * @throws Error (one line) when the file is malformed or a group holds no runs
 */
export async function readConfirmation(
  group: string,
  root = projectRoot(),
): Promise<Confirmation | null> {
  const specPath = join(root, "results", group, "compare.json");
  if (!(await Deno.stat(specPath).then(() => true, () => false))) return null;
  const shown = join("results", group, "compare.json");
  const spec = parseCompareSpec(await readCommittedJson(specPath), shown);
  const [committed, here] = await sourced(group, root);
  if (!here.length) throw new Error(`results/${group}/ holds no committed runs yet`);
  const refs: SourcedRun[] = [];
  for (const g of spec.with) {
    const [, runs] = await sourced(g, root);
    if (!runs.length) throw new Error(`${shown}: results/${g}/ holds no committed runs`);
    refs.push(...runs);
  }
  return { spec, committed, here, refs };
}
