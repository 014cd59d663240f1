// committedGroup: a committed results group as a notebook shows it (curves and table), and the
// commands when the group is empty.
import assert from "node:assert/strict";
import { committedGroup } from "../lib/notebook/committed_group.ts";

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
